#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "util/random.h"

namespace cfiam::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

}  // namespace

std::string ErrorEnvelope(int code, const std::string& message) {
  boost::json::object err{{"code", code}, {"message", message}};
  boost::json::object env{{"success", false},
                          {"errors", boost::json::array{err}},
                          {"messages", boost::json::array{}},
                          {"result", nullptr}};
  return boost::json::serialize(env);
}

struct Server::Impl {
  Impl(ServerOptions o, Handler h, InlineHandler ih)
      : opt(std::move(o)), handler(std::move(h)), inline_handler(std::move(ih)) {
    ray_base = std::stoull(RandomHex(8), nullptr, 16);
  }

  void Accept();
  void BeginStop();
  void AwaitDrain(std::chrono::steady_clock::time_point deadline);
  std::string NextRay() {
    // A per-process random base plus a counter: unique within the process and
    // unpredictable across restarts.
    std::uint64_t n = ray_base + ray_counter.fetch_add(1, std::memory_order_relaxed);
    // "%016llx-CFI", written by hand: every response pays for it.
    static constexpr char kHex[] = "0123456789abcdef";
    std::string ray(20, '-');
    for (int i = 15; i >= 0; --i, n >>= 4) ray[static_cast<std::size_t>(i)] = kHex[n & 15];
    ray.replace(17, 3, "CFI");
    return ray;
  }

  ServerOptions opt;
  Handler handler;
  InlineHandler inline_handler;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  std::optional<net::thread_pool> workers;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> ray_counter{0};
  std::uint64_t ray_base = 0;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& srv) : stream_(std::move(socket)), srv_(srv) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      auto addr = ep.address();
      if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
        addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
      }
      client_ip_ = addr.to_string();
    }
  }
  ~Session() { srv_.connections.fetch_sub(1); }

  void Start(bool over_capacity) {
    if (over_capacity) {
      keep_alive_ = false;
      Write({429, ErrorEnvelope(971, "Too many open connections; try again later"), {}},
            srv_.NextRay(), false);
      return;
    }
    WaitForRequest();
  }

 private:
  // Waits (idle deadline) for the first bytes of the next request, then reads
  // the whole request under the request deadline.
  void WaitForRequest() {
    if (buffer_.size() > 0) return ReadRequest();
    stream_.expires_after(srv_.opt.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(srv_.opt.max_header_bytes));
    parser_->body_limit(srv_.opt.max_body_bytes);
    stream_.expires_after(srv_.opt.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) {
      keep_alive_ = false;
      if (ec == bhttp::error::body_limit) {
        return Write({413, ErrorEnvelope(413, "Request body is larger than 1 MiB"), {}},
                     srv_.NextRay(), false);
      }
      if (ec == bhttp::error::header_limit) {
        return Write({431, ErrorEnvelope(431, "Request headers are too large"), {}}, srv_.NextRay(),
                     false);
      }
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == net::error::eof || ec == net::error::connection_reset ||
          ec == net::error::operation_aborted || ec == bhttp::error::partial_message) {
        return Close();
      }
      return Write({400, ErrorEnvelope(400, "Malformed HTTP request: " + ec.message()), {}},
                   srv_.NextRay(), false);
    }
    Request req;
    req.raw = parser_->release();
    req.client_ip = client_ip_;
    req.ray = srv_.NextRay();
    req.received = std::chrono::steady_clock::now();
    keep_alive_ = req.raw.keep_alive();
    version_ = req.raw.version();
    srv_.in_flight.fetch_add(1);
    stream_.expires_never();

    Response res;
    if (srv_.inline_handler && srv_.inline_handler(req, res)) {
      return Write(std::move(res), std::move(req.ray), true);
    }
    net::post(*srv_.workers, [self = shared_from_this(), req = std::move(req)]() mutable {
      Response res;
      try {
        res = self->srv_.handler(req);
      } catch (...) {
        res = {500, ErrorEnvelope(10001, "Internal server error"), {}};
      }
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res), ray = std::move(req.ray)]() mutable {
                  self->Write(std::move(res), std::move(ray), true);
                });
    });
  }

  void Write(Response res, std::string ray, bool counted) {
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(res.status), version_ ? version_ : 11);
    msg->set(bhttp::field::content_type, "application/json");
    msg->set(bhttp::field::server, "cfiam");
    msg->set("cf-ray", ray);
    for (auto& [name, value] : res.headers) msg->set(name, value);
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive_ && !srv_.stopping.load());
    msg->prepare_payload();
    // A deadline on writes too: a client that never reads cannot hold us.
    stream_.expires_after(srv_.opt.request_timeout);
    bhttp::async_write(
        stream_, *msg,
        [self = shared_from_this(), msg, counted](beast::error_code ec, std::size_t) {
          if (counted) self->srv_.in_flight.fetch_sub(1);
          if (ec || !msg->keep_alive()) return self->Close();
          self->WaitForRequest();
        });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  Server::Impl& srv_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string client_ip_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      return Accept();  // transient (e.g. EMFILE): keep serving others
    }
    const bool over = connections.fetch_add(1) >= opt.max_connections;
    std::make_shared<Session>(std::move(socket), *this)->Start(over);
    Accept();
  });
}

void Server::Impl::BeginStop() {
  if (stopping.exchange(true)) return;
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
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

Server::Server(ServerOptions options, Handler handler, InlineHandler inline_handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler),
                                   std::move(inline_handler))) {
  impl_->workers.emplace(impl_->opt.worker_threads);
}

Server::~Server() {
  if (impl_->workers) impl_->workers->join();
}

unsigned short Server::Listen() {
  auto& a = impl_->acceptor;
  const tcp::endpoint ep(net::ip::make_address(impl_->opt.host), impl_->opt.port);
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

void Server::Stop() {
  net::post(impl_->ioc, [this] { impl_->BeginStop(); });
}

}  // namespace cfiam::http
