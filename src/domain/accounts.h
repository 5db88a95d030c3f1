// AccountService: the business rules of accounts. Every change commits in one
// write transaction and then updates the in-memory Directory.
#pragma once

#include <functional>
#include <string>

#include "auth/catalog.h"
#include "auth/directory.h"
#include "domain/model.h"
#include "store/store.h"

namespace cfiam {

class AccountService {
 public:
  AccountService(store::Store& store, auth::Directory& directory, const auth::Catalog& catalog)
      : store_(store), directory_(directory), catalog_(catalog) {}

  // Creates `draft` (id and created_on are assigned). When `creator_user_id` is
  // set, that user becomes an accepted Super Administrator member.
  Account Create(Account draft, const std::string& creator_user_id);
  // Throws 404 when absent.
  Account Get(const std::string& id);
  Page<Account> List(const store::AccountQuery& query);
  // Reads, applies `mutate`, validates nothing further, writes; all under the
  // writer lock so concurrent updates never interleave.
  Account Update(const std::string& id, const std::function<void(Account&)>& mutate);
  // Removes the account and everything under it. Throws 404 when absent.
  void Delete(const std::string& id);

 private:
  store::Store& store_;
  auth::Directory& directory_;
  const auth::Catalog& catalog_;
};

}  // namespace cfiam
