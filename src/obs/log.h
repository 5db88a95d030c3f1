// Log: structured lines on stderr, as text or JSON (one object per line).
//
// Two kinds of line: access lines (one per request, see obs/observer.h) and
// events (start, stop, migrations, store errors, DNS verification outcomes).
// Callers format into a fixed buffer and push it on a bounded lock-free queue;
// a logger thread drains the queue and writes to the sink. A slow or blocked
// stderr therefore never blocks an I/O or worker thread: when the queue is
// full the line is dropped and counted (cfiam_log_lines_dropped_total).
//
// Never pass a secret, a request body or an email as a field.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace cfiam::obs::log {

enum class Level : std::uint8_t { kDebug, kInfo, kWarn, kError };
enum class Format : std::uint8_t { kText, kJson };

std::optional<Level> ParseLevel(std::string_view s);    // debug|info|warn|error
std::optional<Format> ParseFormat(std::string_view s);  // text|json
std::string_view LevelName(Level l);

// One key=value of a line. Numbers are written bare in JSON.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), str(v) {}
  Field(std::string_view k, const char* v) : key(k), str(v) {}
  Field(std::string_view k, const std::string& v) : key(k), str(v) {}
  Field(std::string_view k, std::int64_t v) : key(k), num(v), is_num(true) {}
  Field(std::string_view k, int v) : key(k), num(v), is_num(true) {}
  Field(std::string_view k, unsigned v) : key(k), num(v), is_num(true) {}
  std::string_view key;
  std::string_view str;
  std::int64_t num = 0;
  bool is_num = false;
};

// Formats one line (with its trailing newline) into `out`, at most `cap`
// bytes: string values are cut short rather than the line left unterminated.
// A non-empty `node` (--node-id) is on every line: in JSON as "node" after
// the level, in text as the last field `node=...` (room for it is kept, so
// a long line loses its other values first). Exposed for tests.
std::size_t FormatLine(char* out, std::size_t cap, Format format, std::int64_t time_micros,
                       Level level, std::string_view msg, std::initializer_list<Field> fields,
                       std::string_view node = {});

class Logger {
 public:
  // Receives complete lines, possibly several at once.
  using Sink = std::function<void(std::string_view)>;
  static constexpr std::size_t kLineBytes = 1024;

  Logger(Format format, Level level, Sink sink, std::size_t capacity = 4096);
  ~Logger();  // drains the queue, then joins the logger thread
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool Enabled(Level level) const { return level >= level_; }
  Format format() const { return format_; }
  // Names this node on every line (see FormatLine). Set before the logger
  // is installed or used; at most 64 bytes are kept.
  void set_node(std::string_view node) { node_.assign(node.substr(0, 64)); }
  void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
    if (Enabled(level)) Emit(level, msg, fields);
  }
  // Writes whatever the configured level.
  void Emit(Level level, std::string_view msg, std::initializer_list<Field> fields);
  // Blocks until every line queued before the call has reached the sink.
  void Flush();
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    std::atomic<std::size_t> seq;
    std::uint32_t len;
    char data[kLineBytes];
  };
  bool Push(const char* line, std::size_t len);
  bool Pop(std::string& batch);
  void Run();

  const Format format_;
  const Level level_;
  std::string node_;
  Sink sink_;
  const std::size_t mask_;
  std::unique_ptr<Slot[]> slots_;
  alignas(64) std::atomic<std::size_t> head_{0};  // next slot to fill
  alignas(64) std::atomic<std::size_t> tail_{0};  // next slot to drain (logger thread only)
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> written_{0};
  std::mutex mu_;
  std::condition_variable cv_;       // wakes the logger thread
  std::condition_variable flushed_;  // wakes Flush() callers
  bool stop_ = false;                // under mu_
  std::thread thread_;
};

// The process-wide logger. Until one is installed, lines are written straight
// to stderr in text format (startup errors, unit tests).
void Install(Logger* logger);
Logger* Current();
bool Enabled(Level level);
void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void Info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, msg, fields);
}
// Process lifecycle (starting, listening on, stopped): written at info
// whatever the level, so supervisors and scripts can always see them.
void Lifecycle(std::string_view msg, std::initializer_list<Field> fields = {});

// A sink writing to a file descriptor (2 for stderr), retrying short writes.
Logger::Sink FdSink(int fd);

}  // namespace cfiam::obs::log
