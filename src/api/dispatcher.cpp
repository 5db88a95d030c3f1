#include "api/dispatcher.h"

#include <boost/json.hpp>
#include <boost/url.hpp>
#include <cstdio>

#include "api/envelope.h"
#include "audit/record.h"
#include "store/db.h"
#include "store/unit_of_work.h"
#include "util/text.h"

namespace cfiam::api {
namespace json = boost::json;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view kPrefix = "/client/v4";

ApiError NoRoute(std::string_view path) {
  return ApiError(404, {{codes::kCouldNotRoute,
                         "Could not route to " + std::string(path) +
                             ", perhaps your object identifier is invalid?",
                         {},
                         {}},
                        {codes::kNoRoute, "No route for that URI", {}, {}}});
}

std::string_view Header(const http::Request& req, std::string_view name, bool& present) {
  auto it = req.raw.find(name);
  present = it != req.raw.end();
  if (!present) return {};
  const auto v = it->value();
  return std::string_view(v.data(), v.size());
}

// Splits the request target into decoded path segments below /client/v4 and
// decoded query parameters. Throws 400 for malformed targets, 404 off-prefix.
void ParseTarget(std::string_view target, std::vector<std::string>& segments, QueryParams& query) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) throw ApiError(400, codes::kInvalidRequest, "Malformed request target");
  const boost::urls::url_view& url = *parsed;
  auto segs = url.segments();
  auto it = segs.begin();
  if (segs.size() < 2 || *it != "client" || *++it != "v4") throw NoRoute(url.encoded_path());
  segments.reserve(segs.size() - 2);
  for (++it; it != segs.end(); ++it) segments.emplace_back(*it);
  // Drop the empty segment a trailing slash leaves behind.
  if (!segments.empty() && segments.back().empty()) segments.pop_back();
  std::vector<std::pair<std::string, std::string>> items;
  for (auto param : url.params()) {
    items.emplace_back(param.key, param.has_value ? std::string(param.value) : std::string());
  }
  query = QueryParams(std::move(items));
}

const json::value* ParseBody(const http::Request& req, json::value& storage) {
  const std::string& body = req.raw.body();
  if (std::string_view(Trim(body)).empty()) return nullptr;
  bool has_type = false;
  const std::string type = ToLower(Header(req, "Content-Type", has_type));
  if (has_type && type.find("application/json") == std::string::npos &&
      type.find("+json") == std::string::npos) {
    throw ApiError(400, codes::kBodyNotJson,
                   "Request body must be JSON (Content-Type: application/json)");
  }
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;
  storage = json::parse(body, ec, {}, opts);
  if (ec) throw ApiError(400, codes::kMalformedJson, "Malformed JSON in request body");
  return &storage;
}

http::Response Enveloped(unsigned status, std::string body) {
  return {status, std::move(body), {}};
}

}  // namespace

Dispatcher::Dispatcher(Services& services) : services_(services), table_(AllRoutes()) {}

bool Dispatcher::HandleInline(http::Request& request, http::Response& response) {
  const std::string_view target = request.raw.target();
  if ((target == "/healthz" || target == "/client/v4/healthz") &&
      (request.raw.method() == bhttp::verb::get || request.raw.method() == bhttp::verb::head)) {
    response = {200, R"({"success":true,"errors":[],"messages":[],"result":{"status":"ok"}})", {}};
    return true;
  }
  Routed routed;
  try {
    routed = Resolve(request);
  } catch (...) {
    return false;  // the worker path answers routing errors
  }
  if (!routed.match.route || !routed.match.route->inline_ok) return false;
  response = Guarded(request, [&] { return Run(request, routed); });
  return true;
}

http::Response Dispatcher::Handle(http::Request& request) {
  return Guarded(request, [&] { return Dispatch(request); });
}

// The enveloped answer to a failure; logs what a client must not see.
static http::Response ErrorResponse(const http::Request& request, std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const ApiError& e) {
    return Enveloped(e.http_status(), ErrorBody(e));
  } catch (const store::DbError& e) {
    if (e.kind() == store::DbError::Kind::kConstraint) {
      return Enveloped(409,
                       ErrorBody(ApiError::Conflict("The change conflicts with existing data")));
    }
    std::fprintf(stderr, "cfiam: store error on %s: %s\n", request.ray.c_str(), e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cfiam: internal error on %s: %s\n", request.ray.c_str(), e.what());
  }
  return Enveloped(500, ErrorBody(ApiError(500, codes::kInternal, "Internal server error")));
}

http::Response Dispatcher::Guarded(http::Request& request,
                                   const std::function<http::Response()>& fn) {
  try {
    return fn();
  } catch (...) {
    return ErrorResponse(request, std::current_exception());
  }
}

Dispatcher::Routed Dispatcher::Resolve(const http::Request& request) const {
  Routed r;
  ParseTarget(request.raw.target(), r.segments, r.query);
  r.match = table_.Match(request.raw.method(), r.segments);
  return r;
}

http::Response Dispatcher::Dispatch(http::Request& request) {
  Routed routed = Resolve(request);
  return Run(request, routed);
}

http::Response Dispatcher::Run(http::Request& request, Routed& routed) {
  RouteMatch& match = routed.match;
  if (!match.route) {
    if (match.path_known) {
      http::Response res =
          Enveloped(405, ErrorBody(ApiError(405, codes::kMethodNotAllowed,
                                            "Method " + std::string(request.raw.method_string()) +
                                                " not allowed; use " + match.allow)));
      res.headers.emplace_back("Allow", match.allow);
      return res;
    }
    throw NoRoute(request.raw.target().substr(0, request.raw.target().find('?')));
  }
  for (const auto& [name, value] : match.params) {
    if (!IsObjectId(value))
      throw NoRoute(request.raw.target().substr(0, request.raw.target().find('?')));
  }
  const Route& route = *match.route;

  auth::Credentials creds;
  creds.authorization = Header(request, "Authorization", creds.has_authorization);
  creds.auth_email = Header(request, "X-Auth-Email", creds.has_auth_email);
  creds.auth_key = Header(request, "X-Auth-Key", creds.has_auth_key);
  creds.client_ip = request.client_ip;
  const auth::Principal principal = [&] {
    if (route.access != Access::kTokenVerify) return services_.authenticator.Authenticate(creds);
    try {
      return services_.authenticator.Authenticate(creds);
    } catch (const ApiError& e) {
      // Verification answers for the token itself: a token that exists but
      // cannot be used (disabled, expired, wrong place) is an invalid token.
      if (e.errors()[0].code != codes::kInvalidAccessToken) throw;
      throw ApiError(401, codes::kInvalidApiToken, "Invalid API Token");
    }
  }();

  if (!route.audit.empty()) return RunChange(request, routed, principal);
  Authorize(principal, match);
  return RunHandler(request, routed, principal);
}

void Dispatcher::Authorize(const auth::Principal& principal, const RouteMatch& match) const {
  const Route& route = *match.route;
  switch (route.access) {
    case Access::kAuthenticated:
    case Access::kTokenVerify:
      break;
    case Access::kTenantAdmin:
      services_.authorizer.RequireTenantAdmin(principal);
      break;
    case Access::kAccount:
    case Access::kAccountAny: {
      std::string_view account_id;
      for (const auto& [name, value] : match.params) {
        if (name == "account_id") account_id = value;
      }
      services_.authorizer.RequireInAccount(
          principal, account_id, route.access == Access::kAccount ? route.permission : "");
      break;
    }
  }
}

http::Response Dispatcher::RunHandler(http::Request& request, Routed& routed,
                                      const auth::Principal& principal) {
  json::value body_storage;
  const json::value* body = ParseBody(request, body_storage);
  Context ctx{request, principal, routed.match.params, routed.query, body, services_};
  Reply reply = routed.match.route->handler(ctx);
  return Enveloped(200, SuccessBody(std::move(reply)));
}

http::Response Dispatcher::RunChange(http::Request& request, Routed& routed,
                                     const auth::Principal& principal) {
  const Route& route = *routed.match.route;
  const std::string_view target = request.raw.target();
  bool has_agent = false;
  audit::ChangeRequest change;
  change.method = request.raw.method_string();
  change.route_path = route.path;
  change.description = route.audit;
  change.params = &routed.match.params;
  std::string_view path = target.substr(0, target.find('?'));
  if (path.starts_with(kPrefix)) path.remove_prefix(kPrefix.size());
  change.uri = path;
  change.ray = request.ray;
  change.user_agent = Header(request, "User-Agent", has_agent);
  change.principal = &principal;

  json::value body_storage;
  std::exception_ptr failure;
  bool mirrors_touched = false;
  {
    store::UnitOfWork unit(services_.store);
    try {
      for (const auto& [name, value] : routed.match.params) {
        if (name == "account_id") change.account_id = value;
        if (name == "membership_id" && principal.user) {
          // A membership belongs to the caller's account membership; a
          // stranger's membership id is not attributed to its account.
          auto m = services_.store.GetMember(unit.tx(), value);
          if (m && m->user_id == principal.user->id) change.account_id = m->account_id;
        }
      }
      if (auto account = services_.directory.FindAccount(change.account_id)) {
        change.account_name = account->name;
      }
      Authorize(principal, routed.match);
      change.body = ParseBody(request, body_storage);
      Context ctx{request, principal, routed.match.params, routed.query, change.body, services_};
      Reply reply = route.handler(ctx);
      AuditEntry entry = audit::Describe(change, 200, &reply.result, {});
      audit::Record(services_.store, unit.tx(), entry);
      std::string out = SuccessBody(std::move(reply));
      unit.Commit();
      return Enveloped(200, std::move(out));
    } catch (...) {
      failure = std::current_exception();
      mirrors_touched = unit.changed();
    }
  }  // rolls the unit back
  http::Response response = ErrorResponse(request, failure);
  if (mirrors_touched) ReloadDirectory();
  try {
    store::UnitOfWork unit(services_.store);
    AuditEntry entry = audit::Describe(change, response.status, nullptr, response.body);
    audit::Record(services_.store, unit.tx(), entry);
    unit.Commit();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cfiam: could not record the refused change %s: %s\n", request.ray.c_str(),
                 e.what());
  }
  return response;
}

void Dispatcher::ReloadDirectory() {
  try {
    // Read through a write unit: it sees every change other units have
    // finished, including those still waiting for their batch to commit.
    store::UnitOfWork unit(services_.store);
    services_.directory.Load(services_.store, services_.catalog);
    unit.Commit();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cfiam: could not reload the directory: %s\n", e.what());
  }
}

}  // namespace cfiam::api
