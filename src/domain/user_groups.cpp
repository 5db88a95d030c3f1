#include "domain/user_groups.h"

#include <algorithm>

#include "domain/policies.h"
#include "util/failure.h"
#include "util/random.h"

namespace cfiam {
namespace {

Failure DuplicateName(const std::string& name) {
  return Failure::Conflict("A user group named '" + name + "' already exists in this account");
}

store::MemberWithUser WithUser(store::Store& store, store::Tx& tx, Member m) {
  auto user = store.GetUser(tx, m.user_id);
  return {std::move(m), user.value_or(User{})};
}

}  // namespace

UserGroup UserGroupService::Load(store::Tx& tx, const std::string& account_id,
                                 const std::string& id) {
  auto g = store_.GetUserGroup(tx, account_id, id);
  if (!g) throw Failure::NotFound("User group");
  return *g;
}

UserGroup UserGroupService::Create(store::UnitOfWork& unit, const std::string& account_id,
                                   const std::string& name, std::vector<Policy> policies) {
  store::Tx& tx = unit.tx();
  PreparePolicies(store_, tx, catalog_, account_id, "policies", policies);
  UserGroup g;
  g.id = NewId();
  g.account_id = account_id;
  g.name = name;
  g.policies = std::move(policies);
  g.created_on = g.modified_on = NowMicros();
  if (store_.UserGroupNameTaken(tx, account_id, name, g.id)) throw DuplicateName(name);
  store_.InsertUserGroup(tx, g);
  return g;
}

UserGroup UserGroupService::Get(store::Tx& tx, const std::string& account_id,
                                const std::string& id) {
  return Load(tx, account_id, id);
}

Page<UserGroup> UserGroupService::List(store::Tx& tx, const store::UserGroupQuery& query) {
  return store_.ListUserGroups(tx, query);
}

UserGroup UserGroupService::Update(store::UnitOfWork& unit, const std::string& account_id,
                                   const std::string& id, const std::optional<std::string>& name,
                                   std::optional<std::vector<Policy>> policies) {
  store::Tx& tx = unit.tx();
  const bool had_holder = keeper_.AnyHolder(tx, account_id);
  UserGroup g = Load(tx, account_id, id);
  if (name) {
    if (store_.UserGroupNameTaken(tx, account_id, *name, id)) throw DuplicateName(*name);
    g.name = *name;
  }
  if (policies) {
    PreparePolicies(store_, tx, catalog_, account_id, "policies", *policies, g.policies);
    g.policies = std::move(*policies);
  }
  // modified_on strictly advances, even within one clock tick.
  g.modified_on = std::max(NowMicros(), g.modified_on + 1);
  store_.UpdateUserGroup(tx, g);
  keeper_.RequireHolder(tx, account_id, had_holder);
  return g;
}

void UserGroupService::Delete(store::UnitOfWork& unit, const std::string& account_id,
                              const std::string& id) {
  store::Tx& tx = unit.tx();
  const bool had_holder = keeper_.AnyHolder(tx, account_id);
  Load(tx, account_id, id);
  store_.DeleteUserGroup(tx, id);
  keeper_.RequireHolder(tx, account_id, had_holder);
}

Page<store::MemberWithUser> UserGroupService::ListMembers(store::Tx& tx,
                                                          const std::string& account_id,
                                                          const std::string& id, bool descending,
                                                          std::int64_t limit, std::int64_t offset) {
  Load(tx, account_id, id);
  return store_.ListUserGroupMembers(tx, id, descending, limit, offset);
}

std::vector<store::MemberWithUser> UserGroupService::SetMembers(store::UnitOfWork& unit,
                                                                const std::string& account_id,
                                                                const std::string& id,
                                                                std::vector<std::string> member_ids,
                                                                bool replace) {
  store::Tx& tx = unit.tx();
  const bool had_holder = keeper_.AnyHolder(tx, account_id);
  UserGroup g = Load(tx, account_id, id);
  std::vector<store::MemberWithUser> named;
  std::string unknown;
  for (const std::string& mid : member_ids) {
    auto m = store_.GetMember(tx, mid);
    if (!m || m->account_id != account_id) {
      unknown += (unknown.empty() ? "" : ", ") + mid;
      continue;
    }
    named.push_back(WithUser(store_, tx, std::move(*m)));
  }
  if (!unknown.empty()) {
    throw Failure::Invalid("members", "not members of this account: " + unknown);
  }
  std::vector<std::string> next = replace ? std::vector<std::string>{} : g.member_ids;
  next.insert(next.end(), member_ids.begin(), member_ids.end());
  std::sort(next.begin(), next.end());
  next.erase(std::unique(next.begin(), next.end()), next.end());
  g.member_ids = std::move(next);
  g.modified_on = std::max(NowMicros(), g.modified_on + 1);
  store_.SetUserGroupMembers(tx, id, g.member_ids, g.modified_on);
  keeper_.RequireHolder(tx, account_id, had_holder);
  return named;
}

store::MemberWithUser UserGroupService::RemoveMember(store::UnitOfWork& unit,
                                                     const std::string& account_id,
                                                     const std::string& id,
                                                     const std::string& member_id) {
  store::Tx& tx = unit.tx();
  const bool had_holder = keeper_.AnyHolder(tx, account_id);
  UserGroup g = Load(tx, account_id, id);
  auto it = std::find(g.member_ids.begin(), g.member_ids.end(), member_id);
  if (it == g.member_ids.end()) throw Failure::NotFound("Member");
  g.member_ids.erase(it);
  auto m = store_.GetMember(tx, member_id);
  store::MemberWithUser result = WithUser(store_, tx, m.value_or(Member{}));
  g.modified_on = std::max(NowMicros(), g.modified_on + 1);
  store_.SetUserGroupMembers(tx, id, g.member_ids, g.modified_on);
  keeper_.RequireHolder(tx, account_id, had_holder);
  return result;
}

store::MemberWithUser UserGroupService::GetMember(store::Tx& tx, const std::string& account_id,
                                                  const std::string& id,
                                                  const std::string& member_id) {
  UserGroup g = Load(tx, account_id, id);
  auto m = store_.GetMember(tx, member_id);
  if (!m || std::find(g.member_ids.begin(), g.member_ids.end(), member_id) == g.member_ids.end()) {
    throw Failure::NotFound("Member");
  }
  return WithUser(store_, tx, std::move(*m));
}

}  // namespace cfiam
