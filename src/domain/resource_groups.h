// ResourceGroupService: account-scoped sets of resources that IAM policies
// reference. Names are unique per account, case-insensitively. A group that a
// member or user-group policy uses cannot be deleted.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/catalog.h"
#include "domain/model.h"
#include "domain/super_admin.h"
#include "store/store.h"
#include "store/unit_of_work.h"

namespace cfiam {

class ResourceGroupService {
 public:
  ResourceGroupService(store::Store& store, const auth::Catalog& catalog)
      : store_(store), keeper_(store, catalog) {}

  // `draft` is validated by the caller; id and times are assigned. 409 on a duplicate name.
  ResourceGroup Create(store::UnitOfWork& unit, ResourceGroup draft);
  ResourceGroup Get(store::Tx& tx, const std::string& account_id, const std::string& id);
  std::vector<ResourceGroup> List(store::Tx& tx, const std::string& account_id,
                                  const std::optional<std::string>& id,
                                  const std::optional<std::string>& name);
  ResourceGroup Update(store::UnitOfWork& unit, const std::string& account_id,
                       const std::string& id, const std::function<void(ResourceGroup&)>& mutate);
  // 409 naming the members and user groups whose policies use it.
  void Delete(store::UnitOfWork& unit, const std::string& account_id, const std::string& id);

 private:
  store::Store& store_;
  const SuperAdminKeeper keeper_;  // a narrowed scope may take the last one away
};

}  // namespace cfiam
