// TokenService: API tokens of accounts and users. Secrets are generated here,
// returned once, and stored only as SHA-256 digests. Changes write through the
// caller's unit of work; the in-memory authorization state follows from the
// change log once the unit commits (auth/change_feed.h).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "auth/catalog.h"
#include "auth/last_used.h"
#include "domain/model.h"
#include "store/store.h"
#include "store/unit_of_work.h"

namespace cfiam {

// What a create or update sets. `policy` is the compiled form of the JSON.
struct TokenDraft {
  std::string name;
  std::string policies_json;
  std::string condition_json;
  std::optional<Micros> not_before;
  std::optional<Micros> expires_on;
  std::string status = "active";
  // The compiled form, for the ceiling check before the change; the stored
  // form is the JSON (the in-memory state compiles it again on apply).
  std::shared_ptr<const auth::TokenPolicy> policy;
};

// Whose tokens: an account's (account-owned tokens) or a user's.
struct TokenOwner {
  std::string kind;  // "account" | "user"
  std::string id;    // the account id or the user id

  static TokenOwner Account(std::string id) { return {"account", std::move(id)}; }
  static TokenOwner User(std::string id) { return {"user", std::move(id)}; }
  bool Owns(const Token& t) const {
    return t.owner_kind == kind && (kind == "account" ? t.account_id : t.user_id) == id;
  }
};

class TokenService {
 public:
  // Cloudflare's documented quotas.
  static constexpr std::int64_t kMaxTokensPerAccount = 500;
  static constexpr std::int64_t kMaxTokensPerUser = 50;

  TokenService(store::Store& store, auth::LastUsed& last_used)
      : store_(store), last_used_(last_used) {}

  // Returns the stored token and its secret (the only time it is visible).
  std::pair<Token, std::string> Create(store::UnitOfWork& unit, const TokenOwner& owner,
                                       TokenDraft draft);
  // A token of another owner is 404, exactly like a missing one.
  Page<Token> List(store::Tx& tx, const TokenOwner& owner, bool descending, std::int64_t limit,
                   std::int64_t offset);
  Token Get(store::Tx& tx, const TokenOwner& owner, const std::string& token_id);
  Token Update(store::UnitOfWork& unit, const TokenOwner& owner, const std::string& token_id,
               TokenDraft draft);
  void Delete(store::UnitOfWork& unit, const TokenOwner& owner, const std::string& token_id);
  // Replaces the secret; the old one stops working once the unit commits.
  // Returns the new one.
  std::string Roll(store::UnitOfWork& unit, const TokenOwner& owner, const std::string& token_id);

  // The token's last use: the newest of the stored value and unflushed uses.
  std::optional<Micros> LastUsedOn(const Token& token) const;
  // The same for the token `token_id` whose stored value is `stored`.
  std::optional<Micros> LastUsedOn(std::string_view token_id, std::optional<Micros> stored) const;
  // The same for each of `token_ids` (nullopt: no id of ours) with the
  // stored value at the same place in `stored` (none past its end), in one
  // pass over the uses held in memory; one result per id, in order.
  std::vector<std::optional<Micros>> LastUsedOnEach(
      std::span<const std::optional<auth::IdKey>> token_ids,
      std::span<const std::optional<Micros>> stored) const;

 private:
  Token Load(store::Tx& tx, const TokenOwner& owner, const std::string& token_id);

  store::Store& store_;
  auth::LastUsed& last_used_;
};

}  // namespace cfiam
