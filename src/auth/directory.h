// Directory: the in-memory authorization snapshot — what authentication and
// authorization read (users, credentials, accounts, memberships, and the IAM
// resource groups and user groups that member policies reach), so the hot
// path never touches the disk. Loaded from the store at start-up; after that
// only auth::ChangeFeed changes it, applying committed change-log entries in
// commit order through Put*/Erase*.
//
// Compact: tokens are LiveToken entries (binary digest and ids, no name or
// JSON text) whose compiled policies are interned — tokens with the same
// stored policies and condition text share one TokenPolicy, compiled once.
//
// Readers never wait for a writer and the token check does not allocate:
// every map is a LiveMap (auth/live_map.h), per-entry copy-on-write with
// RCU-style table swaps. Writers are serialized by a mutex of their own that
// no reader takes. Per-account indexes (writer side) make EraseAccount cost
// what that account holds.
//
// Thread-safety: all methods are safe to call concurrently. Lookups return
// shared_ptr<const T> snapshots that stay valid after later updates.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/catalog.h"
#include "auth/keys.h"
#include "auth/live_map.h"
#include "auth/live_token.h"
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
  Directory() = default;
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  // Replaces the whole snapshot with the store's current state, compiling
  // each distinct token policy text once against `catalog`.
  void Load(store::Store& store, const Catalog& catalog);

  // `digest`: lowercase hex SHA-256 of the secret.
  std::shared_ptr<const LiveToken> FindTokenByDigest(std::string_view digest) const;
  std::shared_ptr<const LiveToken> FindTokenByDigest(const DigestKey& digest) const;
  std::shared_ptr<const LiveToken> FindTokenById(std::string_view token_id) const;
  std::shared_ptr<const User> FindUser(std::string_view user_id) const;
  std::shared_ptr<const User> FindUser(const IdKey& user_id) const;
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
  // Forgets the account and every membership, IAM group and account token
  // under it, in time proportional to what the account holds.
  void EraseAccount(std::string_view account_id);
  void PutMember(const Member& member);
  void EraseMember(std::string_view account_id, std::string_view user_id);
  // Keeps what LiveToken holds of `token`; its compiled policy is shared with
  // any live token of the same stored policies (ids aside) and condition.
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

  // Introspection for tests and the scale bench.
  std::size_t token_count() const;
  std::size_t interned_policy_count() const;

 private:
  template <class K, class V>
  struct Keyed {
    K key;
    V value;
  };
  struct KeyOfKeyed {
    template <class E>
    const auto& operator()(const E& e) const {
      return e.key;
    }
  };
  struct DigestOf {
    const DigestKey& operator()(const LiveToken& t) const { return t.digest; }
  };
  struct IdOf {
    const IdKey& operator()(const LiveToken& t) const { return t.id; }
  };
  template <class K, class V>
  using KeyedMap = LiveMap<K, Keyed<K, V>, KeyOfKeyed>;

  // Writer-side: what each account holds, so erasing it visits only that.
  struct AccountHoldings {
    std::vector<IdKey> tokens;
    std::vector<IdKey> member_users;
    std::vector<IdKey> resource_groups;
    std::vector<IdKey> user_groups;
  };

  // REQUIRES: write_mu_ held.
  std::shared_ptr<const TokenPolicy> Intern(std::string_view policies_json,
                                            std::string_view condition_json,
                                            const std::shared_ptr<const TokenPolicy>& compiled);
  void PutTokenLocked(std::shared_ptr<const LiveToken> token);
  void EraseTokenLocked(const IdKey& id);
  void EraseMemberLocked(const MemberKey& key);
  void PutUserGroupLocked(const UserGroup& group);
  void EraseUserGroupLocked(const IdKey& id);
  void SetMemberGroups(const IdKey& member, std::vector<IdKey> groups);
  static void Unindex(std::vector<IdKey>& list, const IdKey& id);

  mutable std::mutex write_mu_;  // serializes writers; readers never take it

  KeyedMap<IdKey, User> users_;
  KeyedMap<DigestKey, IdKey> api_keys_;  // digest -> user
  KeyedMap<IdKey, Account> accounts_;
  KeyedMap<MemberKey, Member> members_;
  LiveMap<DigestKey, LiveToken, DigestOf> tokens_;
  LiveMap<IdKey, LiveToken, IdOf> tokens_by_id_;
  KeyedMap<IdKey, ResourceGroup> resource_groups_;
  KeyedMap<IdKey, UserGroup> user_groups_;
  KeyedMap<IdKey, std::vector<IdKey>> member_groups_;  // member id -> user groups

  // Writer-side state (write_mu_).
  std::unordered_map<IdKey, AccountHoldings, KeyHash> holdings_;
  std::unordered_map<IdKey, DigestKey, KeyHash> user_api_keys_;
  // Stored policies (without their ids) + '\n' + condition -> the compiled
  // policy, while a live token uses it (see InternKeyInto).
  StringMap<std::weak_ptr<const TokenPolicy>> interned_;
  std::size_t interned_sweep_at_ = 64;
};

}  // namespace cfiam::auth
