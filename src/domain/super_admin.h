// The account's keeper: "an account always keeps an accepted member holding
// Super Administrator over the whole account", judged exactly as the
// authorizer judges (roles, own and user-group policies whose resource groups
// cover the account, denies honoured).
//
// It judges the store as the change's own transaction sees it, before and
// after the change, never the in-memory authorization state (which follows
// only committed changes). Every change that can take the holder away calls
// it: member updates and removals, memberships answered or left, and
// user-group and resource-group changes (a group deleted, a member leaving
// it, its policies or scope narrowed).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/authorizer.h"
#include "auth/catalog.h"
#include "auth/directory.h"
#include "domain/model.h"
#include "store/store.h"

namespace cfiam {

class SuperAdminKeeper {
 public:
  SuperAdminKeeper(store::Store& store, const auth::Catalog& catalog)
      : store_(store), catalog_(catalog) {}

  // One account's IAM groups as a transaction saw them, in a directory of
  // their own, so the authorizer can judge its members.
  class View {
   public:
    // Whether `m`, if it were stored as it is, would hold every permission
    // of Super Administrator on its whole account.
    bool Holds(const Member& m) const;
    // Whether some accepted member other than `except_user_id` holds it.
    bool AnyHolder(std::string_view except_user_id = {}) const;

   private:
    friend class SuperAdminKeeper;
    View(const SuperAdminKeeper& keeper, store::Tx& tx, std::string account_id);
    const SuperAdminKeeper& keeper_;
    store::Tx& tx_;
    std::string account_id_;
    std::unique_ptr<auth::Directory> groups_;
    std::unique_ptr<auth::Authorizer> authorizer_;
  };

  // The account as `tx` sees it now.
  View Look(store::Tx& tx, std::string_view account_id) const;
  bool AnyHolder(store::Tx& tx, std::string_view account_id) const {
    return Look(tx, account_id).AnyHolder();
  }
  // Throws 409 when the account had a holder (`had`, AnyHolder() before the
  // change) and, as `tx` sees it after the change, has none.
  void RequireHolder(store::Tx& tx, std::string_view account_id, bool had) const;

 private:
  store::Store& store_;
  const auth::Catalog& catalog_;
};

}  // namespace cfiam
