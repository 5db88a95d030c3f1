// The account's keeper: "an account always keeps an accepted member holding
// Super Administrator over the whole account", judged exactly as the
// authorizer judges (roles, own and user-group policies whose resource groups
// cover the account, denies honoured).
//
// Every change that can take that away calls it: member updates and removals,
// memberships answered or left, and user-group and resource-group changes
// (a group deleted, a member leaving it, its policies or scope narrowed).
#pragma once

#include <string_view>

#include "auth/authorizer.h"
#include "auth/catalog.h"
#include "auth/directory.h"
#include "domain/model.h"
#include "store/store.h"

namespace cfiam {

class SuperAdminKeeper {
 public:
  SuperAdminKeeper(store::Store& store, const auth::Directory& directory,
                   const auth::Catalog& catalog)
      : store_(store), directory_(directory), catalog_(catalog), authorizer_(directory, catalog) {}

  // Whether `m`, if it were stored as it is, would hold every permission of
  // Super Administrator on its whole account.
  bool Holds(const Member& m) const;
  // Whether some accepted member of the account other than `except_user_id`
  // holds it, as the store (through `tx`) and the directory stand now.
  bool AnyHolder(store::Tx& tx, std::string_view account_id,
                 std::string_view except_user_id = {}) const;
  // Throws 409 when the account had a holder (`had`, AnyHolder() before the
  // change) and has none now. Callers whose directory update already happened
  // inside the request's unit of work rely on the unit rolling back (and the
  // dispatcher reloading the directory).
  void RequireHolder(store::Tx& tx, std::string_view account_id, bool had) const;

 private:
  store::Store& store_;
  const auth::Directory& directory_;
  const auth::Catalog& catalog_;
  const auth::Authorizer authorizer_;
};

}  // namespace cfiam
