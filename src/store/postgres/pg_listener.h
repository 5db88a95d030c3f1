// ChangeListener: PostgreSQL LISTEN/NOTIFY for prompt coherence between
// nodes. Every change-log insert notifies `cfiam_changes` with its seq
// (migration 10; delivered when the transaction commits). Each node keeps one
// connection of its own (not from the pool) listening, on its own thread, and
// hands each batch of notifications to a callback that catches the
// authorization state up.
//
// Promptness only: the change feed's poller still reads the log every 200 ms,
// so a notification lost with a dropped connection delays a change, never
// loses it. A dropped connection is logged and reconnected with backoff
// (100 ms doubling to 2 s); after every (re)connect the callback runs once
// with -1, since anything may have been missed meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace cfiam::store::pg {

inline constexpr const char* kChangeChannel = "cfiam_changes";

class ChangeListener {
 public:
  // Runs on the listener's thread: `seq` is the highest seq a batch of
  // notifications named, or -1 when it is not known (after connecting).
  using OnChange = std::function<void(std::int64_t seq)>;

  // Connects in the background (a failure is retried, not thrown).
  // `application_name` names the connection in pg_stat_activity.
  ChangeListener(std::string conninfo, std::string application_name, OnChange on_change);
  ~ChangeListener();  // Stop()
  ChangeListener(const ChangeListener&) = delete;
  ChangeListener& operator=(const ChangeListener&) = delete;

  // Wakes the thread and joins it (within a poll round, not a connect
  // timeout). Idempotent.
  void Stop();
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  // Successful connections so far (the first one included).
  std::uint64_t connections() const { return connections_.load(std::memory_order_acquire); }

 private:
  void Run();
  // Sleeps `d` unless stopped meanwhile; returns false when stopped.
  bool Pause(std::chrono::milliseconds d);

  const std::string conninfo_;
  const std::string application_name_;
  const OnChange on_change_;
  int wake_fd_ = -1;  // an eventfd Stop() writes to
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> connections_{0};
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace cfiam::store::pg
