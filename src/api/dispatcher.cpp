#include "api/dispatcher.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include "api/envelope.h"
#include "api/failure_map.h"
#include "api/observe.h"
#include "audit/record.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "store/db.h"
#include "store/unit_of_work.h"
#include "util/text.h"

namespace cfiam::api {
namespace json = boost::json;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view kPrefix = "/client/v4";

// Read-your-writes headers (README "Consistency"): modelled on SpiceDB's
// zedtokens; no Cloudflare-compatible API we know offers this.
constexpr std::string_view kSeqHeader = "cf-iam-seq";
constexpr std::string_view kMinSeqHeader = "cf-iam-min-seq";
constexpr std::chrono::seconds kMinSeqWait{1};

// The 1 s bound (docs/cluster.md "Coherence"): a request authorizes on the
// in-memory state only while the node has confirmed it current (a catch-up
// read of the change log that succeeded) within kStaleLimit. The poller and
// the listener confirm several times a second; a request that finds the
// confirmation older than kConfirmAfter confirms on demand (on a worker),
// waiting at most kConfirmWait for a catch-up already in progress.
constexpr Micros kConfirmAfter = 500'000;
constexpr Micros kStaleLimit = 1'000'000;
constexpr Micros kConfirmWait = 250'000;

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

// The characters a target may use without changing meaning when decoded:
// ALPHA / DIGIT / "-" / "_" / "~" (RFC 3986 unreserved, less "." so dot
// segments never take the shortcut). A table: every byte of the target is
// looked up.
constexpr std::array<bool, 256> kPlainChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : {'-', '_', '~'}) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

// In a query's keys and values, "." decodes to itself too (dot segments are
// a path's business).
constexpr std::array<bool, 256> kPlainQueryChars = [] {
  std::array<bool, 256> t = kPlainChars;
  t['.'] = true;
  return t;
}();

// Splits a query of "key=value" or "key" items joined by '&', every key
// non-empty and every character plain, into `items`; false (and `items`
// unspecified) for anything else, which the general parser decodes.
bool SplitPlainQuery(std::string_view query,
                     std::vector<std::pair<std::string, std::string>>& items) {
  items.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t amp = std::min(query.find('&', start), query.size());
    const std::string_view item = query.substr(start, amp - start);
    const std::size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    if (key.empty()) return false;
    for (char c : key) {
      if (!kPlainQueryChars[static_cast<unsigned char>(c)]) return false;
    }
    for (char c : value) {
      if (!kPlainQueryChars[static_cast<unsigned char>(c)]) return false;  // '=' too
    }
    items.emplace_back(key, value);
    if (amp == query.size()) return true;
    start = amp + 1;
  }
}

}  // namespace

void ParseTarget(std::string_view target, std::vector<std::string>& segments, QueryParams& query) {
  // What clients send on the hot path is "/client/v4/" plus plain segments
  // and no query, or a query of plain items (a list's page and per_page):
  // such a target decodes to itself, so split it on '/', '&' and '=' rather
  // than run the general URL parser and percent-decoder. Anything else
  // (escapes, dots in the path, empty query items, another prefix) takes the
  // general path below.
  constexpr std::string_view kPlainPrefix = "/client/v4/";
  if (target.starts_with(kPlainPrefix)) {
    const std::size_t mark = target.find('?');
    const std::string_view rest =
        target.substr(kPlainPrefix.size(), std::min(mark, target.size()) - kPlainPrefix.size());
    std::size_t count = 1;
    bool plain = true;
    for (char c : rest) {
      if (c == '/') {
        ++count;
      } else if (!kPlainChars[static_cast<unsigned char>(c)]) {
        plain = false;
        break;
      }
    }
    std::vector<std::pair<std::string, std::string>> items;
    if (plain && mark != std::string_view::npos) {
      plain = SplitPlainQuery(target.substr(mark + 1), items);
    }
    if (plain) {
      segments.clear();
      segments.reserve(count);
      std::size_t start = 0;
      for (std::size_t slash; (slash = rest.find('/', start)) != std::string_view::npos;
           start = slash + 1) {
        segments.emplace_back(rest.substr(start, slash - start));
      }
      segments.emplace_back(rest.substr(start));
      // Drop the empty segment a trailing slash leaves behind.
      if (segments.back().empty()) segments.pop_back();
      query = QueryParams(std::move(items));
      return;
    }
  }
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) throw ApiError(400, codes::kInvalidRequest, "Malformed request target");
  const boost::urls::url_view& url = *parsed;
  auto segs = url.segments();
  auto it = segs.begin();
  if (segs.size() < 2 || *it != "client" || *++it != "v4") throw NoRoute(url.encoded_path());
  segments.clear();
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

namespace {

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

// The credential headers in one pass over the request's fields (instead of a
// lookup per header name); each takes its first occurrence, as find() would.
auth::Credentials ReadCredentials(const http::Request& req) {
  auth::Credentials creds;
  for (const auto& f : req.raw) {
    const auto v = f.value();
    const std::string_view value(v.data(), v.size());
    if (f.name() == bhttp::field::authorization) {
      if (!creds.has_authorization) creds.authorization = value;
      creds.has_authorization = true;
    } else if (f.name() == bhttp::field::unknown) {
      const auto n = f.name_string();
      const std::string_view name(n.data(), n.size());
      if (!creds.has_auth_email && EqualsIgnoreCase(name, "X-Auth-Email")) {
        creds.auth_email = value;
        creds.has_auth_email = true;
      } else if (!creds.has_auth_key && EqualsIgnoreCase(name, "X-Auth-Key")) {
        creds.auth_key = value;
        creds.has_auth_key = true;
      }
    }
  }
  creds.client_ip = req.client_ip;
  return creds;
}

http::Response Enveloped(unsigned status, std::string body) {
  return {status, std::move(body), {}};
}

}  // namespace

Dispatcher::Dispatcher(Services& services)
    : services_(services), table_(AllRoutes()), emulator_table_(EmulatorRoutes()) {}

bool Dispatcher::HandleInline(http::Request& request, http::Response& response) {
  const std::string_view target = request.raw.target();
  if ((target == "/healthz" || target == "/client/v4/healthz") &&
      (request.raw.method() == bhttp::verb::get || request.raw.method() == bhttp::verb::head)) {
    response = {200, R"({"success":true,"errors":[],"messages":[],"result":{"status":"ok"}})", {}};
    StampSeq(response);
    return true;
  }
  bool wants_seq = false;
  Header(request, kMinSeqHeader, wants_seq);  // waiting belongs on a worker, not the I/O thread
  // So does confirming the state current (a store read): a stale node
  // answers on a worker.
  const bool must_wait = wants_seq || !services_.feed.ConfirmedWithin(kConfirmAfter);
  if (request.route) {
    // Routed when its header was checked: inline or not, that stands.
    return !must_wait && AnswerInline(request, static_cast<Routed&>(*request.route), response);
  }
  // Most requests end here (no body): route on the stack, and hand the
  // result to the worker only when the request goes there.
  Routed routed;
  Resolve(request, routed);
  if (!must_wait && AnswerInline(request, routed, response)) return true;
  request.route = std::make_unique<Routed>(std::move(routed));
  return false;  // the worker path answers routing errors too
}

bool Dispatcher::AnswerInline(http::Request& request, Routed& routed, http::Response& response) {
  if (routed.failure || !routed.match.route) return false;
  const Route& route = *routed.match.route;
  if (route.inline_ok) {
    response = Guarded(request, [&] { return Run(request, routed, /*confirmed=*/true); });
    StampSeq(response);
    return true;
  }
  if (route.kept == nullptr) return false;
  // The version a kept answer may be served at without reading the store:
  // the change feed's position. Sound because
  //  - the state is confirmed current (the caller checked: a catch-up that
  //    began at most kConfirmAfter ago succeeded), so every change committed
  //    anywhere before then is applied, at or below it: changes of other
  //    nodes and processes show within the bound authorization keeps
  //    (docs/cluster.md), as they show in authorization;
  //  - every change this node acknowledged is applied (CatchUpAfter ran
  //    before its answer; AppliedWithOwnChanges declines while one's
  //    catch-up failed), so it is at or below it: a client sees its own
  //    write on the next list, as when the worker reads the version;
  //  - seqs are handed out in commit order on both engines (PostgreSQL: under
  //    an advisory lock), so a page kept at that version, read by a
  //    transaction that saw it as the newest seq, shows every change up to it
  //    and none after.
  // A page is kept at exactly one version (api/page_cache.h): one rendered
  // at an older one is not found, and the worker renders the current one.
  const std::optional<std::int64_t> version = services_.feed.AppliedWithOwnChanges();
  if (!version) return false;
  bool declined = false;
  bool served = false;
  response = Guarded(request, [&]() -> http::Response {
    std::optional<http::Response> kept = ServeKept(request, routed, *version);
    declined = !kept;
    served = kept.has_value();
    return kept ? std::move(*kept) : http::Response{};
  });
  if (declined) return false;  // the worker's, as if never tried
  // A kept page reflects exactly `version`; a refusal, the state as now.
  StampSeq(response, served ? *version : services_.feed.applied());
  return true;
}

std::optional<http::Response> Dispatcher::ServeKept(http::Request& request, Routed& routed,
                                                    std::int64_t version) {
  // Counted once per request, as the worker counts it: the limiter would
  // count a request handed on twice, and a body is parsed (and may be
  // refused) only on the handler's path.
  if (services_.rate_limiter.enabled() || !request.raw.body().empty()) return std::nullopt;
  // Authentication and authorization as Run and Serve do them, from the same
  // route row: a refusal is answered here, the same envelope, counted once.
  RouteMatch& match = routed.match;
  const auth::Principal principal = Authenticate(request, match);
  try {
    Authorize(principal, match);
  } catch (...) {
    ObservePrincipal(principal);  // Run notes the caller before authorizing
    throw;
  }
  Context ctx{request, principal, match.params, routed.query, nullptr, services_, *match.route};
  Reply reply;
  bool kept = false;
  try {
    kept = match.route->kept(ctx, version, reply);
  } catch (...) {
    // Whatever it is (a malformed parameter, say), the worker answers it.
  }
  if (!kept) return std::nullopt;
  ObservePrincipal(principal);
  return ReplyResponse(std::move(reply));
}

http::Response Dispatcher::Handle(http::Request& request) {
  http::Response response = Guarded(request, [&] {
    AwaitMinSeq(request);
    return Run(request, RoutedOf(request), /*confirmed=*/false);
  });
  StampSeq(response);
  return response;
}

void Dispatcher::EnsureCurrent() {
  auth::ChangeFeed& feed = services_.feed;
  if (feed.ConfirmedWithin(kConfirmAfter)) return;
  if (feed.Confirm(kConfirmWait)) return;
  // Not confirmable now (the store is unreachable): what was confirmed
  // within the bound still holds.
  if (feed.ConfirmedWithin(kStaleLimit)) return;
  obs::metrics::CountStaleRefusal();
  throw ApiError(503, codes::kNotCaughtUp,
                 "This node cannot confirm that its authorization state is current (the store "
                 "is unreachable); retry, or use another node");
}

void Dispatcher::AwaitMinSeq(const http::Request& request) {
  bool present = false;
  const std::string_view value = Header(request, kMinSeqHeader, present);
  if (!present) return;
  long long want = 0;
  if (!ParseUint(value, want)) {
    throw ApiError(400, codes::kInvalidHeaders,
                   "cf-iam-min-seq must be a cf-iam-seq value (a non-negative integer)");
  }
  const auto deadline = std::chrono::steady_clock::now() + kMinSeqWait;
  while (services_.feed.applied() < want) {
    // Changes this node did not make arrive through the log; read it now
    // rather than waiting for the poller.
    if (services_.feed.CatchUp() >= want) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw ApiError(503, codes::kNotCaughtUp,
                     "This node has not yet applied change " + std::to_string(want) +
                         " (cf-iam-min-seq); retry");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Dispatcher::StampSeq(http::Response& response) const {
  StampSeq(response, services_.feed.applied());
}

void Dispatcher::StampSeq(http::Response& response, std::int64_t seq) const {
  response.headers.emplace_back(std::string(kSeqHeader), std::to_string(seq));
}

static bool IsRetryable(std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const store::DbError& e) {
    return e.kind() == store::DbError::Kind::kRetry;
  } catch (...) {
    return false;
  }
}

// Runs `change` again when its unit lost a serialization conflict or a
// deadlock (PostgreSQL; the unit was rolled back whole), up to 32 times (a
// few seconds at most), after a random pause growing with each attempt up to
// 50 ms, so units contending for one row spread out instead of colliding again.
template <class Fn>
static http::Response RetryingConflicts(Fn&& change) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  for (int attempt = 1;; ++attempt) {
    try {
      return change();
    } catch (const store::DbError& e) {
      if (e.kind() != store::DbError::Kind::kRetry || attempt == 32) throw;
    }
    const unsigned ceiling = attempt < 7 ? 500u << attempt : 50000u;
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % ceiling));
  }
}

// The enveloped answer to a failure; logs what a client must not see.
static http::Response ErrorResponse(const http::Request& request, std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const ApiError& e) {
    return Enveloped(e.http_status(), ErrorBody(e));
  } catch (const Failure& f) {
    const ApiError e = ToApiError(f);
    return Enveloped(e.http_status(), ErrorBody(e));
  } catch (const store::DbError& e) {
    if (e.kind() == store::DbError::Kind::kConstraint) {
      return Enveloped(409,
                       ErrorBody(ApiError::Conflict("The change conflicts with existing data")));
    }
    if (e.kind() == store::DbError::Kind::kBadValue) {
      return Enveloped(400, ErrorBody(ApiError(400, codes::kInvalidRequest,
                                               "Text values must not contain NUL characters")));
    }
    if (e.kind() == store::DbError::Kind::kRetry) {
      // Only once RetryingConflicts gave up: the client may try again.
      return Enveloped(409, ErrorBody(ApiError::Conflict(
                                "The change conflicted with concurrent changes; try again")));
    }
    if (e.kind() == store::DbError::Kind::kUnavailable) {
      // An outage, not a bug (the database restarting, failing over,
      // unreachable): the node stays up and the client may retry shortly,
      // here or on another node. The access line records the 503.
      http::Response r = Enveloped(
          503, ErrorBody(ApiError(503, codes::kNotCaughtUp, "The store is unavailable; retry")));
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    obs::log::Error("store error", {{"ray", request.ray}, {"error", e.what()}});
  } catch (const std::exception& e) {
    obs::log::Error("internal error", {{"ray", request.ray}, {"error", e.what()}});
  }
  return Enveloped(500, ErrorBody(ApiError(500, codes::kInternal, "Internal server error")));
}

template <class Fn>
http::Response Dispatcher::Guarded(http::Request& request, Fn&& fn) {
  try {
    return fn();
  } catch (...) {
    return ErrorResponse(request, std::current_exception());
  }
}

void Dispatcher::Resolve(const http::Request& request, Routed& r) const {
  try {
    ResolveOrThrow(request, r);
  } catch (...) {
    r.failure = std::current_exception();
  }
}

Dispatcher::Routed& Dispatcher::RoutedOf(http::Request& request) const {
  if (!request.route) {
    auto routed = std::make_unique<Routed>();
    Resolve(request, *routed);
    request.route = std::move(routed);
  }
  return static_cast<Routed&>(*request.route);
}

void Dispatcher::ResolveOrThrow(const http::Request& request, Routed& r) const {
  const std::string_view target = request.raw.target();
  if (target.starts_with("/_cfiam/")) {
    // The emulator's own routes: literal paths only, the query is ignored.
    const std::string_view path = target.substr(0, target.find('?'));
    for (std::size_t start = 1; start <= path.size();) {
      const std::size_t slash = std::min(path.find('/', start), path.size());
      if (slash > start) r.segments.emplace_back(path.substr(start, slash - start));
      start = slash + 1;
    }
    r.match = emulator_table_.Match(request.raw.method(), r.segments);
    return;
  }
  ParseTarget(target, r.segments, r.query);
  r.match = table_.Match(request.raw.method(), r.segments);
}

http::Response Dispatcher::Run(http::Request& request, Routed& routed, bool confirmed) {
  if (routed.failure) std::rethrow_exception(routed.failure);
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
  // Authentication and authorization read the in-memory state.
  if (!confirmed) EnsureCurrent();
  const auth::Principal principal = Authenticate(request, match);
  ObservePrincipal(principal);  // observability: the actor of the access line
  if (services_.rate_limiter.enabled()) return RunLimited(request, routed, principal);
  return Serve(request, routed, principal);
}

http::Response Dispatcher::Serve(http::Request& request, Routed& routed,
                                 const auth::Principal& principal) {
  if (!routed.match.route->audit.empty()) {
    return RetryingConflicts(
        [&] { return RunChange(request, routed, ReadCredentials(request), principal); });
  }
  Authorize(principal, routed.match);
  return RunHandler(request, routed, principal);
}

auth::Principal Dispatcher::Authenticate(const http::Request& request,
                                         const RouteMatch& match) const {
  ObserveMatch(match);  // observability: route template and account for metrics and logs
  for (const auto& [name, value] : match.params) {
    if (!IsObjectId(value))
      throw NoRoute(request.raw.target().substr(0, request.raw.target().find('?')));
  }
  auth::Credentials creds = ReadCredentials(request);
  if (match.route->access != Access::kTokenVerify) {
    return services_.authenticator.Authenticate(creds);
  }
  try {
    return services_.authenticator.Authenticate(creds);
  } catch (const Failure& f) {
    // Verification answers for the token itself: a token that exists but
    // cannot be used (disabled, expired, wrong place) is an invalid token.
    if (f.auth() != Failure::Auth::kInvalidToken && f.auth() != Failure::Auth::kUnknownApiKey) {
      throw;
    }
    throw ApiError(401, codes::kInvalidApiToken, "Invalid API Token");
  }
}

bool Dispatcher::RefuseBeforeBody(http::Request& request, http::Response& response) {
  bool refused = true;
  response = Guarded(request, [&]() -> http::Response {
    Routed& routed = RoutedOf(request);
    if (routed.failure || !routed.match.route) {
      return Run(request, routed, /*confirmed=*/true);  // 400, 404 or 405: no state read
    }
    // A credential refused on a state not confirmed current may be one just
    // created on another node: the worker confirms first.
    if (!services_.feed.ConfirmedWithin(kConfirmAfter)) {
      refused = false;
      return {};
    }
    Authenticate(request, routed.match);
    refused = false;
    return {};
  });
  if (refused) StampSeq(response);
  return refused;
}

// Counts the request against its credential owner (the user; the account for
// an account token) and answers 429 971 beyond the limit; every counted
// response, errors included, carries the rate-limit headers.
http::Response Dispatcher::RunLimited(http::Request& request, Routed& routed,
                                      const auth::Principal& principal) {
  std::string owner;
  if (principal.is_account_token()) {
    owner.reserve(2 + principal.token.account_id().size);
    owner.append("a:").append(principal.token.account_id().view());
  } else {
    owner = "u:" + principal.user->id;
  }
  auth::RateLimiter& limiter = services_.rate_limiter;
  const auth::RateLimiter::Verdict verdict = limiter.Hit(owner, NowMicros());
  if (!verdict.allowed) obs::metrics::CountAuthz(obs::metrics::Outcome::kRateLimited);
  http::Response response =
      verdict.allowed
          ? Guarded(request, [&] { return Serve(request, routed, principal); })
          : Enveloped(
                429, ErrorBody(ApiError(429, codes::kRateLimited,
                                        "Please wait and consider throttling your request speed")));
  for (auto& header : auth::RateLimitHeaders(limiter.policy(), verdict)) {
    response.headers.push_back(std::move(header));
  }
  return response;
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
    case Access::kUser:
      services_.authorizer.RequireUser(principal, route.permission);
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
  Context ctx{request, principal, routed.match.params, routed.query,
              body,    services_, *routed.match.route};
  return ReplyResponse(routed.match.route->handler(ctx));
}

http::Response Dispatcher::ReplyResponse(Reply reply) {
  if (reply.body_shared) {
    // A kept list page: sent from the cache's bytes, not copied.
    http::Response response{200, {}, {}};
    response.shared_body = std::move(reply.body_shared);
    return response;
  }
  return Enveloped(200, SuccessBody(std::move(reply)));
}

// Authorization reflects a committed change before it is acknowledged. The
// change is durable either way: if reading it back fails here, the feed's
// poller applies it on its next pass, and the client still gets its 200.
void Dispatcher::CatchUpAfter(const http::Request& request, Micros durable_at, int changes) {
  const auto committed = std::chrono::steady_clock::now();
  try {
    services_.feed.CatchUpSince(durable_at != 0 ? durable_at : services_.feed.Now());
  } catch (const std::exception& e) {
    obs::log::Error("could not apply a committed change yet",
                    {{"ray", request.ray}, {"error", e.what()}});
    return;
  }
  obs::metrics::ObserveApply(std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::steady_clock::now() - committed)
                                 .count(),
                             static_cast<std::uint64_t>(changes));
}

void Dispatcher::StartChangeQueue() {
  // Up to 64 changes a batch: as many as SqliteDb lets one fsync carry.
  if (!queue_) {
    queue_ = std::make_unique<ChangeQueue>(
        [this](std::vector<ChangeQueue::Item>& batch) { RunQueued(batch); }, 64);
  }
}

void Dispatcher::StopChangeQueue() {
  if (queue_) queue_->Stop();
}

bool Dispatcher::Submit(http::Request& request, const http::Server::MakeCompletion& make_done) {
  if (!queue_ || !request.route) return false;
  const Routed& routed = static_cast<const Routed&>(*request.route);
  if (routed.failure || !routed.match.route || routed.match.route->audit.empty()) return false;
  if (request.raw.target().starts_with("/_cfiam/")) return false;
  // What may wait belongs on a worker, not in everybody's batch.
  if (services_.rate_limiter.enabled()) return false;
  bool present = false;
  Header(request, kMinSeqHeader, present);
  if (present) return false;
  if (test_pause_header_) {
    Header(request, "cfiam-test-pause-ms", present);
    if (present) return false;
  }
  http::Server::Completion done = make_done();  // before Push moves the request
  return queue_->Push(request, done);
}

void Dispatcher::RunQueued(std::vector<ChangeQueue::Item>& batch) {
  std::exception_ptr lost;
  {
    store::WriteBatch writes(services_.store);
    std::size_t ran = 0;
    do {
      for (; ran < batch.size(); ++ran) {
        ChangeQueue::Item& item = batch[ran];
        obs::ResetNote();
        item.response = Guarded(item.request, [&] {
          return Run(item.request, RoutedOf(item.request), /*confirmed=*/false);
        });
        item.note = obs::TakeNote();
      }
      // The I/O thread may share this core and not get it while this thread
      // runs: a yield lets it queue what arrived meanwhile, which then joins
      // this batch (measured: batches of ~15 instead of ~10 at 16
      // connections on one core, and ~20% more changes a second).
      std::this_thread::yield();
    } while (queue_->TakeMore(batch));
    try {
      writes.Commit();  // durable, then the units' after-commit hooks
    } catch (...) {
      lost = std::current_exception();
    }
  }
  int changed = 0;
  for (const ChangeQueue::Item& item : batch) changed += item.response.status < 300 ? 1 : 0;
  // Authorization reflects the batch before any of it is acknowledged; one
  // catch-up, begun now, covers every change in it.
  if (changed > 0 && !lost) CatchUpAfter(batch.front().request, services_.feed.Now(), changed);
  for (ChangeQueue::Item& item : batch) {
    // Nothing of a lost batch is acknowledged (its refusals still stand).
    if (lost && item.response.status < 300) item.response = ErrorResponse(item.request, lost);
    StampSeq(item.response);
    obs::FinishRequest(item.note, item.request, item.response);
    item.done(std::move(item.response));
  }
}

void Dispatcher::TEST_MaybePause(const http::Request& request) const {
  if (!test_pause_header_) return;
  bool present = false;
  long long ms = 0;
  if (ParseUint(Header(request, "cfiam-test-pause-ms", present), ms) && ms <= 10000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
}

http::Response Dispatcher::RunChange(http::Request& request, Routed& routed,
                                     const auth::Credentials& creds,
                                     const auth::Principal& first_principal) {
  const Route& route = *routed.match.route;
  const std::string_view target = request.raw.target();
  bool has_agent = false;
  audit::ChangeRequest change;
  change.method = request.raw.method_string();
  change.route_path = route.path;
  change.description = route.audit;
  change.resource = route.resource;
  change.params = &routed.match.params;
  std::string_view path = target.substr(0, target.find('?'));
  if (path.starts_with(kPrefix)) path.remove_prefix(kPrefix.size());
  change.uri = path;
  change.ray = request.ray;
  change.user_agent = Header(request, "User-Agent", has_agent);
  change.node_id = services_.node_id;
  change.principal = &first_principal;
  TEST_MaybePause(request);

  json::value body_storage;
  std::exception_ptr failure;
  {
    // Begin: the unit holds the store's writer until it commits or rolls back.
    // Changes of one account take turns (PostgreSQL: across nodes) rather
    // than conflict and retry.
    std::string_view account_key;
    for (const auto& [name, value] : routed.match.params) {
      if (name == "account_id") account_key = value;
    }
    store::UnitOfWork unit(services_.store, account_key);
    try {
      // Authenticate again, against the state committed when the unit began:
      // a revocation acknowledged meanwhile holds for this change.
      const auth::Principal principal = services_.authenticator.Authenticate(creds);
      change.principal = &principal;
      // Before the handler: a change may delete or rename the token itself.
      if (principal.token) {
        if (auto name = services_.store.GetTokenName(unit.tx(), principal.token.id().view())) {
          change.actor_token_name = std::move(*name);
        }
      }
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
      Context ctx{request, principal, routed.match.params, routed.query, change.body, services_,
                  route,   &unit};
      Reply reply = route.handler(ctx);
      // One serialization of the result serves the response and the audit
      // entry's copy of it (a member's roles make it large).
      std::string_view result_json;
      if (reply.result_is_summary) {
        result_json = reply.result_text;
      } else if (reply.body_text.empty() && reply.result_text.empty() && reply.result.is_object()) {
        reply.result_text = json::serialize(reply.result);
        result_json = reply.result_text;
      }
      AuditEntry entry = audit::Describe(change, 200, &reply.result, {}, result_json);
      audit::Record(services_.store, unit.tx(), entry);
      std::string out = SuccessBody(std::move(reply));
      // When the batch carrying the change became durable: the writers of
      // one batch wake one after another, and a catch-up any of them began
      // after this moment applied the change for all (CatchUpSince).
      // In the change queue's held batch, the batch does both (RunQueued).
      const bool held = store::WriteBatch::Holding();
      Micros durable_at = 0;
      if (!held) unit.tx().OnDurable([this, &durable_at] { durable_at = services_.feed.Now(); });
      unit.Commit();  // durable (or held); then its after-commit hooks run
      obs::metrics::CountAuditEntries();
      if (!held) CatchUpAfter(request, durable_at);
      return Enveloped(200, std::move(out));
    } catch (...) {
      failure = std::current_exception();
      change.principal = &first_principal;
    }
  }  // rolls the unit back: nothing outside it changed
  // RetryingConflicts runs the whole change again.
  if (IsRetryable(failure)) std::rethrow_exception(failure);
  http::Response response = ErrorResponse(request, failure);
  // Not decided (the store is unavailable): nothing to record, nowhere to.
  if (response.status == 503) return response;
  // A caller with no grant in the account (another tenant, a credential
  // revoked meanwhile) must not be able to write into its log.
  if (!change.account_id.empty()) {
    std::optional<auth::Principal> now;
    try {
      now = services_.authenticator.Authenticate(creds);
    } catch (const Failure&) {
    }
    if (!now || !services_.authorizer.Allows(*now, change.account_id, "")) return response;
  }
  try {
    store::UnitOfWork unit(services_.store);
    AuditEntry entry = audit::Describe(change, response.status, nullptr, response.body);
    audit::Record(services_.store, unit.tx(), entry);
    unit.Commit();
    obs::metrics::CountAuditEntries();
  } catch (const std::exception& e) {
    obs::log::Error("could not record the refused change",
                    {{"ray", request.ray}, {"error", e.what()}});
  }
  return response;
}

}  // namespace cfiam::api
