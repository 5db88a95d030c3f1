// Services: everything a handler may use, wired once in main and shared by all
// requests. Members are thread-safe.
#pragma once

#include "api/page_cache.h"
#include "audit/cursor.h"
#include "audit/reader.h"
#include "auth/authenticator.h"
#include "auth/authorizer.h"
#include "auth/catalog.h"
#include "auth/ceiling.h"
#include "auth/change_feed.h"
#include "auth/directory.h"
#include "auth/rate_limit.h"
#include "domain/accounts.h"
#include "domain/members.h"
#include "domain/rate_plans.h"
#include "domain/resource_groups.h"
#include "domain/sso_connectors.h"
#include "domain/subscriptions.h"
#include "domain/tokens.h"
#include "domain/user_groups.h"
#include "domain/users.h"
#include "store/store.h"

namespace cfiam::api {

struct Services {
  // `verifier` checks SSO domains; `sso_blocked_domains` are refused as
  // connector domains on top of the built-in public mailbox providers.
  Services(store::Store& s, auth::Directory& d, auth::ChangeFeed& f, const auth::Catalog& c,
           DomainVerifier& verifier, std::vector<std::string> sso_blocked_domains)
      : store(s),
        directory(d),
        feed(f),
        catalog(c),
        authenticator(d, &last_used),
        authorizer(d, c),
        ceiling(authorizer, c),
        accounts(s, d, c),
        tokens(s, last_used),
        rate_plans(c.rate_plans()),
        subscriptions(s, rate_plans),
        sso_connectors(s, verifier, std::move(sso_blocked_domains)),
        members(s, c),
        resource_groups(s, c),
        user_groups(s, c),
        users(s),
        audit_log(s, audit::LoadOrCreateCursorKey(s)) {}

  store::Store& store;
  auth::Directory& directory;  // read-only here: only `feed` changes it
  auth::ChangeFeed& feed;
  const auth::Catalog& catalog;
  auth::LastUsed last_used;  // declared before its users
  auth::Authenticator authenticator;
  auth::Authorizer authorizer;
  auth::Ceiling ceiling;           // every grant-giving handler calls it
  auth::RateLimiter rate_limiter;  // off unless main configures it
  AccountService accounts;
  TokenService tokens;
  const RatePlans rate_plans;
  SubscriptionService subscriptions;
  SsoConnectorService sso_connectors;
  MemberService members;
  ResourceGroupService resource_groups;
  UserGroupService user_groups;
  UserService users;
  audit::LogReader audit_log;  // its cursor key is created on first start
  std::string node_id;         // --node-id: recorded in the audit entries this node writes
  PageCache list_pages;        // rendered list pages (api/list_cache.h); off unless main sizes it
};

}  // namespace cfiam::api
