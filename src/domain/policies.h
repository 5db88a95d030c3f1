// Validation shared by member and user-group policies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/catalog.h"
#include "domain/model.h"
#include "store/store.h"

namespace cfiam {

// Checks that every permission group is a built-in role and every resource
// group belongs to `account_id`. A policy keeps the id the client sent when
// that id is one of `current` (the owner's stored policies: an update of that
// policy); every other policy gets a fresh id. Throws 400 naming the offending
// id under `field` ("policies[0].permission_groups[1].id").
void PreparePolicies(store::Store& store, store::Tx& tx, const auth::Catalog& catalog,
                     std::string_view account_id, std::string_view field,
                     std::vector<Policy>& policies, const std::vector<Policy>& current = {});

}  // namespace cfiam
