// /accounts/{account_id}/iam/resource_groups: account-scoped resource sets for
// IAM policies. A scope names this account and lists "*" or zone keys.
#include <boost/json.hpp>

#include "api/input.h"
#include "api/render_iam.h"
#include "api/route.h"
#include "api/services.h"
#include "util/api_error.h"
#include "util/text.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::size_t kNameMax = 255;
constexpr std::string_view kZonePrefix = "com.cloudflare.api.account.zone.";

// Reads {key, objects: [{key}]} into `g`; the SDK's array form [{...}] with
// exactly one element is accepted too.
void ReadScope(const ObjectReader& body, const std::string& account_id, ResourceGroup& g) {
  const json::value* raw = body.object().if_contains("scope");
  std::string field = "scope";
  if (raw && raw->is_array() && raw->get_array().size() == 1) {
    raw = &raw->get_array()[0];
    field = "scope[0]";
  }
  if (!raw || raw->is_null()) throw ApiError::Invalid("scope", "is required");
  if (!raw->is_object()) throw ApiError::Invalid("scope", "must be an object");
  ObjectReader scope(raw->get_object(), field);
  const std::string key = scope.RequiredString("key");
  if (key != "com.cloudflare.api.account." + account_id) {
    throw ApiError::Invalid(scope.Path("key"), "must be com.cloudflare.api.account." + account_id);
  }
  const json::array* objects = scope.Array("objects");
  if (!objects) throw ApiError::Invalid(scope.Path("objects"), "is required");
  if (objects->empty()) throw ApiError::Invalid(scope.Path("objects"), "must not be empty");
  std::vector<std::string> keys;
  for (size_t i = 0; i < objects->size(); ++i) {
    const std::string at = scope.Path("objects") + "[" + std::to_string(i) + "]";
    if (!(*objects)[i].is_object()) throw ApiError::Invalid(at, "must be an object");
    const std::string object = ObjectReader((*objects)[i].get_object(), at).RequiredString("key");
    const bool zone = object.size() == kZonePrefix.size() + 32 &&
                      object.compare(0, kZonePrefix.size(), kZonePrefix) == 0 &&
                      IsObjectId(std::string_view(object).substr(kZonePrefix.size()));
    if (object != "*" && !zone) {
      throw ApiError::Invalid(at + ".key", "must be * or com.cloudflare.api.account.zone.<id>");
    }
    keys.push_back(object);
  }
  g.scope_key = key;
  g.objects = std::move(keys);
}

Reply Create(Context& ctx) {
  ObjectReader body(ctx.body);
  ResourceGroup draft;
  draft.account_id = ctx.Param("account_id");
  draft.name = body.RequiredName("name", kNameMax);
  ReadScope(body, draft.account_id, draft);
  return {RenderResourceGroup(ctx.services.resource_groups.Create(ctx.unit(), std::move(draft))),
          {},
          {}};
}

Reply List(Context& ctx) {
  std::optional<std::string> id, name;
  if (auto v = ctx.query.Get("id")) id = std::string(*v);
  if (auto v = ctx.query.Get("name")) name = std::string(*v);
  json::array items;
  for (const ResourceGroup& g :
       ctx.services.resource_groups.List(ctx.tx(), ctx.Param("account_id"), id, name)) {
    items.push_back(RenderResourceGroup(g));
  }
  return {std::move(items), {}, {}};
}

Reply Get(Context& ctx) {
  return {RenderResourceGroup(ctx.services.resource_groups.Get(ctx.tx(), ctx.Param("account_id"),
                                                               ctx.Param("resource_group_id"))),
          {},
          {}};
}

Reply Update(Context& ctx) {
  ObjectReader body(ctx.body);
  const std::string& account_id = ctx.Param("account_id");
  std::optional<std::string> name;
  if (body.Has("name")) name = body.RequiredName("name", kNameMax);
  std::optional<ResourceGroup> scope;
  if (body.Has("scope")) {
    scope.emplace();
    ReadScope(body, account_id, *scope);
  }
  auto updated = ctx.services.resource_groups.Update(
      ctx.unit(), account_id, ctx.Param("resource_group_id"), [&](ResourceGroup& g) {
        if (name) g.name = *name;
        if (scope) {
          g.scope_key = scope->scope_key;
          g.objects = scope->objects;
        }
      });
  return {RenderResourceGroup(updated), {}, {}};
}

Reply Delete(Context& ctx) {
  const std::string& id = ctx.Param("resource_group_id");
  ctx.services.resource_groups.Delete(ctx.unit(), ctx.Param("account_id"), id);
  return {json::object{{"id", id}}, {}, {}};
}

}  // namespace

void AddResourceGroupRoutes(std::vector<Route>& r) {
  constexpr std::string_view kOne =
      "/accounts/{account_id}/iam/resource_groups/{resource_group_id}";
  r.push_back({verb::get, "/accounts/{account_id}/iam/resource_groups", List, Access::kAccount,
               "com.cloudflare.api.iam.resource-group.list", ""});
  r.push_back({verb::post, "/accounts/{account_id}/iam/resource_groups", Create, Access::kAccount,
               "com.cloudflare.api.iam.resource-group.create", "Create Resource Group"});
  r.push_back(
      {verb::get, kOne, Get, Access::kAccount, "com.cloudflare.api.iam.resource-group.read", ""});
  r.push_back({verb::put, kOne, Update, Access::kAccount,
               "com.cloudflare.api.iam.resource-group.update", "Update Resource Group"});
  r.push_back({verb::delete_, kOne, Delete, Access::kAccount,
               "com.cloudflare.api.iam.resource-group.delete", "Delete Resource Group"});
}

}  // namespace cfiam::api
