// Global API keys (X-Auth-Email + X-Auth-Key), managed from the command line.
#pragma once

#include <string>

#include "store/store.h"

namespace cfiam {

// Creates or rolls the API key of the user with `email` (creating the user,
// not a tenant admin, when nobody has that email). Returns the new key, which
// is stored only as a SHA-256 digest. Throws Failure 400 for a bad email.
std::string RollApiKey(store::Store& store, const std::string& email);

}  // namespace cfiam
