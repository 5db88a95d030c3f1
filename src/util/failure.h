// Failure: why an operation below the API layer did not happen, as a type.
// Domain, auth and store code throw these and know nothing of HTTP; only
// api/ maps them to a status, a Cloudflare error code and a source.pointer
// (api/failure_map.cpp), so the wire contract lives in one place.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace cfiam {

class Failure : public std::runtime_error {
 public:
  enum class Kind {
    kNotFound,         // `subject` ("Token") does not exist, or not for this caller
    kConflict,         // the change conflicts with stored state
    kInvalid,          // `subject` (a dotted field path) is wrong; what() says how
    kRefused,          // a well-formed request the rules refuse (a quota)
    kForbidden,        // the caller lacks a grant; `subject` names it when known
    kUnauthenticated,  // the credential itself; `auth` says what is wrong
  };
  enum class Auth {
    kNone,
    kMissing,          // no credential at all
    kMalformedBearer,  // Authorization is not "Bearer <secret>"
    kMalformedEmail,   // X-Auth-Email is not an email
    kMalformedKey,     // X-Auth-Key cannot be a key
    kInvalidToken,     // unknown, disabled, expired or refused here
    kUnknownApiKey,    // no such key and email pair
  };

  static Failure NotFound(std::string subject) {
    std::string message = subject + " not found";
    return {Kind::kNotFound, std::move(subject), std::move(message)};
  }
  static Failure Conflict(std::string message) { return {Kind::kConflict, {}, std::move(message)}; }
  static Failure Invalid(std::string field, std::string reason) {
    return {Kind::kInvalid, std::move(field), std::move(reason)};
  }
  static Failure Refused(std::string message) { return {Kind::kRefused, {}, std::move(message)}; }
  static Failure Forbidden(std::string message = "Authentication error",
                           std::string permission = {}) {
    return {Kind::kForbidden, std::move(permission), std::move(message)};
  }
  static Failure Unauthenticated(Auth auth, std::string message) {
    Failure f(Kind::kUnauthenticated, {}, std::move(message));
    f.auth_ = auth;
    return f;
  }

  Kind kind() const { return kind_; }
  const std::string& subject() const { return subject_; }
  Auth auth() const { return auth_; }

 private:
  Failure(Kind kind, std::string subject, std::string message)
      : std::runtime_error(std::move(message)), kind_(kind), subject_(std::move(subject)) {}
  Kind kind_;
  std::string subject_;
  Auth auth_ = Auth::kNone;
};

}  // namespace cfiam
