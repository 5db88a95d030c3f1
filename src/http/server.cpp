#include "http/server.h"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "http/response_head.h"
#include "obs/log.h"
#include "util/error_envelope.h"
#include "util/hex.h"
#include "util/random.h"

namespace cfiam::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// Descriptors kept back from connections for the store, DNS, the listener,
// the event loop and the standard streams.
constexpr rlim_t kFdReserve = 64;
// How long accept pauses once the process is out of descriptors: retrying at
// once only spins, since nothing frees a descriptor in between.
constexpr std::chrono::milliseconds kAcceptBackoff{100};
// A lingering close discards the client's remaining input for at most this
// long and this much, so the client reads our answer instead of a reset.
constexpr std::chrono::seconds kLingerTime{5};
constexpr std::size_t kLingerBytes = 8 * 1024 * 1024;
// Bytes asked of the socket per read while a request comes in.
constexpr std::size_t kReadSize = 4096;

// Modern TLS only: 1.2 with forward-secret AEAD suites, and 1.3 (whose suites
// are all AEAD). Throws when a file cannot be used.
std::shared_ptr<ssl::context> MakeTlsContext(const std::string& cert, const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                   SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1) {
    throw std::runtime_error("could not configure TLS");
  }
  beast::error_code ec;
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) throw std::runtime_error("TLS certificate " + cert + ": " + ec.message());
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("TLS key " + key + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error("TLS key " + key + " does not match certificate " + cert);
  }
  return ctx;
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Handler h, InlineHandler ih, HeaderCheck hc)
      : opt(std::move(o)),
        handler(std::move(h)),
        inline_handler(std::move(ih)),
        header_check(std::move(hc)) {
    ray_base = std::stoull(RandomHex(8), nullptr, 16);
    if (!opt.tls_cert_file.empty() || !opt.tls_key_file.empty()) {
      tls = MakeTlsContext(opt.tls_cert_file, opt.tls_key_file);
    }
  }

  void Accept();
  void PauseAccept();
  void OnAccepted(tcp::socket socket);
  void WaitForHangup();
  void BeginStop();
  void AwaitDrain(std::chrono::steady_clock::time_point deadline);
  std::string NextRay() {
    // A per-process random base plus a counter: unique within the process and
    // unpredictable across restarts.
    std::uint64_t n = ray_base + ray_counter.fetch_add(1, std::memory_order_relaxed);
    // "%016llx-CFI", written by hand: every response pays for it.
    std::string ray(20, '-');
    for (int i = 15; i >= 0; --i, n >>= 4) ray[static_cast<std::size_t>(i)] = HexDigit(n);
    ray.replace(17, 3, "CFI");
    return ray;
  }

  // Counts a connection from `ip`; returns false when that address is over its cap.
  bool AdmitAddress(const std::string& ip) {
    std::lock_guard lock(ip_mu);
    return ++per_ip[ip] <= opt.max_connections_per_ip;
  }
  void ReleaseAddress(const std::string& ip) {
    std::lock_guard lock(ip_mu);
    auto it = per_ip.find(ip);
    if (it != per_ip.end() && --it->second == 0) per_ip.erase(it);
  }
  // Reserves room for a body of `n` bytes in the global budget.
  bool ReserveBody(std::size_t n) {
    if (buffered_bytes.fetch_add(n) + n <= opt.max_buffered_body_bytes) return true;
    buffered_bytes.fetch_sub(n);
    return false;
  }
  std::shared_ptr<ssl::context> CurrentTls() {
    std::lock_guard lock(tls_mu);
    return tls;
  }

  ServerOptions opt;
  Handler handler;
  InlineHandler inline_handler;
  HeaderCheck header_check;
  Submit submit;  // set before Run()
  // One I/O thread: tell Asio, so completions it queues from that thread skip
  // the scheduler's lock (other threads may still post to it).
  net::io_context ioc{opt.io_threads == 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT};
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_backoff{ioc};
  bool out_of_descriptors = false;  // only touched by the accept chain
  // Open sockets (served or being refused) at which accept pauses: beyond it
  // the process would run out of descriptors.
  std::size_t socket_ceiling = SIZE_MAX;
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  net::signal_set hangup{ioc};
  std::optional<net::thread_pool> workers;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> buffered_bytes{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> ray_counter{0};
  std::uint64_t ray_base = 0;
  std::mutex ip_mu;
  std::unordered_map<std::string, std::size_t> per_ip;
  std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls;  // null: plain HTTP
};

namespace {

// The socket itself, not beast::tcp_stream: deadlines are the session's own
// (SetDeadline), so the stream's timer and rate-policy wrapper around every
// read and write would be cost only.
using TlsStream = beast::ssl_stream<tcp::socket>;

// One connection, plain (tcp::socket) or TLS (TlsStream).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(tcp::socket socket, Server::Impl& srv, std::string client_ip,
          std::shared_ptr<ssl::context> tls)
      : tls_(std::move(tls)),
        stream_(MakeStream(std::move(socket))),
        srv_(srv),
        client_ip_(std::move(client_ip)),
        timer_(stream_.get_executor()) {}
  ~Session() {
    ReleaseBody();
    srv_.ReleaseAddress(client_ip_);
    srv_.connections.fetch_sub(1);
  }

  void Start(std::optional<std::string> refusal) {
    if constexpr (kTls) {
      SetDeadline(srv_.opt.request_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this(),
                               refusal = std::move(refusal)](beast::error_code ec) mutable {
                                // Not TLS (plain HTTP, a scanner): nothing to answer in.
                                if (ec) return self->CloseSocket();
                                self->Begin(std::move(refusal));
                              });
    } else {
      Begin(std::move(refusal));
    }
  }

 private:
  Stream MakeStream(tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls_);
    } else {
      return Stream(std::move(socket));
    }
  }
  tcp::socket& Socket() { return beast::get_lowest_layer(stream_); }

  void Begin(std::optional<std::string> refusal) {
    if (refusal) return Refuse(503, *refusal);
    WaitForRequest();
  }

  // Answers before reading the request (or the rest of it), then closes
  // lingeringly.
  void Refuse(unsigned status, const std::string& message) {
    keep_alive_ = false;
    unread_input_ = true;
    Response res{status, ErrorBody(static_cast<int>(status), message), {}};
    if (status == 503) res.headers.emplace_back("Retry-After", "1");
    Write(std::move(res), srv_.NextRay(), false);
  }

  // Waits (idle deadline) for the first bytes of the next request, then reads
  // the request header under the request deadline.
  void WaitForRequest() {
    parser_.emplace();
    route_.reset();
    parser_->header_limit(static_cast<std::uint32_t>(srv_.opt.max_header_bytes));
    parser_->body_limit(srv_.opt.max_body_bytes);
    request_deadline_set_ = false;
    if (buffer_.size() > 0) return ParseBuffered();
    SetDeadline(srv_.opt.idle_timeout);
    ReadMore();
  }

  void ReadMore() {
    stream_.async_read_some(buffer_.prepare(kReadSize),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->OnReadFailed(ec);
                              self->buffer_.commit(n);
                              self->ParseBuffered();
                            });
  }

  // Before the request's first byte a failed read (the client closed, the
  // idle deadline) ends the connection quietly; within a request it is a
  // read error of that request, as Beast's read operations reported it.
  void OnReadFailed(beast::error_code ec) {
    if (buffer_.size() == 0 && !parser_->got_some()) return CloseSocket();
    OnReadError(ec);
  }

  // Feeds what is buffered to the parser up to the end of the header, and
  // reads more only when the header is incomplete. What bhttp::async_read_header
  // did (the same parser, limits and errors), without its composed operation
  // and the scheduler round trip it takes even when the request is already in
  // the buffer, as it is on almost every request.
  void ParseBuffered() {
    while (!parser_->is_header_done() && buffer_.size() > 0) {
      beast::error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) return OnReadError(ec);
      if (used == 0) break;
    }
    if (parser_->is_header_done()) return OnHeader({}, 0);
    StartRequestDeadline();
    ReadMore();
  }

  // The request deadline runs from the request's first byte over the rest of
  // it (header, 100-continue, body), once.
  void StartRequestDeadline() {
    if (request_deadline_set_) return;
    SetDeadline(srv_.opt.request_timeout);
    request_deadline_set_ = true;
  }

  // Refuses what can be refused on the header alone before any body byte is
  // buffered: a body larger than allowed, a request the API would refuse
  // anyway (no route, no valid credential), a full body budget.
  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    head_ = parser_->get().method() == bhttp::verb::head;
    version_ = parser_->get().version();
    const auto length = parser_->content_length();
    const bool has_body = parser_->chunked() || (length && *length > 0);
    // A request without a body is complete with its header.
    if (!has_body && parser_->is_done()) return OnRead({}, 0);
    StartRequestDeadline();
    if (!has_body) return ReadBody();
    if (length && *length > srv_.opt.max_body_bytes) return Refuse(413, TooLarge());
    if (srv_.header_check) {
      Request header;
      header.raw.base() = parser_->get().base();
      header.client_ip = client_ip_;
      header.ray = srv_.NextRay();
      header.received = std::chrono::steady_clock::now();
      Response res;
      if (srv_.header_check(header, res)) {
        keep_alive_ = false;
        unread_input_ = true;
        return Write(std::move(res), std::move(header.ray), false);
      }
      route_ = std::move(header.route);  // routed once: the body does not change it
    }
    // A chunked body has no announced size: count it at the limit.
    const std::size_t reserve =
        length ? static_cast<std::size_t>(*length) : srv_.opt.max_body_bytes;
    if (!srv_.ReserveBody(reserve)) {
      return Refuse(503, "Too many request bodies in progress; try again later");
    }
    reserved_ = reserve;
    // A client waiting for our go-ahead (curl does for larger bodies) gets it
    // now that the header has passed, instead of stalling until it gives up.
    const auto expect = parser_->get()[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) return Continue();
    ReadBody();
  }

  void Continue() {
    auto msg =
        std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
    bhttp::async_write(stream_, *msg,
                       [self = this->shared_from_this(), msg](beast::error_code ec, std::size_t) {
                         if (ec) return self->CloseSocket();
                         self->ReadBody();
                       });
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, this->shared_from_this()));
  }

  static std::string TooLarge() { return "Request body is larger than 1 MiB"; }

  void OnReadError(beast::error_code ec) {
    keep_alive_ = false;
    if (ec == bhttp::error::body_limit) return Refuse(413, TooLarge());
    if (ec == bhttp::error::header_limit) return Refuse(431, "Request headers are too large");
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted ||
        ec == bhttp::error::partial_message || ec.category() == net::error::get_ssl_category() ||
        ec == ssl::error::stream_truncated) {
      return CloseSocket();
    }
    Refuse(400, "Malformed HTTP request: " + ec.message());
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    Request req;
    req.raw = parser_->release();
    req.route = std::move(route_);
    req.client_ip = client_ip_;
    req.ray = srv_.NextRay();
    req.received = std::chrono::steady_clock::now();
    keep_alive_ = req.raw.keep_alive();
    srv_.in_flight.fetch_add(1);
    ClearDeadline();

    Response res;
    if (srv_.inline_handler && srv_.inline_handler(req, res)) {
      return Write(std::move(res), std::move(req.ray), true);
    }
    if (srv_.submit) {
      // Two pointers: held in place by std::function, no allocation.
      const Server::MakeCompletion make_done = [this, &req] {
        return Server::Completion(
            [self = this->shared_from_this(), ray = req.ray](Response answer) mutable {
              net::post(self->stream_.get_executor(),
                        [self, answer = std::move(answer), ray = std::move(ray)]() mutable {
                          self->Write(std::move(answer), std::move(ray), true);
                        });
            });
      };
      if (srv_.submit(req, make_done)) return;
    }
    net::post(*srv_.workers, [self = this->shared_from_this(), req = std::move(req)]() mutable {
      Response res;
      try {
        res = self->srv_.handler(req);
      } catch (...) {
        res = {500, ErrorBody(10001, "Internal server error"), {}};
      }
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res), ray = std::move(req.ray)]() mutable {
                  self->Write(std::move(res), std::move(ray), true);
                });
    });
  }

  // What one response keeps alive until its write completes.
  struct Outgoing {
    std::string head;
    std::string body;
    std::shared_ptr<const std::string> shared_body;  // instead of `body` when set
    bool keep_alive;
  };

  void Write(Response res, std::string ray, bool counted) {
    auto out = std::make_shared<Outgoing>();
    out->keep_alive = keep_alive_ && !srv_.stopping.load();
    const std::size_t length = res.Body().size();
    // HEAD: the length the GET would have, and no body, or the body would be
    // read as the start of the next response on this connection.
    if (!head_) {
      out->body = std::move(res.body);
      out->shared_body = std::move(res.shared_body);
    }
    out->head = ResponseHead(res, version_ ? version_ : 11, out->keep_alive, length, ray);
    // A deadline on writes too: a client that never reads cannot hold us.
    SetDeadline(srv_.opt.request_timeout);
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(out->head),
        out->shared_body ? net::buffer(*out->shared_body) : net::buffer(out->body)};
    net::async_write(
        stream_, buffers,
        [self = this->shared_from_this(), out, counted](beast::error_code ec, std::size_t) {
          if (counted) self->srv_.in_flight.fetch_sub(1);
          self->ReleaseBody();
          if (ec) return self->CloseSocket();
          if (!out->keep_alive) return self->Close();
          self->head_ = false;
          self->WaitForRequest();
        });
  }

  // The connection's deadline (idle, request, write, linger): one timer per
  // connection, armed lazily. Moving the deadline later, as every request
  // does, only stores it; the timer, when it fires early, re-arms for the
  // stored deadline. Only a deadline earlier than the armed one re-arms at
  // once. (A timer wait per read and write, as beast::tcp_stream's expiry
  // does, costs a timer-queue insert, a cancel and a completion each.) Past
  // the deadline the socket is closed, which fails the pending operation.
  void SetDeadline(std::chrono::steady_clock::duration d) {
    deadline_ = std::chrono::steady_clock::now() + d;
    if (!armed_ || deadline_ < armed_at_) Arm();
  }
  void ClearDeadline() { deadline_ = std::chrono::steady_clock::time_point::max(); }

  void Arm() {
    if (closed_) return;
    armed_ = true;
    armed_at_ = deadline_;
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_at(deadline_);  // completes a wait still pending as cancelled
    timer_.async_wait([weak = this->weak_from_this(), generation](beast::error_code ec) {
      const auto self = weak.lock();
      // A newer wait replaced this one, or the connection is gone.
      if (!self || ec || generation != self->timer_generation_) return;
      self->OnDeadline();
    });
  }

  void OnDeadline() {
    armed_ = false;
    if (closed_ || deadline_ == std::chrono::steady_clock::time_point::max()) return;
    if (std::chrono::steady_clock::now() < deadline_) return Arm();  // moved later meanwhile
    CloseSocket();
  }

  void ReleaseBody() {
    if (reserved_) srv_.buffered_bytes.fetch_sub(reserved_);
    reserved_ = 0;
  }

  // After the last response: if the client may still be sending, shut down
  // our side and discard its input for a bounded time and size, so closing
  // with unread data does not reset the connection before the client has
  // read the answer.
  void Close() {
    if (!unread_input_) return CloseSocket();
    beast::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return CloseSocket();
    SetDeadline(kLingerTime);
    Discard();
  }

  void Discard() {
    // Below TLS: the remaining input is only counted, never decrypted.
    Socket().async_read_some(net::buffer(drain_), [self = this->shared_from_this()](
                                                      beast::error_code ec, std::size_t n) {
      self->lingered_ += n;
      if (ec || self->lingered_ > kLingerBytes) return self->CloseSocket();
      self->Discard();
    });
  }

  void CloseSocket() {
    closed_ = true;
    timer_.cancel();
    beast::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_send, ec);
    Socket().close(ec);
  }

  std::shared_ptr<ssl::context> tls_;  // keeps this connection's certificate alive
  Stream stream_;
  Server::Impl& srv_;
  std::string client_ip_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::unique_ptr<RouteState> route_;  // what the header check routed, for the whole request
  std::size_t reserved_ = 0;           // this request's share of the body budget
  bool keep_alive_ = true;
  bool head_ = false;
  bool unread_input_ = false;
  bool request_deadline_set_ = false;  // the request deadline runs for the request in progress
  unsigned version_ = 11;
  std::size_t lingered_ = 0;
  std::array<char, 16 * 1024> drain_;
  net::steady_timer timer_;  // the deadline's timer (after stream_: built on its executor)
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point armed_at_;
  bool armed_ = false;
  bool closed_ = false;
  std::uint64_t timer_generation_ = 0;
};

std::string ClientAddress(const tcp::socket& socket) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return {};
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
  }
  return addr.to_string();
}

bool OutOfDescriptors(const beast::error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
         ec == net::error::no_memory || ec.value() == ENFILE;
}

}  // namespace

void Server::Impl::Accept() {
  if (connections.load() >= socket_ceiling) return PauseAccept();
  // A strand keeps a connection's handlers from running at once on two I/O
  // threads; with one I/O thread the io_context already runs them one at a
  // time, and a strand would only add its locking to every completion.
  const net::any_io_executor executor =
      opt.io_threads > 1 ? net::any_io_executor(net::make_strand(ioc)) : ioc.get_executor();
  acceptor.async_accept(executor, [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!OutOfDescriptors(ec)) return Accept();  // e.g. the client gave up: next one
      if (!out_of_descriptors) {
        out_of_descriptors = true;
        obs::log::Warn("accept failed; pausing new connections", {{"error", ec.message()}});
      }
      return PauseAccept();
    }
    out_of_descriptors = false;
    OnAccepted(std::move(socket));
    Accept();
  });
}

// Pending clients stay in the listen backlog until descriptors free up.
void Server::Impl::PauseAccept() {
  accept_backoff.expires_after(kAcceptBackoff);
  accept_backoff.async_wait([this](beast::error_code ec) {
    if (!ec && acceptor.is_open()) Accept();
  });
}

void Server::Impl::OnAccepted(tcp::socket socket) {
  std::string ip = ClientAddress(socket);
  std::optional<std::string> refusal;
  // Both counts are taken first and given back by the session's destructor.
  if (connections.fetch_add(1) >= opt.max_connections) {
    refusal = "Too many open connections; try again later";
  }
  if (!AdmitAddress(ip) && !refusal) {
    refusal = "Too many open connections from your address; try again later";
  }
  if (tls) {
    auto ctx = CurrentTls();
    std::make_shared<Session<TlsStream>>(std::move(socket), *this, std::move(ip), std::move(ctx))
        ->Start(std::move(refusal));
  } else {
    std::make_shared<Session<tcp::socket>>(std::move(socket), *this, std::move(ip), nullptr)
        ->Start(std::move(refusal));
  }
}

// SIGHUP: load the certificate and key again; a bad file keeps the old pair.
void Server::Impl::WaitForHangup() {
  hangup.async_wait([this](beast::error_code ec, int) {
    if (ec) return;
    try {
      auto fresh = MakeTlsContext(opt.tls_cert_file, opt.tls_key_file);
      {
        std::lock_guard lock(tls_mu);
        tls = std::move(fresh);
      }
      obs::log::Info("reloaded TLS certificate", {{"file", opt.tls_cert_file}});
    } catch (const std::exception& e) {
      obs::log::Error("TLS reload failed, keeping the old certificate", {{"error", e.what()}});
    }
    WaitForHangup();
  });
}

void Server::Impl::BeginStop() {
  if (stopping.exchange(true)) return;
  beast::error_code ec;
  acceptor.close(ec);
  accept_backoff.cancel();
  signals.cancel(ec);
  hangup.cancel(ec);
  AwaitDrain(std::chrono::steady_clock::now() + opt.drain_timeout);
}

void Server::Impl::AwaitDrain(std::chrono::steady_clock::time_point deadline) {
  if (in_flight.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
    ioc.stop();
    return;
  }
  auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(10));
  timer->async_wait([this, timer, deadline](beast::error_code) { AwaitDrain(deadline); });
}

Server::Server(ServerOptions options, Handler handler, InlineHandler inline_handler,
               HeaderCheck header_check)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler),
                                   std::move(inline_handler), std::move(header_check))) {
  impl_->workers.emplace(impl_->opt.worker_threads);
}

Server::~Server() {
  if (impl_->workers) impl_->workers->join();
}

namespace {

// Raises the soft descriptor limit as far as the hard one allows and returns it.
rlim_t RaiseDescriptorLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return RLIM_INFINITY;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur;
}

}  // namespace

unsigned short Server::Listen() {
  auto& opt = impl_->opt;
  const rlim_t limit = RaiseDescriptorLimit();
  if (limit != RLIM_INFINITY) {
    // Each socket holds one descriptor; the rest of the process needs some.
    // Served connections get 7/8 of the sockets, so that clients over the
    // cap can still be told 503 instead of waiting in the backlog.
    const rlim_t sockets =
        limit > 2 * kFdReserve ? limit - kFdReserve : std::max<rlim_t>(2, limit / 2);
    impl_->socket_ceiling = static_cast<std::size_t>(sockets);
    const rlim_t fit = sockets - sockets / 8;
    if (opt.max_connections > fit) {
      obs::log::Warn("--max-connections lowered from " + std::to_string(opt.max_connections) +
                     " to " + std::to_string(fit) + ": the descriptor limit (RLIMIT_NOFILE) is " +
                     std::to_string(limit));
      opt.max_connections = static_cast<std::size_t>(fit);
    }
  }
  auto& a = impl_->acceptor;
  const tcp::endpoint ep(net::ip::make_address(opt.host), opt.port);
  a.open(ep.protocol());
  a.set_option(net::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(net::socket_base::max_listen_connections);
  return a.local_endpoint().port();
}

void Server::Run() {
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->BeginStop();
  });
  if (impl_->tls) {
    impl_->hangup.add(SIGHUP);
    impl_->WaitForHangup();
  }
  impl_->Accept();
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < impl_->opt.io_threads; ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  impl_->workers->join();
}

std::size_t Server::OpenConnections() const {
  return impl_->connections.load(std::memory_order_relaxed);
}

void Server::SetSubmit(Submit submit) { impl_->submit = std::move(submit); }

void Server::Stop() {
  net::post(impl_->ioc, [this] { impl_->BeginStop(); });
}

}  // namespace cfiam::http
