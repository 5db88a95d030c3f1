#include "domain/bootstrap.h"

#include "auth/digest.h"
#include "auth/secret_format.h"
#include "util/random.h"
#include "util/text.h"

namespace cfiam {
namespace {

// Which token, and which user's API key, the bootstrap settings made.
constexpr std::string_view kTokenSetting = "bootstrap_token_id";
constexpr std::string_view kKeySetting = "bootstrap_api_key_user_id";

// Deletes the token a previous start made from another configured secret,
// and records `current_id` as the bootstrap token.
void RevokePreviousToken(store::Store& store, store::Tx& tx, const std::string& current_id) {
  const auto previous = store.GetSetting(tx, kTokenSetting);
  if (!previous) {
    store.DeleteUnrecordedBootstrapTokens(tx, current_id);
  } else if (*previous != current_id) {
    store.DeleteToken(tx, *previous);
  }
  store.PutSetting(tx, kTokenSetting, current_id);
}

}  // namespace

BootstrapResult Bootstrap(store::Store& store, const std::string& raw_email,
                          const std::optional<std::string>& token,
                          const std::optional<std::string>& api_key) {
  BootstrapResult result;
  const std::string email = NormalizeEmail(raw_email);
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
    std::string current_id = existing && existing->user_id == user->id ? existing->id : "";
    if (current_id.empty()) {
      Token t;
      t.id = NewId();
      t.owner_kind = "user";
      t.user_id = user->id;
      t.name = "bootstrap";
      t.secret_digest = digest;
      t.issued_on = t.modified_on = NowMicros();
      t.policies_json = "[]";
      store.InsertToken(*tx, t);
      current_id = t.id;
    }
    RevokePreviousToken(store, *tx, current_id);
  }
  if (api_key) {
    const auto previous = store.GetSetting(*tx, kKeySetting);
    if (previous && *previous != user->id) store.ClearApiKey(*tx, *previous);
    store.SetApiKeyDigest(*tx, user->id, auth::Sha256Hex(*api_key));
    store.PutSetting(*tx, kKeySetting, user->id);
  }
  tx->Commit();
  return result;
}

}  // namespace cfiam
