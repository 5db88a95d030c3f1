// TxtResolver: a non-blocking TXT lookup against one DNS server, on an Asio
// io_context. UDP first with a per-try timeout and a bounded number of tries;
// a truncated UDP answer is repeated over TCP (RFC 7766). Answers are matched
// by query id, source address and question, so a stray or spoofed datagram is
// ignored rather than believed.
//
// Thread-safety: Lookup must be called from the io_context's thread (post to
// it); callbacks run there too. Nothing here blocks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cfiam::dns {

struct ResolverOptions {
  boost::asio::ip::udp::endpoint server;
  std::chrono::milliseconds timeout{2000};  // per UDP try, and for the whole TCP exchange
  int tries = 2;                            // UDP sends before giving up
};

class TxtResolver {
 public:
  // The TXT records of the name (empty when it has none or does not exist),
  // or nullopt when no usable answer came (timeouts, SERVFAIL, REFUSED, ...).
  using Callback = std::function<void(std::optional<std::vector<std::string>> records)>;

  TxtResolver(boost::asio::io_context& ioc, ResolverOptions options)
      : ioc_(ioc), options_(std::move(options)) {}

  // Starts one lookup; `done` is called exactly once, unless the io_context
  // is stopped first (then it is destroyed uncalled).
  void Lookup(const std::string& name, Callback done);

  const ResolverOptions& options() const { return options_; }

 private:
  boost::asio::io_context& ioc_;
  ResolverOptions options_;
};

// Parses "HOST:PORT", "[v6]:PORT" or a bare address (port 53). Returns nullopt
// when it is not a literal IP address with a valid port.
std::optional<boost::asio::ip::udp::endpoint> ParseResolverAddress(const std::string& text);
// The first nameserver of a resolv.conf file, or nullopt.
std::optional<boost::asio::ip::udp::endpoint> SystemResolver(const std::string& resolv_conf);

}  // namespace cfiam::dns
