// Small helpers for building portable SQL text. SQL stays inside store/.
#pragma once

#include <string>
#include <string_view>

namespace cfiam::store {

// Whether a filter on `text` can match nothing stored: no stored text holds a
// NUL (PostgreSQL's cannot; SQLite's LIKE would stop reading at it).
inline bool MatchesNoText(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

// A LIKE pattern matching `text` anywhere, with LIKE's metacharacters escaped
// (use with `ESCAPE '\\'`) so a client's filter text matches literally.
inline std::string ContainsPattern(std::string_view text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

}  // namespace cfiam::store
