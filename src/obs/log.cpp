#include "obs/log.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "obs/metrics.h"
#include "util/clock.h"
#include "util/hex.h"

namespace cfiam::obs::log {
namespace {

// Appends to a fixed buffer; keeps kTail bytes back so a line can always be
// closed (quote, brace, newline) after a value was cut short.
class LineWriter {
 public:
  static constexpr std::size_t kTail = 8;
  LineWriter(char* out, std::size_t cap) : out_(out), end_(cap > kTail ? cap - kTail : 0) {}

  void Raw(std::string_view s) {
    const std::size_t n = std::min(s.size(), end_ - std::min(pos_, end_));
    if (n == 0) return;  // an empty view may have no data pointer at all
    std::memcpy(out_ + pos_, s.data(), n);
    pos_ += n;
  }
  void Put(char c) {
    if (pos_ < end_) out_[pos_++] = c;
  }
  // Always fits: only for the closing bytes.
  void Close(std::string_view s) {
    for (char c : s) out_[pos_++] = c;
  }
  bool Full() const { return pos_ >= end_; }
  // Keeps `n` more bytes back until Unhold(), for what must end the line.
  void Hold(std::size_t n) {
    held_ = std::min(n, end_);
    end_ -= held_;
  }
  void Unhold() {
    end_ += held_;
    held_ = 0;
  }
  void Number(std::int64_t n) {
    char buf[24];
    int i = 0;
    const bool neg = n < 0;
    std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
    do {
      buf[i++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u);
    if (neg) Put('-');
    while (i) Put(buf[--i]);
  }
  void Digits(unsigned v, int width) {
    char buf[8];
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[i] = static_cast<char>('0' + v % 10);
    Raw(std::string_view(buf, static_cast<std::size_t>(width)));
  }
  std::size_t size() const { return pos_; }

 private:
  char* out_;
  std::size_t end_;
  std::size_t pos_ = 0;
  std::size_t held_ = 0;
};

// Bytes that JSON strings must escape, and bytes that make a text value
// need quotes: tables, since every byte of every access line is looked up.
constexpr std::array<bool, 256> kJsonEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  t[0x7f] = t['"'] = t['\\'] = true;
  return t;
}();
constexpr std::array<bool, 256> kTextQuote = [] {
  std::array<bool, 256> t = kJsonEscape;
  t[' '] = t['='] = true;
  return t;
}();

// The length of the prefix of `s` none of whose bytes is in `table`.
std::size_t PlainPrefix(std::string_view s, const std::array<bool, 256>& table) {
  std::size_t i = 0;
  while (i < s.size() && !table[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

// "2026-12-01T15:04:05.123Z" (UTC, milliseconds), without allocating. The
// date and time up to the second are kept per thread: most lines share them.
void Timestamp(LineWriter& w, std::int64_t micros) {
  const std::int64_t secs = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  const unsigned millis = static_cast<unsigned>((micros - secs * 1000000) / 1000);
  thread_local std::int64_t cached_secs = -1;
  thread_local char cached[20];
  if (secs == cached_secs) {
    w.Raw(std::string_view(cached, 20));
    w.Digits(millis, 3);
    w.Put('Z');
    return;
  }
  char buf[32];
  LineWriter date(buf, sizeof buf);
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const unsigned sod = static_cast<unsigned>(secs - days * 86400);
  const auto [y, m, d] = CivilFromDays(days);
  date.Digits(static_cast<unsigned>(y), 4);
  date.Put('-');
  date.Digits(m, 2);
  date.Put('-');
  date.Digits(d, 2);
  date.Put('T');
  date.Digits(sod / 3600, 2);
  date.Put(':');
  date.Digits(sod / 60 % 60, 2);
  date.Put(':');
  date.Digits(sod % 60, 2);
  date.Put('.');
  std::memcpy(cached, buf, 20);
  cached_secs = secs;
  w.Raw(std::string_view(cached, 20));
  w.Digits(millis, 3);
  w.Put('Z');
}

void JsonString(LineWriter& w, std::string_view s) {
  w.Put('"');
  const std::size_t plain = PlainPrefix(s, kJsonEscape);
  w.Raw(s.substr(0, plain));
  for (char c : s.substr(plain)) {
    if (w.Full()) break;
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      w.Put('\\');
      w.Put(c);
    } else if (u < 0x20 || u == 0x7f) {
      w.Raw("\\u00");
      w.Put(HexDigit(u >> 4));
      w.Put(HexDigit(u));
    } else {
      w.Put(c);
    }
  }
  w.Close("\"");
}

bool NeedsQuotes(std::string_view s) { return s.empty() || PlainPrefix(s, kTextQuote) < s.size(); }

// Text values: bare when plain, else double-quoted with escapes, so a line is
// always one line and splits unambiguously on spaces.
void TextValue(LineWriter& w, std::string_view s) {
  if (!NeedsQuotes(s)) {
    w.Raw(s);
    return;
  }
  w.Put('"');
  for (char c : s) {
    if (w.Full()) break;
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      w.Put('\\');
      w.Put(c);
    } else if (c == '\n') {
      w.Raw("\\n");
    } else if (u < 0x20 || u == 0x7f) {
      w.Raw("\\x");
      w.Put(HexDigit(u >> 4));
      w.Put(HexDigit(u));
    } else {
      w.Put(c);
    }
  }
  w.Close("\"");
}

// The message of a text line: control characters would split the line.
void TextMessage(LineWriter& w, std::string_view s) {
  const std::size_t plain = PlainPrefix(s, kJsonEscape);
  w.Raw(s.substr(0, plain));
  for (char c : s.substr(plain)) {
    const auto u = static_cast<unsigned char>(c);
    w.Put(u < 0x20 || u == 0x7f ? ' ' : c);
  }
}

std::atomic<Logger*> g_logger{nullptr};

}  // namespace

std::optional<Level> ParseLevel(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn" || s == "warning") return Level::kWarn;
  if (s == "error") return Level::kError;
  return std::nullopt;
}

std::optional<Format> ParseFormat(std::string_view s) {
  if (s == "text") return Format::kText;
  if (s == "json") return Format::kJson;
  return std::nullopt;
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::size_t FormatLine(char* out, std::size_t cap, Format format, std::int64_t time_micros,
                       Level level, std::string_view msg, std::initializer_list<Field> fields,
                       std::string_view node) {
  LineWriter w(out, cap);
  if (format == Format::kJson) {
    w.Raw("{\"time\":\"");
    Timestamp(w, time_micros);
    w.Raw("\",\"level\":\"");
    w.Raw(LevelName(level));
    if (!node.empty()) {
      w.Raw("\",\"node\":");
      JsonString(w, node);
      w.Raw(",\"msg\":");
    } else {
      w.Raw("\",\"msg\":");
    }
    JsonString(w, msg);
    for (const Field& f : fields) {
      if (w.Full()) break;
      w.Put(',');
      JsonString(w, f.key);
      w.Put(':');
      if (f.is_num) {
        w.Number(f.num);
      } else {
        JsonString(w, f.str);
      }
    }
    w.Close("}\n");
  } else {
    // " node=" and the value, quoted and escaped at worst.
    w.Hold(node.empty() ? 0 : 8 + 4 * node.size());
    Timestamp(w, time_micros);
    w.Put(' ');
    w.Raw(LevelName(level));
    w.Put(' ');
    TextMessage(w, msg);
    for (const Field& f : fields) {
      if (w.Full()) break;
      w.Put(' ');
      w.Raw(f.key);
      w.Put('=');
      if (f.is_num) {
        w.Number(f.num);
      } else {
        TextValue(w, f.str);
      }
    }
    w.Unhold();
    if (!node.empty()) {
      w.Raw(" node=");
      TextValue(w, node);
    }
    w.Close("\n");
  }
  return w.size();
}

Logger::Logger(Format format, Level level, Sink sink, std::size_t capacity)
    : format_(format), level_(level), sink_(std::move(sink)), mask_([capacity] {
        std::size_t n = 2;
        while (n < capacity) n <<= 1;
        return n - 1;
      }()) {
  slots_ = std::make_unique<Slot[]>(mask_ + 1);
  for (std::size_t i = 0; i <= mask_; ++i) slots_[i].seq.store(i, std::memory_order_relaxed);
  thread_ = std::thread([this] { Run(); });
}

Logger::~Logger() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Logger::Emit(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  char line[kLineBytes];
  const std::size_t len =
      FormatLine(line, sizeof line, format_, NowMicros(), level, msg, fields, node_);
  if (!Push(line, len)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    metrics::CountLogDropped();
  }
}

// Bounded multi-producer queue (Vyukov): a slot's sequence number says whether
// it is free for position `pos` (seq == pos) or holds that position's line
// (seq == pos + 1). Producers claim positions with a CAS on head_.
bool Logger::Push(const char* line, std::size_t len) {
  std::size_t pos = head_.load(std::memory_order_relaxed);
  Slot* slot;
  for (;;) {
    slot = &slots_[pos & mask_];
    const std::size_t seq = slot->seq.load(std::memory_order_acquire);
    const auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
    if (diff == 0) {
      if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (diff < 0) {
      return false;  // full: the logger thread is behind
    } else {
      pos = head_.load(std::memory_order_relaxed);
    }
  }
  std::memcpy(slot->data, line, len);
  slot->len = static_cast<std::uint32_t>(len);
  slot->seq.store(pos + 1, std::memory_order_release);
  // The logger thread polls; wake it early only when the queue fills up.
  if (pos - tail_.load(std::memory_order_relaxed) > (mask_ + 1) / 2) cv_.notify_one();
  return true;
}

bool Logger::Pop(std::string& batch) {
  const std::size_t pos = tail_.load(std::memory_order_relaxed);
  Slot& slot = slots_[pos & mask_];
  if (slot.seq.load(std::memory_order_acquire) != pos + 1) return false;
  batch.append(slot.data, slot.len);
  slot.seq.store(pos + mask_ + 1, std::memory_order_release);
  tail_.store(pos + 1, std::memory_order_relaxed);
  return true;
}

void Logger::Run() {
  std::string batch;
  batch.reserve(64 * 1024);
  for (;;) {
    batch.clear();
    while (batch.size() < 60 * 1024 && Pop(batch)) {
    }
    if (!batch.empty()) {
      sink_(batch);
      {
        std::lock_guard lock(mu_);
        written_.store(tail_.load(std::memory_order_relaxed), std::memory_order_relaxed);
      }
      flushed_.notify_all();
      continue;
    }
    std::unique_lock lock(mu_);
    if (stop_) break;
    // Idle: poll every 20 ms rather than have every producer signal.
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

void Logger::Flush() {
  const std::size_t target = head_.load(std::memory_order_acquire);
  std::unique_lock lock(mu_);
  cv_.notify_one();
  flushed_.wait_for(lock, std::chrono::seconds(5),
                    [&] { return written_.load(std::memory_order_relaxed) >= target || stop_; });
}

void Install(Logger* logger) { g_logger.store(logger, std::memory_order_release); }

Logger* Current() { return g_logger.load(std::memory_order_acquire); }

bool Enabled(Level level) {
  Logger* l = Current();
  return l ? l->Enabled(level) : level >= Level::kInfo;
}

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (Logger* l = Current()) return l->Write(level, msg, fields);
  if (level < Level::kInfo) return;
  char line[Logger::kLineBytes];
  const std::size_t len =
      FormatLine(line, sizeof line, Format::kText, NowMicros(), level, msg, fields);
  FdSink(2)(std::string_view(line, len));
}

void Lifecycle(std::string_view msg, std::initializer_list<Field> fields) {
  if (Logger* l = Current()) return l->Emit(Level::kInfo, msg, fields);
  Write(Level::kInfo, msg, fields);
}

Logger::Sink FdSink(int fd) {
  return [fd](std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // nowhere to report it
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  };
}

}  // namespace cfiam::obs::log
