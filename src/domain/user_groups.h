// UserGroupService: account-scoped groups of members sharing IAM policies.
// Member-set changes (add, replace, remove) each run as one read-modify-write
// in the caller's unit of work, which holds the store's writer, so concurrent
// requests never interleave into a set nobody sent.
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

class UserGroupService {
 public:
  UserGroupService(store::Store& store, const auth::Catalog& catalog)
      : store_(store), catalog_(catalog), keeper_(store, catalog) {}

  // Validates the policies (400 naming an unknown id); 409 on a duplicate name.
  UserGroup Create(store::UnitOfWork& unit, const std::string& account_id, const std::string& name,
                   std::vector<Policy> policies);
  UserGroup Get(store::Tx& tx, const std::string& account_id, const std::string& id);
  Page<UserGroup> List(store::Tx& tx, const store::UserGroupQuery& query);
  UserGroup Update(store::UnitOfWork& unit, const std::string& account_id, const std::string& id,
                   const std::optional<std::string>& name,
                   std::optional<std::vector<Policy>> policies);
  void Delete(store::UnitOfWork& unit, const std::string& account_id, const std::string& id);

  Page<store::MemberWithUser> ListMembers(store::Tx& tx, const std::string& account_id,
                                          const std::string& id, bool descending,
                                          std::int64_t limit, std::int64_t offset);
  // Adds (replace = false) or replaces the set with `member_ids`. Every id
  // must be a member of the account, else 400 naming them and nothing changes.
  // Returns the members named in the request.
  std::vector<store::MemberWithUser> SetMembers(store::UnitOfWork& unit,
                                                const std::string& account_id,
                                                const std::string& id,
                                                std::vector<std::string> member_ids, bool replace);
  // Removes one member; 404 when it is not in the group. Returns that member.
  store::MemberWithUser RemoveMember(store::UnitOfWork& unit, const std::string& account_id,
                                     const std::string& id, const std::string& member_id);
  store::MemberWithUser GetMember(store::Tx& tx, const std::string& account_id,
                                  const std::string& id, const std::string& member_id);

 private:
  UserGroup Load(store::Tx& tx, const std::string& account_id, const std::string& id);

  store::Store& store_;
  const auth::Catalog& catalog_;
  const SuperAdminKeeper keeper_;
};

}  // namespace cfiam
