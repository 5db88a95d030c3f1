// ApiError: the one error value of cfiam. Every failure that ends a request
// carries an HTTP status and the Cloudflare-style error list, so it maps to the
// wire envelope in exactly one place (api/dispatcher.cpp).
//
// Errors travel as exceptions only up to the request boundary (the dispatcher
// catches them); nothing below the API layer lets one escape a request.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cfiam {

struct ErrorItem {
  int code = 0;
  std::string message;
  std::string pointer;           // JSON pointer of the offending field, if any
  std::vector<ErrorItem> chain;  // Cloudflare's "error_chain"
};

// Cloudflare error codes used across the server.
namespace codes {
inline constexpr int kInvalidApiToken = 1000;  // tokens/verify
inline constexpr int kAccountTokenListAccounts = 1001;
inline constexpr int kInvalidRequest = 1002;  // field validation
inline constexpr int kNotFound = 1003;        // known route, unknown object
inline constexpr int kConflict = 1004;        // uniqueness / state conflicts
inline constexpr int kInvalidHeaders = 6003;
inline constexpr int kMalformedJson = 6007;
inline constexpr int kInvalidEmailHeader = 6102;
inline constexpr int kInvalidKeyHeader = 6103;
inline constexpr int kInvalidAuthHeader = 6111;
inline constexpr int kNoRoute = 7000;
inline constexpr int kCouldNotRoute = 7003;
inline constexpr int kMethodNotAllowed = 10405;
inline constexpr int kMissingCredentials = 9106;
inline constexpr int kInvalidAccessToken = 9109;
inline constexpr int kBodyNotJson = 9207;
inline constexpr int kAuthenticationError = 10000;
inline constexpr int kRateLimited = 971;
inline constexpr int kInternal = 10001;
// cfiam's own: the node has not applied the change a cf-iam-min-seq asks for.
inline constexpr int kNotCaughtUp = 10503;
}  // namespace codes

class ApiError {
 public:
  ApiError(unsigned http_status, std::vector<ErrorItem> errors)
      : http_status_(http_status), errors_(std::move(errors)) {}
  ApiError(unsigned http_status, int code, std::string message, std::string pointer = {})
      : http_status_(http_status), errors_{{code, std::move(message), std::move(pointer), {}}} {}

  unsigned http_status() const { return http_status_; }
  const std::vector<ErrorItem>& errors() const { return errors_; }

  // A 400 naming the field: `pointer` is the field's JSON path ("settings.enforce_twofactor").
  static ApiError Invalid(std::string field, std::string message) {
    std::string pointer = Slashes(field);
    pointer.insert(pointer.begin(), '/');
    std::string text = std::move(field);
    text += ": ";
    text += message;
    return ApiError(400, codes::kInvalidRequest, std::move(text), std::move(pointer));
  }
  static ApiError NotFound(std::string what) {
    return ApiError(404, codes::kNotFound, std::move(what) + " not found");
  }
  static ApiError Conflict(std::string message) {
    return ApiError(409, codes::kConflict, std::move(message));
  }
  static ApiError Forbidden(std::string message = "Authentication error") {
    return ApiError(403, codes::kAuthenticationError, std::move(message));
  }

 private:
  static std::string Slashes(std::string s) {
    for (char& c : s) {
      if (c == '.') c = '/';
    }
    return s;
  }
  unsigned http_status_;
  std::vector<ErrorItem> errors_;
};

}  // namespace cfiam
