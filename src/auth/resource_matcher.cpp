#include "auth/resource_matcher.h"

#include "util/failure.h"
#include "util/text.h"

namespace cfiam::auth {
namespace {

constexpr std::string_view kAccountPrefix = "com.cloudflare.api.account.";
constexpr std::string_view kZonePrefix = "com.cloudflare.api.account.zone.";
constexpr std::string_view kUserPrefix = "com.cloudflare.api.user.";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "<prefix><32 hex>" or "<prefix>*"; returns the id part or nullopt.
std::optional<std::string> IdAfter(std::string_view key, std::string_view prefix) {
  if (!StartsWith(key, prefix)) return std::nullopt;
  std::string_view id = key.substr(prefix.size());
  if (id == "*" || IsObjectId(id)) return std::string(id);
  return std::nullopt;
}

bool IsStar(const boost::json::value& v) { return v.is_string() && v.get_string() == "*"; }

}  // namespace

ResourceMatcher ResourceMatcher::Compile(const boost::json::object& resources,
                                         const std::string& field,
                                         std::optional<std::string_view> own_account) {
  if (resources.empty()) throw Failure::Invalid(field, "must name at least one resource");
  ResourceMatcher m;
  for (const auto& [raw_key, value] : resources) {
    const std::string_view key = raw_key;
    const std::string path = field + "." + std::string(key);
    if (auto zone = IdAfter(key, kZonePrefix)) {
      if (!IsStar(value)) throw Failure::Invalid(path, "must be \"*\"");
      m.entries_.push_back({"", *zone, ""});
      continue;
    }
    if (auto user = IdAfter(key, kUserPrefix); user && *user != "*") {
      if (own_account) throw Failure::Invalid(path, "an account token cannot name a user");
      if (!IsStar(value)) throw Failure::Invalid(path, "must be \"*\"");
      m.entries_.push_back({"", "", *user});
      continue;
    }
    auto account = IdAfter(key, kAccountPrefix);
    if (!account) {
      throw Failure::Invalid(path,
                             "is not a resource key (com.cloudflare.api.account.<id>, "
                             "com.cloudflare.api.account.zone.<id>, "
                             "com.cloudflare.api.user.<id> or a '*' form)");
    }
    if (own_account && *account != *own_account) {
      throw Failure::Invalid(path, "an account token may only name its own account");
    }
    if (IsStar(value)) {
      m.entries_.push_back({*account, "", ""});
    } else if (value.is_object() && !value.get_object().empty()) {
      for (const auto& [inner_key, inner] : value.get_object()) {
        auto zone = IdAfter(inner_key, kZonePrefix);
        const std::string inner_path = path + "." + std::string(inner_key);
        if (!zone) throw Failure::Invalid(inner_path, "nested keys must be zone keys");
        if (!IsStar(inner)) throw Failure::Invalid(inner_path, "must be \"*\"");
        m.entries_.push_back({*account, *zone, ""});
      }
    } else {
      throw Failure::Invalid(path, "must be \"*\" or an object of zone keys");
    }
  }
  return m;
}

bool ResourceMatcher::Matches(const ResourceRef& ref) const {
  for (const Entry& e : entries_) {
    if (!e.user.empty() || !ref.user_id.empty()) {
      // User keys match only user-level resources, and only their own user.
      if (e.user == ref.user_id) return true;
      continue;
    }
    if (e.account.empty()) {
      // Top-level zone key: zones anywhere, never account-level resources.
      if (!ref.zone_id.empty() && (e.zone == "*" || e.zone == ref.zone_id)) return true;
      continue;
    }
    if (e.account != "*" && e.account != ref.account_id) continue;
    if (e.zone.empty()) return true;  // the account and all of its zones
    if (!ref.zone_id.empty() && (e.zone == "*" || e.zone == ref.zone_id)) return true;
  }
  return false;
}

}  // namespace cfiam::auth
