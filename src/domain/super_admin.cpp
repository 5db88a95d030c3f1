#include "domain/super_admin.h"

#include <limits>

#include "auth/ceiling.h"
#include "util/failure.h"

namespace cfiam {

SuperAdminKeeper::View::View(const SuperAdminKeeper& keeper, store::Tx& tx, std::string account_id)
    : keeper_(keeper),
      tx_(tx),
      account_id_(std::move(account_id)),
      groups_(std::make_unique<auth::Directory>()) {
  for (const ResourceGroup& g : keeper_.store_.ListResourceGroups(tx, account_id_, {}, {})) {
    groups_->PutResourceGroup(g);
  }
  store::UserGroupQuery q;
  q.account_id = account_id_;
  q.limit = std::numeric_limits<std::int64_t>::max();
  for (const UserGroup& g : keeper_.store_.ListUserGroups(tx, q).items) groups_->PutUserGroup(g);
  authorizer_ = std::make_unique<auth::Authorizer>(*groups_, keeper_.catalog_);
}

bool SuperAdminKeeper::View::Holds(const Member& m) const {
  if (m.status != "accepted") return false;
  for (const std::string& key : auth::Ceiling::RoleKeys(keeper_.catalog_.SuperAdminRole())) {
    if (!authorizer_->MemberAllowed(m, key)) return false;
  }
  return true;
}

bool SuperAdminKeeper::View::AnyHolder(std::string_view except_user_id) const {
  // The store narrows the members to those that may hold the role at all;
  // the authorizer decides for each.
  for (const std::string& user_id : keeper_.store_.AcceptedHolderCandidates(
           tx_, account_id_, keeper_.catalog_.SuperAdminRole().id)) {
    if (user_id == except_user_id) continue;
    auto member = keeper_.store_.FindMember(tx_, account_id_, user_id);
    if (member && Holds(*member)) return true;
  }
  return false;
}

SuperAdminKeeper::View SuperAdminKeeper::Look(store::Tx& tx, std::string_view account_id) const {
  return View(*this, tx, std::string(account_id));
}

void SuperAdminKeeper::RequireHolder(store::Tx& tx, std::string_view account_id, bool had) const {
  if (!had || AnyHolder(tx, account_id)) return;
  throw Failure::Conflict(
      "The account must keep at least one accepted member with the Super Administrator role "
      "over the whole account; this change would leave none");
}

}  // namespace cfiam
