#include "domain/super_admin.h"

#include "auth/ceiling.h"
#include "util/api_error.h"

namespace cfiam {

bool SuperAdminKeeper::Holds(const Member& m) const {
  if (m.status != "accepted") return false;
  for (const std::string& key : auth::Ceiling::RoleKeys(catalog_.SuperAdminRole())) {
    if (!authorizer_.MemberAllowed(m, key)) return false;
  }
  return true;
}

bool SuperAdminKeeper::AnyHolder(store::Tx& tx, std::string_view account_id,
                                 std::string_view except_user_id) const {
  // The store narrows the members to those that may hold the role at all;
  // the authorizer decides for each.
  for (const std::string& user_id :
       store_.AcceptedHolderCandidates(tx, account_id, catalog_.SuperAdminRole().id)) {
    if (user_id == except_user_id) continue;
    auto member = directory_.FindMember(account_id, user_id);
    if (member && Holds(*member)) return true;
  }
  return false;
}

void SuperAdminKeeper::RequireHolder(store::Tx& tx, std::string_view account_id, bool had) const {
  if (!had || AnyHolder(tx, account_id)) return;
  throw ApiError::Conflict(
      "The account must keep at least one accepted member with the Super Administrator role "
      "over the whole account; this change would leave none");
}

}  // namespace cfiam
