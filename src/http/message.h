// The request and response values passed between the server (sockets) and the
// API layer (pure handlers). Nothing here knows about sockets.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cfiam::http {

namespace bhttp = boost::beast::http;

// What the API layer learned routing a request on the I/O thread, carried
// with the request to the worker so it is routed once. Opaque to the server.
struct RouteState {
  virtual ~RouteState() = default;
};

struct Request {
  bhttp::request<bhttp::string_body> raw;
  std::string client_ip;  // IPv4-mapped IPv6 addresses are reported as IPv4
  std::string ray;        // the cf-ray id of this request
  // When the whole request had been read (request latency is measured from here).
  std::chrono::steady_clock::time_point received;
  std::unique_ptr<RouteState> route;  // set by whoever routed it first
};

struct Response {
  unsigned status = 200;
  std::string body;  // always JSON
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body instead of `body` (left empty): bytes shared with a
  // cache (a kept list page), kept alive until written rather than copied.
  std::shared_ptr<const std::string> shared_body{};

  // The body as sent.
  const std::string& Body() const { return shared_body ? *shared_body : body; }
};

}  // namespace cfiam::http
