// Store: typed reads and writes of cfiam's entities over any Db engine. All SQL
// lives in store/*.cpp; services compose these calls inside one Tx so a change
// and everything it implies commit (or roll back) together.
//
// Thread-safety: Store is stateless beyond its Db and may be shared; each Tx is
// used by one thread at a time.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/model.h"
#include "store/change_log.h"
#include "store/db.h"
#include "store/seek.h"

namespace cfiam::store {

struct AccountQuery {
  std::optional<std::string> member_user_id;  // only accounts this user is an accepted member of
  std::string name_contains;                  // case-insensitive substring; empty = all
  bool descending = false;                    // by name
  std::int64_t limit = 20;
  std::int64_t offset = 0;
  std::optional<std::vector<std::string>> only_ids = {};  // only these (restricted tokens)
};

struct MemberQuery {
  std::string account_id;
  std::optional<std::string> status;
  // "user.first_name" | "user.last_name" | "user.email" | "status"; empty = creation order
  std::string order;
  bool descending = false;
  std::int64_t limit = 20;
  std::int64_t offset = 0;
};

// A member with the user it belongs to, as the members API renders it.
struct MemberWithUser {
  Member member;
  User user;
};

struct UserGroupQuery {
  std::string account_id;
  std::optional<std::string> id;
  std::optional<std::string> name;           // exact, case-insensitive
  std::optional<std::string> name_contains;  // case-insensitive substring
  bool descending = false;                   // by name
  std::int64_t limit = 100;
  std::int64_t offset = 0;
};

// The filterable audit-log fields, named as the query parameters name them.
enum class AuditField {
  kId,
  kAccountName,
  kActionResult,
  kActionType,
  kActorContext,
  kActorEmail,
  kActorId,
  kActorIpAddress,
  kActorTokenId,
  kActorTokenName,
  kActorType,
  kRawCfRayId,
  kRawMethod,
  kRawStatusCode,
  kRawUri,
  kResourceId,
  kResourceProduct,
  kResourceScope,
  kResourceType,
  kZoneId,
  kZoneName,
};
inline constexpr std::size_t kAuditFieldCount = 21;

// One field's condition, exact match: its value is one of `any_of` (when not
// empty) and none of `none_of`. Values are strings, integers for raw_status_code.
struct AuditFilter {
  std::vector<Value> any_of;
  std::vector<Value> none_of;
};

// A row's place in the log's order: (time, id).
struct AuditPosition {
  Micros time = 0;
  std::string id;
};

struct AuditQuery {
  std::string account_id;
  Micros since = 0;                                   // inclusive
  Micros before = 0;                                  // exclusive
  std::array<AuditFilter, kAuditFieldCount> filters;  // indexed by AuditField; ANDed
  bool descending = true;                             // by (time, id)
  std::optional<AuditPosition> after;  // resume strictly past this row, in query order
  std::int64_t limit = 100;
};

// A stored token as the authorization snapshot reads it: views into the
// engine's row, valid only during the callback.
struct TokenRow {
  std::string_view id;
  std::string_view owner_kind;
  std::string_view user_id;
  std::string_view account_id;
  std::string_view secret_digest;
  std::string_view status;
  std::optional<Micros> not_before;
  std::optional<Micros> expires_on;
  std::string_view policies_json;
  std::string_view condition_json;
};

// Everything the in-memory auth directory mirrors, read in one snapshot.
struct DirectorySnapshot {
  std::vector<std::pair<User, std::optional<std::string>>> users;  // with API-key digest
  std::vector<Account> accounts;
  std::vector<Member> members;  // with roles and policies
  // Tokens are streamed instead (Store::EachDirectoryToken): a million of
  // them must not be materialized as Token values.
  std::vector<ResourceGroup> resource_groups;
  std::vector<UserGroup> user_groups;  // with policies and member ids
};

class Store {
 public:
  explicit Store(std::unique_ptr<Db> db) : db_(std::move(db)) {}

  // Begin a transaction of their own. An API request's change is one write
  // transaction the dispatcher begins and commits (api::Change); services
  // receive it as a parameter and never begin or commit one themselves.
  std::unique_ptr<Tx> Read() { return db_->Begin(false); }
  std::unique_ptr<Tx> Write() { return db_->Begin(true); }
  // A write serialized with the others of the same account (Db::BeginWrite).
  std::unique_ptr<Tx> Write(std::string_view account_id) { return db_->BeginWrite(account_id); }
  // This thread's commits held in one batch (Db::HoldCommits; use WriteBatch).
  std::unique_ptr<HeldCommits> HoldCommits() { return db_->HoldCommits(); }
  // Runs `write(tx)` in a write transaction of its own and commits it, again
  // (up to 8 times) when it lost a serialization conflict (DbError kRetry;
  // PostgreSQL): for background writers, which have no request to retry.
  template <class Fn>
  void WriteRetrying(Fn&& write) {
    for (int attempt = 1;; ++attempt) {
      try {
        auto tx = Write();
        write(*tx);
        tx->Commit();
        return;
      } catch (const DbError& e) {
        if (e.kind() != DbError::Kind::kRetry || attempt == 8) throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt));
    }
  }
  // See Db::Probe (GET /readyz).
  void Probe() { db_->Probe(); }
  // Where the after-images of this process's durable changes go (see
  // ChangeImage); none are made while unset. Set before serving, by the
  // change feed, and cleared by it.
  void set_change_image_sink(ChangeImageSink sink) { image_sink_ = std::move(sink); }
  Dialect dialect() const { return db_->dialect(); }

  // Users.
  bool HasAnyUser(Tx& tx);
  std::optional<User> GetUser(Tx& tx, std::string_view id);
  std::optional<User> FindUserByEmail(Tx& tx, std::string_view email);
  void InsertUser(Tx& tx, const User& user);
  void SetTenantAdmin(Tx& tx, std::string_view user_id, bool admin);
  void SetApiKeyDigest(Tx& tx, std::string_view user_id, std::string_view digest);
  std::optional<std::string> GetApiKeyDigest(Tx& tx, std::string_view user_id);
  // The details only GET/PATCH /user show (not mirrored in the Directory).
  UserContact GetUserContact(Tx& tx, std::string_view user_id);
  // Writes names and contact details of an existing user.
  void UpdateUserDetails(Tx& tx, const User& user, const UserContact& contact);
  void ClearApiKey(Tx& tx, std::string_view user_id);

  // Accounts.
  std::optional<Account> GetAccount(Tx& tx, std::string_view id);
  void InsertAccount(Tx& tx, const Account& account);
  void UpdateAccount(Tx& tx, const Account& account);
  // Deletes the account and, through foreign keys, everything under it.
  bool DeleteAccount(Tx& tx, std::string_view id);
  Page<Account> ListAccounts(Tx& tx, const AccountQuery& query);

  // Members. Reads return roles and policies filled in.
  void InsertMember(Tx& tx, const Member& member);
  // The same, with the member's user as `tx` sees it (read or inserted in
  // it): its sort keys are copied from `user` instead of read again.
  // REQUIRES: user.id == member.user_id and `user` is that row as stored.
  void InsertMember(Tx& tx, const Member& member, const User& user);
  std::optional<Member> FindMember(Tx& tx, std::string_view account_id, std::string_view user_id);
  std::optional<Member> GetMember(Tx& tx, std::string_view member_id);
  // Rewrites status, roles and policies of an existing member.
  void UpdateMember(Tx& tx, const Member& member);
  // Deletes the member and, through foreign keys, its policies and group memberships.
  bool DeleteMember(Tx& tx, std::string_view member_id);
  Page<MemberWithUser> ListMembers(Tx& tx, const MemberQuery& query);
  // `member` with its user (an empty User when the user is gone).
  MemberWithUser WithUser(Tx& tx, Member member);
  // The user ids of accepted members of the account that may hold `role_id`:
  // as a role, or as a permission group of an allow policy of their own or
  // of one of their user groups. Whether they hold it on the whole account,
  // and are not denied, is the authorizer's question.
  std::vector<std::string> AcceptedHolderCandidates(Tx& tx, std::string_view account_id,
                                                    std::string_view role_id);
  // A user's memberships across accounts, newest first.
  Page<Member> ListMembershipsOfUser(Tx& tx, std::string_view user_id,
                                     const std::optional<std::string>& status, std::int64_t limit,
                                     std::int64_t offset);

  // Resource groups.
  void InsertResourceGroup(Tx& tx, const ResourceGroup& group);
  void UpdateResourceGroup(Tx& tx, const ResourceGroup& group);
  std::optional<ResourceGroup> GetResourceGroup(Tx& tx, std::string_view account_id,
                                                std::string_view id);
  // All of the account's groups by name; filters are exact (name case-insensitively).
  std::vector<ResourceGroup> ListResourceGroups(Tx& tx, std::string_view account_id,
                                                const std::optional<std::string>& id,
                                                const std::optional<std::string>& name);
  bool DeleteResourceGroup(Tx& tx, std::string_view id);
  // Who references the group: "member <email>" and "user group <name>" entries.
  std::vector<std::string> ResourceGroupUsers(Tx& tx, std::string_view id);
  // True when another group of the account (not `except_id`) has this name, case-insensitively.
  bool ResourceGroupNameTaken(Tx& tx, std::string_view account_id, std::string_view name,
                              std::string_view except_id);

  // User groups. Reads return policies and member ids filled in.
  void InsertUserGroup(Tx& tx, const UserGroup& group);
  // Rewrites name, modified_on and policies (not members).
  void UpdateUserGroup(Tx& tx, const UserGroup& group);
  std::optional<UserGroup> GetUserGroup(Tx& tx, std::string_view account_id, std::string_view id);
  Page<UserGroup> ListUserGroups(Tx& tx, const UserGroupQuery& query);
  bool DeleteUserGroup(Tx& tx, std::string_view id);
  bool UserGroupNameTaken(Tx& tx, std::string_view account_id, std::string_view name,
                          std::string_view except_id);
  // Replaces the group's member set and stamps modified_on.
  void SetUserGroupMembers(Tx& tx, std::string_view group_id,
                           const std::vector<std::string>& member_ids, Micros modified_on);
  // The group's members in email order, one page.
  Page<MemberWithUser> ListUserGroupMembers(Tx& tx, std::string_view group_id, bool descending,
                                            std::int64_t limit, std::int64_t offset);
  // Ids of the user groups `member_id` belongs to.
  std::vector<std::string> UserGroupsOfMember(Tx& tx, std::string_view member_id);

  // Tokens.
  void InsertToken(Tx& tx, const Token& token);
  std::optional<Token> FindTokenByDigest(Tx& tx, std::string_view digest);
  std::vector<Token> ListAllTokens(Tx& tx);
  bool DeleteToken(Tx& tx, std::string_view id);
  // Stores made before bootstrap rotation was recorded: deletes every
  // bootstrap-made user token ("bootstrap", no policies) but `keep_id`.
  void DeleteUnrecordedBootstrapTokens(Tx& tx, std::string_view keep_id);
  std::optional<Token> GetToken(Tx& tx, std::string_view id);
  // Just the name (the audit's actor_token_name on every change by a token).
  std::optional<std::string> GetTokenName(Tx& tx, std::string_view id);
  void UpdateToken(Tx& tx, const Token& token);
  // Account-owned tokens of one account, by issue time (then id).
  Page<Token> ListAccountTokens(Tx& tx, std::string_view account_id, bool descending,
                                std::int64_t limit, std::int64_t offset);
  std::int64_t CountAccountTokens(Tx& tx, std::string_view account_id);
  // The tokens of one owner: `owner_kind` "account" (by account id) or "user"
  // (by user id), ordered by issue time.
  Page<Token> ListTokensOf(Tx& tx, std::string_view owner_kind, std::string_view owner_id,
                           bool descending, std::int64_t limit, std::int64_t offset);
  std::int64_t CountTokensOf(Tx& tx, std::string_view owner_kind, std::string_view owner_id);
  // Records last uses (token id, time) in one statement per chunk of
  // kLastUsedChunk; a stored later time wins, unknown ids are ignored.
  void SetTokensLastUsed(Tx& tx, const std::vector<std::pair<std::string, Micros>>& uses);
  static constexpr std::size_t kLastUsedChunk = 500;
  // The stored last uses of these tokens (what a token read's last_used_on
  // holds), by id; ids never used are absent. For a cached page of tokens,
  // whose last uses change without a change-log entry.
  std::unordered_map<std::string, Micros> TokensLastUsed(Tx& tx,
                                                         const std::vector<std::string>& ids);

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
  // Pending connectors whose check no node holds: no live "sso:<id>" lease
  // (store/leases.h), e.g. its holder died or it was never taken.
  std::vector<SsoConnector> ListUnleasedPendingSsoConnectors(Tx& tx);
  // Deletes the expired "sso:" leases of connectors no longer pending (a
  // holder died after the connector was deleted, with its account, say);
  // returns how many.
  std::int64_t DropOrphanSsoLeases(Tx& tx);

  // Audit log.
  void InsertAuditEntry(Tx& tx, const AuditEntry& entry);
  // One account's entries in [since, before) matching every filter, in
  // (time, id) order past `after`, at most `limit`, with their details.
  std::vector<AuditEntry> ListAuditEntries(Tx& tx, const AuditQuery& query);
  // Deletes up to `limit` of the oldest entries (of any account) older than
  // `older_than`, with their details; returns how many. Callers bound `limit`
  // so one write transaction never holds the writer for long.
  std::int64_t PruneAuditEntries(Tx& tx, Micros older_than, std::int64_t limit);

  // Server settings (name -> value), e.g. secrets generated on first start.
  std::optional<std::string> GetSetting(Tx& tx, std::string_view name);
  // Stores `value` unless `name` already has one (the first writer wins).
  void InsertSettingIfAbsent(Tx& tx, std::string_view name, std::string_view value);
  // Stores `value` under `name`, replacing any previous one.
  void PutSetting(Tx& tx, std::string_view name, std::string_view value);

  // Emulator support (store/emulator.cpp).
  // Inserts the user, or rewrites the email, names and 2FA flag of the user
  // with that id (tenant_admin, API key and created_on are kept).
  void SeedUser(Tx& tx, const User& user);
  // Deletes every account (and, through foreign keys, all under it), the
  // audit log, every user that is not a tenant admin, and every user token
  // but the bootstrap ones (named "bootstrap"). Settings are kept.
  void ResetToFresh(Tx& tx);

  // The change log (store/change_log.h). Mutators append to it themselves.
  // The store's version as `tx` sees it (store/seek.h ChangeVersion): equal
  // versions, equal listed rows.
  std::int64_t Version(Tx& tx) { return ChangeVersion(tx); }
  // Entries after `seq` in seq order, at most `limit`.
  std::vector<Change> ChangesAfter(Tx& tx, std::int64_t seq, std::int64_t limit);
  // The newest entry's seq; 0 for an empty log.
  std::int64_t LatestChangeSeq(Tx& tx);
  // Deletes up to `limit` entries with seq <= `upto`; returns how many, and
  // raises the pruned watermark to `upto` when it deleted any.
  std::int64_t PruneChanges(Tx& tx, std::int64_t upto, std::int64_t limit);
  // The pruned watermark: entries with seq <= it may have been deleted (by
  // any node); 0 when none were.
  std::int64_t ChangesPrunedUpto(Tx& tx);

  // Everything but the tokens, in a fixed number of set-based queries.
  DirectorySnapshot LoadDirectory(Tx& tx);
  // Streams every token to `fn` in one query.
  void EachDirectoryToken(Tx& tx, const std::function<void(const TokenRow&)>& fn);
  // Every user with its API-key digest (if any).
  std::vector<std::pair<User, std::optional<std::string>>> ListUsersWithKeys(Tx& tx);

 private:
  static void LogChange(Tx& tx, ChangeKind kind, std::string_view id,
                        std::string_view account_id = {}, std::string_view user_id = {});
  // What InsertMember writes after the member row.
  void InsertMemberRest(Tx& tx, const Member& member);
  // LogChange for a write whose after-image the sink gets once `tx` is
  // durable (when a sink is set).
  void LogChangeWithImage(Tx& tx, ChangeImage image);
  std::unique_ptr<Db> db_;
  ChangeImageSink image_sink_;
  // Where pages of the lists began (store/seek.h), shared by every request.
  std::unique_ptr<SeekCache> seeks_ = std::make_unique<SeekCache>();
};

}  // namespace cfiam::store
