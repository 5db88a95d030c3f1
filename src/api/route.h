// The declarative route table's row type and the handler contract.
//
// Every operation is one Route: method, path template, handler, the access it
// needs, and its audit description. The dispatcher authenticates and
// authorizes from the row before the handler runs, so no handler can forget.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/query.h"
#include "audit/resource.h"
#include "auth/principal.h"
#include "http/message.h"
#include "store/unit_of_work.h"

namespace cfiam::api {

struct Services;

// Who may call a route.
enum class Access {
  kAuthenticated,  // any valid credential; the handler scopes what it returns
  kTenantAdmin,    // tenant admins only
  kAccount,        // `permission` in the {account_id} of the path
  kAccountAny,     // any grant in the {account_id} (every member and token may read
                   // the account's details); `permission` documents the spec's key
  kTokenVerify,    // the credential itself is the subject: token failures are 401 1000
  kUser,           // `permission` (a user-level key) over the caller's own user
};

using PathParams = std::vector<std::pair<std::string_view, std::string>>;

// How a list route hands out its items; every GET of a collection declares
// one, every other route keeps kNone (route_table_test walks the table).
struct Paging {
  enum class Kind : std::uint8_t {
    kNone,        // not a list
    kPages,       // page/per_page within `bounds` (ParsePaging)
    kCursor,      // cursor/limit, limit within `bounds` (the audit log)
    kSinglePage,  // the whole collection, with a single-page result_info
    kWhole,       // the whole collection, no result_info (as the contract shows)
  };
  Kind kind = Kind::kNone;
  PageBounds bounds{0, 0, 0};
};

// Cloudflare's usual page/per_page list: 20 by default, 5 to 50.
inline constexpr Paging kPaged{Paging::Kind::kPages, {20, 5, 50}};
inline constexpr Paging kSinglePage{Paging::Kind::kSinglePage, {0, 0, 0}};
inline constexpr Paging kWhole{Paging::Kind::kWhole, {0, 0, 0}};
inline constexpr Paging kNotPaged{};
constexpr Paging PagedBy(std::int64_t default_per_page, std::int64_t min, std::int64_t max) {
  return {Paging::Kind::kPages, {default_per_page, min, max}};
}
constexpr Paging CursorBy(std::int64_t default_limit, std::int64_t min, std::int64_t max) {
  return {Paging::Kind::kCursor, {default_limit, min, max}};
}

// A change route's audit resource: product, type, the path parameter naming
// the resource ("" when the result's id names it), and the action when the
// method does not say it (audit/resource.h).
constexpr audit::ResourceKind Resource(std::string_view product, std::string_view type,
                                       std::string_view id_param, std::string_view action = {}) {
  return {product, type, id_param, action};
}
inline constexpr audit::ResourceKind kNoResource{};  // reads are not audited

struct Route;

struct Context {
  const http::Request& request;
  const auth::Principal& principal;
  const PathParams& path;
  const QueryParams& query;
  const boost::json::value* body;  // nullptr when the request had no body
  Services& services;
  const Route& route;  // the row that matched (its paging bounds, ...)
  // A change route's unit of work, begun and committed by the dispatcher.
  store::UnitOfWork* change = nullptr;
  // A read route's transaction, begun on first use (many reads never need one).
  std::unique_ptr<store::Tx> read_tx = nullptr;

  // The value of a path parameter; REQUIRES: the route template names it.
  const std::string& Param(std::string_view name) const;
  // The change's unit of work. REQUIRES: a change route (one with `audit`).
  store::UnitOfWork& unit();
  // The request's transaction: the change's, else one read transaction that
  // sees one snapshot for the whole request.
  store::Tx& tx();
};

struct Reply {
  boost::json::value result;
  std::optional<boost::json::object> result_info;
  boost::json::array messages;
  // The result already written as JSON text, for a hot read that skips the
  // tree (GET /accounts/{id}, list pages); when set, `result` is not used.
  std::string result_text{};
  // A change's result written as text by its handler (`result_text`), with
  // `result` holding only the fields its audit entry reads from it (the id):
  // the entry keeps the text as the response. Only for a result without a
  // secret field (the entry is not redacted then).
  bool result_is_summary = false;
  // The messages as constant JSON text; when set, `messages` is not used.
  std::string_view messages_text{};
  // The whole success envelope already written (a list page, api/list_cache.h);
  // when set, every other member is unused.
  std::string body_text{};
  // The same, shared with a cache that keeps it (a kept list page): sent
  // without a copy. When set, every other member is unused.
  std::shared_ptr<const std::string> body_shared{};
};

using HandlerFn = Reply (*)(Context&);
// A read route's answer from memory alone (see Route::kept): true and
// `reply` when the route holds the answer for `ctx` at change-log position
// `version`; false to let the handler answer on a worker. Takes a const
// Context: no transaction (ctx.tx() is not reachable), no store access.
using KeptFn = bool (*)(const Context& ctx, std::int64_t version, Reply& reply);

struct Route {
  boost::beast::http::verb method;
  std::string_view path;  // template under /client/v4, e.g. "/accounts/{account_id}"
  HandlerFn handler;
  Access access;
  std::string_view permission;  // the permission key for Access::kAccount and kUser
  std::string_view audit;       // human description of a change ("Update Account"); "" for reads
  // What a change acts on, for its audit entry: product, type and the path
  // parameter naming the resource. Declared, never derived from the path.
  audit::ResourceKind resource = {};
  Paging paging = {};  // list routes only
  // Runs on the I/O thread, skipping the worker hop. Only for handlers that
  // read memory or do one indexed point read (WAL readers never wait on the
  // writer); anything that writes or scans stays on the worker pool.
  bool inline_ok = false;
  // A read route whose answer is often kept in memory (a list page,
  // api/list_cache.h): on the I/O thread, once the request is authenticated
  // and authorized from this row exactly as on the worker, the dispatcher
  // asks `kept` for the answer at the version the node's state is confirmed
  // to have applied; when it declines (or throws) the request goes to the
  // worker pool as any other. Must be side-effect free when it declines.
  KeptFn kept = nullptr;
};

// Every route of the server, assembled from the resource families.
const std::vector<Route>& AllRoutes();
// The table as a JSON array of {method, path, access, permission, audit}, for
// operators and for tests that must cover every route.
std::string RouteTableJson();

// Each resource family contributes its rows.
void AddAccountRoutes(std::vector<Route>& routes);
void AddRoleRoutes(std::vector<Route>& routes);
void AddTokenRoutes(std::vector<Route>& routes);
void AddSubscriptionRoutes(std::vector<Route>& routes);
void AddSsoConnectorRoutes(std::vector<Route>& routes);
void AddMemberRoutes(std::vector<Route>& routes);
void AddMembershipRoutes(std::vector<Route>& routes);
void AddPermissionGroupRoutes(std::vector<Route>& routes);
void AddResourceGroupRoutes(std::vector<Route>& routes);
void AddUserGroupRoutes(std::vector<Route>& routes);
void AddAuditRoutes(std::vector<Route>& routes);
void AddUserRoutes(std::vector<Route>& routes);
void AddUserTokenRoutes(std::vector<Route>& routes);

// The emulator's own operations, served under /_cfiam (not /client/v4):
// seed and reset (api/emulator_api.cpp, docs/emulator.md). Paths are full
// ("/_cfiam/seed"); kept out of AllRoutes() so the Cloudflare table stays
// the Cloudflare API.
const std::vector<Route>& EmulatorRoutes();

}  // namespace cfiam::api
