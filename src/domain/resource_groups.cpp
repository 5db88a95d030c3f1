#include "domain/resource_groups.h"

#include "util/api_error.h"
#include "util/random.h"

namespace cfiam {
namespace {

ApiError DuplicateName(const std::string& name) {
  return ApiError::Conflict("A resource group named '" + name + "' already exists in this account");
}

}  // namespace

ResourceGroup ResourceGroupService::Create(ResourceGroup draft) {
  draft.id = NewId();
  draft.created_on = draft.modified_on = NowMicros();
  auto tx = store_.Write();
  if (store_.ResourceGroupNameTaken(*tx, draft.account_id, draft.name, draft.id)) {
    throw DuplicateName(draft.name);
  }
  store_.InsertResourceGroup(*tx, draft);
  tx->Commit();
  directory_.PutResourceGroup(draft);
  return draft;
}

ResourceGroup ResourceGroupService::Get(const std::string& account_id, const std::string& id) {
  auto tx = store_.Read();
  auto g = store_.GetResourceGroup(*tx, account_id, id);
  if (!g) throw ApiError::NotFound("Resource group");
  return *g;
}

std::vector<ResourceGroup> ResourceGroupService::List(const std::string& account_id,
                                                      const std::optional<std::string>& id,
                                                      const std::optional<std::string>& name) {
  auto tx = store_.Read();
  return store_.ListResourceGroups(*tx, account_id, id, name);
}

ResourceGroup ResourceGroupService::Update(const std::string& account_id, const std::string& id,
                                           const std::function<void(ResourceGroup&)>& mutate) {
  auto tx = store_.Write();
  const bool had_holder = keeper_.AnyHolder(*tx, account_id);
  auto g = store_.GetResourceGroup(*tx, account_id, id);
  if (!g) throw ApiError::NotFound("Resource group");
  mutate(*g);
  if (store_.ResourceGroupNameTaken(*tx, account_id, g->name, id)) throw DuplicateName(g->name);
  g->modified_on = NowMicros();
  store_.UpdateResourceGroup(*tx, *g);
  tx->Commit();
  directory_.PutResourceGroup(*g);
  keeper_.RequireHolder(*tx, account_id, had_holder);
  return *g;
}

void ResourceGroupService::Delete(const std::string& account_id, const std::string& id) {
  auto tx = store_.Write();
  if (!store_.GetResourceGroup(*tx, account_id, id)) throw ApiError::NotFound("Resource group");
  const auto users = store_.ResourceGroupUsers(*tx, id);
  if (!users.empty()) {
    std::string who;
    for (const std::string& u : users) who += (who.empty() ? "" : ", ") + u;
    throw ApiError::Conflict("The resource group is used by policies of: " + who);
  }
  store_.DeleteResourceGroup(*tx, id);
  tx->Commit();
  directory_.EraseResourceGroup(id);
}

}  // namespace cfiam
