#include "domain/tokens.h"

#include "auth/digest.h"
#include "auth/secret_format.h"
#include "util/api_error.h"
#include "util/random.h"

namespace cfiam {

Token TokenService::Load(store::Tx& tx, const std::string& account_id,
                         const std::string& token_id) {
  auto token = store_.GetToken(tx, token_id);
  if (!token || token->owner_kind != "account" || token->account_id != account_id) {
    throw ApiError::NotFound("Token");
  }
  return *token;
}

std::pair<Token, std::string> TokenService::Create(const std::string& account_id,
                                                   TokenDraft draft) {
  const std::string secret = auth::NewAccountTokenSecret();
  Token t;
  t.id = NewId();
  t.owner_kind = "account";
  t.account_id = account_id;
  t.name = std::move(draft.name);
  t.secret_digest = auth::Sha256Hex(secret);
  t.status = "active";
  t.not_before = draft.not_before;
  t.expires_on = draft.expires_on;
  t.issued_on = t.modified_on = NowMicros();
  t.policies_json = std::move(draft.policies_json);
  t.condition_json = std::move(draft.condition_json);
  t.policy = std::move(draft.policy);
  auto tx = store_.Write();
  if (store_.CountAccountTokens(*tx, account_id) >= kMaxTokensPerAccount) {
    throw ApiError(
        400, codes::kInvalidRequest,
        "An account may hold at most " + std::to_string(kMaxTokensPerAccount) + " API tokens");
  }
  store_.InsertToken(*tx, t);
  tx->Commit();
  directory_.PutToken(t);
  return {std::move(t), secret};
}

Page<Token> TokenService::List(const std::string& account_id, bool descending, std::int64_t limit,
                               std::int64_t offset) {
  auto tx = store_.Read();
  return store_.ListAccountTokens(*tx, account_id, descending, limit, offset);
}

Token TokenService::Get(const std::string& account_id, const std::string& token_id) {
  auto tx = store_.Read();
  return Load(*tx, account_id, token_id);
}

Token TokenService::Update(const std::string& account_id, const std::string& token_id,
                           TokenDraft draft) {
  auto tx = store_.Write();
  Token t = Load(*tx, account_id, token_id);
  t.name = std::move(draft.name);
  t.status = draft.status;
  t.not_before = draft.not_before;
  t.expires_on = draft.expires_on;
  t.policies_json = std::move(draft.policies_json);
  t.condition_json = std::move(draft.condition_json);
  t.policy = std::move(draft.policy);
  t.modified_on = NowMicros();
  store_.UpdateToken(*tx, t);
  tx->Commit();
  directory_.PutToken(t);
  return t;
}

void TokenService::Delete(const std::string& account_id, const std::string& token_id) {
  auto tx = store_.Write();
  Load(*tx, account_id, token_id);
  store_.DeleteToken(*tx, token_id);
  tx->Commit();
  directory_.EraseToken(token_id);
  last_used_.Forget(token_id);
}

std::string TokenService::Roll(const std::string& account_id, const std::string& token_id) {
  const std::string secret = auth::NewAccountTokenSecret();
  auto tx = store_.Write();
  Token t = Load(*tx, account_id, token_id);
  t.secret_digest = auth::Sha256Hex(secret);
  t.modified_on = NowMicros();
  store_.UpdateToken(*tx, t);
  tx->Commit();
  // The stored row has no compiled policy; take it from the live entry.
  if (auto live = directory_.FindTokenById(token_id)) t.policy = live->policy;
  directory_.PutToken(t);
  return secret;
}

std::optional<Micros> TokenService::LastUsedOn(const Token& token) const {
  auto mem = last_used_.Get(token.id);
  if (!mem) return token.last_used_on;
  if (!token.last_used_on) return mem;
  return std::max(*mem, *token.last_used_on);
}

}  // namespace cfiam
