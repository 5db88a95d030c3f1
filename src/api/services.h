// Services: everything a handler may use, wired once in main and shared by all
// requests. Members are thread-safe.
#pragma once

#include "auth/authenticator.h"
#include "auth/authorizer.h"
#include "auth/catalog.h"
#include "auth/directory.h"
#include "domain/accounts.h"
#include "domain/members.h"
#include "domain/resource_groups.h"
#include "domain/user_groups.h"
#include "store/store.h"

namespace cfiam::api {

struct Services {
  Services(store::Store& s, auth::Directory& d, const auth::Catalog& c)
      : store(s),
        directory(d),
        catalog(c),
        authenticator(d),
        authorizer(d, c),
        accounts(s, d, c),
        members(s, d, c),
        resource_groups(s, d),
        user_groups(s, d, c) {}

  store::Store& store;
  auth::Directory& directory;
  const auth::Catalog& catalog;
  auth::Authenticator authenticator;
  auth::Authorizer authorizer;
  AccountService accounts;
  MemberService members;
  ResourceGroupService resource_groups;
  UserGroupService user_groups;
};

}  // namespace cfiam::api
