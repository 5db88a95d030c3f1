// /accounts/{account_id}/sso_connectors[/{sso_connector_id}[/begin_verification]]:
// dashboard SSO connectors and their DNS domain verification.
//
// The spec names no permission key for these operations. Reads need
// com.cloudflare.api.account.sso-connector.read and changes ...sso-connector.edit:
// the token groups "SSO Connector Read/Write" map to exactly these, and roles
// reach them through organization.read / organization.write.
#include <boost/json.hpp>

#include "api/input.h"
#include "api/pagination.h"
#include "api/route.h"
#include "api/services.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::size_t kDomainMaxChars = 253;

json::object RenderConnector(const SsoConnector& c) {
  return {{"id", c.id},
          {"email_domain", c.email_domain},
          {"enabled", c.enabled},
          {"use_fedramp_language", c.use_fedramp_language},
          {"verification",
           json::object{{"code", c.verification_code}, {"status", c.verification_status}}},
          {"created_on", FormatRfc3339(c.created_on)},
          {"updated_on", FormatRfc3339(c.updated_on)}};
}

Reply Create(Context& ctx) {
  ObjectReader body(ctx.body);
  const std::string domain = body.RequiredString("email_domain", kDomainMaxChars);
  const bool begin = body.Bool("begin_verification").value_or(true);
  const bool fedramp = body.Bool("use_fedramp_language").value_or(false);
  SsoConnector c = ctx.services.sso_connectors.Create(ctx.unit(), ctx.Param("account_id"), domain,
                                                      begin, fedramp);
  return {RenderConnector(c), {}, {}};
}

Reply List(Context& ctx) {
  json::array items;
  for (const SsoConnector& c :
       ctx.services.sso_connectors.List(ctx.tx(), ctx.Param("account_id"))) {
    items.push_back(RenderConnector(c));
  }
  const std::size_t count = items.size();
  return {std::move(items), SinglePageInfo(count), {}};
}

Reply Get(Context& ctx) {
  return {RenderConnector(ctx.services.sso_connectors.Get(ctx.tx(), ctx.Param("account_id"),
                                                          ctx.Param("sso_connector_id"))),
          {},
          {}};
}

Reply Update(Context& ctx) {
  ObjectReader body(ctx.body);
  const auto enabled = body.Bool("enabled");
  const auto fedramp = body.Bool("use_fedramp_language");
  SsoConnector c = ctx.services.sso_connectors.Update(
      ctx.unit(), ctx.Param("account_id"), ctx.Param("sso_connector_id"), enabled, fedramp);
  return {RenderConnector(c), {}, {}};
}

Reply Delete(Context& ctx) {
  const std::string& id = ctx.Param("sso_connector_id");
  ctx.services.sso_connectors.Delete(ctx.unit(), ctx.Param("account_id"), id);
  return {json::object{{"id", id}}, {}, {}};
}

// Answers at once; the outcome shows as verification.status on GET.
Reply BeginVerification(Context& ctx) {
  ctx.services.sso_connectors.BeginVerification(ctx.unit(), ctx.Param("account_id"),
                                                ctx.Param("sso_connector_id"));
  return {nullptr, {}, {}};
}

}  // namespace

void AddSsoConnectorRoutes(std::vector<Route>& r) {
  constexpr std::string_view kAll = "/accounts/{account_id}/sso_connectors";
  constexpr std::string_view kOne = "/accounts/{account_id}/sso_connectors/{sso_connector_id}";
  r.push_back({verb::get, kAll, List, Access::kAccount,
               "com.cloudflare.api.account.sso-connector.read", ""});
  r.push_back({verb::post, kAll, Create, Access::kAccount,
               "com.cloudflare.api.account.sso-connector.edit", "Create SSO Connector"});
  r.push_back({verb::get, kOne, Get, Access::kAccount,
               "com.cloudflare.api.account.sso-connector.read", ""});
  r.push_back({verb::patch, kOne, Update, Access::kAccount,
               "com.cloudflare.api.account.sso-connector.edit", "Update SSO Connector"});
  r.push_back({verb::delete_, kOne, Delete, Access::kAccount,
               "com.cloudflare.api.account.sso-connector.edit", "Delete SSO Connector"});
  r.push_back({verb::post,
               "/accounts/{account_id}/sso_connectors/{sso_connector_id}/begin_verification",
               BeginVerification, Access::kAccount, "com.cloudflare.api.account.sso-connector.edit",
               "Begin SSO Connector Verification"});
}

}  // namespace cfiam::api
