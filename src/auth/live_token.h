// LiveToken: what authentication and authorization need of a stored token,
// and nothing else (no name, no JSON text; those are read from the store).
// Compact so a million of them fit in memory: binary keys, times without
// optional's padding, and a compiled policy shared by every token whose
// stored policies and condition are the same text (auth/directory.h).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>

#include "auth/keys.h"
#include "auth/token_policy.h"
#include "util/clock.h"

namespace cfiam::auth {

struct LiveToken {
  static constexpr Micros kNoStart = std::numeric_limits<Micros>::min();
  static constexpr Micros kNoEnd = std::numeric_limits<Micros>::max();

  DigestKey digest;
  IdKey id;
  IdKey owner;  // the account of an account token, else the user
  bool account_owned = false;
  bool active = true;  // stored status "active" (else "disabled")
  // The policy has an IP condition. Kept here so that a use of a token
  // without one never reads the policy: at a million tokens the policies are
  // thousands of objects, and reading one was a cache miss per request.
  bool ip_limited = false;
  Micros not_before = kNoStart;
  Micros expires_on = kNoEnd;
  std::shared_ptr<const TokenPolicy> policy;  // interned; null = none compiled

  void SetPolicy(std::shared_ptr<const TokenPolicy> p) {
    ip_limited = p && !p->ip.empty();
    policy = std::move(p);
  }

  std::optional<Micros> not_before_time() const {
    return not_before == kNoStart ? std::nullopt : std::optional<Micros>(not_before);
  }
  std::optional<Micros> expires_on_time() const {
    return expires_on == kNoEnd ? std::nullopt : std::optional<Micros>(expires_on);
  }
};

}  // namespace cfiam::auth
