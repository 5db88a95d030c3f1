#include "domain/policies.h"

#include <algorithm>

#include "util/failure.h"
#include "util/random.h"

namespace cfiam {

void PreparePolicies(store::Store& store, store::Tx& tx, const auth::Catalog& catalog,
                     std::string_view account_id, std::string_view field,
                     std::vector<Policy>& policies, const std::vector<Policy>& current) {
  std::vector<std::string> seen;
  for (size_t i = 0; i < policies.size(); ++i) {
    Policy& p = policies[i];
    const std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    for (size_t j = 0; j < p.permission_group_ids.size(); ++j) {
      if (!catalog.FindRole(p.permission_group_ids[j])) {
        throw Failure::Invalid(at + ".permission_groups[" + std::to_string(j) + "].id",
                               "unknown permission group " + p.permission_group_ids[j]);
      }
    }
    for (size_t j = 0; j < p.resource_group_ids.size(); ++j) {
      if (!store.GetResourceGroup(tx, account_id, p.resource_group_ids[j])) {
        throw Failure::Invalid(at + ".resource_groups[" + std::to_string(j) + "].id",
                               "unknown resource group " + p.resource_group_ids[j]);
      }
    }
    const bool kept = std::any_of(current.begin(), current.end(),
                                  [&](const Policy& c) { return c.id == p.id; }) &&
                      std::find(seen.begin(), seen.end(), p.id) == seen.end();
    if (!kept) p.id = NewId();
    seen.push_back(p.id);
  }
}

}  // namespace cfiam
