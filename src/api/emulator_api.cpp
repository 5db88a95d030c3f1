// /_cfiam/...: what an emulator offers test suites beyond the Cloudflare API
// (docs/emulator.md). Tenant admins only. Each runs as one change in one
// unit of work, so a bad seed file or a failure leaves the store as it was.
#include <boost/json.hpp>

#include "api/route.h"
#include "api/seed.h"
#include "api/services.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

Reply Seed(Context& ctx) {
  if (!ctx.body) throw ApiError::Invalid("seed", "a JSON seed document is required as the body");
  // The store's writes log their changes; authorization follows them once
  // the dispatcher commits the unit.
  store::Tx& tx = ctx.unit().tx();
  const std::string_view target = ctx.request.raw.target();
  // Each seeded account gets an entry in its own audit log, like a change
  // made through the API (secrets in the request body are redacted).
  auto record = [&](const Account& account, bool created, const json::value& source) {
    RecordSeededAccount(ctx.services.store, tx, account, created, source,
                        target.substr(0, target.find('?')), ctx.request.ray, &ctx.principal);
  };
  const SeedCounts n = ApplySeed(ctx.services.store, tx, ctx.services.catalog, *ctx.body, record);
  return {json::object{{"users", n.users},
                       {"accounts", n.accounts},
                       {"resource_groups", n.resource_groups},
                       {"members", n.members},
                       {"user_groups", n.user_groups},
                       {"tokens", n.tokens}},
          {},
          {}};
}

Reply Reset(Context& ctx) {
  if (ctx.body && !(ctx.body->is_object() && ctx.body->get_object().empty())) {
    throw ApiError(400, codes::kInvalidRequest, "The reset request body must be {} or empty");
  }
  ctx.services.store.ResetToFresh(ctx.unit().tx());
  return {json::object{{"status", "reset"}}, {}, {}};
}

}  // namespace

const std::vector<Route>& EmulatorRoutes() {
  static const std::vector<Route> routes{
      {verb::post, "/_cfiam/seed", Seed, Access::kTenantAdmin, "", "Seed"},
      {verb::post, "/_cfiam/reset", Reset, Access::kTenantAdmin, "", "Reset"},
  };
  return routes;
}

}  // namespace cfiam::api
