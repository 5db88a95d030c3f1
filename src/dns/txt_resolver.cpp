#include "dns/txt_resolver.h"

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <fstream>
#include <memory>
#include <sstream>

#include "dns/message.h"
#include "util/random.h"
#include "util/text.h"

namespace cfiam::dns {
namespace {

namespace net = boost::asio;
using udp = net::ip::udp;
using tcp = net::ip::tcp;
using boost::system::error_code;

// One lookup in flight. Owned by the handlers that reference it; everything
// runs on the io_context's single thread, so no locking.
class Query : public std::enable_shared_from_this<Query> {
 public:
  Query(net::io_context& ioc, const ResolverOptions& opt, std::string name,
        TxtResolver::Callback done)
      : opt_(opt),
        name_(std::move(name)),
        done_(std::move(done)),
        udp_(ioc),
        tcp_(ioc),
        timer_(ioc) {}

  void Start() {
    id_ = static_cast<std::uint16_t>(std::stoul(RandomHex(2), nullptr, 16));
    auto query = EncodeQuery(id_, name_);
    error_code ec;
    if (query) udp_.open(opt_.server.protocol(), ec);
    if (!query || ec) return Finish(std::nullopt);
    query_ = std::move(*query);
    SendUdp();
  }

 private:
  void SendUdp() {
    if (tries_++ >= opt_.tries) return Finish(std::nullopt);
    auto self = shared_from_this();
    udp_.async_send_to(net::buffer(query_), opt_.server, [self](error_code ec, std::size_t) {
      if (self->finished_) return;
      // A send error (no route, refused) is like no answer: wait out the try.
      if (!ec) self->ReceiveUdp();
    });
    timer_.expires_after(opt_.timeout);
    const int attempt = tries_;
    timer_.async_wait([self, attempt](error_code ec) {
      if (ec || self->finished_ || attempt != self->tries_) return;
      self->udp_.cancel();
      self->SendUdp();
    });
  }

  void ReceiveUdp() {
    auto self = shared_from_this();
    udp_.async_receive_from(net::buffer(buf_), from_, [self](error_code ec, std::size_t n) {
      if (self->finished_ || ec) return;  // cancelled by the timer, or a socket error
      self->OnUdp(std::string_view(self->buf_.data(), n));
    });
  }

  void OnUdp(std::string_view packet) {
    auto res = from_ == opt_.server ? DecodeTxtResponse(packet, name_) : std::nullopt;
    if (!res || res->id != id_) return ReceiveUdp();  // not our answer: keep listening
    if (res->truncated) return StartTcp();
    Answer(*res);
  }

  void StartTcp() {
    error_code ignored;
    udp_.close(ignored);
    auto self = shared_from_this();
    timer_.expires_after(opt_.timeout);
    timer_.async_wait([self](error_code ec) {
      if (ec || self->finished_) return;
      error_code ignored2;
      self->tcp_.close(ignored2);
      self->Finish(std::nullopt);
    });
    framed_.clear();
    framed_.push_back(static_cast<char>(query_.size() >> 8));
    framed_.push_back(static_cast<char>(query_.size() & 0xff));
    framed_ += query_;
    const tcp::endpoint server(opt_.server.address(), opt_.server.port());
    tcp_.async_connect(server, [self](error_code ec) {
      if (self->finished_) return;
      if (ec) return self->Finish(std::nullopt);
      net::async_write(self->tcp_, net::buffer(self->framed_), [self](error_code ec, std::size_t) {
        if (self->finished_) return;
        if (ec) return self->Finish(std::nullopt);
        self->ReadTcpLength();
      });
    });
  }

  void ReadTcpLength() {
    auto self = shared_from_this();
    net::async_read(tcp_, net::buffer(buf_.data(), 2), [self](error_code ec, std::size_t) {
      if (self->finished_) return;
      if (ec) return self->Finish(std::nullopt);
      const std::size_t len = static_cast<unsigned char>(self->buf_[0]) << 8 |
                              static_cast<unsigned char>(self->buf_[1]);
      self->tcp_answer_.resize(len);
      net::async_read(
          self->tcp_, net::buffer(self->tcp_answer_), [self](error_code ec, std::size_t) {
            if (self->finished_) return;
            auto res = ec ? std::nullopt : DecodeTxtResponse(self->tcp_answer_, self->name_);
            if (!res || res->id != self->id_) return self->Finish(std::nullopt);
            self->Answer(*res);
          });
    });
  }

  void Answer(const TxtResponse& res) {
    if (res.rcode == static_cast<std::uint8_t>(Rcode::kNoError)) return Finish(res.records);
    if (res.rcode == static_cast<std::uint8_t>(Rcode::kNxDomain))
      return Finish(std::vector<std::string>{});
    Finish(std::nullopt);
  }

  void Finish(std::optional<std::vector<std::string>> records) {
    if (finished_) return;
    finished_ = true;
    error_code ignored;
    timer_.cancel();
    udp_.close(ignored);
    tcp_.close(ignored);
    auto done = std::move(done_);
    done(std::move(records));
  }

  const ResolverOptions& opt_;
  std::string name_;
  TxtResolver::Callback done_;
  udp::socket udp_;
  tcp::socket tcp_;
  net::steady_timer timer_;
  udp::endpoint from_;
  std::array<char, 65536> buf_{};
  std::string query_, framed_, tcp_answer_;
  std::uint16_t id_ = 0;
  int tries_ = 0;
  bool finished_ = false;
};

}  // namespace

void TxtResolver::Lookup(const std::string& name, Callback done) {
  std::make_shared<Query>(ioc_, options_, name, std::move(done))->Start();
}

std::optional<udp::endpoint> ParseResolverAddress(const std::string& text) {
  std::string host = text;
  long long port = 53;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string::npos) return std::nullopt;
    const std::string rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty() && (rest.front() != ':' || !ParseUint(rest.substr(1), port))) {
      return std::nullopt;
    }
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    const auto colon = host.find(':');
    if (!ParseUint(host.substr(colon + 1), port)) return std::nullopt;
    host = host.substr(0, colon);
  }
  if (port < 1 || port > 65535) return std::nullopt;
  error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return udp::endpoint(address, static_cast<unsigned short>(port));
}

std::optional<udp::endpoint> SystemResolver(const std::string& resolv_conf) {
  std::ifstream in(resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (words >> key >> value && key == "nameserver") {
      // A scoped IPv6 address ("fe80::1%eth0") parses with its scope id.
      if (auto ep = ParseResolverAddress(
              value.find(':') != std::string::npos && value.front() != '[' ? "[" + value + "]"
                                                                           : value)) {
        return ep;
      }
    }
  }
  return std::nullopt;
}

}  // namespace cfiam::dns
