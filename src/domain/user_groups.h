// UserGroupService: account-scoped groups of members sharing IAM policies.
// Member-set changes (add, replace, remove) each run as one read-modify-write
// under the store's writer lock, so concurrent requests never interleave into
// a set nobody sent; the Directory is updated before that lock is released.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/catalog.h"
#include "auth/directory.h"
#include "domain/model.h"
#include "domain/super_admin.h"
#include "store/store.h"

namespace cfiam {

class UserGroupService {
 public:
  UserGroupService(store::Store& store, auth::Directory& directory, const auth::Catalog& catalog)
      : store_(store),
        directory_(directory),
        catalog_(catalog),
        keeper_(store, directory, catalog) {}

  // Validates the policies (400 naming an unknown id); 409 on a duplicate name.
  UserGroup Create(const std::string& account_id, const std::string& name,
                   std::vector<Policy> policies);
  UserGroup Get(const std::string& account_id, const std::string& id);
  Page<UserGroup> List(const store::UserGroupQuery& query);
  UserGroup Update(const std::string& account_id, const std::string& id,
                   const std::optional<std::string>& name,
                   std::optional<std::vector<Policy>> policies);
  void Delete(const std::string& account_id, const std::string& id);

  Page<store::MemberWithUser> ListMembers(const std::string& account_id, const std::string& id,
                                          bool descending, std::int64_t limit, std::int64_t offset);
  // Adds (replace = false) or replaces the set with `member_ids`. Every id
  // must be a member of the account, else 400 naming them and nothing changes.
  // Returns the members named in the request.
  std::vector<store::MemberWithUser> SetMembers(const std::string& account_id,
                                                const std::string& id,
                                                std::vector<std::string> member_ids, bool replace);
  // Removes one member; 404 when it is not in the group. Returns that member.
  store::MemberWithUser RemoveMember(const std::string& account_id, const std::string& id,
                                     const std::string& member_id);
  store::MemberWithUser GetMember(const std::string& account_id, const std::string& id,
                                  const std::string& member_id);

 private:
  UserGroup Load(store::Tx& tx, const std::string& account_id, const std::string& id);

  store::Store& store_;
  auth::Directory& directory_;
  const auth::Catalog& catalog_;
  const SuperAdminKeeper keeper_;
};

}  // namespace cfiam
