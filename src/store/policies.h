// Store-internal helpers: IAM policies are rows owned by a member or a user
// group (policies.member_id / policies.user_group_id), with their permission
// groups and resource groups in child tables that keep the client's order.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/model.h"
#include "store/db.h"

namespace cfiam::store {

enum class PolicyOwner { kMember, kUserGroup };

// Deletes the owner's policies and writes `policies` in order.
void ReplacePolicies(Tx& tx, PolicyOwner owner, std::string_view owner_id,
                     const std::vector<Policy>& policies);
std::vector<Policy> ReadPolicies(Tx& tx, PolicyOwner owner, std::string_view owner_id);
// The policies of many owners in three queries (a page of members).
std::unordered_map<std::string, std::vector<Policy>> ReadPoliciesOf(
    Tx& tx, PolicyOwner owner, const std::vector<std::string>& owner_ids);
// The policies of every owner of a kind in three queries (start-up load).
std::unordered_map<std::string, std::vector<Policy>> ReadAllPolicies(Tx& tx, PolicyOwner owner);
// "?, ?, ?" with one placeholder per id (REQUIRES: ids non-empty).
std::string Placeholders(size_t n);

}  // namespace cfiam::store
