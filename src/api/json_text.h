// Writing JSON straight to text, byte for byte what boost::json::serialize
// writes for the same value, for responses that skip building a boost::json
// tree: hot reads (GET /accounts/{id}, tokens/verify) and list pages, whose
// tree was built, serialized and destroyed (three passes over ~2,000 nodes
// per page, most of a page's CPU time).
#pragma once

#include <boost/json/serializer.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace cfiam::api {

// Appends the compact serialization of `v` (what json::serialize returns).
template <class T>
void AppendJson(std::string& out, const T& v) {
  boost::json::serializer sr;
  sr.reset(&v);
  char buf[4096];
  while (!sr.done()) {
    const boost::json::string_view part = sr.read(buf, sizeof buf);
    out.append(part.data(), part.size());
  }
}

// `s` as a JSON string, quoted and escaped as boost::json does: `"` and `\`
// and the control characters (\b \t \n \f \r, else \u00xx); every other
// byte as is.
void AppendJsonString(std::string& out, std::string_view s);

// `"key":` (REQUIRES: key needs no escaping).
inline void AppendJsonKey(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out.append("\":", 2);
}

void AppendJsonInt(std::string& out, std::int64_t n);

inline void AppendJsonBool(std::string& out, bool b) { out.append(b ? "true" : "false"); }

// True when `text` is JSON that boost::json would parse and serialize back
// to exactly `text`: compact (no whitespace outside strings), strings
// escaped only as AppendJsonString escapes and valid UTF-8, numbers only
// integers of at most 18 digits, no repeated key in an object, nesting at
// most 16 deep. False does not mean invalid, only "not known to be
// canonical" (callers then parse and serialize).
bool IsCanonicalJson(std::string_view text);

}  // namespace cfiam::api
