#include "domain/api_keys.h"

#include "auth/digest.h"
#include "auth/secret_format.h"
#include "util/failure.h"
#include "util/random.h"
#include "util/text.h"

namespace cfiam {

std::string RollApiKey(store::Store& store, const std::string& raw_email) {
  const std::string email = ToLower(Trim(raw_email));
  if (!IsEmail(email) || email.size() > 90) throw Failure::Invalid("email", "is not a valid email");
  const std::string key = auth::NewGlobalApiKey();
  auto tx = store.Write();
  auto user = store.FindUserByEmail(*tx, email);
  if (!user) {
    User u;
    u.id = NewId();
    u.email = email;
    u.created_on = NowMicros();
    store.InsertUser(*tx, u);
    user = u;
  }
  store.SetApiKeyDigest(*tx, user->id, auth::Sha256Hex(key));
  tx->Commit();
  return key;
}

}  // namespace cfiam
