// Directory: the in-memory mirror of everything authentication and
// authorization read (users, credentials, accounts, memberships, and the IAM
// resource groups and user groups that member policies reach), so the hot
// path never touches the disk. Loaded from the store at start-up; after that
// only auth::ChangeFeed changes it, applying committed change-log entries in
// commit order.
//
// Thread-safety: all methods are safe to call concurrently. Lookups return
// shared_ptr<const T> snapshots that stay valid after later updates.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/catalog.h"
#include "domain/model.h"
#include "store/store.h"

namespace cfiam::auth {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class Directory {
 public:
  // Replaces the whole mirror with the store's current state, compiling each
  // token's policies against `catalog`.
  void Load(store::Store& store, const Catalog& catalog);

  std::shared_ptr<const Token> FindTokenByDigest(std::string_view digest) const;
  std::shared_ptr<const Token> FindTokenById(std::string_view token_id) const;
  std::shared_ptr<const User> FindUser(std::string_view user_id) const;
  std::shared_ptr<const User> FindUserByApiKeyDigest(std::string_view digest) const;
  bool AccountExists(std::string_view account_id) const;
  // The account as last committed; nullptr when it does not exist.
  std::shared_ptr<const Account> FindAccount(std::string_view account_id) const;
  std::shared_ptr<const Member> FindMember(std::string_view account_id,
                                           std::string_view user_id) const;

  void PutUser(const User& user, std::optional<std::string> api_key_digest = std::nullopt);
  // Sets the user and makes `api_key_digest` its only API key (none when nullopt).
  void ReplaceUser(const User& user, const std::optional<std::string>& api_key_digest);
  // Forgets the user and its API key.
  void EraseUser(std::string_view user_id);
  // Replaces users and API keys with `users` (changes made outside this
  // process, e.g. `cfiam admin api-key`). REQUIRES: read under the store's
  // writer lock so no in-process change is overwritten by an older snapshot.
  void ReplaceUsers(std::vector<std::pair<User, std::optional<std::string>>> users);
  void PutAccount(const Account& account);
  // Test convenience: an account with only an id.
  void PutAccount(std::string_view account_id);
  // Forgets the account and every membership and account token under it.
  void EraseAccount(std::string_view account_id);
  void PutMember(const Member& member);
  void EraseMember(std::string_view account_id, std::string_view user_id);
  void PutToken(const Token& token);
  void EraseToken(std::string_view token_id);

  // IAM objects that policies reference. A user group's member set is given
  // by its member_ids; PutUserGroup replaces the previous set.
  std::shared_ptr<const ResourceGroup> FindResourceGroup(std::string_view id) const;
  void PutResourceGroup(const ResourceGroup& group);
  void EraseResourceGroup(std::string_view id);
  void PutUserGroup(const UserGroup& group);
  void EraseUserGroup(std::string_view id);
  // The user groups the account member `member_id` belongs to.
  std::vector<std::shared_ptr<const UserGroup>> GroupsOfMember(std::string_view member_id) const;

 private:
  static std::string MemberKey(std::string_view account_id, std::string_view user_id);

  mutable std::shared_mutex mu_;
  StringMap<std::shared_ptr<const User>> users_;
  StringMap<std::string> api_keys_;  // digest -> user id
  StringMap<std::shared_ptr<const Account>> accounts_;
  StringMap<std::shared_ptr<const Member>> members_;  // "account:user"
  StringMap<std::shared_ptr<const Token>> tokens_;    // digest -> token
  StringMap<std::string> token_digests_;              // token id -> digest
  StringMap<std::shared_ptr<const ResourceGroup>> resource_groups_;
  StringMap<std::shared_ptr<const UserGroup>> user_groups_;
  StringMap<std::vector<std::string>> member_groups_;  // member id -> user group ids

  // REQUIRES: mu_ held exclusively.
  void EraseUserGroupLocked(std::string_view id);
  void PutUserGroupLocked(const UserGroup& group);
};

}  // namespace cfiam::auth
