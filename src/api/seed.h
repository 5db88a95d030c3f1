// Seeding: loads a declarative JSON description of users, accounts and, per
// account, resource groups, members, user groups and account tokens, with
// fixed ids and known secrets (format: docs/emulator.md).
//
// Loading is an upsert by id: objects in the file are created or rewritten to
// what the file says; objects not in the file are left alone; loading the
// same file twice leaves the same state. Everything is validated while it is
// written in ONE transaction: the first violation throws ApiError 400 naming
// the offending field by its path (e.g. accounts[2].members[0].roles[1]) and
// the caller's transaction rolls back, so nothing is applied.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "auth/catalog.h"
#include "auth/principal.h"
#include "domain/model.h"
#include "store/store.h"

namespace cfiam::api {

struct SeedCounts {
  std::int64_t users = 0;
  std::int64_t accounts = 0;
  std::int64_t resource_groups = 0;
  std::int64_t members = 0;
  std::int64_t user_groups = 0;
  std::int64_t tokens = 0;
};

// Called once per seeded account after its objects are written, with whether
// the account was new and its part of the seed file (for the audit log).
using SeedAccountHook =
    std::function<void(const Account& account, bool created, const boost::json::value& source)>;

// Applies `seed` through `store` (its writes go to the current unit of work,
// or to transactions of their own that the caller must wrap: REQUIRES a
// surrounding write transaction for atomicity, see SeedFromFile). Does not
// touch the in-memory directory: the caller reloads it after committing.
SeedCounts ApplySeed(store::Store& store, store::Tx& tx, const auth::Catalog& catalog,
                     const boost::json::value& seed, const SeedAccountHook& on_account);

// The audit entry of one seeded account, in that account's log: a create (or
// update) of the account by `principal` (nullptr at start-up), whose request
// body is the account's part of the seed file, secrets redacted.
void RecordSeededAccount(store::Store& store, store::Tx& tx, const Account& account, bool created,
                         const boost::json::value& source, std::string_view uri,
                         std::string_view ray, const auth::Principal* principal);

// `cfiam serve --seed FILE`: reads and applies the seed file in one
// transaction of its own, recording each account like ApplySeed's API caller
// does (with no actor: no request made the change). Throws ApiError for a bad
// seed (nothing applied) and std::runtime_error when the file is unreadable
// or not JSON.
SeedCounts SeedFromFile(store::Store& store, const auth::Catalog& catalog, const std::string& path);

}  // namespace cfiam::api
