// Start-up bootstrap: guarantees a tenant-admin user who can reach the API.
#pragma once

#include <optional>
#include <string>

#include "auth/directory.h"
#include "store/store.h"

namespace cfiam {

struct BootstrapResult {
  // Set when a token was generated (fresh data directory without a configured
  // token); the caller prints it once.
  std::optional<std::string> generated_token;
};

// Ensures a tenant-admin user with `email` exists. With `token` set, makes that
// exact secret a valid user token of that user; with `api_key` set, makes it
// the user's global API key. On a store without any user and without `token`,
// generates a token. Secrets are stored only as SHA-256 digests.
//
// Rotation: the store remembers which token and which user's API key came
// from the bootstrap settings. When a start configures another token (or
// another user's key), the previous bootstrap token is deleted (the previous
// key cleared), so a changed secret revokes the old one. A start without
// them leaves the previous ones as they are.
BootstrapResult Bootstrap(store::Store& store, const std::string& email,
                          const std::optional<std::string>& token,
                          const std::optional<std::string>& api_key);

}  // namespace cfiam
