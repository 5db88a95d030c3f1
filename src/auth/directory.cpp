#include "auth/directory.h"

#include <algorithm>

#include "auth/token_policy.h"
#include "obs/log.h"
#include "util/block_pool.h"

namespace cfiam::auth {
namespace {

template <class T>
std::shared_ptr<const T> Alias(const auto& entry) {
  return entry ? std::shared_ptr<const T>(entry, &entry->value) : nullptr;
}

std::shared_ptr<LiveToken> MakeLiveToken(std::string_view id, bool account_owned,
                                         std::string_view owner, std::string_view digest,
                                         std::string_view status,
                                         const std::optional<Micros>& not_before,
                                         const std::optional<Micros>& expires_on) {
  auto d = DigestKey::FromHex(digest);
  auto i = IdKey::From(id);
  auto o = IdKey::From(owner);
  if (!d || !i || !o) return nullptr;  // not a digest or id the server makes
  // From the token pool (util/block_pool.h): at a million tokens their
  // memory then sits in huge pages.
  auto t = std::allocate_shared<LiveToken>(PooledAllocator<LiveToken>{});
  t->digest = *d;
  t->id = *i;
  t->owner = *o;
  t->account_owned = account_owned;
  t->active = status == "active";
  if (not_before) t->not_before = *not_before;
  if (expires_on) t->expires_on = *expires_on;
  return t;
}

// The interning key of a stored policy text: the text without each policy's
// own id. Every API create gives its policies fresh ids, so equal texts would
// almost never meet; the ids never reach the compiled form (grants hold keys,
// groups and resources), so tokens whose policies differ only in them share
// one compilation. Stored canonical policies read {"id":"<32 hex>","effect":…
// (auth/token_policy.cpp); text in any other shape is kept whole.
void InternKeyInto(std::string& key, std::string_view policies_json,
                   std::string_view condition_json) {
  constexpr std::string_view kOpen = "{\"id\":\"";
  constexpr std::string_view kNext = "\",\"effect\":";
  key.clear();
  std::size_t from = 0;
  for (std::size_t at = policies_json.find(kOpen); at != std::string_view::npos;
       at = policies_json.find(kOpen, at + 1)) {
    const std::size_t id_at = at + kOpen.size();
    if (id_at + 32 + kNext.size() > policies_json.size() ||
        policies_json.substr(id_at + 32, kNext.size()) != kNext ||
        !IdKey::From(policies_json.substr(id_at, 32))) {
      continue;
    }
    key.append(policies_json.substr(from, at + 1 - from));  // through the '{'
    from = id_at + 32 + 2;                                  // at "effect"
  }
  key.append(policies_json.substr(from)).push_back('\n');
  key.append(condition_json);
}

}  // namespace

void Directory::Unindex(std::vector<IdKey>& list, const IdKey& id) {
  if (auto it = std::find(list.begin(), list.end(), id); it != list.end()) {
    *it = list.back();
    list.pop_back();
  }
}

void Directory::Load(store::Store& store, const Catalog& catalog) {
  auto tx = store.Read();
  auto snap = store.LoadDirectory(*tx);
  std::lock_guard lock(write_mu_);
  holdings_.clear();
  user_api_keys_.clear();
  interned_.clear();

  // Tokens stream from the store; each distinct policy text compiles once.
  std::vector<std::shared_ptr<const LiveToken>> tokens;
  StringMap<std::shared_ptr<const TokenPolicy>> compiled;
  std::string key;
  store.EachDirectoryToken(*tx, [&](const store::TokenRow& r) {
    const bool account_owned = r.owner_kind == "account";
    auto t = MakeLiveToken(r.id, account_owned, account_owned ? r.account_id : r.user_id,
                           r.secret_digest, r.status, r.not_before, r.expires_on);
    if (!t) return;
    InternKeyInto(key, r.policies_json, r.condition_json);
    auto it = compiled.find(key);
    if (it == compiled.end()) {
      std::shared_ptr<const TokenPolicy> policy;
      try {
        policy = std::make_shared<const TokenPolicy>(
            TokenPolicy::FromStored(r.policies_json, r.condition_json, catalog));
      } catch (const std::exception& e) {
        // As the change feed does (ChangeFeed::FailClosed): a token whose
        // policy this node cannot compile is left out, so it grants nothing
        // here, and one such row does not keep the server from starting.
        obs::log::Error("token left out of the authorization state",
                        {{"token_id", r.id}, {"error", e.what()}});
        return;
      }
      it = compiled.emplace(key, std::move(policy)).first;
    }
    t->SetPolicy(it->second);
    if (account_owned) holdings_[t->owner].tokens.push_back(t->id);
    tokens.push_back(std::move(t));
  });
  for (auto& [text, policy] : compiled) interned_.emplace(text, policy);
  interned_sweep_at_ = std::max<std::size_t>(64, 2 * interned_.size());
  tokens_.Reset(tokens);
  tokens_by_id_.Reset(tokens);

  using UserEntry = Keyed<IdKey, User>;
  std::vector<std::shared_ptr<const UserEntry>> users;
  std::vector<std::shared_ptr<const Keyed<DigestKey, IdKey>>> keys;
  for (auto& [user, key_digest] : snap.users) {
    auto id = IdKey::From(user.id);
    if (!id) continue;
    if (key_digest) {
      if (auto d = DigestKey::FromHex(*key_digest)) {
        keys.push_back(std::make_shared<const Keyed<DigestKey, IdKey>>(Keyed<DigestKey, IdKey>{*d, *id}));
        user_api_keys_[*id] = *d;
      }
    }
    users.push_back(std::make_shared<const UserEntry>(UserEntry{*id, std::move(user)}));
  }
  users_.Reset(users);
  api_keys_.Reset(keys);

  std::vector<std::shared_ptr<const Keyed<IdKey, Account>>> accounts;
  for (auto& a : snap.accounts) {
    if (auto id = IdKey::From(a.id)) {
      accounts.push_back(
          std::make_shared<const Keyed<IdKey, Account>>(Keyed<IdKey, Account>{*id, std::move(a)}));
    }
  }
  accounts_.Reset(accounts);

  std::vector<std::shared_ptr<const Keyed<MemberKey, Member>>> members;
  for (auto& m : snap.members) {
    auto account = IdKey::From(m.account_id);
    auto user = IdKey::From(m.user_id);
    if (!account || !user) continue;
    holdings_[*account].member_users.push_back(*user);
    members.push_back(std::make_shared<const Keyed<MemberKey, Member>>(
        Keyed<MemberKey, Member>{{*account, *user}, std::move(m)}));
  }
  members_.Reset(members);

  std::vector<std::shared_ptr<const Keyed<IdKey, ResourceGroup>>> resource_groups;
  for (auto& g : snap.resource_groups) {
    auto id = IdKey::From(g.id);
    auto account = IdKey::From(g.account_id);
    if (!id || !account) continue;
    holdings_[*account].resource_groups.push_back(*id);
    resource_groups.push_back(std::make_shared<const Keyed<IdKey, ResourceGroup>>(
        Keyed<IdKey, ResourceGroup>{*id, std::move(g)}));
  }
  resource_groups_.Reset(resource_groups);

  std::vector<std::shared_ptr<const Keyed<IdKey, UserGroup>>> user_groups;
  std::unordered_map<IdKey, std::vector<IdKey>, KeyHash> member_groups;
  for (auto& g : snap.user_groups) {
    auto id = IdKey::From(g.id);
    auto account = IdKey::From(g.account_id);
    if (!id || !account) continue;
    holdings_[*account].user_groups.push_back(*id);
    for (const std::string& member : g.member_ids) {
      if (auto m = IdKey::From(member)) member_groups[*m].push_back(*id);
    }
    user_groups.push_back(std::make_shared<const Keyed<IdKey, UserGroup>>(
        Keyed<IdKey, UserGroup>{*id, std::move(g)}));
  }
  user_groups_.Reset(user_groups);
  std::vector<std::shared_ptr<const Keyed<IdKey, std::vector<IdKey>>>> groups_of;
  for (auto& [member, groups] : member_groups) {
    groups_of.push_back(std::make_shared<const Keyed<IdKey, std::vector<IdKey>>>(
        Keyed<IdKey, std::vector<IdKey>>{member, std::move(groups)}));
  }
  member_groups_.Reset(groups_of);
}

std::shared_ptr<const LiveToken> Directory::FindTokenByDigest(std::string_view digest) const {
  auto key = DigestKey::FromHex(digest);
  return key ? tokens_.Find(*key) : nullptr;
}

std::shared_ptr<const LiveToken> Directory::FindTokenByDigest(const DigestKey& digest) const {
  return tokens_.Find(digest);
}

std::shared_ptr<const LiveToken> Directory::FindTokenById(std::string_view token_id) const {
  auto key = IdKey::From(token_id);
  return key ? tokens_by_id_.Find(*key) : nullptr;
}

std::shared_ptr<const User> Directory::FindUser(std::string_view user_id) const {
  auto key = IdKey::From(user_id);
  return key ? FindUser(*key) : nullptr;
}

std::shared_ptr<const User> Directory::FindUser(const IdKey& user_id) const {
  return Alias<User>(users_.Find(user_id));
}

std::shared_ptr<const User> Directory::FindUserByApiKeyDigest(std::string_view digest) const {
  auto key = DigestKey::FromHex(digest);
  if (!key) return nullptr;
  auto entry = api_keys_.Find(*key);
  return entry ? FindUser(entry->value) : nullptr;
}

bool Directory::AccountExists(std::string_view account_id) const {
  auto key = IdKey::From(account_id);
  return key && accounts_.Find(*key) != nullptr;
}

std::shared_ptr<const Account> Directory::FindAccount(std::string_view account_id) const {
  auto key = IdKey::From(account_id);
  return key ? Alias<Account>(accounts_.Find(*key)) : nullptr;
}

std::shared_ptr<const Member> Directory::FindMember(std::string_view account_id,
                                                    std::string_view user_id) const {
  auto account = IdKey::From(account_id);
  auto user = IdKey::From(user_id);
  if (!account || !user) return nullptr;
  return Alias<Member>(members_.Find({*account, *user}));
}

void Directory::PutUser(const User& user, std::optional<std::string> api_key_digest) {
  auto id = IdKey::From(user.id);
  if (!id) return;
  std::lock_guard lock(write_mu_);
  users_.Put(std::make_shared<const Keyed<IdKey, User>>(Keyed<IdKey, User>{*id, user}));
  if (!api_key_digest) return;
  auto digest = DigestKey::FromHex(*api_key_digest);
  if (!digest) return;
  if (auto old = user_api_keys_.find(*id); old != user_api_keys_.end()) {
    if (old->second != *digest) api_keys_.Take(old->second);
  }
  api_keys_.Put(
      std::make_shared<const Keyed<DigestKey, IdKey>>(Keyed<DigestKey, IdKey>{*digest, *id}));
  user_api_keys_[*id] = *digest;
}

void Directory::ReplaceUser(const User& user, const std::optional<std::string>& api_key_digest) {
  auto id = IdKey::From(user.id);
  if (!id) return;
  std::lock_guard lock(write_mu_);
  users_.Put(std::make_shared<const Keyed<IdKey, User>>(Keyed<IdKey, User>{*id, user}));
  std::optional<DigestKey> digest;
  if (api_key_digest) digest = DigestKey::FromHex(*api_key_digest);
  if (auto old = user_api_keys_.find(*id); old != user_api_keys_.end()) {
    if (!digest || old->second != *digest) api_keys_.Take(old->second);
    user_api_keys_.erase(old);
  }
  if (!digest) return;
  api_keys_.Put(
      std::make_shared<const Keyed<DigestKey, IdKey>>(Keyed<DigestKey, IdKey>{*digest, *id}));
  user_api_keys_[*id] = *digest;
}

void Directory::EraseUser(std::string_view user_id) {
  auto id = IdKey::From(user_id);
  if (!id) return;
  std::lock_guard lock(write_mu_);
  if (auto old = user_api_keys_.find(*id); old != user_api_keys_.end()) {
    api_keys_.Take(old->second);
    user_api_keys_.erase(old);
  }
  users_.Take(*id);
}

void Directory::ReplaceUsers(std::vector<std::pair<User, std::optional<std::string>>> users) {
  std::unordered_map<IdKey, bool, KeyHash> fresh;  // user -> has a key
  std::unordered_map<DigestKey, IdKey, KeyHash> fresh_keys;
  std::lock_guard lock(write_mu_);
  // Put the new state first, then drop what it no longer has, so a user
  // present in both is never missing in between.
  for (auto& [user, key_digest] : users) {
    auto id = IdKey::From(user.id);
    if (!id) continue;
    fresh[*id] = false;
    if (key_digest) {
      if (auto d = DigestKey::FromHex(*key_digest)) {
        fresh_keys[*d] = *id;
        api_keys_.Put(
            std::make_shared<const Keyed<DigestKey, IdKey>>(Keyed<DigestKey, IdKey>{*d, *id}));
      }
    }
    users_.Put(std::make_shared<const Keyed<IdKey, User>>(Keyed<IdKey, User>{*id, std::move(user)}));
  }
  std::vector<IdKey> gone_users;
  users_.ForEach([&](const auto& e) {
    if (!fresh.contains(e.key)) gone_users.push_back(e.key);
  });
  for (const IdKey& id : gone_users) users_.Take(id);
  std::vector<DigestKey> gone_keys;
  api_keys_.ForEach([&](const auto& e) {
    auto it = fresh_keys.find(e.key);
    if (it == fresh_keys.end() || !(it->second == e.value)) gone_keys.push_back(e.key);
  });
  for (const DigestKey& d : gone_keys) api_keys_.Take(d);
  user_api_keys_.clear();
  for (const auto& [digest, user] : fresh_keys) user_api_keys_[user] = digest;
}

void Directory::PutAccount(std::string_view account_id) {
  Account a;
  a.id = std::string(account_id);
  PutAccount(a);
}

void Directory::PutAccount(const Account& account) {
  auto id = IdKey::From(account.id);
  if (!id) return;
  std::lock_guard lock(write_mu_);
  accounts_.Put(std::make_shared<const Keyed<IdKey, Account>>(Keyed<IdKey, Account>{*id, account}));
}

void Directory::EraseAccount(std::string_view account_id) {
  auto id = IdKey::From(account_id);
  if (!id) return;
  std::lock_guard lock(write_mu_);
  accounts_.Take(*id);
  auto it = holdings_.find(*id);
  if (it == holdings_.end()) return;
  // Detach the index first: the erasures below then find nothing to unindex.
  const AccountHoldings held = std::move(it->second);
  holdings_.erase(it);
  for (const IdKey& token : held.tokens) EraseTokenLocked(token);
  for (const IdKey& user : held.member_users) EraseMemberLocked({*id, user});
  for (const IdKey& group : held.resource_groups) resource_groups_.Take(group);
  for (const IdKey& group : held.user_groups) EraseUserGroupLocked(group);
}

void Directory::PutMember(const Member& member) {
  auto account = IdKey::From(member.account_id);
  auto user = IdKey::From(member.user_id);
  if (!account || !user) return;
  const MemberKey key{*account, *user};
  std::lock_guard lock(write_mu_);
  const bool existed = members_.Find(key) != nullptr;
  members_.Put(
      std::make_shared<const Keyed<MemberKey, Member>>(Keyed<MemberKey, Member>{key, member}));
  if (!existed) holdings_[*account].member_users.push_back(*user);
}

void Directory::EraseMember(std::string_view account_id, std::string_view user_id) {
  auto account = IdKey::From(account_id);
  auto user = IdKey::From(user_id);
  if (!account || !user) return;
  std::lock_guard lock(write_mu_);
  EraseMemberLocked({*account, *user});
}

void Directory::EraseMemberLocked(const MemberKey& key) {
  auto old = members_.Take(key);
  if (!old) return;
  if (auto h = holdings_.find(key.account); h != holdings_.end()) {
    Unindex(h->second.member_users, key.user);
  }
  // The store's cascade removed the member from its user groups; mirror it.
  auto member_id = IdKey::From(old->value.id);
  if (!member_id) return;
  auto groups = member_groups_.Take(*member_id);
  if (!groups) return;
  for (const IdKey& gid : groups->value) {
    auto g = user_groups_.Find(gid);
    if (!g) continue;
    auto copy = std::make_shared<Keyed<IdKey, UserGroup>>(*g);
    std::erase(copy->value.member_ids, old->value.id);
    user_groups_.Put(std::move(copy));
  }
}

std::shared_ptr<const TokenPolicy> Directory::Intern(
    std::string_view policies_json, std::string_view condition_json,
    const std::shared_ptr<const TokenPolicy>& compiled) {
  std::string key;
  InternKeyInto(key, policies_json, condition_json);
  auto it = interned_.find(key);
  if (it != interned_.end()) {
    if (auto live = it->second.lock()) return live;
    it->second = compiled;
    return compiled;
  }
  interned_.emplace(std::move(key), compiled);
  if (interned_.size() >= interned_sweep_at_) {
    // Texts no live token uses any more; amortized over the growth.
    std::erase_if(interned_, [](const auto& kv) { return kv.second.expired(); });
    interned_sweep_at_ = std::max<std::size_t>(64, 2 * interned_.size());
  }
  return compiled;
}

void Directory::PutToken(const Token& token) {
  const bool account_owned = token.owner_kind == "account";
  auto t = MakeLiveToken(token.id, account_owned, account_owned ? token.account_id : token.user_id,
                         token.secret_digest, token.status, token.not_before, token.expires_on);
  std::lock_guard lock(write_mu_);
  if (!t) {
    if (auto id = IdKey::From(token.id)) EraseTokenLocked(*id);
    return;
  }
  if (token.policy) t->SetPolicy(Intern(token.policies_json, token.condition_json, token.policy));
  PutTokenLocked(std::move(t));
}

void Directory::PutTokenLocked(std::shared_ptr<const LiveToken> token) {
  auto old = tokens_by_id_.Find(token->id);
  // Publish under the new digest first: a reader finds the token under one
  // of its digests throughout (a roll retires the old one right after).
  tokens_.Put(token);
  tokens_by_id_.Put(token);
  if (old && !(old->digest == token->digest)) tokens_.Take(old->digest);
  const bool same_owner =
      old && old->account_owned == token->account_owned && old->owner == token->owner;
  if (same_owner) return;
  if (old && old->account_owned) {
    if (auto h = holdings_.find(old->owner); h != holdings_.end()) Unindex(h->second.tokens, old->id);
  }
  if (token->account_owned) holdings_[token->owner].tokens.push_back(token->id);
}

void Directory::EraseToken(std::string_view token_id) {
  auto id = IdKey::From(token_id);
  if (!id) return;
  std::lock_guard lock(write_mu_);
  EraseTokenLocked(*id);
}

void Directory::EraseTokenLocked(const IdKey& id) {
  auto old = tokens_by_id_.Take(id);
  if (!old) return;
  if (auto t = tokens_.Find(old->digest); t && t->id == id) tokens_.Take(old->digest);
  if (old->account_owned) {
    if (auto h = holdings_.find(old->owner); h != holdings_.end()) Unindex(h->second.tokens, id);
  }
}

std::shared_ptr<const ResourceGroup> Directory::FindResourceGroup(std::string_view id) const {
  auto key = IdKey::From(id);
  return key ? Alias<ResourceGroup>(resource_groups_.Find(*key)) : nullptr;
}

void Directory::PutResourceGroup(const ResourceGroup& group) {
  auto id = IdKey::From(group.id);
  auto account = IdKey::From(group.account_id);
  if (!id || !account) return;
  std::lock_guard lock(write_mu_);
  const bool existed = resource_groups_.Find(*id) != nullptr;
  resource_groups_.Put(std::make_shared<const Keyed<IdKey, ResourceGroup>>(
      Keyed<IdKey, ResourceGroup>{*id, group}));
  if (!existed) holdings_[*account].resource_groups.push_back(*id);
}

void Directory::EraseResourceGroup(std::string_view id) {
  auto key = IdKey::From(id);
  if (!key) return;
  std::lock_guard lock(write_mu_);
  auto old = resource_groups_.Take(*key);
  if (!old) return;
  if (auto account = IdKey::From(old->value.account_id)) {
    if (auto h = holdings_.find(*account); h != holdings_.end()) {
      Unindex(h->second.resource_groups, *key);
    }
  }
}

void Directory::PutUserGroup(const UserGroup& group) {
  std::lock_guard lock(write_mu_);
  PutUserGroupLocked(group);
}

void Directory::EraseUserGroup(std::string_view id) {
  auto key = IdKey::From(id);
  if (!key) return;
  std::lock_guard lock(write_mu_);
  EraseUserGroupLocked(*key);
}

void Directory::SetMemberGroups(const IdKey& member, std::vector<IdKey> groups) {
  if (groups.empty()) {
    member_groups_.Take(member);
  } else {
    member_groups_.Put(std::make_shared<const Keyed<IdKey, std::vector<IdKey>>>(
        Keyed<IdKey, std::vector<IdKey>>{member, std::move(groups)}));
  }
}

void Directory::PutUserGroupLocked(const UserGroup& group) {
  auto id = IdKey::From(group.id);
  auto account = IdKey::From(group.account_id);
  if (!id || !account) return;
  auto old = user_groups_.Find(*id);
  // The group with its new policies first, then the member -> group links
  // that changed (each member's list is copied on write).
  user_groups_.Put(
      std::make_shared<const Keyed<IdKey, UserGroup>>(Keyed<IdKey, UserGroup>{*id, group}));
  const std::vector<std::string> none;
  const std::vector<std::string>& before = old ? old->value.member_ids : none;
  for (const std::string& m : before) {
    if (std::find(group.member_ids.begin(), group.member_ids.end(), m) != group.member_ids.end()) {
      continue;
    }
    auto member = IdKey::From(m);
    if (!member) continue;
    if (auto e = member_groups_.Find(*member)) {
      std::vector<IdKey> groups = e->value;
      Unindex(groups, *id);
      SetMemberGroups(*member, std::move(groups));
    }
  }
  for (const std::string& m : group.member_ids) {
    if (std::find(before.begin(), before.end(), m) != before.end()) continue;
    auto member = IdKey::From(m);
    if (!member) continue;
    std::vector<IdKey> groups;
    if (auto e = member_groups_.Find(*member)) groups = e->value;
    groups.push_back(*id);
    SetMemberGroups(*member, std::move(groups));
  }
  if (!old) holdings_[*account].user_groups.push_back(*id);
}

void Directory::EraseUserGroupLocked(const IdKey& id) {
  auto old = user_groups_.Take(id);
  if (!old) return;
  for (const std::string& m : old->value.member_ids) {
    auto member = IdKey::From(m);
    if (!member) continue;
    if (auto e = member_groups_.Find(*member)) {
      std::vector<IdKey> groups = e->value;
      Unindex(groups, id);
      SetMemberGroups(*member, std::move(groups));
    }
  }
  if (auto account = IdKey::From(old->value.account_id)) {
    if (auto h = holdings_.find(*account); h != holdings_.end()) {
      Unindex(h->second.user_groups, id);
    }
  }
}

std::vector<std::shared_ptr<const UserGroup>> Directory::GroupsOfMember(
    std::string_view member_id) const {
  std::vector<std::shared_ptr<const UserGroup>> out;
  auto key = IdKey::From(member_id);
  if (!key) return out;
  auto groups = member_groups_.Find(*key);
  if (!groups) return out;
  for (const IdKey& gid : groups->value) {
    if (auto g = user_groups_.Find(gid)) out.push_back(Alias<UserGroup>(g));
  }
  return out;
}

std::size_t Directory::token_count() const { return tokens_by_id_.size(); }

std::size_t Directory::interned_policy_count() const {
  std::lock_guard lock(write_mu_);
  return static_cast<std::size_t>(
      std::count_if(interned_.begin(), interned_.end(),
                    [](const auto& kv) { return !kv.second.expired(); }));
}

}  // namespace cfiam::auth
