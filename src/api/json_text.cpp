#include "api/json_text.h"

#include <boost/json/serializer.hpp>

namespace cfiam::api {

void AppendJsonString(std::string& out, std::string_view s) {
  // Most text needs no escape: a quote, a backslash and control characters
  // are the only bytes boost::json escapes (UTF-8 passes through as is).
  bool plain = true;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  boost::json::serializer sr;
  sr.reset(boost::json::string_view(s.data(), s.size()));
  char buf[1024];
  while (!sr.done()) {
    const boost::json::string_view part = sr.read(buf, sizeof buf);
    out.append(part.data(), part.size());
  }
}

}  // namespace cfiam::api
