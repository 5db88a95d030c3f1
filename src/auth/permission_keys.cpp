#include "auth/permission_keys.h"

#include <unordered_map>

namespace cfiam::auth {
namespace {

// Keys of the Accounts/IAM operations, grouped the way the spec's
// x-api-token-group lists grant them.
const std::vector<std::string> kSettingsRead = {
    "#organization:read",
    "com.cloudflare.api.account.member.list",
    "com.cloudflare.api.account.member.read",
    "com.cloudflare.api.iam.permission-group.list",
    "com.cloudflare.api.iam.permission-group.read",
    "com.cloudflare.api.iam.resource-group.list",
    "com.cloudflare.api.iam.resource-group.read",
};

std::vector<std::string> SettingsWrite() {
  std::vector<std::string> keys = kSettingsRead;
  for (const char* k :
       {"#organization:edit", "com.cloudflare.api.account.member.create",
        "com.cloudflare.api.account.member.update", "com.cloudflare.api.account.member.delete",
        "com.cloudflare.api.iam.resource-group.create",
        "com.cloudflare.api.iam.resource-group.update",
        "com.cloudflare.api.iam.resource-group.delete"}) {
    keys.emplace_back(k);
  }
  return keys;
}

const std::unordered_map<std::string, std::vector<std::string>>& ServedGroups() {
  static const auto* table = new std::unordered_map<std::string, std::vector<std::string>>{
      {"Account Settings Read", kSettingsRead},
      {"Account Settings Write", SettingsWrite()},
      {"SCIM Provisioning", SettingsWrite()},
      {"Billing Read", {"#billing:read"}},
      {"Billing Write", {"#billing:read", "#billing:edit"}},
      {"Account API Tokens Read",
       {"com.cloudflare.api.account.token.list", "com.cloudflare.api.account.token.read"}},
      {"Account API Tokens Write", {"com.cloudflare.api.account.token.*"}},
      {"SSO Connector Read", {"com.cloudflare.api.account.sso-connector.read"}},
      {"SSO Connector Write",
       {"com.cloudflare.api.account.sso-connector.read",
        "com.cloudflare.api.account.sso-connector.edit"}},
      // User scope (resource com.cloudflare.api.user.<id>): the user's own
      // record and its user-owned tokens.
      {"User Details Read", {"com.cloudflare.api.user.read"}},
      {"User Details Write", {"com.cloudflare.api.user.read", "com.cloudflare.api.user.update"}},
      {"API Tokens Read", {"com.cloudflare.api.token.list", "com.cloudflare.api.token.read"}},
      {"API Tokens Write", {"com.cloudflare.api.token.*"}},
      {"Memberships Read", {"com.cloudflare.api.user.membership.read"}},
      {"Memberships Write",
       {"com.cloudflare.api.user.membership.read", "com.cloudflare.api.user.membership.update"}},
  };
  return *table;
}

}  // namespace

std::vector<std::string> KeysForTokenGroup(const TokenPermissionGroup& group) {
  const auto& served = ServedGroups();
  if (auto it = served.find(group.name); it != served.end()) return it->second;
  return {"group:" + group.id};
}

bool KeyCovers(std::string_view granted, std::string_view required) {
  if (granted == required) return true;
  if (granted.size() >= 2 && granted.substr(granted.size() - 2) == ".*") {
    const std::string_view prefix = granted.substr(0, granted.size() - 1);  // keeps the '.'
    return required.size() > prefix.size() && required.substr(0, prefix.size()) == prefix;
  }
  return false;
}

}  // namespace cfiam::auth
