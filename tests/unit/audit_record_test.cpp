// Audit recording: every change route declares a product, type and scope;
// actors are described by their credential; secrets never reach an entry.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/route.h"
#include "audit/record.h"
#include "audit/redact.h"
#include "audit/resource.h"

namespace cfiam::audit {
namespace {
namespace json = boost::json;

using boost::beast::http::verb;

// The row of `method path` in the route table.
const api::Route& Row(verb method, std::string_view path) {
  for (const api::Route& r : api::AllRoutes()) {
    if (r.method == method && r.path == path) return r;
  }
  ADD_FAILURE() << "no route " << path;
  static const api::Route kNone{};
  return kNone;
}

TEST(AuditResource, EveryChangeRouteHasAProductTypeAndScope) {
  int changes = 0;
  for (const api::Route& r : api::AllRoutes()) {
    if (r.audit.empty()) continue;
    ++changes;
    EXPECT_FALSE(r.resource.product.empty()) << r.path;
    EXPECT_FALSE(r.resource.type.empty()) << r.path;
    const std::string_view scope = ScopeOf(r.path);
    EXPECT_TRUE(scope == "accounts" || scope == "memberships" || scope == "user") << r.path;
  }
  EXPECT_GT(changes, 20);
}

// What the rows declare is what the entries said when audit derived it from
// the path (tests/api/audit_record.test.mjs checks the entries themselves).
TEST(AuditResource, RowsDeclareWhatTheEntriesSay) {
  auto k = Row(verb::put, "/accounts/{account_id}/members/{member_id}").resource;
  EXPECT_EQ(k.product, "members");
  EXPECT_EQ(k.type, "member");
  EXPECT_EQ(ScopeOf("/accounts/{account_id}/members/{member_id}"), "accounts");
  EXPECT_EQ(k.id_param, "member_id");

  k = Row(verb::post, "/accounts").resource;
  EXPECT_EQ(k.product, "accounts");
  EXPECT_EQ(k.type, "account");
  EXPECT_EQ(k.id_param, "");
  EXPECT_EQ(ActionType("POST", k), "create");

  k = Row(verb::put, "/accounts/{account_id}").resource;
  EXPECT_EQ(k.product, "accounts");
  EXPECT_EQ(k.id_param, "account_id");

  k = Row(verb::put, "/accounts/{account_id}/tokens/{token_id}/value").resource;
  EXPECT_EQ(k.product, "tokens");
  EXPECT_EQ(k.type, "token");
  EXPECT_EQ(k.id_param, "token_id");
  EXPECT_EQ(ActionType("PUT", k), "update");

  k = Row(verb::post, "/accounts/{account_id}/sso_connectors/{sso_connector_id}/begin_verification")
          .resource;
  EXPECT_EQ(k.type, "sso_connector");
  EXPECT_EQ(ActionType("POST", k), "update");

  k = Row(verb::post, "/accounts/{account_id}/iam/user_groups/{user_group_id}/members").resource;
  EXPECT_EQ(k.product, "user_groups");
  EXPECT_EQ(k.type, "user_group_member");
  EXPECT_EQ(k.id_param, "user_group_id");
  EXPECT_EQ(ActionType("POST", k), "create");

  k = Row(verb::delete_,
          "/accounts/{account_id}/iam/user_groups/{user_group_id}/members/{member_id}")
          .resource;
  EXPECT_EQ(k.id_param, "member_id");
  EXPECT_EQ(ActionType("DELETE", k), "delete");

  k = Row(verb::put, "/memberships/{membership_id}").resource;
  EXPECT_EQ(k.product, "memberships");
  EXPECT_EQ(ScopeOf("/memberships/{membership_id}"), "memberships");
  EXPECT_EQ(k.id_param, "membership_id");
}

TEST(AuditRedact, ReplacesSecretFieldsAtAnyDepth) {
  json::value v = json::parse(
      R"({"id":"t1","value":"s3cr3t","nested":[{"secret":"x","name":"n"}],"policies":[]})");
  const std::string out = json::serialize(Redacted(v));
  EXPECT_EQ(out.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(out.find("\"x\""), std::string::npos);
  EXPECT_NE(out.find("\"name\":\"n\""), std::string::npos);
  EXPECT_NE(out.find("\"id\":\"t1\""), std::string::npos);
}

// The fast path (no copy) must see every secret Redacted() replaces.
TEST(AuditRedact, HasSecretFieldFindsEverySecretAtAnyDepth) {
  EXPECT_FALSE(HasSecretField(json::parse(
      R"({"id":"m1","roles":[{"name":"Admin","permissions":{"dns":{"read":true}}}],"v":[1,"x"]})")));
  EXPECT_FALSE(HasSecretField(json::parse(R"(["value","secret",{"keys":1,"tokens":[]}])")));
  for (const char* body :
       {R"({"value":"s"})", R"({"a":[{"b":{"secret":1}}]})", R"([[{"api_key":null}]])",
        R"({"x":{"client_secret":"c"}})", R"({"private_key":{}})", R"({"password":"p"})",
        R"({"key":"k"})", R"({"token":"t"})"}) {
    SCOPED_TRACE(body);
    const json::value v = json::parse(body);
    EXPECT_TRUE(HasSecretField(v));
    EXPECT_NE(json::serialize(Redacted(v)), json::serialize(v));
  }
}

auth::Principal AccountTokenPrincipal() {
  auto t = std::make_shared<Token>();
  t->id = "tok1";
  t->name = "ci";
  t->owner_kind = "account";
  t->account_id = "acct1";
  auth::Principal p;
  p.kind = auth::Principal::Kind::kAccountToken;
  p.token = t;
  p.client_ip = "10.0.0.1";
  return p;
}

auth::Principal ApiKeyPrincipal() {
  auto u = std::make_shared<User>();
  u->id = "user1";
  u->email = "ops@example.com";
  auth::Principal p;
  p.kind = auth::Principal::Kind::kApiKey;
  p.user = u;
  p.client_ip = "::1";
  return p;
}

TEST(AuditDescribe, AnAccountTokenActsAsTheAccount) {
  const auth::Principal p = AccountTokenPrincipal();
  std::vector<std::pair<std::string_view, std::string>> params = {{"account_id", "acct1"}};
  ChangeRequest c;
  c.method = "POST";
  c.route_path = "/accounts/{account_id}/tokens";
  c.resource = {"tokens", "token", ""};
  c.description = "Create Token";
  c.params = &params;
  c.uri = "/accounts/acct1/tokens";
  c.ray = "ray1";
  c.user_agent = "ua";
  c.principal = &p;
  c.account_id = "acct1";
  c.account_name = "Acme";
  json::value body = json::parse(R"({"name":"new"})");
  c.body = &body;
  json::value result = json::parse(R"({"id":"t2","name":"new","value":"SECRETVALUE"})");
  AuditEntry e = Describe(c, 200, &result, {});
  EXPECT_EQ(e.actor_type, "account");
  EXPECT_EQ(e.actor_id, "acct1");
  EXPECT_EQ(e.actor_context, "api_token");
  EXPECT_EQ(e.actor_token_id, "tok1");
  EXPECT_EQ(e.actor_token_name, "ci");
  EXPECT_EQ(e.actor_email, "");
  EXPECT_EQ(e.actor_ip_address, "10.0.0.1");
  EXPECT_EQ(e.action_type, "create");
  EXPECT_EQ(e.action_result, "success");
  EXPECT_EQ(e.action_description, "Create Token");
  EXPECT_EQ(e.resource_id, "t2");
  EXPECT_EQ(e.resource_product, "tokens");
  EXPECT_EQ(e.raw_status_code, 200);
  EXPECT_EQ(e.raw_cf_ray_id, "ray1");
  EXPECT_EQ(e.resource_request, R"({"name":"new"})");
  EXPECT_EQ(e.resource_response.find("SECRETVALUE"), std::string::npos);
}

TEST(AuditDescribe, ARolledSecretIsNeverKept) {
  const auth::Principal p = ApiKeyPrincipal();
  std::vector<std::pair<std::string_view, std::string>> params = {{"account_id", "a"},
                                                                  {"token_id", "t9"}};
  ChangeRequest c;
  c.method = "PUT";
  c.route_path = "/accounts/{account_id}/tokens/{token_id}/value";
  c.resource = {"tokens", "token", "token_id"};
  c.params = &params;
  c.principal = &p;
  json::value result = json::value("ROLLEDSECRET");
  AuditEntry e = Describe(c, 200, &result, {});
  EXPECT_EQ(e.resource_response.find("ROLLEDSECRET"), std::string::npos);
  EXPECT_EQ(e.resource_id, "t9");
  EXPECT_EQ(e.actor_type, "user");
  EXPECT_EQ(e.actor_context, "api_key");
  EXPECT_EQ(e.actor_email, "ops@example.com");
  EXPECT_EQ(e.actor_token_id, "");
}

TEST(AuditDescribe, AFailureKeepsTheErrorsAndStatus) {
  const auth::Principal p = ApiKeyPrincipal();
  ChangeRequest c;
  c.method = "POST";
  c.route_path = "/accounts";
  c.resource = {"accounts", "account", ""};
  c.principal = &p;
  AuditEntry e = Describe(
      c, 403, nullptr,
      R"({"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null})");
  EXPECT_EQ(e.action_result, "failure");
  EXPECT_EQ(e.raw_status_code, 403);
  EXPECT_EQ(e.account_id, "");
  EXPECT_EQ(e.resource_response, R"({"errors":[{"code":10000,"message":"Authentication error"}]})");
}

TEST(AuditDescribe, ACreatedAccountNamesItself) {
  const auth::Principal p = ApiKeyPrincipal();
  ChangeRequest c;
  c.method = "POST";
  c.route_path = "/accounts";
  c.resource = {"accounts", "account", ""};
  c.principal = &p;
  json::value result = json::parse(R"({"id":"newacct","name":"Fresh"})");
  AuditEntry e = Describe(c, 200, &result, {});
  EXPECT_EQ(e.account_id, "newacct");
  EXPECT_EQ(e.account_name, "Fresh");
  EXPECT_EQ(e.resource_id, "newacct");
}

}  // namespace
}  // namespace cfiam::audit
