// Dispatcher: the one path every API request takes. Parse the target, route,
// validate path ids, authenticate, authorize from the route row, parse the
// body, run the handler, render the envelope. Any failure becomes an enveloped
// error here, and nowhere else.
//
// A change route (one with an audit description) runs in a unit of work: the
// handler's writes and the audit entry commit in one transaction. The caller
// is authenticated again once the unit has begun, so the change is authorized
// against the state it commits on: a credential revoked or narrowed while the
// request waited for the writer no longer counts. A refused change is recorded
// as a failure on its own, and only when the caller holds some grant in the
// account (nobody writes into a log it cannot see).
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/change_queue.h"
#include "api/route_table.h"
#include "api/services.h"
#include "http/message.h"

namespace cfiam::api {

// Splits a request target into decoded path segments below /client/v4 and
// decoded query parameters. Throws ApiError 400 for malformed targets and 404
// for paths outside /client/v4. (Declared here for its unit test.)
void ParseTarget(std::string_view target, std::vector<std::string>& segments, QueryParams& query);

class Dispatcher {
 public:
  explicit Dispatcher(Services& services);

  // Runs on a worker thread. Never throws.
  http::Response Handle(http::Request& request);
  // Runs on the I/O thread: answers /healthz and routes marked inline_ok
  // without a thread hop, and a route's kept answer (Route::kept: a list
  // page kept in memory) when it holds one at the version the node's state
  // is confirmed to reflect. Returns false for everything else (and for
  // requests it could not even route: the worker path answers those).
  // Requests that must wait for the state (cf-iam-min-seq), or that find it
  // not confirmed current, never run inline.
  bool HandleInline(http::Request& request, http::Response& response);
  // Runs on the I/O thread with only the header of a request that has a
  // body: sets `response` and returns true when the request would be refused
  // without looking at the body (no route, no valid credential), so the
  // server need not buffer a body it will not use.
  bool RefuseBeforeBody(http::Request& request, http::Response& response);

  // Change requests on a queue of their own (api/change_queue.h), for a
  // store that holds batches (SQLite): Start before serving, Stop once the
  // server has drained (it runs what is queued).
  void StartChangeQueue();
  void StopChangeQueue();
  // Runs on the I/O thread after HandleInline passed the request on: queues
  // a change request (http::Server::Submit) and returns true, or returns
  // false for the worker path: anything else, or a change that may wait
  // (cf-iam-min-seq, the rate limiter, the test pause) or that could not
  // be routed.
  bool Submit(http::Request& request, const http::Server::MakeCompletion& make_done);

  // Test hook (enabled by CFIAM_TEST_HOOKS=1 in main): a change request with
  // `cfiam-test-pause-ms: N` (N <= 10000) sleeps N ms between its first
  // authentication and its unit of work, so tests can revoke its credential
  // meanwhile, deterministically.
  void TEST_EnablePauseHeader() { test_pause_header_ = true; }

 private:
  // A request's routing: parsed target and match, or why it could not be
  // routed (an ApiError, rethrown when the request is answered). Resolved
  // once per request, on the I/O thread when it is seen there first, and
  // carried to the worker in http::Request::route.
  struct Routed : http::RouteState {
    std::vector<std::string> segments;
    QueryParams query;
    RouteMatch match;
    std::exception_ptr failure;
  };
  void Resolve(const http::Request& request, Routed& routed) const;
  void ResolveOrThrow(const http::Request& request, Routed& routed) const;
  // The request's routing: what an earlier stage carried, else resolved now.
  Routed& RoutedOf(http::Request& request) const;
  // REQUIRES: the state confirmed current within kConfirmAfter. Answers the
  // routed request on the I/O thread (an inline_ok route, or a kept
  // answer), or returns false having answered nothing.
  bool AnswerInline(http::Request& request, Routed& routed, http::Response& response);
  // The route's kept answer at `version` after authentication and
  // authorization as on the worker path (throws their refusals, as Run
  // would); nullopt when the route does not hold it (or anything about the
  // request is not the plain case): nothing was counted then.
  std::optional<http::Response> ServeKept(http::Request& request, Routed& routed,
                                          std::int64_t version);
  // `confirmed`: the caller saw the state confirmed current (the inline
  // path); otherwise Run checks it (EnsureCurrent).
  http::Response Run(http::Request& request, Routed& routed, bool confirmed);
  // After authentication: the change or read itself, and the same counted
  // against the rate limit (when one is configured).
  http::Response Serve(http::Request& request, Routed& routed, const auth::Principal& principal);
  http::Response RunLimited(http::Request& request, Routed& routed,
                            const auth::Principal& principal);
  // Runs `fn` and turns whatever it throws into an enveloped error. A
  // template, not std::function: the request's lambda would not fit its
  // small buffer and cost an allocation per request.
  template <class Fn>
  http::Response Guarded(http::Request& request, Fn&& fn);
  // Checks the path ids and the credentials. Throws ApiError.
  auth::Principal Authenticate(const http::Request& request, const RouteMatch& match) const;
  // Throws unless `principal` may call the matched route.
  void Authorize(const auth::Principal& principal, const RouteMatch& match) const;
  http::Response RunHandler(http::Request& request, Routed& routed,
                            const auth::Principal& principal);
  static http::Response ReplyResponse(Reply reply);
  // The change-route path: begin → authorize → handler → audit entry →
  // commit → apply the change log → after-commit hooks, in one unit of work.
  http::Response RunChange(http::Request& request, Routed& routed, const auth::Credentials& creds,
                           const auth::Principal& principal);
  void TEST_MaybePause(const http::Request& request) const;
  // The change queue's batch: every change in one held batch, one commit,
  // one catch-up, then the answers.
  void RunQueued(std::vector<ChangeQueue::Item>& batch);
  // `durable_at`: when the change became durable on the feed's clock (0:
  // not known, i.e. now).
  // `changes`: how many committed changes the catch-up applies (metrics).
  void CatchUpAfter(const http::Request& request, Micros durable_at, int changes = 1);
  // Read-your-writes: waits (at most kMinSeqWait) until the in-memory state
  // has applied the change-log position a `cf-iam-min-seq` header names;
  // throws 400 for a malformed value and 503 when the wait runs out.
  void AwaitMinSeq(const http::Request& request);
  // The 1 s staleness bound: returns when the in-memory state is confirmed
  // current within it (confirming on demand), else throws ApiError 503.
  void EnsureCurrent();
  // Every answer says which change-log position it reflects (`cf-iam-seq`):
  // the feed's position, or `seq` when the answer is known to reflect it.
  void StampSeq(http::Response& response) const;
  void StampSeq(http::Response& response, std::int64_t seq) const;

  Services& services_;
  RouteTable table_;
  RouteTable emulator_table_;  // /_cfiam/...
  bool test_pause_header_ = false;
  std::unique_ptr<ChangeQueue> queue_;
};

}  // namespace cfiam::api
