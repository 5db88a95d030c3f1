// Services: everything a handler may use, wired once in main and shared by all
// requests. Members are thread-safe.
#pragma once

#include "auth/authenticator.h"
#include "auth/authorizer.h"
#include "auth/catalog.h"
#include "auth/directory.h"
#include "domain/accounts.h"
#include "domain/tokens.h"
#include "store/store.h"

namespace cfiam::api {

struct Services {
  Services(store::Store& s, auth::Directory& d, const auth::Catalog& c)
      : store(s),
        directory(d),
        catalog(c),
        authenticator(d, &last_used),
        authorizer(d, c),
        accounts(s, d, c),
        tokens(s, d, last_used) {}

  store::Store& store;
  auth::Directory& directory;
  const auth::Catalog& catalog;
  auth::LastUsed last_used;  // declared before its users
  auth::Authenticator authenticator;
  auth::Authorizer authorizer;
  AccountService accounts;
  TokenService tokens;
};

}  // namespace cfiam::api
