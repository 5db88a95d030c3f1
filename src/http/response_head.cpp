#include "http/response_head.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>

namespace cfiam::http {
namespace {

bool IsContentType(std::string_view name) {
  return boost::beast::iequals(name, std::string_view("Content-Type"));
}

void Field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", 2);
  out.append(value);
  out.append("\r\n", 2);
}

}  // namespace

std::string ResponseHead(const Response& res, unsigned version, bool keep_alive,
                         std::size_t content_length, std::string_view ray) {
  // Beast's set() replaced the field each time: only the last one counts.
  std::size_t own_type = res.headers.size();
  for (std::size_t i = 0; i < res.headers.size(); ++i) {
    if (IsContentType(res.headers[i].first)) own_type = i;
  }

  std::string out;
  out.reserve(160 + 48 * res.headers.size());
  char digits[24];
  out.append("HTTP/", 5);
  out.push_back(static_cast<char>('0' + version / 10 % 10));
  out.push_back('.');
  out.push_back(static_cast<char>('0' + version % 10));
  out.push_back(' ');
  auto end = std::to_chars(digits, digits + sizeof digits, res.status).ptr;
  out.append(digits, end);
  out.push_back(' ');
  out.append(
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(res.status)));
  out.append("\r\n", 2);
  if (own_type == res.headers.size()) out.append("Content-Type: application/json\r\n");
  out.append("Server: cfiam\r\n");
  Field(out, "cf-ray", ray);
  // A handler's Content-Type keeps Beast's spelling (set() by field enum).
  for (std::size_t i = 0; i < res.headers.size(); ++i) {
    const auto& [name, value] = res.headers[i];
    if (i == own_type) {
      Field(out, "Content-Type", value);
    } else if (!IsContentType(name)) {
      Field(out, name, value);
    }
  }
  if (version == 11 && !keep_alive) out.append("Connection: close\r\n");
  if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n");
  out.append("Content-Length: ");
  end = std::to_chars(digits, digits + sizeof digits, content_length).ptr;
  out.append(digits, end);
  out.append("\r\n\r\n", 4);
  return out;
}

}  // namespace cfiam::http
