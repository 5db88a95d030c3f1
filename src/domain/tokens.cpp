#include "domain/tokens.h"

#include "auth/digest.h"
#include "auth/secret_format.h"
#include "util/failure.h"
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
  if (!token || !owner.Owns(*token)) throw Failure::NotFound("Token");
  return *token;
}

std::pair<Token, std::string> TokenService::Create(store::UnitOfWork& unit, const TokenOwner& owner,
                                                   TokenDraft draft) {
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
  const bool account = owner.kind == "account";
  const std::int64_t quota = account ? kMaxTokensPerAccount : kMaxTokensPerUser;
  if (store_.CountTokensOf(unit.tx(), owner.kind, owner.id) >= quota) {
    throw Failure::Refused(std::string(account ? "An account" : "A user") + " may hold at most " +
                           std::to_string(quota) + " API tokens");
  }
  store_.InsertToken(unit.tx(), t);
  return {std::move(t), secret};
}

Page<Token> TokenService::List(store::Tx& tx, const TokenOwner& owner, bool descending,
                               std::int64_t limit, std::int64_t offset) {
  return store_.ListTokensOf(tx, owner.kind, owner.id, descending, limit, offset);
}

Token TokenService::Get(store::Tx& tx, const TokenOwner& owner, const std::string& token_id) {
  return Load(tx, owner, token_id);
}

Token TokenService::Update(store::UnitOfWork& unit, const TokenOwner& owner,
                           const std::string& token_id, TokenDraft draft) {
  Token t = Load(unit.tx(), owner, token_id);
  t.name = std::move(draft.name);
  t.status = draft.status;
  t.not_before = draft.not_before;
  t.expires_on = draft.expires_on;
  t.policies_json = std::move(draft.policies_json);
  t.condition_json = std::move(draft.condition_json);
  t.modified_on = NowMicros();
  store_.UpdateToken(unit.tx(), t);
  return t;
}

void TokenService::Delete(store::UnitOfWork& unit, const TokenOwner& owner,
                          const std::string& token_id) {
  Load(unit.tx(), owner, token_id);
  store_.DeleteToken(unit.tx(), token_id);
  unit.AfterCommit([this, token_id] { last_used_.Forget(token_id); });
}

std::string TokenService::Roll(store::UnitOfWork& unit, const TokenOwner& owner,
                               const std::string& token_id) {
  const std::string secret = NewSecret(owner);
  Token t = Load(unit.tx(), owner, token_id);
  t.secret_digest = auth::Sha256Hex(secret);
  t.modified_on = NowMicros();
  store_.UpdateToken(unit.tx(), t);
  return secret;
}

std::optional<Micros> TokenService::LastUsedOn(const Token& token) const {
  return LastUsedOn(token.id, token.last_used_on);
}

std::vector<std::optional<Micros>> TokenService::LastUsedOnEach(
    std::span<const std::optional<auth::IdKey>> token_ids,
    std::span<const std::optional<Micros>> stored) const {
  std::vector<std::optional<Micros>> newest = last_used_.GetEach(token_ids);
  for (std::size_t i = 0; i < newest.size() && i < stored.size(); ++i) {
    if (stored[i] && (!newest[i] || *newest[i] < *stored[i])) newest[i] = stored[i];
  }
  return newest;
}

std::optional<Micros> TokenService::LastUsedOn(std::string_view token_id,
                                               std::optional<Micros> stored) const {
  auto mem = last_used_.Get(token_id);
  if (!mem) return stored;
  if (!stored) return mem;
  return std::max(*mem, *stored);
}

}  // namespace cfiam
