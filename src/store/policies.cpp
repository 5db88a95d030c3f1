#include "store/policies.h"

#include <string>
#include <unordered_map>

namespace cfiam::store {
namespace {

// Owner columns are fixed names, never client input.
std::string_view Column(PolicyOwner owner) {
  return owner == PolicyOwner::kMember ? "member_id" : "user_group_id";
}

}  // namespace

void ReplacePolicies(Tx& tx, PolicyOwner owner, std::string_view owner_id,
                     const std::vector<Policy>& policies) {
  const std::string column(Column(owner));
  tx.Exec("DELETE FROM policies WHERE " + column + " = ?", {std::string(owner_id)});
  std::int64_t position = 0;
  for (const Policy& p : policies) {
    tx.Exec("INSERT INTO policies (id, " + column + ", position, access) VALUES (?, ?, ?, ?)",
            {p.id, std::string(owner_id), position++, p.access});
    std::int64_t i = 0;
    for (const std::string& pg : p.permission_group_ids) {
      tx.Exec(
          "INSERT INTO policy_permission_groups (policy_id, position, permission_group_id) "
          "VALUES (?, ?, ?)",
          {p.id, i++, pg});
    }
    i = 0;
    for (const std::string& rg : p.resource_group_ids) {
      tx.Exec(
          "INSERT INTO policy_resource_groups (policy_id, position, resource_group_id) "
          "VALUES (?, ?, ?)",
          {p.id, i++, rg});
    }
  }
}

std::vector<Policy> ReadPolicies(Tx& tx, PolicyOwner owner, std::string_view owner_id) {
  const std::string column(Column(owner));
  const Params params{std::string(owner_id)};
  std::vector<Policy> out;
  std::unordered_map<std::string, size_t> index;
  for (const Row& r : tx.Query(
           "SELECT id, access FROM policies WHERE " + column + " = ? ORDER BY position", params)) {
    index.emplace(r.Str(0), out.size());
    out.push_back({r.Str(0), r.Str(1), {}, {}});
  }
  if (out.empty()) return out;
  for (const Row& r : tx.Query("SELECT c.policy_id, c.permission_group_id "
                               "FROM policy_permission_groups c JOIN policies p ON p.id = "
                               "c.policy_id WHERE p." +
                                   column + " = ? ORDER BY c.policy_id, c.position",
                               params)) {
    out[index.at(r.Str(0))].permission_group_ids.push_back(r.Str(1));
  }
  for (const Row& r : tx.Query("SELECT c.policy_id, c.resource_group_id "
                               "FROM policy_resource_groups c JOIN policies p ON p.id = "
                               "c.policy_id WHERE p." +
                                   column + " = ? ORDER BY c.policy_id, c.position",
                               params)) {
    out[index.at(r.Str(0))].resource_group_ids.push_back(r.Str(1));
  }
  return out;
}

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

std::unordered_map<std::string, std::vector<Policy>> ReadPoliciesOf(
    Tx& tx, PolicyOwner owner, const std::vector<std::string>& owner_ids) {
  std::unordered_map<std::string, std::vector<Policy>> out;
  if (owner_ids.empty()) return out;
  const std::string column(Column(owner));
  const std::string in = " IN (" + Placeholders(owner_ids.size()) + ")";
  Params params(owner_ids.begin(), owner_ids.end());
  // policy id -> (owner id, index in that owner's vector)
  std::unordered_map<std::string, std::pair<std::string, size_t>> index;
  for (const Row& r : tx.Query("SELECT id, access, " + column + " FROM policies WHERE " + column +
                                   in + " ORDER BY " + column + ", position",
                               params)) {
    auto& list = out[r.Str(2)];
    index.emplace(r.Str(0), std::make_pair(r.Str(2), list.size()));
    list.push_back({r.Str(0), r.Str(1), {}, {}});
  }
  if (index.empty()) return out;
  const auto policy = [&](const std::string& id) -> Policy& {
    const auto& [owner_id, i] = index.at(id);
    return out[owner_id][i];
  };
  for (const Row& r : tx.Query("SELECT c.policy_id, c.permission_group_id "
                               "FROM policy_permission_groups c JOIN policies p ON p.id = "
                               "c.policy_id WHERE p." +
                                   column + in + " ORDER BY c.policy_id, c.position",
                               params)) {
    policy(r.Str(0)).permission_group_ids.push_back(r.Str(1));
  }
  for (const Row& r : tx.Query("SELECT c.policy_id, c.resource_group_id "
                               "FROM policy_resource_groups c JOIN policies p ON p.id = "
                               "c.policy_id WHERE p." +
                                   column + in + " ORDER BY c.policy_id, c.position",
                               params)) {
    policy(r.Str(0)).resource_group_ids.push_back(r.Str(1));
  }
  return out;
}

std::unordered_map<std::string, std::vector<Policy>> ReadAllPolicies(Tx& tx, PolicyOwner owner) {
  std::unordered_map<std::string, std::vector<Policy>> out;
  const std::string column(Column(owner));
  std::unordered_map<std::string, Policy*> index;  // pointers: vectors are final below
  std::vector<std::pair<std::string, Policy>> rows;
  tx.QueryEach("SELECT id, access, " + column + " FROM policies WHERE " + column +
                   " IS NOT NULL ORDER BY " + column + ", position",
               {}, [&](const RowView& r) {
                 rows.push_back({std::string(r.Str(2)),
                                 Policy{std::string(r.Str(0)), std::string(r.Str(1)), {}, {}}});
               });
  for (auto& [owner_id, policy] : rows) out[owner_id].push_back(std::move(policy));
  for (auto& [owner_id, list] : out) {
    for (Policy& p : list) index.emplace(p.id, &p);
  }
  if (index.empty()) return out;
  const auto children = [&](std::string_view table, std::string_view child,
                            std::vector<std::string> Policy::*field) {
    tx.QueryEach("SELECT c.policy_id, c." + std::string(child) + " FROM " + std::string(table) +
                     " c JOIN policies p ON p.id = c.policy_id WHERE p." + column +
                     " IS NOT NULL ORDER BY c.policy_id, c.position",
                 {}, [&](const RowView& r) {
                   if (auto it = index.find(std::string(r.Str(0))); it != index.end()) {
                     (it->second->*field).emplace_back(r.Str(1));
                   }
                 });
  };
  children("policy_permission_groups", "permission_group_id", &Policy::permission_group_ids);
  children("policy_resource_groups", "resource_group_id", &Policy::resource_group_ids);
  return out;
}

}  // namespace cfiam::store
