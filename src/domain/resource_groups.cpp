#include "domain/resource_groups.h"

#include "util/failure.h"
#include "util/random.h"

namespace cfiam {
namespace {

Failure DuplicateName(const std::string& name) {
  return Failure::Conflict("A resource group named '" + name + "' already exists in this account");
}

}  // namespace

ResourceGroup ResourceGroupService::Create(store::UnitOfWork& unit, ResourceGroup draft) {
  draft.id = NewId();
  draft.created_on = draft.modified_on = NowMicros();
  store::Tx& tx = unit.tx();
  if (store_.ResourceGroupNameTaken(tx, draft.account_id, draft.name, draft.id)) {
    throw DuplicateName(draft.name);
  }
  store_.InsertResourceGroup(tx, draft);
  return draft;
}

ResourceGroup ResourceGroupService::Get(store::Tx& tx, const std::string& account_id,
                                        const std::string& id) {
  auto g = store_.GetResourceGroup(tx, account_id, id);
  if (!g) throw Failure::NotFound("Resource group");
  return *g;
}

std::vector<ResourceGroup> ResourceGroupService::List(store::Tx& tx, const std::string& account_id,
                                                      const std::optional<std::string>& id,
                                                      const std::optional<std::string>& name) {
  return store_.ListResourceGroups(tx, account_id, id, name);
}

ResourceGroup ResourceGroupService::Update(store::UnitOfWork& unit, const std::string& account_id,
                                           const std::string& id,
                                           const std::function<void(ResourceGroup&)>& mutate) {
  store::Tx& tx = unit.tx();
  const bool had_holder = keeper_.AnyHolder(tx, account_id);
  auto g = store_.GetResourceGroup(tx, account_id, id);
  if (!g) throw Failure::NotFound("Resource group");
  mutate(*g);
  if (store_.ResourceGroupNameTaken(tx, account_id, g->name, id)) throw DuplicateName(g->name);
  g->modified_on = NowMicros();
  store_.UpdateResourceGroup(tx, *g);
  keeper_.RequireHolder(tx, account_id, had_holder);
  return *g;
}

void ResourceGroupService::Delete(store::UnitOfWork& unit, const std::string& account_id,
                                  const std::string& id) {
  store::Tx& tx = unit.tx();
  if (!store_.GetResourceGroup(tx, account_id, id)) throw Failure::NotFound("Resource group");
  const auto users = store_.ResourceGroupUsers(tx, id);
  if (!users.empty()) {
    std::string who;
    for (const std::string& u : users) who += (who.empty() ? "" : ", ") + u;
    throw Failure::Conflict("The resource group is used by policies of: " + who);
  }
  store_.DeleteResourceGroup(tx, id);
}

}  // namespace cfiam
