#include "obs/metrics.h"

#include <array>
#include <atomic>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>

namespace cfiam::obs::metrics {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// The status codes the server answers with get their own label; anything
// else is counted under "other" so the label set stays fixed.
constexpr std::array<unsigned, 20> kStatuses = {200, 201, 204, 301, 304, 400, 401, 403, 404, 405,
                                                409, 413, 415, 422, 429, 431, 500, 502, 503, 504};
constexpr std::size_t kOtherStatus = kStatuses.size();

constexpr std::size_t StatusIndex(unsigned status) {
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return i;
  }
  return kOtherStatus;
}

// Upper bounds in microseconds.
constexpr std::array<std::int64_t, 14> kLatencyBounds = {500,     1000,    2500,    5000,    10000,
                                                         25000,   50000,   100000,  250000,  500000,
                                                         1000000, 2500000, 5000000, 10000000};
constexpr std::array<std::int64_t, 12> kCommitBounds = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};
constexpr std::array<std::int64_t, 7> kBatchBounds = {1, 2, 4, 8, 16, 32, 64};

// A cumulative-on-render histogram: one counter per bucket (the last is +Inf).
template <std::size_t N>
struct Histogram {
  const std::array<std::int64_t, N>* bounds;
  std::array<std::atomic<std::uint64_t>, N + 1> buckets{};
  std::atomic<std::int64_t> sum{0};

  explicit Histogram(const std::array<std::int64_t, N>& b) : bounds(&b) {}
  void Observe(std::int64_t v, std::uint64_t times = 1) {
    std::size_t i = 0;
    while (i < N && v > (*bounds)[i]) ++i;
    buckets[i].fetch_add(times, kRelaxed);
    sum.fetch_add(v * static_cast<std::int64_t>(times), kRelaxed);
  }
};

struct RouteSlot {
  std::string method;
  std::string route;
  std::array<std::atomic<std::uint64_t>, kStatuses.size() + 1> statuses{};
  Histogram<kLatencyBounds.size()> latency{kLatencyBounds};
};

// Room for the route table several times over; slots are never freed, so a
// request path can index them without a lock.
constexpr int kMaxSlots = 1024;

constexpr std::array<std::string_view, 8> kMethods = {"GET",   "HEAD",   "POST",    "PUT",
                                                      "PATCH", "DELETE", "OPTIONS", "other"};

struct Gauge {
  std::string help;
  std::function<double()> fn;
};

struct Registry {
  Registry() {
    healthz = Register("GET", "/healthz");
    readyz = Register("GET", "/readyz");
    metrics = Register("GET", "/metrics");
    for (std::size_t i = 0; i < kMethods.size(); ++i) {
      unmatched[i] = Register(kMethods[i], "unmatched");
    }
  }

  int Register(std::string_view method, std::string_view route) {
    std::lock_guard lock(mu);
    const int n = count.load(kRelaxed);
    for (int i = 0; i < n; ++i) {
      if (slots[i]->method == method && slots[i]->route == route) return i;
    }
    if (n == kMaxSlots) return unmatched[kMethods.size() - 1];
    slots[n] = std::make_unique<RouteSlot>();
    slots[n]->method = method;
    slots[n]->route = route;
    count.store(n + 1, std::memory_order_release);
    return n;
  }

  std::mutex mu;  // registration and gauges only, never a request
  std::array<std::unique_ptr<RouteSlot>, kMaxSlots> slots;
  std::atomic<int> count{0};
  int healthz = 0, readyz = 0, metrics = 0;
  std::array<int, kMethods.size()> unmatched{};

  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Outcome::kCount)> outcomes{};
  std::atomic<std::uint64_t> audit_entries{0};
  std::atomic<std::uint64_t> log_dropped{0};
  std::atomic<std::uint64_t> stale_refusals{0};
  std::atomic<std::uint64_t> list_cache_hits{0};
  std::atomic<std::uint64_t> list_cache_misses{0};
  std::atomic<std::uint64_t> list_cache_inline{0};
  Histogram<kCommitBounds.size()> commit{kCommitBounds};
  Histogram<kBatchBounds.size()> batch{kBatchBounds};
  Histogram<kCommitBounds.size()> apply{kCommitBounds};
  std::map<std::string, Gauge> gauges;  // under mu
};

Registry& R() {
  static Registry r;
  return r;
}

// Prometheus label values escape backslash, double quote and newline.
void AppendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// The shortest fixed-notation text that reads back as `v` (0.0005, not
// 5e-04 or 0.00050000000000000001), so bucket bounds read naturally.
void AppendNumber(std::string& out, double v) {
  char buf[400];  // room for any double in fixed notation
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (r.ec != std::errc()) {
    out += "NaN";
    return;
  }
  out.append(buf, r.ptr);
}

void AppendHeader(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// A counter without labels: its header and its one sample.
void AppendCounter(std::string& out, std::string_view name, std::string_view help,
                   std::uint64_t value) {
  AppendHeader(out, name, "counter", help);
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

// `labels` is either empty or `key="value",` pairs ending in a comma.
template <std::size_t N>
void AppendHistogram(std::string& out, std::string_view name, const std::string& labels,
                     const Histogram<N>& h, double divisor) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= N; ++i) {
    cumulative += h.buckets[i].load(kRelaxed);
    out.append(name).append("_bucket{").append(labels).append("le=\"");
    if (i < N) {
      AppendNumber(out, static_cast<double>((*h.bounds)[i]) / divisor);
    } else {
      out.append("+Inf");
    }
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  std::string braces = labels.empty() ? "" : "{" + labels.substr(0, labels.size() - 1) + "}";
  out.append(name).append("_sum").append(braces).append(" ");
  AppendNumber(out, static_cast<double>(h.sum.load(kRelaxed)) / divisor);
  out.append("\n").append(name).append("_count").append(braces).append(" ");
  out.append(std::to_string(cumulative)).append("\n");
}

constexpr std::array<std::string_view, static_cast<std::size_t>(Outcome::kCount)> kOutcomeLabels = {
    "authenticated",      "missing_credentials", "malformed_credentials",
    "unknown_token",      "unknown_api_key",     "expired",
    "inactive",           "ip_refused",          "not_member",
    "missing_permission", "ceiling_refused",     "rate_limited"};

}  // namespace

std::string_view OutcomeLabel(Outcome o) { return kOutcomeLabels[static_cast<std::size_t>(o)]; }

void CountAuthz(Outcome o) {
  if (o >= Outcome::kCount) return;
  R().outcomes[static_cast<std::size_t>(o)].fetch_add(1, kRelaxed);
}

void CountAuditEntries(std::uint64_t n) { R().audit_entries.fetch_add(n, kRelaxed); }

void ObserveCommit(std::int64_t micros, std::uint64_t batch_size) {
  R().commit.Observe(micros);
  R().batch.Observe(static_cast<std::int64_t>(batch_size));
}

void ObserveApply(std::int64_t micros, std::uint64_t changes) {
  R().apply.Observe(micros, changes);
}

void CountLogDropped() { R().log_dropped.fetch_add(1, kRelaxed); }

void CountStaleRefusal() { R().stale_refusals.fetch_add(1, kRelaxed); }

void CountListCache(bool hit) {
  (hit ? R().list_cache_hits : R().list_cache_misses).fetch_add(1, kRelaxed);
}

void CountListCacheInline() { R().list_cache_inline.fetch_add(1, kRelaxed); }

int RegisterRoute(std::string_view method, std::string_view route) {
  return R().Register(method, route);
}
int HealthzSlot() { return R().healthz; }
int ReadyzSlot() { return R().readyz; }
int MetricsSlot() { return R().metrics; }
int UnmatchedSlot(std::string_view method) {
  for (std::size_t i = 0; i + 1 < kMethods.size(); ++i) {
    if (kMethods[i] == method) return R().unmatched[i];
  }
  return R().unmatched[kMethods.size() - 1];
}

void ObserveRequest(int slot, unsigned status, std::int64_t micros) {
  Registry& r = R();
  if (slot < 0 || slot >= r.count.load(std::memory_order_acquire)) return;
  RouteSlot& s = *r.slots[static_cast<std::size_t>(slot)];
  s.statuses[StatusIndex(status)].fetch_add(1, kRelaxed);
  s.latency.Observe(micros);
}

void SetGauge(std::string name, std::string help, std::function<double()> fn) {
  Registry& r = R();
  std::lock_guard lock(r.mu);
  if (!fn) {
    r.gauges.erase(name);
    return;
  }
  r.gauges[std::move(name)] = Gauge{std::move(help), std::move(fn)};
}

std::string RenderPrometheus() {
  Registry& r = R();
  std::string out;
  out.reserve(16384);
  std::lock_guard lock(r.mu);
  const int n = r.count.load(std::memory_order_acquire);

  AppendHeader(out, "cfiam_http_requests_total", "counter",
               "HTTP requests answered, by route template, method and status.");
  for (int i = 0; i < n; ++i) {
    const RouteSlot& s = *r.slots[static_cast<std::size_t>(i)];
    for (std::size_t k = 0; k <= kStatuses.size(); ++k) {
      const std::uint64_t v = s.statuses[k].load(kRelaxed);
      if (v == 0) continue;
      out.append("cfiam_http_requests_total{route=\"");
      AppendLabelValue(out, s.route);
      out.append("\",method=\"").append(s.method).append("\",status=\"");
      out.append(k < kStatuses.size() ? std::to_string(kStatuses[k]) : "other");
      out.append("\"} ").append(std::to_string(v)).append("\n");
    }
  }

  AppendHeader(out, "cfiam_http_request_duration_seconds", "histogram",
               "Time from a parsed request to its response, by route template and method.");
  for (int i = 0; i < n; ++i) {
    const RouteSlot& s = *r.slots[static_cast<std::size_t>(i)];
    std::uint64_t total = 0;
    for (const auto& b : s.latency.buckets) total += b.load(kRelaxed);
    if (total == 0) continue;  // routes never called: keep the scrape small
    std::string labels = "route=\"";
    AppendLabelValue(labels, s.route);
    labels.append("\",method=\"").append(s.method).append("\",");
    AppendHistogram(out, "cfiam_http_request_duration_seconds", labels, s.latency, 1e6);
  }

  AppendHeader(out, "cfiam_auth_outcomes_total", "counter",
               "Authentication and authorization outcomes, by reason.");
  for (std::size_t i = 0; i < kOutcomeLabels.size(); ++i) {
    out.append("cfiam_auth_outcomes_total{outcome=\"").append(kOutcomeLabels[i]).append("\"} ");
    out.append(std::to_string(r.outcomes[i].load(kRelaxed))).append("\n");
  }

  AppendHeader(out, "cfiam_store_commit_duration_seconds", "histogram",
               "Duration of one store commit (a group-commit batch, including its fsync).");
  AppendHistogram(out, "cfiam_store_commit_duration_seconds", "", r.commit, 1e6);
  AppendHeader(out, "cfiam_store_commit_batch_size", "histogram",
               "Changes carried by one store commit.");
  AppendHistogram(out, "cfiam_store_commit_batch_size", "", r.batch, 1);
  AppendHeader(out, "cfiam_change_apply_duration_seconds", "histogram",
               "From a change's durable commit to authorization reflecting it.");
  AppendHistogram(out, "cfiam_change_apply_duration_seconds", "", r.apply, 1e6);

  AppendCounter(out, "cfiam_audit_entries_written_total", "Audit log entries durably written.",
                r.audit_entries.load(kRelaxed));
  AppendCounter(out, "cfiam_log_lines_dropped_total",
                "Log lines dropped because the log queue was full (stderr too slow).",
                r.log_dropped.load(kRelaxed));
  AppendCounter(out, "cfiam_stale_refusals_total",
                "Requests answered 503 because the node could not confirm its authorization "
                "state is current (the 1 s bound).",
                r.stale_refusals.load(kRelaxed));
  AppendCounter(out, "cfiam_list_cache_hits_total",
                "List pages served from the rendered-page cache (--list-cache-mib).",
                r.list_cache_hits.load(kRelaxed));
  AppendCounter(out, "cfiam_list_cache_misses_total",
                "List pages the rendered-page cache did not hold at the store's version "
                "(rendered from the store).",
                r.list_cache_misses.load(kRelaxed));
  AppendCounter(out, "cfiam_list_cache_inline_hits_total",
                "List pages served from the rendered-page cache on the I/O thread, from memory "
                "alone (no worker hop, no store read); counted in the hits as well.",
                r.list_cache_inline.load(kRelaxed));

  for (const auto& [name, gauge] : r.gauges) {
    AppendHeader(out, name, "gauge", gauge.help);
    out.append(name).append(" ");
    AppendNumber(out, gauge.fn());
    out.append("\n");
  }
  return out;
}

}  // namespace cfiam::obs::metrics
