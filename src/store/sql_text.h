// Small helpers for building portable SQL text. SQL stays inside store/.
#pragma once

#include <string>
#include <string_view>

namespace cfiam::store {

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
