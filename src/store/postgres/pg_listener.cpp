#include "store/postgres/pg_listener.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "obs/log.h"

namespace cfiam::store::pg {
namespace {

constexpr std::chrono::milliseconds kMinBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};
// A connection attempt that takes longer than this is given up and retried.
constexpr std::chrono::seconds kConnectTimeout{10};
// How long one poll() waits when nothing arrives (Stop() wakes it earlier).
constexpr int kPollMillis = 1000;

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;

std::string ErrorOf(const PGconn* conn) {
  std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

}  // namespace

ChangeListener::ChangeListener(std::string conninfo, std::string application_name,
                               OnChange on_change)
    : conninfo_(std::move(conninfo)),
      application_name_(std::move(application_name)),
      on_change_(std::move(on_change)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      thread_([this] { Run(); }) {}

ChangeListener::~ChangeListener() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void ChangeListener::Stop() {
  stopping_.store(true, std::memory_order_release);
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
}

bool ChangeListener::Pause(std::chrono::milliseconds d) {
  if (stopping_.load(std::memory_order_acquire)) return false;
  pollfd wake{wake_fd_, POLLIN, 0};
  poll(&wake, 1, static_cast<int>(d.count()));
  return !stopping_.load(std::memory_order_acquire);
}

void ChangeListener::Run() {
  // Later keywords win over what the conninfo (expanded from `dbname`)
  // says: the listener is always recognizable by its application_name.
  // Keepalives notice a peer that vanished without closing (TCP only).
  const char* keys[] = {"dbname",     "application_name",  "keepalives",         "keepalives_idle",
                        "keepalives_interval", "keepalives_count", nullptr};
  const char* values[] = {conninfo_.c_str(), application_name_.c_str(), "1", "5", "2", "3",
                          nullptr};
  std::chrono::milliseconds backoff = kMinBackoff;
  bool ever_connected = false;
  bool failing_logged = false;  // one line per outage, not one per attempt
  while (!stopping_.load(std::memory_order_acquire)) {
    // Connect without blocking, so Stop() is never stuck behind a connect.
    Conn conn(PQconnectStartParams(keys, values, 1));
    bool ok = conn && PQstatus(conn.get()) != CONNECTION_BAD;
    const auto deadline = std::chrono::steady_clock::now() + kConnectTimeout;
    for (PostgresPollingStatusType st = PGRES_POLLING_WRITING; ok && st != PGRES_POLLING_OK;) {
      if (st == PGRES_POLLING_FAILED) {
        ok = false;
        break;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ok = false;
        break;
      }
      pollfd fds[2] = {
          {PQsocket(conn.get()), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT),
           0},
          {wake_fd_, POLLIN, 0}};
      if (poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left.count(), kPollMillis))) < 0 &&
          errno != EINTR) {
        ok = false;
        break;
      }
      if (stopping_.load(std::memory_order_acquire)) return;
      if (fds[0].revents == 0) continue;
      st = PQconnectPoll(conn.get());
    }
    if (ok) {
      PGresult* r = PQexec(conn.get(), (std::string("LISTEN ") + kChangeChannel).c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
    if (!ok) {
      if (!failing_logged) {
        obs::log::Warn(ever_connected ? "change listener cannot reconnect; retrying"
                                      : "change listener cannot connect; retrying",
                       {{"error", ErrorOf(conn.get())}});
        failing_logged = true;
      }
      if (!Pause(backoff)) return;
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    obs::log::Info(ever_connected ? "change listener reconnected" : "change listener connected",
                   {{"channel", kChangeChannel}});
    ever_connected = true;
    failing_logged = false;
    backoff = kMinBackoff;
    connections_.fetch_add(1, std::memory_order_acq_rel);
    connected_.store(true, std::memory_order_release);
    if (on_change_) on_change_(-1);  // whatever committed while not listening

    std::string lost;
    while (lost.empty()) {
      pollfd fds[2] = {{PQsocket(conn.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      if (poll(fds, 2, kPollMillis) < 0 && errno != EINTR) {
        lost = "poll failed";
        break;
      }
      if (stopping_.load(std::memory_order_acquire)) {
        connected_.store(false, std::memory_order_release);
        return;
      }
      if (fds[0].revents != 0 && !PQconsumeInput(conn.get())) {
        lost = ErrorOf(conn.get());
      }
      std::int64_t top = 0;
      bool any = false;
      bool unknown = false;  // a payload that is no seq (a newer writer's): look anyway
      while (PGnotify* n = PQnotifies(conn.get())) {
        char* end = nullptr;
        const long long seq = std::strtoll(n->extra, &end, 10);
        if (end == n->extra || *end != '\0') {
          unknown = true;
        } else {
          top = std::max<std::int64_t>(top, seq);
        }
        any = true;
        PQfreemem(n);
      }
      if (any && on_change_) on_change_(unknown ? -1 : top);
      if (lost.empty() && PQstatus(conn.get()) != CONNECTION_OK) lost = ErrorOf(conn.get());
    }
    connected_.store(false, std::memory_order_release);
    obs::log::Warn("change listener lost its connection; reconnecting (the poller keeps the "
                   "state current meanwhile)",
                   {{"error", lost}});
    failing_logged = true;  // the line above stands for this outage
    conn.reset();
    if (!Pause(backoff)) return;
  }
}

}  // namespace cfiam::store::pg
