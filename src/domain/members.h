// MemberService: who belongs to an account (the admin's side) and the
// invitee's side of the same rows (memberships). Changes write through the
// caller's unit of work; authorization follows them through the change log
// once the unit commits.
//
// Invariant: an account always keeps at least one accepted member holding
// Super Administrator over the whole account, judged exactly as the
// authorizer judges (roles, own and user-group policies whose resource groups
// cover the account, denies honoured); removing or demoting the last one is a
// 409.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/catalog.h"
#include "domain/model.h"
#include "domain/super_admin.h"
#include "store/store.h"
#include "store/unit_of_work.h"

namespace cfiam {

// What a member is granted: roles or policies (the two forms of the API).
struct MemberGrants {
  std::optional<std::vector<std::string>> role_ids;
  std::optional<std::vector<Policy>> policies;
};

class MemberService {
 public:
  MemberService(store::Store& store, const auth::Catalog& catalog)
      : store_(store), catalog_(catalog), keeper_(store, catalog) {}

  // Adds the user with `email` (normalized by the caller; created when new).
  // Throws 400 naming an unknown role/permission group/resource group, 409
  // when the email is already a member of the account.
  store::MemberWithUser Add(store::UnitOfWork& unit, const std::string& account_id,
                            const std::string& email, MemberGrants grants,
                            const std::string& status);
  // Throws 404 unless `member_id` is a member of `account_id`.
  store::MemberWithUser Get(store::Tx& tx, const std::string& account_id,
                            const std::string& member_id);
  Page<store::MemberWithUser> List(store::Tx& tx, const store::MemberQuery& query);
  // Replaces what `grants` carries and, when given, the status.
  store::MemberWithUser Update(store::UnitOfWork& unit, const std::string& account_id,
                               const std::string& member_id, MemberGrants grants,
                               const std::optional<std::string>& status);
  void Remove(store::UnitOfWork& unit, const std::string& account_id, const std::string& member_id);

  // Memberships: the rows of `user_id` only; another user's id is a 404.
  // An invitee answers only a pending invitation (else 409).
  Page<Member> ListMemberships(store::Tx& tx, const std::string& user_id,
                               const std::optional<std::string>& status, std::int64_t limit,
                               std::int64_t offset);
  Member GetMembership(store::Tx& tx, const std::string& user_id, const std::string& member_id);
  Member RespondToMembership(store::UnitOfWork& unit, const std::string& user_id,
                             const std::string& member_id, const std::string& status);
  void LeaveMembership(store::UnitOfWork& unit, const std::string& user_id,
                       const std::string& member_id);

 private:
  Member LoadInAccount(store::Tx& tx, const std::string& account_id, const std::string& member_id);
  Member LoadOwn(store::Tx& tx, const std::string& user_id, const std::string& member_id);
  // `current`: the member's stored policies, whose ids an update may keep.
  void ValidateGrants(store::Tx& tx, const std::string& account_id, MemberGrants& grants,
                      const std::vector<Policy>& current = {});
  // Throws 409 when `before` is the account's last accepted super admin and
  // `after` (nullptr = removed) no longer is one.
  void KeepSuperAdmin(store::Tx& tx, const Member& before, const Member* after);
  store::MemberWithUser WithUser(store::Tx& tx, Member m);

  store::Store& store_;
  const auth::Catalog& catalog_;
  const SuperAdminKeeper keeper_;
};

}  // namespace cfiam
