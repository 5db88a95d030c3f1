#include "api/json_text.h"

#include <charconv>
#include <vector>

namespace cfiam::api {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// The short escape of a control character, or 0 for \u00xx.
char ShortEscape(unsigned char c) {
  switch (c) {
    case '\b':
      return 'b';
    case '\t':
      return 't';
    case '\n':
      return 'n';
    case '\f':
      return 'f';
    case '\r':
      return 'r';
    default:
      return 0;
  }
}

// A strict reader of the canonical form (see IsCanonicalJson).
class CanonicalScan {
 public:
  static constexpr int kMaxDepth = 16;  // boost's parser allows 32

  explicit CanonicalScan(std::string_view s) : s_(s) {}

  bool Document() { return Value(0) && i_ == s_.size(); }

 private:
  bool Value(int depth) {
    if (i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{':
        return depth < kMaxDepth && Object(depth + 1);
      case '[':
        return depth < kMaxDepth && Array(depth + 1);
      case '"':
        return String(nullptr);
      case 't':
        return Word("true");
      case 'f':
        return Word("false");
      case 'n':
        return Word("null");
      default:
        return Integer();
    }
  }

  bool Word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  bool Integer() {
    const std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    const std::size_t digits = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    const std::size_t n = i_ - digits;
    if (n == 0 || n > 18) return false;
    if (s_[digits] == '0' && (n > 1 || digits > start)) return false;  // 01, -0
    return true;
  }

  bool Array(int depth) {
    ++i_;  // [
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    for (;;) {
      if (!Value(depth)) return false;
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ']') return ++i_, true;
      if (s_[i_++] != ',') return false;
    }
  }

  bool Object(int depth) {
    ++i_;  // {
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    std::vector<std::string_view> keys;
    for (;;) {
      std::string_view key;
      if (i_ >= s_.size() || s_[i_] != '"' || !String(&key)) return false;
      // A repeated key: boost keeps one of them, so the text would change.
      // (Keys with escapes compare by their raw text: still canonical text,
      // so equal raw text means equal keys.)
      for (std::string_view k : keys) {
        if (k == key) return false;
      }
      if (keys.size() >= 64) return false;
      keys.push_back(key);
      if (i_ >= s_.size() || s_[i_++] != ':') return false;
      if (!Value(depth)) return false;
      if (i_ >= s_.size()) return false;
      if (s_[i_] == '}') return ++i_, true;
      if (s_[i_++] != ',') return false;
    }
  }

  // A string with only the escapes AppendJsonString writes; its raw text
  // between the quotes in `raw`.
  bool String(std::string_view* raw) {
    const std::size_t start = ++i_;  // "
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        if (raw) *raw = s_.substr(start, i_ - start);
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (!Escape()) return false;
      } else if (c < 0x80) {
        ++i_;
      } else if (!Utf8()) {
        return false;
      }
    }
    return false;
  }

  bool Escape() {
    if (i_ + 1 >= s_.size()) return false;
    const char e = s_[i_ + 1];
    if (e == '"' || e == '\\' || e == 'b' || e == 't' || e == 'n' || e == 'f' || e == 'r') {
      i_ += 2;
      return true;
    }
    // \u00xx, lower-case hex, only for a control character without a short form.
    if (e != 'u' || i_ + 6 > s_.size() || s_.substr(i_ + 2, 2) != "00") return false;
    const char hi = s_[i_ + 4];
    const char lo = s_[i_ + 5];
    if (hi != '0' && hi != '1') return false;
    const bool lo_hex = (lo >= '0' && lo <= '9') || (lo >= 'a' && lo <= 'f');
    if (!lo_hex) return false;
    const auto c =
        static_cast<unsigned char>((hi - '0') * 16 + (lo <= '9' ? lo - '0' : lo - 'a' + 10));
    if (ShortEscape(c) != 0) return false;
    i_ += 6;
    return true;
  }

  // One well-formed UTF-8 sequence of 2-4 bytes (no overlong form, no
  // surrogate, nothing past U+10FFFF), as boost's parser requires.
  bool Utf8() {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s_[i_ + k]); };
    const auto cont = [&](std::size_t k) { return i_ + k < s_.size() && (b(k) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    if (c >= 0xC2 && c <= 0xDF) {
      if (!cont(1)) return false;
      i_ += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      if (!cont(1) || !cont(2)) return false;
      if (c == 0xE0 && b(1) < 0xA0) return false;  // overlong
      if (c == 0xED && b(1) > 0x9F) return false;  // surrogate
      i_ += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return false;
      if (c == 0xF0 && b(1) < 0x90) return false;  // overlong
      if (c == 0xF4 && b(1) > 0x8F) return false;  // past U+10FFFF
      i_ += 4;
    } else {
      return false;
    }
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t plain = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    out.push_back('\\');
    if (c == '"' || c == '\\') {
      out.push_back(static_cast<char>(c));
    } else if (const char e = ShortEscape(c)) {
      out.push_back(e);
    } else {
      out.append("u00", 3);
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

void AppendJsonInt(std::string& out, std::int64_t n) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

bool IsCanonicalJson(std::string_view text) { return CanonicalScan(text).Document(); }

}  // namespace cfiam::api
