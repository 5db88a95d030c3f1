#include "domain/tokens.h"

#include "auth/digest.h"
#include "auth/secret_format.h"
#include "util/api_error.h"
#include "util/random.h"

namespace cfiam {
namespace {

// Cloudflare's scannable formats: cfat_ for account tokens, cfut_ for user tokens.
std::string NewSecret(const TokenOwner& owner) {
  return owner.kind == "user" ? auth::NewUserTokenSecret() : auth::NewAccountTokenSecret();
}

}  // namespace

Token TokenService::Load(store::Tx& tx, const TokenOwner& owner, const std::string& token_id) {
  auto token = store_.GetToken(tx, token_id);
  if (!token || !owner.Owns(*token)) throw ApiError::NotFound("Token");
  return *token;
}

std::pair<Token, std::string> TokenService::Create(const TokenOwner& owner, TokenDraft draft) {
  const std::string secret = NewSecret(owner);
  Token t;
  t.id = NewId();
  t.owner_kind = owner.kind;
  (owner.kind == "account" ? t.account_id : t.user_id) = owner.id;
  t.name = std::move(draft.name);
  t.secret_digest = auth::Sha256Hex(secret);
  t.status = "active";
  t.not_before = draft.not_before;
  t.expires_on = draft.expires_on;
  t.issued_on = t.modified_on = NowMicros();
  t.policies_json = std::move(draft.policies_json);
  t.condition_json = std::move(draft.condition_json);
  t.policy = std::move(draft.policy);
  const bool account = owner.kind == "account";
  const std::int64_t quota = account ? kMaxTokensPerAccount : kMaxTokensPerUser;
  auto tx = store_.Write();
  if (store_.CountTokensOf(*tx, owner.kind, owner.id) >= quota) {
    throw ApiError(400, codes::kInvalidRequest,
                   std::string(account ? "An account" : "A user") + " may hold at most " +
                       std::to_string(quota) + " API tokens");
  }
  store_.InsertToken(*tx, t);
  tx->Commit();
  directory_.PutToken(t);
  return {std::move(t), secret};
}

Page<Token> TokenService::List(const TokenOwner& owner, bool descending, std::int64_t limit,
                               std::int64_t offset) {
  auto tx = store_.Read();
  return store_.ListTokensOf(*tx, owner.kind, owner.id, descending, limit, offset);
}

Token TokenService::Get(const TokenOwner& owner, const std::string& token_id) {
  auto tx = store_.Read();
  return Load(*tx, owner, token_id);
}

Token TokenService::Update(const TokenOwner& owner, const std::string& token_id, TokenDraft draft) {
  auto tx = store_.Write();
  Token t = Load(*tx, owner, token_id);
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

void TokenService::Delete(const TokenOwner& owner, const std::string& token_id) {
  auto tx = store_.Write();
  Load(*tx, owner, token_id);
  store_.DeleteToken(*tx, token_id);
  tx->Commit();
  directory_.EraseToken(token_id);
  last_used_.Forget(token_id);
}

std::string TokenService::Roll(const TokenOwner& owner, const std::string& token_id) {
  const std::string secret = NewSecret(owner);
  auto tx = store_.Write();
  Token t = Load(*tx, owner, token_id);
  // The stored row has no compiled policy; take it from the live entry. A
  // token missing there is refused rather than mirrored without a policy
  // (which would read as a user token's full rights).
  auto live = directory_.FindTokenById(token_id);
  if (!live || !live->policy) throw ApiError::NotFound("Token");
  t.policy = live->policy;
  t.secret_digest = auth::Sha256Hex(secret);
  t.modified_on = NowMicros();
  store_.UpdateToken(*tx, t);
  tx->Commit();
  directory_.PutToken(t);
  return secret;
}

// The account-owned forms.

std::pair<Token, std::string> TokenService::Create(const std::string& account_id,
                                                   TokenDraft draft) {
  return Create(TokenOwner::Account(account_id), std::move(draft));
}

Page<Token> TokenService::List(const std::string& account_id, bool descending, std::int64_t limit,
                               std::int64_t offset) {
  return List(TokenOwner::Account(account_id), descending, limit, offset);
}

Token TokenService::Get(const std::string& account_id, const std::string& token_id) {
  return Get(TokenOwner::Account(account_id), token_id);
}

Token TokenService::Update(const std::string& account_id, const std::string& token_id,
                           TokenDraft draft) {
  return Update(TokenOwner::Account(account_id), token_id, std::move(draft));
}

void TokenService::Delete(const std::string& account_id, const std::string& token_id) {
  Delete(TokenOwner::Account(account_id), token_id);
}

std::string TokenService::Roll(const std::string& account_id, const std::string& token_id) {
  return Roll(TokenOwner::Account(account_id), token_id);
}

std::optional<Micros> TokenService::LastUsedOn(const Token& token) const {
  auto mem = last_used_.Get(token.id);
  if (!mem) return token.last_used_on;
  if (!token.last_used_on) return mem;
  return std::max(*mem, *token.last_used_on);
}

}  // namespace cfiam
