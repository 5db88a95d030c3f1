#include "store/store.h"
#include "util/clock.h"
#include "util/text.h"

namespace cfiam::store {
namespace {

constexpr std::string_view kColumns =
    "id, account_id, name, scope_key, created_on, modified_on FROM resource_groups";

ResourceGroup ReadGroup(Tx& tx, const Row& r) {
  ResourceGroup g{r.Str(0), r.Str(1), r.Str(2), r.Str(3), {}, r.Int(4), r.Int(5)};
  for (const Row& o : tx.Query("SELECT object_key FROM resource_group_objects "
                               "WHERE resource_group_id = ? ORDER BY position",
                               {g.id})) {
    g.objects.push_back(o.Str(0));
  }
  return g;
}

void WriteObjects(Tx& tx, const ResourceGroup& g) {
  tx.Exec("DELETE FROM resource_group_objects WHERE resource_group_id = ?", {g.id});
  std::int64_t i = 0;
  for (const std::string& key : g.objects) {
    tx.Exec(
        "INSERT INTO resource_group_objects (resource_group_id, position, object_key) "
        "VALUES (?, ?, ?)",
        {g.id, i++, key});
  }
}

}  // namespace

void Store::InsertResourceGroup(Tx& tx, const ResourceGroup& g) {
  tx.Exec(
      "INSERT INTO resource_groups (id, account_id, name, name_key, scope_key, created_on, "
      "modified_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {g.id, g.account_id, g.name, ToLower(g.name), g.scope_key, g.created_on, g.modified_on});
  WriteObjects(tx, g);
  LogChange(tx, ChangeKind::kResourceGroup, g.id, g.account_id);
}

void Store::UpdateResourceGroup(Tx& tx, const ResourceGroup& g) {
  tx.Exec(
      "UPDATE resource_groups SET name = ?, name_key = ?, scope_key = ?, modified_on = ? "
      "WHERE id = ?",
      {g.name, ToLower(g.name), g.scope_key, g.modified_on, g.id});
  WriteObjects(tx, g);
  LogChange(tx, ChangeKind::kResourceGroup, g.id, g.account_id);
}

std::optional<ResourceGroup> Store::GetResourceGroup(Tx& tx, std::string_view account_id,
                                                     std::string_view id) {
  auto rows = tx.Query("SELECT " + std::string(kColumns) + " WHERE account_id = ? AND id = ?",
                       {std::string(account_id), std::string(id)});
  if (rows.empty()) return std::nullopt;
  return ReadGroup(tx, rows.front());
}

std::vector<ResourceGroup> Store::ListResourceGroups(Tx& tx, std::string_view account_id,
                                                     const std::optional<std::string>& id,
                                                     const std::optional<std::string>& name) {
  std::string sql = "SELECT " + std::string(kColumns) + " WHERE account_id = ?";
  Params params{std::string(account_id)};
  if (id) {
    sql += " AND id = ?";
    params.emplace_back(*id);
  }
  if (name) {
    sql += " AND name_key = ?";
    params.emplace_back(ToLower(*name));
  }
  std::vector<ResourceGroup> out;
  for (const Row& r : tx.Query(sql + " ORDER BY name_key, id", params)) {
    out.push_back(ReadGroup(tx, r));
  }
  return out;
}

bool Store::DeleteResourceGroup(Tx& tx, std::string_view id) {
  tx.Exec(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) "
      "SELECT 'resource_group', id, account_id, '', ? FROM resource_groups WHERE id = ?",
      {NowMicros(), std::string(id)});
  return tx.Exec("DELETE FROM resource_groups WHERE id = ?", {std::string(id)}) > 0;
}

std::vector<std::string> Store::ResourceGroupUsers(Tx& tx, std::string_view id) {
  std::vector<std::string> out;
  for (const Row& r : tx.Query(
           "SELECT DISTINCT 'member ' || u.email FROM policy_resource_groups c "
           "JOIN policies p ON p.id = c.policy_id JOIN members m ON m.id = p.member_id "
           "JOIN users u ON u.id = m.user_id WHERE c.resource_group_id = ? "
           "UNION SELECT DISTINCT 'user group ' || g.name FROM policy_resource_groups c "
           "JOIN policies p ON p.id = c.policy_id JOIN user_groups g ON g.id = p.user_group_id "
           "WHERE c.resource_group_id = ? ORDER BY 1",
           {std::string(id), std::string(id)})) {
    out.push_back(r.Str(0));
  }
  return out;
}

bool Store::ResourceGroupNameTaken(Tx& tx, std::string_view account_id, std::string_view name,
                                   std::string_view except_id) {
  return !tx.Query(
                "SELECT 1 FROM resource_groups WHERE account_id = ? AND name_key = ? AND id <> ?",
                {std::string(account_id), ToLower(name), std::string(except_id)})
              .empty();
}

}  // namespace cfiam::store
