#include "domain/bootstrap.h"

#include "auth/digest.h"
#include "auth/secret_format.h"
#include "util/random.h"
#include "util/text.h"

namespace cfiam {

BootstrapResult Bootstrap(store::Store& store, const std::string& raw_email,
                          const std::optional<std::string>& token,
                          const std::optional<std::string>& api_key) {
  BootstrapResult result;
  const std::string email = ToLower(Trim(raw_email));
  auto tx = store.Write();
  const bool fresh = !store.HasAnyUser(*tx);
  auto user = store.FindUserByEmail(*tx, email);
  if (!user) {
    User u;
    u.id = NewId();
    u.email = email;
    u.tenant_admin = true;
    u.created_on = NowMicros();
    store.InsertUser(*tx, u);
    user = u;
  } else if (!user->tenant_admin) {
    store.SetTenantAdmin(*tx, user->id, true);
  }

  std::optional<std::string> secret = token;
  if (!secret && fresh) {
    secret = auth::NewUserTokenSecret();
    result.generated_token = secret;
  }
  if (secret) {
    const std::string digest = auth::Sha256Hex(*secret);
    auto existing = store.FindTokenByDigest(*tx, digest);
    if (existing && existing->user_id != user->id) store.DeleteToken(*tx, existing->id);
    if (!existing || existing->user_id != user->id) {
      Token t;
      t.id = NewId();
      t.owner_kind = "user";
      t.user_id = user->id;
      t.name = "bootstrap";
      t.secret_digest = digest;
      t.issued_on = t.modified_on = NowMicros();
      t.policies_json = "[]";
      store.InsertToken(*tx, t);
    }
  }
  if (api_key) store.SetApiKeyDigest(*tx, user->id, auth::Sha256Hex(*api_key));
  tx->Commit();
  return result;
}

}  // namespace cfiam
