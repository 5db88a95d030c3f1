#include "auth/ip_condition.h"

#include <boost/asio/ip/address.hpp>

#include "util/text.h"

namespace cfiam::auth {

bool ParseClientAddress(std::string_view ip, std::array<std::uint8_t, 16>& out, bool& v4) {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string(ip), ec);
  if (ec) return false;
  out.fill(0);
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
  }
  if (addr.is_v4()) {
    const auto b = addr.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.begin());
    v4 = true;
  } else {
    // Scoped addresses (fe80::1%eth0) are not meaningful in policies.
    if (addr.to_v6().scope_id() != 0) return false;
    out = addr.to_v6().to_bytes();
    v4 = false;
  }
  return true;
}

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  Cidr c;
  c.text_ = std::string(text);
  std::string_view addr = text;
  std::optional<long long> prefix;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    long long p = 0;
    // Reject before narrowing: 4294967304 must not wrap to 8.
    if (!ParseUint(text.substr(slash + 1), p) || p > 128) return std::nullopt;
    prefix = p;
    addr = text.substr(0, slash);
  }
  if (addr.empty() || !ParseClientAddress(addr, c.bytes_, c.v4_)) return std::nullopt;
  // "::ffff:10.0.0.0/104" is an IPv4 /8 once folded.
  const bool mapped = c.v4_ && addr.find(':') != std::string_view::npos;
  const int max = c.v4_ ? 32 : 128;
  int p = prefix ? static_cast<int>(*prefix) : (mapped ? 128 : max);
  if (mapped) {
    if (p < 96) return std::nullopt;
    p -= 96;
  }
  if (p < 0 || p > max) return std::nullopt;
  c.prefix_ = p;
  return c;
}

bool Cidr::Contains(const std::array<std::uint8_t, 16>& addr, bool v4) const {
  if (v4 != v4_) return false;
  int bits = prefix_;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((addr[i] & mask) != (bytes_[i] & mask)) return false;
  }
  return true;
}

bool Cidr::Covers(const Cidr& other) const {
  return v4_ == other.v4_ && prefix_ <= other.prefix_ && Contains(other.bytes_, other.v4_);
}

bool IpCondition::Allows(std::string_view client_ip) const {
  if (empty()) return true;
  std::array<std::uint8_t, 16> addr{};
  bool v4 = false;
  if (!ParseClientAddress(client_ip, addr, v4)) return false;
  for (const Cidr& c : not_in_) {
    if (c.Contains(addr, v4)) return false;
  }
  if (in_.empty()) return true;
  for (const Cidr& c : in_) {
    if (c.Contains(addr, v4)) return true;
  }
  return false;
}

}  // namespace cfiam::auth
