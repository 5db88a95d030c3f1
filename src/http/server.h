// Server: the HTTP/1.1 front end (Boost.Beast over Asio).
//
// I/O threads only parse, bound and write; every request that may block (store
// access) runs on a separate worker pool, so a slow commit never stalls other
// connections. Limits on the edge: header size, body size (413), a per-request
// read deadline and an idle keep-alive deadline, and a cap on open connections.
// All refusals carry the Cloudflare envelope.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"

namespace cfiam::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8787;
  unsigned io_threads = 2;
  unsigned worker_threads = 4;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds request_timeout{30};  // to read a whole request once it starts
  std::chrono::seconds idle_timeout{60};     // keep-alive wait for the next request
  std::size_t max_connections = 4096;
  std::chrono::seconds drain_timeout{10};  // graceful shutdown bound
};

class Server {
 public:
  // `handler` runs on a worker thread; `inline_handler` runs on the I/O thread
  // and may answer cheap requests (health) without the worker hop: it returns
  // false to pass the request on.
  using Handler = std::function<Response(Request&)>;
  using InlineHandler = std::function<bool(Request&, Response&)>;

  Server(ServerOptions options, Handler handler, InlineHandler inline_handler);
  ~Server();

  // Binds and listens. Throws std::system_error if the address is unusable.
  // Returns the bound port (useful when options.port is 0).
  unsigned short Listen();
  // Runs until Stop() or SIGINT/SIGTERM; then drains in-flight requests
  // (bounded by drain_timeout) and returns.
  void Run();
  // Requests a graceful stop; safe from any thread.
  void Stop();
  // Connections open right now (for the metrics gauge).
  std::size_t OpenConnections() const;

  struct Impl;  // public only so the connection code in server.cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

// Formats an error envelope body; used for refusals made by the server itself.
std::string ErrorEnvelope(int code, const std::string& message);

}  // namespace cfiam::http
