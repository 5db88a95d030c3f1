#include <gtest/gtest.h>

#include "api/failure_map.h"
#include "auth/authenticator.h"
#include "auth/authorizer.h"
#include "auth/catalog.h"
#include "auth/digest.h"
#include "util/api_error.h"
#include "util/text.h"

namespace cfiam::auth {
namespace {

TEST(Digest, Sha256AndConstantTimeCompare) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(DigestEqual("abcd", "abcd"));
  EXPECT_FALSE(DigestEqual("abcd", "abce"));
  EXPECT_FALSE(DigestEqual("abc", "abcd"));
}

TEST(Catalog, LoadsRolesWithoutTheExampleEntry) {
  Catalog c;
  EXPECT_EQ(c.roles().size(), 40u);
  for (const Role& r : c.roles()) {
    EXPECT_NE(r.name, "Account Administrator");
    EXPECT_EQ(r.permissions.size(), 12u) << r.name;
    EXPECT_TRUE(IsObjectId(r.id)) << r.id;
  }
  EXPECT_EQ(c.SuperAdminRole().id, "33666b9c79b9a5273fc7344ff42f953d");
  EXPECT_EQ(c.permission_groups().size(), 313u);
  EXPECT_NE(c.FindPermissionGroup(c.permission_groups()[0].id), nullptr);
  EXPECT_EQ(c.FindRole("0"), nullptr);
}

TEST(Catalog, EachRoleCarriesTheKeysItsPermissionsGrant) {
  Catalog c;
  for (const Role& r : c.roles()) {
    std::vector<std::string> want;
    for (const RolePermission& p : r.permissions) {
      if (p.read) want.push_back("#" + p.category + ":read");
      if (p.write) want.push_back("#" + p.category + ":edit");
    }
    EXPECT_EQ(r.keys, want) << r.name;
  }
  // The Super Administrator holds every category, read and edit.
  EXPECT_EQ(c.SuperAdminRole().keys.size(), 24u);
}

TEST(Authorizer, RoleGrantsThroughTheLegacyMap) {
  Catalog c;
  const Role* admin_ro = nullptr;
  for (const Role& r : c.roles()) {
    if (r.name == "Administrator Read Only") admin_ro = &r;
  }
  ASSERT_NE(admin_ro, nullptr);
  EXPECT_TRUE(Authorizer::RoleGrants(*admin_ro, "#organization:read"));
  EXPECT_FALSE(Authorizer::RoleGrants(*admin_ro, "#organization:edit"));
  EXPECT_TRUE(Authorizer::RoleGrants(*admin_ro, "#billing:read"));
  EXPECT_FALSE(Authorizer::RoleGrants(*admin_ro, "#billing:edit"));
  EXPECT_TRUE(Authorizer::RoleGrants(*admin_ro, "com.cloudflare.api.account.member.list"));
  EXPECT_FALSE(Authorizer::RoleGrants(*admin_ro, "com.cloudflare.api.account.member.create"));
  EXPECT_TRUE(Authorizer::RoleGrants(c.SuperAdminRole(), "#organization:edit"));
  EXPECT_FALSE(Authorizer::RoleGrants(c.SuperAdminRole(), "#nonsense:edit"));
  EXPECT_FALSE(Authorizer::RoleGrants(c.SuperAdminRole(), "#organization:delete"));
}

class AuthFixture : public ::testing::Test {
 protected:
  Catalog catalog;
  Directory dir;
  Authenticator authn{dir};
  Authorizer authz{dir, catalog};

  void SetUp() override {
    dir.PutUser(User{"u1", "admin@example.com", "", "", false, true, 0}, Sha256Hex("key-1"));
    dir.PutUser(User{"u2", "member@example.com", "", "", false, false, 0});
    Token t;
    t.id = "t1";
    t.owner_kind = "user";
    t.user_id = "u2";
    t.secret_digest = Sha256Hex("secret-2");
    dir.PutToken(t);
    dir.PutAccount("acc");
  }

  static int Status(const std::function<void()>& f) {
    try {
      f();
    } catch (const Failure& f) {
      const ApiError e = api::ToApiError(f);  // as the wire sees it
      return static_cast<int>(e.http_status()) * 100000 + e.errors()[0].code;
    }
    return 0;
  }
};

TEST_F(AuthFixture, AuthenticatesBearerAndApiKey) {
  Credentials c;
  c.has_authorization = true;
  c.authorization = "Bearer secret-2";
  EXPECT_EQ(authn.Authenticate(c).user->id, "u2");
  Credentials k;
  k.has_auth_email = k.has_auth_key = true;
  k.auth_email = "Admin@Example.com";
  k.auth_key = "key-1";
  EXPECT_TRUE(authn.Authenticate(k).tenant_admin());
}

TEST_F(AuthFixture, AuthenticationErrors) {
  Credentials none;
  EXPECT_EQ(Status([&] { authn.Authenticate(none); }), 400 * 100000 + 9106);
  Credentials bad;
  bad.has_authorization = true;
  bad.authorization = "Basic x";
  EXPECT_EQ(Status([&] { authn.Authenticate(bad); }), 400 * 100000 + 6003);
  bad.authorization = "Bearer wrong";
  EXPECT_EQ(Status([&] { authn.Authenticate(bad); }), 403 * 100000 + 9109);
  Credentials email;
  email.has_auth_email = email.has_auth_key = true;
  email.auth_email = "not-an-email";
  email.auth_key = "key-1";
  EXPECT_EQ(Status([&] { authn.Authenticate(email); }), 400 * 100000 + 6003);
}

TEST_F(AuthFixture, DisabledAndExpiredTokensAreInvalid) {
  Token t;
  t.id = "t9";
  t.owner_kind = "user";
  t.user_id = "u2";
  t.secret_digest = Sha256Hex("old");
  t.expires_on = NowMicros() - 1;
  dir.PutToken(t);
  Credentials c;
  c.has_authorization = true;
  c.authorization = "Bearer old";
  EXPECT_EQ(Status([&] { authn.Authenticate(c); }), 403 * 100000 + 9109);
  t.expires_on.reset();
  t.status = "disabled";
  dir.PutToken(t);
  EXPECT_EQ(Status([&] { authn.Authenticate(c); }), 403 * 100000 + 9109);
  dir.EraseToken("t9");
  EXPECT_EQ(dir.FindTokenByDigest(Sha256Hex("old")), nullptr);
}

TEST_F(AuthFixture, MembershipDecidesAccountAccess) {
  Credentials c;
  c.has_authorization = true;
  c.authorization = "Bearer secret-2";
  const Principal p = authn.Authenticate(c);
  // Not a member: the account is invisible (404), never 403.
  EXPECT_EQ(Status([&] { authz.RequireInAccount(p, "acc", "#organization:read"); }) / 100000, 404);
  Member m;
  m.id = "m1";
  m.account_id = "acc";
  m.user_id = "u2";
  m.status = "pending";
  m.role_ids = {catalog.SuperAdminRole().id};
  dir.PutMember(m);
  // Pending members hold nothing.
  EXPECT_EQ(Status([&] { authz.RequireInAccount(p, "acc", "#organization:read"); }) / 100000, 404);
  m.status = "accepted";
  for (const Role& r : catalog.roles()) {
    if (r.name == "Administrator Read Only") m.role_ids = {r.id};
  }
  dir.PutMember(m);
  EXPECT_EQ(Status([&] { authz.RequireInAccount(p, "acc", "#organization:read"); }), 0);
  EXPECT_EQ(Status([&] { authz.RequireInAccount(p, "acc", "#organization:edit"); }),
            403 * 100000 + 10000);
  EXPECT_EQ(Status([&] { authz.RequireTenantAdmin(p); }), 403 * 100000 + 10000);
  dir.EraseAccount("acc");
  EXPECT_EQ(dir.FindMember("acc", "u2"), nullptr);
  EXPECT_EQ(Status([&] { authz.RequireInAccount(p, "acc", "#organization:read"); }) / 100000, 404);
}

}  // namespace
}  // namespace cfiam::auth
