#include "domain/members.h"

#include <algorithm>

#include "domain/policies.h"
#include "util/failure.h"
#include "util/random.h"

namespace cfiam {

void MemberService::ValidateGrants(store::Tx& tx, const std::string& account_id,
                                   MemberGrants& grants, const std::vector<Policy>& current) {
  if (grants.role_ids) {
    auto& roles = *grants.role_ids;
    for (size_t i = 0; i < roles.size(); ++i) {
      if (!catalog_.FindRole(roles[i])) {
        throw Failure::Invalid("roles[" + std::to_string(i) + "]", "unknown role " + roles[i]);
      }
    }
    std::sort(roles.begin(), roles.end());
    roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  }
  if (grants.policies) {
    PreparePolicies(store_, tx, catalog_, account_id, "policies", *grants.policies, current);
  }
}

void MemberService::KeepSuperAdmin(store::Tx& tx, const Member& before, const Member* after) {
  const SuperAdminKeeper::View account = keeper_.Look(tx, before.account_id);
  if (!account.Holds(before) || (after && account.Holds(*after))) return;
  if (account.AnyHolder(before.user_id)) return;
  throw Failure::Conflict(
      "The account must keep at least one accepted member with the Super Administrator "
      "role over the whole account; this member is the last one");
}

Member MemberService::LoadInAccount(store::Tx& tx, const std::string& account_id,
                                    const std::string& member_id) {
  auto m = store_.GetMember(tx, member_id);
  if (!m || m->account_id != account_id) throw Failure::NotFound("Member");
  return *m;
}

Member MemberService::LoadOwn(store::Tx& tx, const std::string& user_id,
                              const std::string& member_id) {
  auto m = store_.GetMember(tx, member_id);
  if (!m || m->user_id != user_id) throw Failure::NotFound("Membership");
  return *m;
}

store::MemberWithUser MemberService::Add(store::UnitOfWork& unit, const std::string& account_id,
                                         const std::string& email, MemberGrants grants,
                                         const std::string& status) {
  store::Tx& tx = unit.tx();
  ValidateGrants(tx, account_id, grants);
  auto user = store_.FindUserByEmail(tx, email);
  const bool new_user = !user;
  if (new_user) {
    user = User{NewId(), email, "", "", false, false, NowMicros()};
    store_.InsertUser(tx, *user);
  } else if (store_.FindMember(tx, account_id, user->id)) {
    throw Failure::Conflict("A member with email " + email + " already exists in this account");
  }
  Member m;
  m.id = NewId();
  m.account_id = account_id;
  m.user_id = user->id;
  m.status = status;
  m.role_ids = grants.role_ids.value_or(std::vector<std::string>{});
  m.policies = grants.policies.value_or(std::vector<Policy>{});
  m.created_on = NowMicros();
  store_.InsertMember(tx, m, *user);  // the user row as this transaction has it
  return {std::move(m), *user};
}

store::MemberWithUser MemberService::Get(store::Tx& tx, const std::string& account_id,
                                         const std::string& member_id) {
  return store_.WithUser(tx, LoadInAccount(tx, account_id, member_id));
}

Page<store::MemberWithUser> MemberService::List(store::Tx& tx, const store::MemberQuery& query) {
  return store_.ListMembers(tx, query);
}

store::MemberWithUser MemberService::Update(store::UnitOfWork& unit, const std::string& account_id,
                                            const std::string& member_id, MemberGrants grants,
                                            const std::optional<std::string>& status) {
  store::Tx& tx = unit.tx();
  const Member before = LoadInAccount(tx, account_id, member_id);
  ValidateGrants(tx, account_id, grants, before.policies);
  Member after = before;
  if (grants.role_ids) after.role_ids = *grants.role_ids;
  if (grants.policies) after.policies = *grants.policies;
  if (status) after.status = *status;
  KeepSuperAdmin(tx, before, &after);
  store_.UpdateMember(tx, after);
  return store_.WithUser(tx, after);
}

void MemberService::Remove(store::UnitOfWork& unit, const std::string& account_id,
                           const std::string& member_id) {
  store::Tx& tx = unit.tx();
  const Member before = LoadInAccount(tx, account_id, member_id);
  KeepSuperAdmin(tx, before, nullptr);
  store_.DeleteMember(tx, member_id);
}

Page<Member> MemberService::ListMemberships(store::Tx& tx, const std::string& user_id,
                                            const std::optional<std::string>& status,
                                            std::int64_t limit, std::int64_t offset) {
  return store_.ListMembershipsOfUser(tx, user_id, status, limit, offset);
}

Member MemberService::GetMembership(store::Tx& tx, const std::string& user_id,
                                    const std::string& member_id) {
  return LoadOwn(tx, user_id, member_id);
}

Member MemberService::RespondToMembership(store::UnitOfWork& unit, const std::string& user_id,
                                          const std::string& member_id, const std::string& status) {
  store::Tx& tx = unit.tx();
  const Member before = LoadOwn(tx, user_id, member_id);
  if (before.status != "pending") {
    throw Failure::Conflict("Only a pending invitation can be accepted or rejected; this one is " +
                            before.status);
  }
  Member after = before;
  after.status = status;
  KeepSuperAdmin(tx, before, &after);
  store_.UpdateMember(tx, after);
  return after;
}

void MemberService::LeaveMembership(store::UnitOfWork& unit, const std::string& user_id,
                                    const std::string& member_id) {
  store::Tx& tx = unit.tx();
  const Member before = LoadOwn(tx, user_id, member_id);
  KeepSuperAdmin(tx, before, nullptr);
  store_.DeleteMember(tx, member_id);
}

}  // namespace cfiam
