#include "obs/observer.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "obs/log.h"
#include "obs/metrics.h"
#include "util/error_envelope.h"

namespace cfiam::obs {
namespace {

// Ids are 32 hex characters; anything longer is cut (the access line is for
// correlation, the audit log keeps the full record).
constexpr std::size_t kIdBytes = kNoteIdBytes;

thread_local RequestNote t_note;

std::size_t CopyId(char* out, std::string_view id) {
  const std::size_t n = std::min(id.size(), kIdBytes);
  std::memcpy(out, id.data(), n);
  return n;
}

std::string_view PathOf(const http::Request& request) {
  const std::string_view target = request.raw.target();
  return target.substr(0, target.find('?'));
}

bool IsRead(const http::Request& request) {
  return request.raw.method() == http::bhttp::verb::get ||
         request.raw.method() == http::bhttp::verb::head;
}

// Metrics and the access line of one answered request.
void Finish(const RequestNote& note, const http::Request& request, const http::Response& response) {
  std::int64_t micros = 0;
  if (request.received != std::chrono::steady_clock::time_point{}) {
    micros = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now() - request.received)
                 .count();
  }
  const std::string_view method = request.raw.method_string();
  metrics::ObserveRequest(note.slot >= 0 ? note.slot : metrics::UnmatchedSlot(method),
                          response.status, micros);
  if (!log::Enabled(log::Level::kInfo)) return;
  log::Info("request", {{"ray", request.ray},
                        {"method", method},
                        {"route", note.route.empty() ? std::string_view("unmatched") : note.route},
                        {"status", response.status},
                        {"duration_us", micros},
                        {"actor_type", note.actor_type},
                        {"actor_id", std::string_view(note.actor_id, note.actor_id_len)},
                        {"account_id", std::string_view(note.account_id, note.account_id_len)},
                        {"client", request.client_ip}});
}

constexpr std::string_view kReady =
    R"({"success":true,"errors":[],"messages":[],"result":{"status":"ready"}})";

void Finish(const http::Request& request, const http::Response& response) {
  Finish(t_note, request, response);
}

}  // namespace

void ResetNote() {
  // Field by field: the id buffers are read only up to their lengths.
  t_note.slot = -1;
  t_note.route = {};
  t_note.actor_type = {};
  t_note.actor_id_len = 0;
  t_note.account_id_len = 0;
}

RequestNote TakeNote() { return t_note; }

void FinishRequest(const RequestNote& note, const http::Request& request,
                   const http::Response& response) {
  Finish(note, request, response);
}

void NoteRoute(int slot, std::string_view route_template) {
  t_note.slot = slot;
  t_note.route = route_template;
}

void NoteActor(std::string_view type, std::string_view id) {
  t_note.actor_type = type;
  t_note.actor_id_len = CopyId(t_note.actor_id, id);
}

void NoteAccount(std::string_view account_id) {
  t_note.account_id_len = CopyId(t_note.account_id, account_id);
}

Observer::Observer(ObserverOptions options, http::Server::Handler handler,
                   http::Server::InlineHandler inline_handler,
                   http::Server::HeaderCheck header_check)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      inline_handler_(std::move(inline_handler)),
      header_check_(std::move(header_check)) {}

Observer::Endpoint Observer::Classify(const http::Request& request) const {
  const std::string_view path = PathOf(request);
  // API requests are never ours, bar the health twins under /client/v4.
  if (path.starts_with("/client/v4/") && !path.ends_with("z")) return Endpoint::kNone;
  if (!IsRead(request)) return Endpoint::kNone;
  if (path == "/healthz" || path == "/client/v4/healthz") return Endpoint::kHealthz;
  if (path == "/readyz" || path == "/client/v4/readyz") return Endpoint::kReadyz;
  if (options_.serve_metrics && path == "/metrics") return Endpoint::kMetrics;
  return Endpoint::kNone;
}

http::Response Observer::Readyz() const {
  if (options_.readiness) {
    if (auto reason = options_.readiness()) {
      return {503, ErrorBody(503, "Not ready: " + *reason), {}};
    }
  }
  return {200, std::string(kReady), {}};
}

http::Response Observer::Handle(http::Request& request) {
  ResetNote();
  http::Response response;
  switch (Classify(request)) {
    case Endpoint::kReadyz:
      NoteRoute(metrics::ReadyzSlot(), "/readyz");
      response = Readyz();
      break;
    case Endpoint::kMetrics:
      NoteRoute(metrics::MetricsSlot(), "/metrics");
      response = {200,
                  metrics::RenderPrometheus(),
                  {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}};
      break;
    case Endpoint::kHealthz:
      NoteRoute(metrics::HealthzSlot(), "/healthz");
      [[fallthrough]];
    case Endpoint::kNone:
      response = handler_(request);
      break;
  }
  Finish(request, response);
  return response;
}

bool Observer::HandleInline(http::Request& request, http::Response& response) {
  ResetNote();
  switch (Classify(request)) {
    case Endpoint::kReadyz:
    case Endpoint::kMetrics:
      return false;  // a store query and a render: the worker pool's work
    case Endpoint::kHealthz:
      NoteRoute(metrics::HealthzSlot(), "/healthz");
      break;
    case Endpoint::kNone:
      break;
  }
  if (!inline_handler_ || !inline_handler_(request, response)) return false;
  Finish(request, response);
  return true;
}

bool Observer::Submit(http::Request& request, const http::Server::MakeCompletion& make_done) {
  ResetNote();
  if (!submit_ || Classify(request) != Endpoint::kNone) return false;
  return submit_(request, make_done);
}

// A request refused on its header alone is answered here: count and log it.
bool Observer::CheckHeader(http::Request& request, http::Response& response) {
  ResetNote();
  if (!header_check_ || !header_check_(request, response)) return false;
  Finish(request, response);
  return true;
}

http::Response NotFound(http::Request&) {
  return {404, ErrorBody(404, "Not found: this listener serves /metrics and /readyz"), {}};
}

}  // namespace cfiam::obs
