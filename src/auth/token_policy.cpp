#include "auth/token_policy.h"

#include <algorithm>
#include <boost/json.hpp>

#include "auth/permission_keys.h"
#include "util/api_error.h"
#include "util/random.h"
#include "util/text.h"

namespace cfiam::auth {
namespace json = boost::json;
namespace {

std::vector<Cidr> ParseCidrs(const json::object& obj, std::string_view key,
                             const std::string& field, json::array& canonical) {
  std::vector<Cidr> out;
  const json::value* v = obj.if_contains(key);
  if (!v || v->is_null()) return out;
  const std::string path = field + "." + std::string(key);
  if (!v->is_array()) throw ApiError::Invalid(path, "must be an array of CIDRs");
  size_t i = 0;
  for (const json::value& item : v->get_array()) {
    const std::string item_path = path + "." + std::to_string(i++);
    if (!item.is_string()) throw ApiError::Invalid(item_path, "must be a string");
    auto cidr = Cidr::Parse(item.get_string());
    if (!cidr) {
      throw ApiError::Invalid(item_path, "'" + std::string(item.get_string()) +
                                             "' is not an IPv4/IPv6 address or CIDR");
    }
    canonical.emplace_back(item.get_string());
    out.push_back(std::move(*cidr));
  }
  return out;
}

IpCondition ParseCondition(const json::value* condition, json::object& canonical) {
  if (!condition || condition->is_null()) return {};
  if (!condition->is_object()) throw ApiError::Invalid("condition", "must be an object");
  const json::object& c = condition->get_object();
  // The wire spells the key both ways; store one.
  const json::value* rip = c.if_contains("request_ip");
  std::string field = "condition.request_ip";
  if (!rip || rip->is_null()) {
    rip = c.if_contains("request.ip");
    field = "condition.request.ip";
  }
  if (!rip || rip->is_null()) return {};
  if (!rip->is_object()) throw ApiError::Invalid(field, "must be an object");
  json::array in_list, not_in_list;
  auto in = ParseCidrs(rip->get_object(), "in", field, in_list);
  auto not_in = ParseCidrs(rip->get_object(), "not_in", field, not_in_list);
  json::object ip;
  if (!in_list.empty()) ip["in"] = std::move(in_list);
  if (!not_in_list.empty()) ip["not_in"] = std::move(not_in_list);
  if (!ip.empty()) canonical["request_ip"] = std::move(ip);
  return IpCondition(std::move(in), std::move(not_in));
}

}  // namespace

TokenPolicy TokenPolicy::Parse(const json::value* policies, const json::value* condition,
                               const Catalog& catalog, std::optional<std::string_view> own_account,
                               json::array& canonical_policies, json::object& canonical_condition) {
  TokenPolicy tp;
  if (!policies || !policies->is_array()) {
    throw ApiError::Invalid("policies", "is required and must be an array");
  }
  if (policies->get_array().empty()) throw ApiError::Invalid("policies", "must not be empty");
  size_t i = 0;
  for (const json::value& pv : policies->get_array()) {
    const std::string field = "policies." + std::to_string(i++);
    if (!pv.is_object()) throw ApiError::Invalid(field, "must be an object");
    const json::object& p = pv.get_object();
    Grant g;
    const json::value* effect = p.if_contains("effect");
    if (!effect || !effect->is_string() ||
        (effect->get_string() != "allow" && effect->get_string() != "deny")) {
      throw ApiError::Invalid(field + ".effect", "must be allow or deny");
    }
    g.deny = effect->get_string() == "deny";
    const json::value* groups = p.if_contains("permission_groups");
    if (!groups || !groups->is_array() || groups->get_array().empty()) {
      throw ApiError::Invalid(field + ".permission_groups", "must name at least one group");
    }
    json::array canonical_groups;
    size_t j = 0;
    for (const json::value& gv : groups->get_array()) {
      const std::string gfield = field + ".permission_groups." + std::to_string(j++);
      const json::value* id = gv.is_object() ? gv.get_object().if_contains("id") : nullptr;
      if (!id || !id->is_string()) throw ApiError::Invalid(gfield + ".id", "is required");
      const TokenPermissionGroup* group = catalog.FindPermissionGroup(id->get_string());
      if (!group) {
        throw ApiError::Invalid(gfield + ".id",
                                "unknown permission group '" + std::string(id->get_string()) + "'");
      }
      for (std::string& k : KeysForTokenGroup(*group)) g.keys.push_back(std::move(k));
      g.group_ids.push_back(group->id);
      canonical_groups.push_back(json::object{{"id", group->id}, {"name", group->name}});
    }
    const json::value* resources = p.if_contains("resources");
    if (!resources || !resources->is_object()) {
      throw ApiError::Invalid(field + ".resources", "must be an object");
    }
    g.resources =
        ResourceMatcher::Compile(resources->get_object(), field + ".resources", own_account);
    std::string policy_id;
    if (const json::value* pid = p.if_contains("id");
        pid && pid->is_string() && IsObjectId(pid->get_string())) {
      policy_id = std::string(pid->get_string());
    } else {
      policy_id = NewId();
    }
    canonical_policies.push_back(json::object{{"id", policy_id},
                                              {"effect", effect->get_string()},
                                              {"permission_groups", std::move(canonical_groups)},
                                              {"resources", *resources}});
    tp.grants.push_back(std::move(g));
  }
  tp.ip = ParseCondition(condition, canonical_condition);
  return tp;
}

TokenPolicy TokenPolicy::FromStored(std::string_view policies_json, std::string_view condition_json,
                                    const Catalog& catalog) {
  const json::value policies = json::parse(policies_json);
  const json::value condition = json::parse(condition_json);
  json::array p;
  json::object c;
  if (policies.is_array() && policies.get_array().empty()) {
    return TokenPolicy{};  // user tokens without policies (bootstrap) carry no grants
  }
  return Parse(&policies, &condition, catalog, std::nullopt, p, c);
}

TokenPolicy::Decision TokenPolicy::Decide(std::string_view key, const ResourceRef& ref) const {
  Decision d = Decision::kNone;
  for (const Grant& g : grants) {
    if (!g.resources.Matches(ref)) continue;
    for (const std::string& k : g.keys) {
      if (!KeyCovers(k, key)) continue;
      if (g.deny) return Decision::kDeny;
      d = Decision::kAllow;
    }
  }
  return d;
}

bool TokenPolicy::HasAnyAllowIn(std::string_view account_id) const {
  // Some allowed key must survive the denies: a token whose allows are all
  // overridden holds nothing in the account.
  const ResourceRef ref{account_id, ""};
  for (const Grant& g : grants) {
    if (g.deny || !g.resources.Matches(ref)) continue;
    for (const std::string& k : g.keys) {
      if (Decide(k, ref) == Decision::kAllow) return true;
    }
  }
  return false;
}

std::optional<std::vector<std::string>> TokenPolicy::NamedAccounts() const {
  std::vector<std::string> out;
  for (const Grant& g : grants) {
    if (g.deny) continue;
    for (const ResourceMatcher::Entry& e : g.resources.entries()) {
      if (e.account == "*" && e.zone.empty()) return std::nullopt;
      if (e.account.empty() || e.account == "*" || !e.zone.empty()) continue;
      if (std::find(out.begin(), out.end(), e.account) == out.end() && HasAnyAllowIn(e.account)) {
        out.push_back(e.account);
      }
    }
  }
  return out;
}

}  // namespace cfiam::auth
