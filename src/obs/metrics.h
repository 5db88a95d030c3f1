// Metrics: process-wide counters, gauges and histograms, exposed by
// RenderPrometheus() in the Prometheus text format (0.0.4) at GET /metrics.
//
// Recording is a relaxed atomic add or two on memory allocated at startup: no
// lock, no allocation, nothing a request path could wait on. Labels are
// bounded by construction: route templates from the route table (never a raw
// path or an id), a fixed set of methods and status codes, and the Outcome
// enum below. No label or value ever carries a secret or an email.
//
// API for other modules (call from any thread):
//
//   metrics::CountAuthz(metrics::Outcome::kCeilingRefused);
//       one authentication or authorization outcome, by reason. Count a
//       refusal where it is decided, once per request. Outcomes exported as
//       cfiam_auth_outcomes_total{outcome="<OutcomeLabel>"}; add a value to
//       the enum (and its label in metrics.cpp) rather than reuse one.
//   metrics::CountAuditEntries(n);       audit entries durably written
//   metrics::ObserveCommit(micros, n);   one store batch commit (group commit)
//   metrics::ObserveApply(micros);       commit to in-memory authorization state
//   metrics::CountLogDropped();          a log line dropped on a full queue
//   metrics::CountStaleRefusal();        a request refused: state not confirmed current
//   metrics::CountListCache(hit);        a lookup of the rendered list-page cache
//   metrics::CountListCacheInline();     a kept page served on the I/O thread
//   metrics::SetGauge(name, help, fn);   a gauge read at scrape time
//
// Request counters and latency are recorded by obs/observer.h from the route
// slots registered at startup (RegisterRoute).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace cfiam::obs::metrics {

enum class Outcome : std::uint8_t {
  kAuthenticated,         // a credential was accepted (once per request)
  kMissingCredentials,    // no credential headers at all
  kMalformedCredentials,  // credential headers that cannot be a credential
  kUnknownToken,          // no such API token (or a wrong secret)
  kUnknownApiKey,         // X-Auth-Key / X-Auth-Email pair unknown
  kExpired,               // token past expires_on
  kInactive,              // token disabled or before not_before
  kIpRefused,             // token's IP condition refuses the client address
  kNotMember,             // the account is invisible to the caller (404)
  kMissingPermission,     // authenticated, but the permission is not granted (403)
  kCeilingRefused,        // refused by a permission ceiling rule
  kRateLimited,           // refused by the rate limiter (429)
  kCount,
};
std::string_view OutcomeLabel(Outcome o);

void CountAuthz(Outcome o);
void CountAuditEntries(std::uint64_t n = 1);
// One physical commit of the store: its duration and how many logical
// transactions (changes) it carried.
void ObserveCommit(std::int64_t micros, std::uint64_t batch_size);
// Changes made visible to authorization by one catch-up: from their durable
// commit to the in-memory state reflecting them (auth/change_feed.h); each
// change counts once (a batch's share one catch-up).
void ObserveApply(std::int64_t micros, std::uint64_t changes = 1);
void CountLogDropped();
// A request answered 503 because the node could not confirm, within the 1 s
// bound, that its authorization state is current (auth/change_feed.h).
void CountStaleRefusal();
// A lookup of the rendered list-page cache (api/page_cache.h): found, or not.
void CountListCache(bool hit);
// A kept list page served on the I/O thread, from memory alone (counted as a
// hit too): no worker hop, no store read (api/list_cache.h).
void CountListCacheInline();

// Registers a request slot for `method` + `route` (a route template) and
// returns its id; idempotent. Call at startup, before requests are served.
int RegisterRoute(std::string_view method, std::string_view route);
// Built-in slots: the endpoints outside the route table, and one per method
// class for requests that matched no route.
int HealthzSlot();
int ReadyzSlot();
int MetricsSlot();
int UnmatchedSlot(std::string_view method);
// One finished request on `slot`.
void ObserveRequest(int slot, unsigned status, std::int64_t micros);

// A gauge computed when scraped (e.g. open connections). Replaces a gauge of
// the same name; an empty `fn` removes it.
void SetGauge(std::string name, std::string help, std::function<double()> fn);

// The whole exposition.
std::string RenderPrometheus();

}  // namespace cfiam::obs::metrics
