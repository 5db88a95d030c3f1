#include "api/render_iam.h"

#include <boost/json.hpp>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "api/input.h"
#include "api/json_text.h"
#include "api/render_role.h"
#include "util/api_error.h"
#include "util/text.h"

namespace cfiam::api {
namespace json = boost::json;

std::string RoleLabel(const auth::Role& role) {
  std::string out;
  for (char c : role.name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out.push_back(static_cast<char>(std::tolower(u)));
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

json::object RenderPermissionGroup(const auth::Role& role) {
  return {{"id", role.id},
          {"name", role.name},
          {"meta", json::object{{"key", "label"}, {"value", RoleLabel(role)}}}};
}

json::object RenderResourceGroup(const ResourceGroup& g) {
  json::array objects;
  for (const std::string& key : g.objects) objects.push_back(json::object{{"key", key}});
  json::array scope{json::object{{"key", g.scope_key}, {"objects", std::move(objects)}}};
  return {{"id", g.id},
          {"name", g.name},
          {"scope", std::move(scope)},
          {"meta", json::object{{"key", "editable"}, {"value", "true"}}}};
}

namespace {

// A role is the catalog's, built in and the same in every Catalog instance:
// its rendering depends only on its id, so it is built once per process
// (a member create rendered its role, ~20,000 instructions, every time).
// Entries are never changed or removed once made, so a reference stays valid.
const json::object& RenderedRole(const auth::Role& role) {
  static std::mutex mu;
  static std::unordered_map<std::string, json::object> rendered;
  std::lock_guard lock(mu);
  auto it = rendered.find(role.id);
  if (it == rendered.end()) it = rendered.emplace(role.id, RenderRole(role)).first;
  return it->second;
}

// The same, serialized: a page of members splices it into each row.
const std::string& RenderedRoleText(const auth::Role& role) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::string> rendered;
  std::lock_guard lock(mu);
  auto it = rendered.find(role.id);
  if (it == rendered.end()) it = rendered.emplace(role.id, json::serialize(RenderRole(role))).first;
  return it->second;
}

}  // namespace

const json::object& RenderMemo::Role(const auth::Role& role) { return RenderedRole(role); }

const std::string& RenderMemo::RoleText(const auth::Role& role) { return RenderedRoleText(role); }

const json::object& RenderMemo::PermissionGroup(const auth::Role& role) {
  auto it = permission_groups_.find(&role);
  if (it == permission_groups_.end()) {
    it = permission_groups_.emplace(&role, RenderPermissionGroup(role)).first;
  }
  return it->second;
}

const json::object& RenderMemo::ResourceGroup(const cfiam::ResourceGroup& group) {
  auto it = resource_groups_.find(group.id);
  if (it == resource_groups_.end()) {
    it = resource_groups_.emplace(group.id, RenderResourceGroup(group)).first;
  }
  return it->second;
}

json::array RenderPolicies(const std::vector<Policy>& policies, const Services& services,
                           RenderMemo* memo, const json::storage_ptr& sp) {
  RenderMemo own;
  if (!memo) memo = &own;
  json::array out(sp);
  for (const Policy& p : policies) {
    json::array pgs(sp);
    for (const std::string& id : p.permission_group_ids) {
      if (const auth::Role* role = services.catalog.FindRole(id)) {
        pgs.push_back(json::value(memo->PermissionGroup(*role), sp));
      } else {
        pgs.push_back(json::object({{"id", id}}, sp));
      }
    }
    json::array rgs(sp);
    for (const std::string& id : p.resource_group_ids) {
      if (auto g = services.directory.FindResourceGroup(id)) {
        rgs.push_back(json::value(memo->ResourceGroup(*g), sp));
      } else {
        rgs.push_back(json::object({{"id", id}}, sp));
      }
    }
    json::object o(sp);
    o.reserve(4);
    o.emplace("id", p.id);
    o.emplace("access", p.access);
    o.emplace("permission_groups", std::move(pgs));
    o.emplace("resource_groups", std::move(rgs));
    out.push_back(std::move(o));
  }
  return out;
}

json::object RenderMember(const store::MemberWithUser& mu, const Services& services,
                          RenderMemo* memo, const json::storage_ptr& sp) {
  RenderMemo own;
  if (!memo) memo = &own;
  const Member& m = mu.member;
  json::array roles(sp);
  for (const std::string& id : m.role_ids) {
    // Copied straight into `sp` (an implicit conversion would first copy
    // into the default storage).
    if (const auth::Role* role = services.catalog.FindRole(id)) {
      roles.push_back(json::value(memo->Role(*role), sp));
    }
  }
  json::object user(sp);
  user.reserve(5);
  user.emplace("id", mu.user.id);
  user.emplace("email", mu.user.email);
  user.emplace("first_name", mu.user.first_name);
  user.emplace("last_name", mu.user.last_name);
  user.emplace("two_factor_authentication_enabled", mu.user.two_factor);
  json::object o(sp);
  o.reserve(6);
  o.emplace("id", m.id);
  o.emplace("email", mu.user.email);
  o.emplace("status", m.status);
  o.emplace("user", std::move(user));
  o.emplace("roles", std::move(roles));
  o.emplace("policies", RenderPolicies(m.policies, services, memo, sp));
  return o;
}

void AppendMemberJson(std::string& out, const store::MemberWithUser& mu, const Services& services,
                      RenderMemo& memo) {
  // Member for member RenderMember's object, in its order.
  const Member& m = mu.member;
  out.append(R"({"id":)");
  AppendJsonString(out, m.id);
  out.append(R"(,"email":)");
  AppendJsonString(out, mu.user.email);
  out.append(R"(,"status":)");
  AppendJsonString(out, m.status);
  out.append(R"(,"user":{"id":)");
  AppendJsonString(out, mu.user.id);
  out.append(R"(,"email":)");
  AppendJsonString(out, mu.user.email);
  out.append(R"(,"first_name":)");
  AppendJsonString(out, mu.user.first_name);
  out.append(R"(,"last_name":)");
  AppendJsonString(out, mu.user.last_name);
  out.append(R"(,"two_factor_authentication_enabled":)");
  AppendJsonBool(out, mu.user.two_factor);
  out.append(R"(},"roles":[)");
  bool first = true;
  for (const std::string& id : m.role_ids) {
    if (const auth::Role* role = services.catalog.FindRole(id)) {
      if (!first) out.push_back(',');
      first = false;
      out.append(memo.RoleText(*role));
    }
  }
  out.append(R"(],"policies":)");
  if (m.policies.empty()) {
    out.append("[]");
  } else {
    AppendJson(out, RenderPolicies(m.policies, services, &memo));
  }
  out.push_back('}');
}

json::object RenderAccount(const Account& a) {
  json::object settings{{"enforce_twofactor", a.enforce_twofactor}};
  if (a.abuse_contact_email) settings["abuse_contact_email"] = *a.abuse_contact_email;
  json::object o{{"id", a.id},
                 {"name", a.name},
                 {"type", a.type},
                 {"settings", std::move(settings)},
                 {"created_on", FormatRfc3339(a.created_on)}};
  if (a.parent_org_id || a.parent_org_name) {
    json::object managed;
    if (a.parent_org_id) managed["parent_org_id"] = *a.parent_org_id;
    if (a.parent_org_name) managed["parent_org_name"] = *a.parent_org_name;
    o["managed_by"] = std::move(managed);
  }
  return o;
}

std::string RenderAccountText(const Account& a) {
  // Member for member what RenderAccount builds, in its order.
  std::string out;
  out.reserve(160 + a.id.size() + a.name.size());
  out.append(R"({"id":)");
  AppendJsonString(out, a.id);
  out.append(R"(,"name":)");
  AppendJsonString(out, a.name);
  out.append(R"(,"type":)");
  AppendJsonString(out, a.type);
  out.append(R"(,"settings":{"enforce_twofactor":)");
  out.append(a.enforce_twofactor ? "true" : "false");
  if (a.abuse_contact_email) {
    out.append(R"(,"abuse_contact_email":)");
    AppendJsonString(out, *a.abuse_contact_email);
  }
  out.append(R"(},"created_on":)");
  AppendJsonString(out, FormatRfc3339(a.created_on));
  if (a.parent_org_id || a.parent_org_name) {
    out.append(R"(,"managed_by":{)");
    if (a.parent_org_id) {
      out.append(R"("parent_org_id":)");
      AppendJsonString(out, *a.parent_org_id);
    }
    if (a.parent_org_name) {
      if (a.parent_org_id) out.push_back(',');
      out.append(R"("parent_org_name":)");
      AppendJsonString(out, *a.parent_org_name);
    }
    out.push_back('}');
  }
  out.push_back('}');
  return out;
}

namespace {

// [{id}] with 32-hex ids, non-empty.
std::vector<std::string> ParseIdList(const ObjectReader& policy, std::string_view field) {
  const json::array* items = policy.Array(field);
  if (!items) throw ApiError::Invalid(policy.Path(field), "is required");
  if (items->empty()) throw ApiError::Invalid(policy.Path(field), "must not be empty");
  std::vector<std::string> ids;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string at = policy.Path(field) + "[" + std::to_string(i) + "]";
    if (!(*items)[i].is_object()) throw ApiError::Invalid(at, "must be an object");
    ObjectReader item((*items)[i].get_object(), at);
    std::string id = item.RequiredString("id");
    if (!IsObjectId(id)) throw ApiError::Invalid(item.Path("id"), "must be a 32-character hex id");
    ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace

std::vector<Policy> ParsePolicies(const json::array& items, std::string_view field) {
  std::vector<Policy> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) throw ApiError::Invalid(at, "must be an object");
    ObjectReader p(items[i].get_object(), at);
    Policy policy;
    // An existing policy's id (on update) is kept by the service; anything else is replaced.
    if (auto id = p.String("id"); id && IsObjectId(*id)) policy.id = *id;
    auto access = p.Enum("access", {"allow", "deny"});
    if (!access) throw ApiError::Invalid(p.Path("access"), "is required");
    policy.access = *access;
    policy.permission_group_ids = ParseIdList(p, "permission_groups");
    policy.resource_group_ids = ParseIdList(p, "resource_groups");
    out.push_back(std::move(policy));
  }
  return out;
}

}  // namespace cfiam::api
