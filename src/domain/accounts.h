// AccountService: the business rules of accounts. Changes write through the
// caller's unit of work; reads of one account come from the in-memory
// authorization state, which follows every committed change.
#pragma once

#include <functional>
#include <string>

#include "auth/catalog.h"
#include "auth/directory.h"
#include "domain/model.h"
#include "store/store.h"
#include "store/unit_of_work.h"

namespace cfiam {

class AccountService {
 public:
  AccountService(store::Store& store, const auth::Directory& directory,
                 const auth::Catalog& catalog)
      : store_(store), directory_(directory), catalog_(catalog) {}

  // Creates `draft` (id and created_on are assigned). When `creator_user_id` is
  // set, that user becomes an accepted Super Administrator member.
  Account Create(store::UnitOfWork& unit, Account draft, const std::string& creator_user_id);
  // The account as last committed (from memory: GET /accounts/{id} is on the
  // hot path). Throws 404 when absent.
  Account Get(const std::string& id) const;
  Page<Account> List(store::Tx& tx, const store::AccountQuery& query);
  // Reads, applies `mutate`, validates nothing further, writes; the unit holds
  // the writer, so concurrent updates never interleave.
  Account Update(store::UnitOfWork& unit, const std::string& id,
                 const std::function<void(Account&)>& mutate);
  // Removes the account and everything under it. Throws 404 when absent.
  void Delete(store::UnitOfWork& unit, const std::string& id);

 private:
  store::Store& store_;
  const auth::Directory& directory_;
  const auth::Catalog& catalog_;
};

}  // namespace cfiam
