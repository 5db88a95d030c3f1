// Authenticator: turns request credentials into a Principal, reading only the
// in-memory Directory. Errors follow the real API:
//   no credentials            -> 400 9106
//   malformed Authorization   -> 400 6003 (chain 6111)
//   malformed X-Auth-Email/Key-> 400 6003 (chain 6102 / 6103)
//   unknown or unusable token -> 403 9109
#pragma once

#include <string_view>

#include "auth/directory.h"
#include "auth/principal.h"

namespace cfiam::auth {

struct Credentials {
  std::string_view authorization;  // raw header, empty when absent
  bool has_authorization = false;
  std::string_view auth_email;
  bool has_auth_email = false;
  std::string_view auth_key;
  bool has_auth_key = false;
  std::string_view client_ip;
};

class Authenticator {
 public:
  explicit Authenticator(const Directory& directory) : directory_(directory) {}
  // Throws ApiError when the credentials are missing, malformed or invalid.
  Principal Authenticate(const Credentials& creds) const;

 private:
  const Directory& directory_;
};

}  // namespace cfiam::auth
