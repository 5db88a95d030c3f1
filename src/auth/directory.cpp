#include "auth/directory.h"

#include <mutex>

#include "auth/token_policy.h"

namespace cfiam::auth {

std::string Directory::MemberKey(std::string_view account_id, std::string_view user_id) {
  std::string key;
  key.reserve(account_id.size() + user_id.size() + 1);
  key.append(account_id).push_back(':');
  key.append(user_id);
  return key;
}

void Directory::Load(store::Store& store, const Catalog& catalog) {
  auto tx = store.Read();
  auto snapshot = store.LoadDirectory(*tx);
  std::unique_lock lock(mu_);
  users_.clear();
  api_keys_.clear();
  accounts_.clear();
  members_.clear();
  tokens_.clear();
  token_digests_.clear();
  resource_groups_.clear();
  user_groups_.clear();
  member_groups_.clear();
  for (auto& g : snapshot.resource_groups) {
    std::string id = g.id;
    resource_groups_[std::move(id)] = std::make_shared<const ResourceGroup>(std::move(g));
  }
  for (const auto& g : snapshot.user_groups) PutUserGroupLocked(g);
  for (auto& [user, key_digest] : snapshot.users) {
    if (key_digest) api_keys_[*key_digest] = user.id;
    // (C++17 sequences the right side of `=` first: keep the key out of the move.)
    std::string id = user.id;
    users_[std::move(id)] = std::make_shared<const User>(std::move(user));
  }
  for (auto& a : snapshot.accounts) {
    std::string id = a.id;
    accounts_[std::move(id)] = std::make_shared<const Account>(std::move(a));
  }
  for (auto& m : snapshot.members) {
    std::string key = MemberKey(m.account_id, m.user_id);
    members_[std::move(key)] = std::make_shared<const Member>(std::move(m));
  }
  for (auto& t : snapshot.tokens) {
    t.policy = std::make_shared<const TokenPolicy>(
        TokenPolicy::FromStored(t.policies_json, t.condition_json, catalog));
    token_digests_[t.id] = t.secret_digest;
    std::string digest = t.secret_digest;
    tokens_[std::move(digest)] = std::make_shared<const Token>(std::move(t));
  }
}

std::shared_ptr<const Token> Directory::FindTokenByDigest(std::string_view digest) const {
  std::shared_lock lock(mu_);
  auto it = tokens_.find(digest);
  return it == tokens_.end() ? nullptr : it->second;
}

std::shared_ptr<const Token> Directory::FindTokenById(std::string_view token_id) const {
  std::shared_lock lock(mu_);
  auto d = token_digests_.find(token_id);
  if (d == token_digests_.end()) return nullptr;
  auto it = tokens_.find(d->second);
  return it == tokens_.end() ? nullptr : it->second;
}

std::shared_ptr<const User> Directory::FindUser(std::string_view user_id) const {
  std::shared_lock lock(mu_);
  auto it = users_.find(user_id);
  return it == users_.end() ? nullptr : it->second;
}

std::shared_ptr<const User> Directory::FindUserByApiKeyDigest(std::string_view digest) const {
  std::shared_lock lock(mu_);
  auto it = api_keys_.find(digest);
  if (it == api_keys_.end()) return nullptr;
  auto u = users_.find(it->second);
  return u == users_.end() ? nullptr : u->second;
}

bool Directory::AccountExists(std::string_view account_id) const {
  std::shared_lock lock(mu_);
  return accounts_.find(account_id) != accounts_.end();
}

std::shared_ptr<const Account> Directory::FindAccount(std::string_view account_id) const {
  std::shared_lock lock(mu_);
  auto it = accounts_.find(account_id);
  return it == accounts_.end() ? nullptr : it->second;
}

std::shared_ptr<const Member> Directory::FindMember(std::string_view account_id,
                                                    std::string_view user_id) const {
  const std::string key = MemberKey(account_id, user_id);
  std::shared_lock lock(mu_);
  auto it = members_.find(key);
  return it == members_.end() ? nullptr : it->second;
}

void Directory::PutUser(const User& user, std::optional<std::string> api_key_digest) {
  std::unique_lock lock(mu_);
  users_[user.id] = std::make_shared<const User>(user);
  if (api_key_digest) {
    std::erase_if(api_keys_, [&](const auto& kv) { return kv.second == user.id; });
    api_keys_[*api_key_digest] = user.id;
  }
}

void Directory::ReplaceUser(const User& user, const std::optional<std::string>& api_key_digest) {
  std::unique_lock lock(mu_);
  users_[user.id] = std::make_shared<const User>(user);
  std::erase_if(api_keys_, [&](const auto& kv) { return kv.second == user.id; });
  if (api_key_digest) api_keys_[*api_key_digest] = user.id;
}

void Directory::EraseUser(std::string_view user_id) {
  std::unique_lock lock(mu_);
  std::erase_if(api_keys_, [&](const auto& kv) { return kv.second == user_id; });
  if (auto it = users_.find(user_id); it != users_.end()) users_.erase(it);
}

void Directory::ReplaceUsers(std::vector<std::pair<User, std::optional<std::string>>> users) {
  StringMap<std::shared_ptr<const User>> fresh_users;
  StringMap<std::string> fresh_keys;
  for (auto& [user, key_digest] : users) {
    if (key_digest) fresh_keys[*key_digest] = user.id;
    std::string id = user.id;
    fresh_users[std::move(id)] = std::make_shared<const User>(std::move(user));
  }
  std::unique_lock lock(mu_);
  users_.swap(fresh_users);
  api_keys_.swap(fresh_keys);
}

void Directory::PutAccount(std::string_view account_id) {
  std::unique_lock lock(mu_);
  auto a = std::make_shared<Account>();
  a->id = std::string(account_id);
  accounts_[a->id] = std::move(a);
}

void Directory::PutAccount(const Account& account) {
  std::unique_lock lock(mu_);
  accounts_[account.id] = std::make_shared<const Account>(account);
}

void Directory::EraseAccount(std::string_view account_id) {
  std::unique_lock lock(mu_);
  if (auto it = accounts_.find(account_id); it != accounts_.end()) accounts_.erase(it);
  std::erase_if(members_, [&](const auto& kv) {
    if (kv.second->account_id != account_id) return false;
    member_groups_.erase(kv.second->id);
    return true;
  });
  std::erase_if(resource_groups_,
                [&](const auto& kv) { return kv.second->account_id == account_id; });
  std::erase_if(user_groups_, [&](const auto& kv) { return kv.second->account_id == account_id; });
  std::erase_if(tokens_, [&](const auto& kv) {
    if (kv.second->account_id != account_id) return false;
    token_digests_.erase(kv.second->id);
    return true;
  });
}

void Directory::PutMember(const Member& member) {
  std::unique_lock lock(mu_);
  members_[MemberKey(member.account_id, member.user_id)] = std::make_shared<const Member>(member);
}

void Directory::EraseMember(std::string_view account_id, std::string_view user_id) {
  const std::string key = MemberKey(account_id, user_id);
  std::unique_lock lock(mu_);
  auto it = members_.find(key);
  if (it == members_.end()) return;
  // The store's cascade removed the member from its user groups; mirror it.
  if (auto groups = member_groups_.find(it->second->id); groups != member_groups_.end()) {
    for (const std::string& gid : groups->second) {
      auto g = user_groups_.find(gid);
      if (g == user_groups_.end()) continue;
      auto copy = std::make_shared<UserGroup>(*g->second);
      std::erase(copy->member_ids, it->second->id);
      g->second = std::move(copy);
    }
    member_groups_.erase(groups);
  }
  members_.erase(it);
}

void Directory::PutToken(const Token& token) {
  std::unique_lock lock(mu_);
  if (auto it = token_digests_.find(token.id); it != token_digests_.end()) {
    tokens_.erase(it->second);
  }
  token_digests_[token.id] = token.secret_digest;
  tokens_[token.secret_digest] = std::make_shared<const Token>(token);
}

void Directory::EraseToken(std::string_view token_id) {
  std::unique_lock lock(mu_);
  if (auto it = token_digests_.find(token_id); it != token_digests_.end()) {
    tokens_.erase(it->second);
    token_digests_.erase(it);
  }
}

std::shared_ptr<const ResourceGroup> Directory::FindResourceGroup(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = resource_groups_.find(id);
  return it == resource_groups_.end() ? nullptr : it->second;
}

void Directory::PutResourceGroup(const ResourceGroup& group) {
  std::unique_lock lock(mu_);
  resource_groups_[group.id] = std::make_shared<const ResourceGroup>(group);
}

void Directory::EraseResourceGroup(std::string_view id) {
  std::unique_lock lock(mu_);
  if (auto it = resource_groups_.find(id); it != resource_groups_.end()) {
    resource_groups_.erase(it);
  }
}

void Directory::PutUserGroup(const UserGroup& group) {
  std::unique_lock lock(mu_);
  PutUserGroupLocked(group);
}

void Directory::EraseUserGroup(std::string_view id) {
  std::unique_lock lock(mu_);
  EraseUserGroupLocked(id);
}

void Directory::PutUserGroupLocked(const UserGroup& group) {
  EraseUserGroupLocked(group.id);
  for (const std::string& member_id : group.member_ids) {
    member_groups_[member_id].push_back(group.id);
  }
  user_groups_[group.id] = std::make_shared<const UserGroup>(group);
}

void Directory::EraseUserGroupLocked(std::string_view id) {
  auto it = user_groups_.find(id);
  if (it == user_groups_.end()) return;
  for (const std::string& member_id : it->second->member_ids) {
    auto groups = member_groups_.find(member_id);
    if (groups == member_groups_.end()) continue;
    std::erase(groups->second, it->second->id);
    if (groups->second.empty()) member_groups_.erase(groups);
  }
  user_groups_.erase(it);
}

std::vector<std::shared_ptr<const UserGroup>> Directory::GroupsOfMember(
    std::string_view member_id) const {
  std::vector<std::shared_ptr<const UserGroup>> out;
  std::shared_lock lock(mu_);
  auto it = member_groups_.find(member_id);
  if (it == member_groups_.end()) return out;
  for (const std::string& gid : it->second) {
    if (auto g = user_groups_.find(gid); g != user_groups_.end()) out.push_back(g->second);
  }
  return out;
}

}  // namespace cfiam::auth
