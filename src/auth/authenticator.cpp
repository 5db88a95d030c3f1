#include "auth/authenticator.h"

#include "auth/digest.h"
#include "auth/token_policy.h"
#include "obs/metrics.h"
#include "util/clock.h"
#include "util/failure.h"
#include "util/text.h"

namespace cfiam::auth {
namespace {

using obs::metrics::CountAuthz;
using Outcome = obs::metrics::Outcome;

Failure InvalidToken(std::string message = "Invalid access token") {
  return Failure::Unauthenticated(Failure::Auth::kInvalidToken, std::move(message));
}

// Token secrets are printable ASCII without spaces; anything else is malformed.
bool PlausibleSecret(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

Principal Authenticator::Authenticate(const Credentials& creds) const {
  if (creds.has_authorization) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view h = creds.authorization;
    if (h.size() <= kBearer.size() || !EqualsIgnoreCase(h.substr(0, kBearer.size()), kBearer) ||
        !PlausibleSecret(h.substr(kBearer.size()))) {
      CountAuthz(Outcome::kMalformedCredentials);
      throw Failure::Unauthenticated(Failure::Auth::kMalformedBearer,
                                     "Invalid format for Authorization header");
    }
    const DigestKey digest = Sha256Key(h.substr(kBearer.size()));
    auto token = directory_.FindTokenByDigest(digest);
    // The map lookup is by digest; the final comparison is constant-time anyway.
    const auto bytes = [](const DigestKey& d) {
      return std::string_view(reinterpret_cast<const char*>(d.bytes.data()), d.bytes.size());
    };
    if (!token || !DigestEqual(bytes(token->digest), bytes(digest))) {
      CountAuthz(Outcome::kUnknownToken);
      throw InvalidToken();
    }
    const Micros now = NowMicros();
    if (now >= token->expires_on) {
      CountAuthz(Outcome::kExpired);
      throw InvalidToken();
    }
    if (!token->active || now < token->not_before) {
      CountAuthz(Outcome::kInactive);
      throw InvalidToken();
    }
    if (token->ip_limited && !token->policy->ip.Allows(creds.client_ip)) {
      CountAuthz(Outcome::kIpRefused);
      throw InvalidToken("Cannot use the access token from location: " +
                         std::string(creds.client_ip));
    }
    Principal p;
    p.client_ip = std::string(creds.client_ip);
    if (token->account_owned) {
      p.kind = Principal::Kind::kAccountToken;
    } else {
      p.kind = Principal::Kind::kUserToken;
      p.user = directory_.FindUser(token->owner);
      if (!p.user) {
        CountAuthz(Outcome::kUnknownToken);  // its user is gone
        throw InvalidToken();
      }
    }
    if (last_used_) last_used_->Touch(token->id, now);
    p.token = std::move(token);  // hand over the reference (no count round trip)
    return p;
  }
  if (creds.has_auth_email || creds.has_auth_key) {
    if (!creds.has_auth_email || !IsEmail(Trim(creds.auth_email))) {
      CountAuthz(Outcome::kMalformedCredentials);
      throw Failure::Unauthenticated(Failure::Auth::kMalformedEmail,
                                     "Invalid format for X-Auth-Email header");
    }
    if (!creds.has_auth_key || !PlausibleSecret(creds.auth_key)) {
      CountAuthz(Outcome::kMalformedCredentials);
      throw Failure::Unauthenticated(Failure::Auth::kMalformedKey,
                                     "Invalid format for X-Auth-Key header");
    }
    auto user = directory_.FindUserByApiKeyDigest(Sha256HexDigest(creds.auth_key).view());
    if (!user || user->email != NormalizeEmail(creds.auth_email)) {
      CountAuthz(Outcome::kUnknownApiKey);
      throw Failure::Unauthenticated(Failure::Auth::kUnknownApiKey,
                                     "Unknown X-Auth-Key or X-Auth-Email");
    }
    Principal p;
    p.kind = Principal::Kind::kApiKey;
    p.user = std::move(user);
    p.client_ip = std::string(creds.client_ip);
    return p;
  }
  CountAuthz(Outcome::kMissingCredentials);
  throw Failure::Unauthenticated(Failure::Auth::kMissing,
                                 "Missing X-Auth-Key, X-Auth-Email or Authorization headers");
}

}  // namespace cfiam::auth
