// Store-internal helpers: IAM policies are rows owned by a member or a user
// group (policies.member_id / policies.user_group_id), with their permission
// groups and resource groups in child tables that keep the client's order.
#pragma once

#include <string_view>
#include <vector>

#include "domain/model.h"
#include "store/db.h"

namespace cfiam::store {

enum class PolicyOwner { kMember, kUserGroup };

// Deletes the owner's policies and writes `policies` in order.
void ReplacePolicies(Tx& tx, PolicyOwner owner, std::string_view owner_id,
                     const std::vector<Policy>& policies);
std::vector<Policy> ReadPolicies(Tx& tx, PolicyOwner owner, std::string_view owner_id);

}  // namespace cfiam::store
