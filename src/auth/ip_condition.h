// IpCondition: a token's `condition.request_ip` — the client address must be
// inside one of `in` (when any are given) and outside every `not_in`.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) count as IPv4 on both sides.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfiam::auth {

// One address range: IPv4 or IPv6 with a prefix length. A bare address is a
// full-length prefix.
class Cidr {
 public:
  // Parses "a.b.c.d", "a.b.c.d/n", IPv6 forms and "addr/n"; nullopt when malformed
  // (bad address, prefix out of range, junk).
  static std::optional<Cidr> Parse(std::string_view text);
  bool Contains(const std::array<std::uint8_t, 16>& addr, bool v4) const;
  // True when every address of `other` is in this range (same family, this
  // prefix no longer than `other`'s and their leading bits equal).
  bool Covers(const Cidr& other) const;
  const std::string& text() const { return text_; }

 private:
  std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first 4 bytes
  int prefix_ = 0;
  bool v4_ = false;
  std::string text_;
};

class IpCondition {
 public:
  IpCondition() = default;
  IpCondition(std::vector<Cidr> in, std::vector<Cidr> not_in)
      : in_(std::move(in)), not_in_(std::move(not_in)) {}

  bool empty() const { return in_.empty() && not_in_.empty(); }
  const std::vector<Cidr>& in() const { return in_; }
  const std::vector<Cidr>& not_in() const { return not_in_; }
  // False for an unparsable client address when any condition is set.
  bool Allows(std::string_view client_ip) const;

 private:
  std::vector<Cidr> in_;
  std::vector<Cidr> not_in_;
};

// Parses a client address into 16 bytes, folding IPv4-mapped IPv6 to IPv4.
bool ParseClientAddress(std::string_view ip, std::array<std::uint8_t, 16>& out, bool& v4);

}  // namespace cfiam::auth
