// /user: the caller's own user record (GET, PATCH). Needs User Details
// Read/Write on a restricted user token; the API key and an unrestricted user
// token hold both. Account tokens have no user (403).
#include <boost/json.hpp>

#include "api/input.h"
#include "api/route.h"
#include "api/services.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

json::value OrNull(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}
json::value OrNull(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

json::object RenderUser(const UserDetails& d) {
  return {{"id", d.user.id},
          {"email", d.user.email},
          {"first_name", OrNull(d.user.first_name)},
          {"last_name", OrNull(d.user.last_name)},
          {"country", OrNull(d.contact.country)},
          {"zipcode", OrNull(d.contact.zipcode)},
          {"telephone", OrNull(d.contact.telephone)},
          {"two_factor_authentication_enabled", d.user.two_factor},
          {"two_factor_authentication_locked", false},
          {"suspended", false},
          {"has_pro_zones", false},
          {"has_business_zones", false},
          {"has_enterprise_zones", false},
          {"betas", json::array()},
          {"organizations", json::array()}};
}

// A nullable string of at most `max_chars` code points: absent leaves the
// field alone, null clears it.
std::optional<std::optional<std::string>> Nullable(const ObjectReader& body, std::string_view field,
                                                   std::size_t max_chars) {
  const json::value* v = body.object().if_contains(field);
  if (!v) return std::nullopt;
  if (v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) throw ApiError::Invalid(body.Path(field), "must be a string or null");
  return body.String(field, max_chars);
}

Reply Get(Context& ctx) {
  return {RenderUser(ctx.services.users.Get(ctx.tx(), ctx.principal.user->id)), {}, {}};
}

Reply Edit(Context& ctx) {
  ObjectReader body(ctx.body);
  // Lengths are the contract's maxLength values.
  UserEdit edit;
  edit.first_name = Nullable(body, "first_name", 60);
  edit.last_name = Nullable(body, "last_name", 60);
  edit.country = Nullable(body, "country", 30);
  edit.zipcode = Nullable(body, "zipcode", 20);
  edit.telephone = Nullable(body, "telephone", 20);
  return {RenderUser(ctx.services.users.Edit(ctx.unit(), ctx.principal.user->id, edit)), {}, {}};
}

}  // namespace

void AddUserRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/user", Get, Access::kUser, "com.cloudflare.api.user.read", ""});
  r.push_back(
      {verb::patch, "/user", Edit, Access::kUser, "com.cloudflare.api.user.update", "Edit User"});
}

}  // namespace cfiam::api
