#include "auth/token_policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <tuple>

#include "auth/permission_keys.h"
#include "util/failure.h"
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
  if (!v->is_array()) throw Failure::Invalid(path, "must be an array of CIDRs");
  size_t i = 0;
  for (const json::value& item : v->get_array()) {
    const std::string item_path = path + "." + std::to_string(i++);
    if (!item.is_string()) throw Failure::Invalid(item_path, "must be a string");
    auto cidr = Cidr::Parse(item.get_string());
    if (!cidr) {
      throw Failure::Invalid(item_path, "'" + std::string(item.get_string()) +
                                            "' is not an IPv4/IPv6 address or CIDR");
    }
    canonical.emplace_back(item.get_string());
    out.push_back(std::move(*cidr));
  }
  return out;
}

IpCondition ParseCondition(const json::value* condition, json::object& canonical) {
  if (!condition || condition->is_null()) return {};
  if (!condition->is_object()) throw Failure::Invalid("condition", "must be an object");
  const json::object& c = condition->get_object();
  // The wire spells the key both ways; store one.
  const json::value* rip = c.if_contains("request_ip");
  std::string field = "condition.request_ip";
  if (!rip || rip->is_null()) {
    rip = c.if_contains("request.ip");
    field = "condition.request.ip";
  }
  if (!rip || rip->is_null()) return {};
  if (!rip->is_object()) throw Failure::Invalid(field, "must be an object");
  json::array in_list, not_in_list;
  auto in = ParseCidrs(rip->get_object(), "in", field, in_list);
  auto not_in = ParseCidrs(rip->get_object(), "not_in", field, not_in_list);
  json::object ip;
  if (!in_list.empty()) ip["in"] = std::move(in_list);
  if (!not_in_list.empty()) ip["not_in"] = std::move(not_in_list);
  if (!ip.empty()) canonical["request_ip"] = std::move(ip);
  return IpCondition(std::move(in), std::move(not_in));
}

// A policy in canonical form before its id is settled.
struct CanonicalPolicy {
  std::string id;     // empty until AssignIds
  json::object body;  // effect, permission_groups, resources
  std::string content_key;
};

// The object with its keys sorted, recursively (resource maps may nest).
json::value SortedKeys(const json::value& v) {
  if (!v.is_object()) return v;
  std::vector<std::pair<std::string_view, const json::value*>> items;
  for (const auto& kv : v.get_object()) items.emplace_back(kv.key(), &kv.value());
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  json::object out;
  for (const auto& [k, child] : items) out[k] = SortedKeys(*child);
  return out;
}

// What makes two policies the same grant: effect, group ids, resources (meta
// and names are presentation). Normalizes, so policies stored before the
// canonical order existed compare equal too.
std::string ContentKey(const json::object& body) {
  std::string key;
  if (const json::value* e = body.if_contains("effect"); e && e->is_string()) key = e->get_string();
  std::vector<std::string> ids;
  if (const json::value* gs = body.if_contains("permission_groups"); gs && gs->is_array()) {
    for (const json::value& g : gs->get_array()) {
      const json::value* id = g.is_object() ? g.get_object().if_contains("id") : nullptr;
      if (id && id->is_string()) ids.emplace_back(id->get_string());
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (const std::string& id : ids) key += '|' + id;
  key += '|';
  if (const json::value* r = body.if_contains("resources")) key += json::serialize(SortedKeys(*r));
  return key;
}

// `meta` of a permission group in a token policy: an object of strings. The
// spec spells it {key, value}; newer SDKs name the fields (label, scopes...).
json::object ParseMeta(const json::object& group, const std::string& field,
                       const TokenPermissionGroup& catalog_group) {
  const json::value* meta = group.if_contains("meta");
  if (!meta || meta->is_null() || (meta->is_object() && meta->get_object().empty())) {
    return {{"key", "scopes"},
            {"value", catalog_group.scopes.empty() ? "" : catalog_group.scopes.front()}};
  }
  if (!meta->is_object()) throw Failure::Invalid(field + ".meta", "must be an object");
  for (const auto& kv : meta->get_object()) {
    if (!kv.value().is_string()) {
      throw Failure::Invalid(field + ".meta." + std::string(kv.key()), "must be a string");
    }
    if (kv.value().get_string().size() > 256) {
      throw Failure::Invalid(field + ".meta." + std::string(kv.key()), "is too long");
    }
  }
  if (meta->get_object().size() > 16) throw Failure::Invalid(field + ".meta", "has too many keys");
  return SortedKeys(*meta).get_object();
}

// The policy's permission groups: validated, expanded into `g`, and returned
// in canonical form (sorted by id, one entry per id).
json::array ParseGroups(const json::object& p, const std::string& field, const Catalog& catalog,
                        Grant& g) {
  const json::value* groups = p.if_contains("permission_groups");
  if (!groups || !groups->is_array() || groups->get_array().empty()) {
    throw Failure::Invalid(field + ".permission_groups", "must name at least one group");
  }
  std::vector<std::pair<std::string, json::object>> out;
  size_t j = 0;
  for (const json::value& gv : groups->get_array()) {
    const std::string gfield = field + ".permission_groups." + std::to_string(j++);
    const json::value* id = gv.is_object() ? gv.get_object().if_contains("id") : nullptr;
    if (!id || !id->is_string()) throw Failure::Invalid(gfield + ".id", "is required");
    const TokenPermissionGroup* group = catalog.FindPermissionGroup(id->get_string());
    if (!group) {
      throw Failure::Invalid(gfield + ".id",
                             "unknown permission group '" + std::string(id->get_string()) + "'");
    }
    json::object meta = ParseMeta(gv.get_object(), gfield, *group);
    bool seen = false;
    for (const auto& o : out) seen |= o.first == group->id;
    if (seen) continue;
    for (std::string& k : KeysForTokenGroup(*group)) g.keys.push_back(std::move(k));
    g.group_ids.push_back(group->id);
    out.emplace_back(
        group->id,
        json::object{{"id", group->id}, {"name", group->name}, {"meta", std::move(meta)}});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json::array canonical;
  for (auto& o : out) canonical.push_back(std::move(o.second));
  return canonical;
}

// Settles ids: a policy without one takes the id of an equal, not yet claimed
// previous policy (an update that leaves it unchanged keeps its id), else a
// new one.
void AssignIds(std::vector<CanonicalPolicy>& parsed, const json::array* previous) {
  std::vector<std::pair<std::string, std::string>> unclaimed;  // content key, id
  if (previous) {
    for (const json::value& pv : *previous) {
      const json::object* po = pv.if_object();
      const json::value* pid = po ? po->if_contains("id") : nullptr;
      if (!pid || !pid->is_string()) continue;
      const std::string id(pid->get_string());
      bool claimed = false;
      for (const CanonicalPolicy& cp : parsed) claimed |= cp.id == id;
      if (!claimed) unclaimed.emplace_back(ContentKey(*po), id);
    }
  }
  for (CanonicalPolicy& cp : parsed) {
    if (!cp.id.empty()) continue;
    auto it = std::find_if(unclaimed.begin(), unclaimed.end(),
                           [&](const auto& u) { return u.first == cp.content_key; });
    if (it != unclaimed.end()) {
      cp.id = it->second;
      unclaimed.erase(it);
    } else {
      cp.id = NewId();
    }
  }
}

}  // namespace

TokenPolicy TokenPolicy::Parse(const json::value* policies, const json::value* condition,
                               const Catalog& catalog, std::optional<std::string_view> own_account,
                               json::array& canonical_policies, json::object& canonical_condition,
                               const json::array* previous) {
  TokenPolicy tp;
  if (!policies || !policies->is_array()) {
    throw Failure::Invalid("policies", "is required and must be an array");
  }
  if (policies->get_array().empty()) throw Failure::Invalid("policies", "must not be empty");
  std::vector<CanonicalPolicy> parsed;
  size_t i = 0;
  for (const json::value& pv : policies->get_array()) {
    const std::string field = "policies." + std::to_string(i++);
    if (!pv.is_object()) throw Failure::Invalid(field, "must be an object");
    const json::object& p = pv.get_object();
    Grant g;
    const json::value* effect = p.if_contains("effect");
    if (!effect || !effect->is_string() ||
        (effect->get_string() != "allow" && effect->get_string() != "deny")) {
      throw Failure::Invalid(field + ".effect", "must be allow or deny");
    }
    g.deny = effect->get_string() == "deny";
    json::array canonical_groups = ParseGroups(p, field, catalog, g);
    const json::value* resources = p.if_contains("resources");
    if (!resources || !resources->is_object()) {
      throw Failure::Invalid(field + ".resources", "must be an object");
    }
    g.resources =
        ResourceMatcher::Compile(resources->get_object(), field + ".resources", own_account);
    CanonicalPolicy cp;
    if (const json::value* pid = p.if_contains("id");
        pid && pid->is_string() && IsObjectId(pid->get_string())) {
      cp.id = std::string(pid->get_string());
    }
    cp.body = json::object{{"effect", effect->get_string()},
                           {"permission_groups", std::move(canonical_groups)},
                           {"resources", SortedKeys(*resources)}};
    cp.content_key = ContentKey(cp.body);
    parsed.push_back(std::move(cp));
    tp.grants.push_back(std::move(g));
  }
  AssignIds(parsed, previous);
  std::stable_sort(parsed.begin(), parsed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.content_key, a.id) < std::tie(b.content_key, b.id);
  });
  for (CanonicalPolicy& cp : parsed) {
    json::object out{{"id", cp.id}};
    for (auto& [k, v] : cp.body) out[k] = std::move(v);
    canonical_policies.push_back(std::move(out));
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
