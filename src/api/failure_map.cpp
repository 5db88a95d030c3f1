#include "api/failure_map.h"

namespace cfiam::api {
namespace {

// Cloudflare answers malformed credential headers with 6003 and the header's
// own code in the error chain.
ApiError BadHeader(int chain_code, std::string chain_message) {
  return ApiError(400, {{codes::kInvalidHeaders,
                         "Invalid request headers",
                         {},
                         {{chain_code, std::move(chain_message), {}, {}}}}});
}

ApiError Unauthenticated(const Failure& f) {
  switch (f.auth()) {
    case Failure::Auth::kMissing:
      return ApiError(400, codes::kMissingCredentials, f.what());
    case Failure::Auth::kMalformedBearer:
      return BadHeader(codes::kInvalidAuthHeader, f.what());
    case Failure::Auth::kMalformedEmail:
      return BadHeader(codes::kInvalidEmailHeader, f.what());
    case Failure::Auth::kMalformedKey:
      return BadHeader(codes::kInvalidKeyHeader, f.what());
    case Failure::Auth::kNone:
    case Failure::Auth::kInvalidToken:
    case Failure::Auth::kUnknownApiKey:
      break;
  }
  return ApiError(403, codes::kInvalidAccessToken, f.what());
}

}  // namespace

ApiError ToApiError(const Failure& f) {
  switch (f.kind()) {
    case Failure::Kind::kNotFound:
      return ApiError(404, codes::kNotFound, f.what());
    case Failure::Kind::kConflict:
      return ApiError(409, codes::kConflict, f.what());
    case Failure::Kind::kInvalid:
      return ApiError::Invalid(f.subject(), f.what());
    case Failure::Kind::kRefused:
      return ApiError(400, codes::kInvalidRequest, f.what());
    case Failure::Kind::kForbidden:
      return ApiError(403, codes::kAuthenticationError, f.what());
    case Failure::Kind::kUnauthenticated:
      return Unauthenticated(f);
  }
  return ApiError(500, codes::kInternal, "Internal server error");
}

}  // namespace cfiam::api
