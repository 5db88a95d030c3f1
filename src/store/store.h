// Store: typed reads and writes of cfiam's entities over any Db engine. All SQL
// lives in store/*.cpp; services compose these calls inside one Tx so a change
// and everything it implies commit (or roll back) together.
//
// Thread-safety: Store is stateless beyond its Db and may be shared; each Tx is
// used by one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/model.h"
#include "store/db.h"

namespace cfiam::store {

struct AccountQuery {
  std::optional<std::string> member_user_id;  // only accounts this user is an accepted member of
  std::string name_contains;                  // case-insensitive substring; empty = all
  bool descending = false;                    // by name
  std::int64_t limit = 20;
  std::int64_t offset = 0;
};

// Everything the in-memory auth directory mirrors, read in one snapshot.
struct DirectorySnapshot {
  std::vector<std::pair<User, std::optional<std::string>>> users;  // with API-key digest
  std::vector<std::string> account_ids;
  std::vector<Member> members;
  std::vector<Token> tokens;
};

class Store {
 public:
  explicit Store(std::unique_ptr<Db> db) : db_(std::move(db)) {}

  std::unique_ptr<Tx> Read() { return db_->Begin(false); }
  std::unique_ptr<Tx> Write() { return db_->Begin(true); }

  // Users.
  bool HasAnyUser(Tx& tx);
  std::optional<User> GetUser(Tx& tx, std::string_view id);
  std::optional<User> FindUserByEmail(Tx& tx, std::string_view email);
  void InsertUser(Tx& tx, const User& user);
  void SetTenantAdmin(Tx& tx, std::string_view user_id, bool admin);
  void SetApiKeyDigest(Tx& tx, std::string_view user_id, std::string_view digest);

  // Accounts.
  std::optional<Account> GetAccount(Tx& tx, std::string_view id);
  void InsertAccount(Tx& tx, const Account& account);
  void UpdateAccount(Tx& tx, const Account& account);
  // Deletes the account and, through foreign keys, everything under it.
  bool DeleteAccount(Tx& tx, std::string_view id);
  Page<Account> ListAccounts(Tx& tx, const AccountQuery& query);

  // Members.
  void InsertMember(Tx& tx, const Member& member);
  std::optional<Member> FindMember(Tx& tx, std::string_view account_id, std::string_view user_id);

  // Tokens.
  void InsertToken(Tx& tx, const Token& token);
  std::optional<Token> FindTokenByDigest(Tx& tx, std::string_view digest);
  std::vector<Token> ListAllTokens(Tx& tx);
  bool DeleteToken(Tx& tx, std::string_view id);
  std::optional<Token> GetToken(Tx& tx, std::string_view id);
  void UpdateToken(Tx& tx, const Token& token);
  // Account-owned tokens of one account, by issue time (then id).
  Page<Token> ListAccountTokens(Tx& tx, std::string_view account_id, bool descending,
                                std::int64_t limit, std::int64_t offset);
  std::int64_t CountAccountTokens(Tx& tx, std::string_view account_id);
  void SetTokenLastUsed(Tx& tx, std::string_view id, Micros when);

  // Subscriptions. Cancelled ones are kept as history but never listed or found.
  void InsertSubscription(Tx& tx, const Subscription& sub);
  std::optional<Subscription> GetLiveSubscription(Tx& tx, std::string_view account_id,
                                                  std::string_view id);
  std::vector<Subscription> ListLiveSubscriptions(Tx& tx, std::string_view account_id);
  void UpdateSubscription(Tx& tx, const Subscription& sub);

  // SSO connectors.
  void InsertSsoConnector(Tx& tx, const SsoConnector& c);
  std::optional<SsoConnector> GetSsoConnector(Tx& tx, std::string_view account_id,
                                              std::string_view id);
  std::vector<SsoConnector> ListSsoConnectors(Tx& tx, std::string_view account_id);
  bool HasSsoConnectorForDomain(Tx& tx, std::string_view account_id, std::string_view domain);
  // Whether an account other than `account_id` has `domain` enabled.
  bool IsSsoDomainEnabledElsewhere(Tx& tx, std::string_view account_id, std::string_view domain);
  void UpdateSsoConnector(Tx& tx, const SsoConnector& c);
  bool DeleteSsoConnector(Tx& tx, std::string_view account_id, std::string_view id);
  // Records a verification outcome only if `generation` is still the
  // connector's current one; returns whether it did.
  bool SetSsoVerificationResult(Tx& tx, std::string_view id, std::int64_t generation,
                                std::string_view status, Micros now);
  // Connectors whose verification was in flight (status pending), e.g. at a restart.
  std::vector<SsoConnector> ListPendingSsoConnectors(Tx& tx);

  DirectorySnapshot LoadDirectory(Tx& tx);

 private:
  std::unique_ptr<Db> db_;
};

}  // namespace cfiam::store
