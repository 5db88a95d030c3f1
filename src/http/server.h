// Server: the HTTP/1.1 front end (Boost.Beast over Asio), plain or TLS.
//
// I/O threads only parse, bound and write; every request that may block (store
// access) runs on a separate worker pool, so a slow commit never stalls other
// connections. Limits on the edge: header size, body size (413), a per-request
// read deadline and an idle keep-alive deadline, caps on open connections
// (global and per client address, 503), and a global budget for buffered
// request bodies (503). A request that announces a body is first checked on
// its header alone (routing, authentication), so a client without a valid
// credential never has its body buffered. Connections answered before their
// input was read close lingeringly, so the client reads the answer instead of
// a reset. All refusals carry the Cloudflare envelope.
//
// With a certificate and key the listener speaks only TLS (1.2+); SIGHUP
// reloads them for new handshakes, open connections keep theirs.
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
  std::size_t max_connections = 4096;        // lowered to what RLIMIT_NOFILE allows
  std::size_t max_connections_per_ip = 256;
  std::size_t max_buffered_body_bytes = 256 * 1024 * 1024;  // across all connections
  std::string tls_cert_file;                                // both set: serve HTTPS only
  std::string tls_key_file;
  std::chrono::seconds drain_timeout{10};  // graceful shutdown bound
};

class Server {
 public:
  // `handler` runs on a worker thread; `inline_handler` runs on the I/O thread
  // and may answer cheap requests (health) without the worker hop: it returns
  // false to pass the request on.
  using Handler = std::function<Response(Request&)>;
  using InlineHandler = std::function<bool(Request&, Response&)>;
  // Runs on the I/O thread for a request that announces a body, once its
  // header is read (the body is still empty): returns true with `response`
  // set to answer without reading the body.
  using HeaderCheck = std::function<bool(Request&, Response&)>;
  // Answers a request once it is handled; callable from any thread, once.
  using Completion = std::function<void(Response)>;
  // Makes the request's Completion; called at most once, only by a stage
  // that takes the request, before it moves from it (a request the stage
  // declines costs no completion: most go to the worker pool).
  using MakeCompletion = std::function<Completion()>;
  // Runs on the I/O thread after the inline handler passed a request on:
  // returns true having taken the request (moved from it) and a completion,
  // which it calls when the answer is ready (a stage with a thread of its
  // own: the API's change queue), or false to leave it to the worker pool.
  using Submit = std::function<bool(Request&, const MakeCompletion&)>;

  // Throws std::runtime_error when the TLS certificate or key cannot be loaded.
  Server(ServerOptions options, Handler handler, InlineHandler inline_handler,
         HeaderCheck header_check = {});
  ~Server();

  // Raises the soft descriptor limit to the hard one and lowers
  // max_connections to fit it (saying so on stderr), then binds and listens.
  // Throws std::system_error if the address is unusable. Returns the bound
  // port (useful when options.port is 0).
  // Installs the submit stage (before Run()).
  void SetSubmit(Submit submit);
  unsigned short Listen();
  // Runs until Stop() or SIGINT/SIGTERM (SIGHUP reloads TLS files); then drains in-flight requests
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

}  // namespace cfiam::http
