// Authenticator: turns request credentials into a Principal, reading only the
// in-memory Directory. Errors follow the real API:
//   no credentials            -> 400 9106
//   malformed Authorization   -> 400 6003 (chain 6111)
//   malformed X-Auth-Email/Key-> 400 6003 (chain 6102 / 6103)
//   unknown or unusable token -> 403 9109 (disabled, expired, not yet valid)
//   address outside the token's request_ip condition -> 403 9109
#pragma once

#include <string_view>

#include "auth/directory.h"
#include "auth/last_used.h"
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
  // `last_used` (optional) records every successful token use.
  explicit Authenticator(const Directory& directory, LastUsed* last_used = nullptr)
      : directory_(directory), last_used_(last_used) {}
  // Throws Failure when the credentials are missing, malformed or invalid.
  Principal Authenticate(const Credentials& creds) const;

 private:
  const Directory& directory_;
  LastUsed* last_used_;
};

}  // namespace cfiam::auth
