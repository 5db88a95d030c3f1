// GET /accounts/{account_id}/logs/audit: Audit Logs v2, cursor-paginated.
//
// Rendering rule: a string field whose stored value is empty is omitted (an
// account token has no email, an API key no token_id), and an object whose
// fields are all empty is omitted (`zone` outside zones). `raw.status_code`
// is always a number; `resource.request` and `resource.response` are the
// stored JSON values (omitted when empty or not JSON).
#include <boost/json.hpp>

#include "api/route.h"
#include "api/services.h"
#include "audit/query.h"
#include "audit/reader.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

// Adds `name: value` unless value is empty.
void Put(json::object& o, std::string_view name, const std::string& value) {
  if (!value.empty()) o[name] = value;
}

void PutJson(json::object& o, std::string_view name, const std::string& text) {
  if (text.empty()) return;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (!ec) o[name] = std::move(v);
}

void PutObject(json::object& o, std::string_view name, json::object inner) {
  if (!inner.empty()) o[name] = std::move(inner);
}

json::object RenderEntry(const AuditEntry& e) {
  json::object o{{"id", e.id}};
  json::object account;
  Put(account, "id", e.account_id);
  Put(account, "name", e.account_name);
  PutObject(o, "account", std::move(account));
  json::object action;
  Put(action, "description", e.action_description);
  Put(action, "result", e.action_result);
  action["time"] = FormatRfc3339(e.time);
  Put(action, "type", e.action_type);
  o["action"] = std::move(action);
  json::object actor;
  Put(actor, "id", e.actor_id);
  Put(actor, "context", e.actor_context);
  Put(actor, "email", e.actor_email);
  Put(actor, "ip_address", e.actor_ip_address);
  Put(actor, "token_id", e.actor_token_id);
  Put(actor, "token_name", e.actor_token_name);
  Put(actor, "type", e.actor_type);
  PutObject(o, "actor", std::move(actor));
  json::object raw;
  Put(raw, "cf_ray_id", e.raw_cf_ray_id);
  Put(raw, "method", e.raw_method);
  raw["status_code"] = e.raw_status_code;
  Put(raw, "uri", e.raw_uri);
  Put(raw, "user_agent", e.raw_user_agent);
  Put(raw, "node_id", e.raw_node_id);  // cfiam's own: which node wrote it
  o["raw"] = std::move(raw);
  json::object resource;
  Put(resource, "id", e.resource_id);
  Put(resource, "product", e.resource_product);
  PutJson(resource, "request", e.resource_request);
  PutJson(resource, "response", e.resource_response);
  Put(resource, "scope", e.resource_scope);
  Put(resource, "type", e.resource_type);
  PutObject(o, "resource", std::move(resource));
  json::object zone;
  Put(zone, "id", e.zone_id);
  Put(zone, "name", e.zone_name);
  PutObject(o, "zone", std::move(zone));
  return o;
}

// result_info {count (a string, as the contract shows), cursor} plus
// cursors.after: the official SDK's CursorPaginationAfter reads the next
// cursor from there and sends it back as `cursor`.
Reply List(Context& ctx) {
  const audit::ListRequest request = audit::ParseListRequest(ctx.query, ctx.route.paging.bounds);
  const audit::LogPage page = ctx.services.audit_log.Read(ctx.Param("account_id"), request);
  json::array items;
  items.reserve(page.entries.size());
  for (const AuditEntry& e : page.entries) items.push_back(RenderEntry(e));
  json::object info{{"count", std::to_string(items.size())}};
  if (page.next_cursor) {
    info["cursor"] = *page.next_cursor;
    info["cursors"] = json::object{{"after", *page.next_cursor}};
  }
  return {std::move(items), std::move(info), {}};
}

}  // namespace

void AddAuditRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/accounts/{account_id}/logs/audit", List, Access::kAccount,
               "#organization:read", "", kNoResource,
               CursorBy(audit::kDefaultLimit, 1, audit::kMaxLimit)});
}

}  // namespace cfiam::api
