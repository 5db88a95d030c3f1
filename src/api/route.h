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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/query.h"
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

struct Context {
  const http::Request& request;
  const auth::Principal& principal;
  const PathParams& path;
  const QueryParams& query;
  const boost::json::value* body;  // nullptr when the request had no body
  Services& services;
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
};

using HandlerFn = Reply (*)(Context&);

struct Route {
  boost::beast::http::verb method;
  std::string_view path;  // template under /client/v4, e.g. "/accounts/{account_id}"
  HandlerFn handler;
  Access access;
  std::string_view permission;  // the permission key for Access::kAccount and kUser
  std::string_view audit;       // human description of a change ("Update Account"); "" for reads
  // Runs on the I/O thread, skipping the worker hop. Only for handlers that
  // read memory or do one indexed point read (WAL readers never wait on the
  // writer); anything that writes or scans stays on the worker pool.
  bool inline_ok = false;
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
