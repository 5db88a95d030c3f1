// The Authorizer over a Directory filled directly: roles, member policies and
// user-group policies, resource-group scoping, deny winning, and membership
// status.
#include "auth/authorizer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/failure_map.h"
#include "util/api_error.h"

namespace cfiam::auth {
namespace {

constexpr char kAccount[] = "0123456789abcdef0123456789abcdef";
constexpr char kOther[] = "fedcba9876543210fedcba9876543210";
constexpr char kSuperAdmin[] = "33666b9c79b9a5273fc7344ff42f953d";
constexpr char kRead[] = "#organization:read";
constexpr char kEdit[] = "#organization:edit";
constexpr char kBillingEdit[] = "#billing:edit";

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_.PutAccount(kAccount);
    directory_.PutAccount(kOther);
    user_ = std::make_shared<User>();
    user_->id = "11111111111111111111111111111111";
    user_->email = "u@example.com";
    directory_.PutUser(*user_);
    principal_.user = user_;
    for (const Role& r : catalog_.roles()) {
      if (r.name == "Administrator Read Only") read_only_ = r.id;
      if (r.name == "Billing") billing_ = r.id;
    }
    ASSERT_FALSE(read_only_.empty());
    ASSERT_FALSE(billing_.empty());
    ResourceGroup all{"a0000000000000000000000000000000",
                      kAccount,
                      "all",
                      std::string("com.cloudflare.api.account.") + kAccount,
                      {"*"},
                      0,
                      0};
    ResourceGroup zone{"b0000000000000000000000000000000",
                       kAccount,
                       "zone",
                       std::string("com.cloudflare.api.account.") + kAccount,
                       {"com.cloudflare.api.account.zone.cccccccccccccccccccccccccccccccc"},
                       0,
                       0};
    ResourceGroup foreign{"d0000000000000000000000000000000",
                          kOther,
                          "other",
                          std::string("com.cloudflare.api.account.") + kOther,
                          {"*"},
                          0,
                          0};
    directory_.PutResourceGroup(all);
    directory_.PutResourceGroup(zone);
    directory_.PutResourceGroup(foreign);
  }

  Member MakeMember(std::string status = "accepted") {
    Member m;
    m.id = "22222222222222222222222222222222";
    m.account_id = kAccount;
    m.user_id = user_->id;
    m.status = std::move(status);
    return m;
  }

  static Policy MakePolicy(std::string access, std::string group, std::string rg) {
    return Policy{"p", std::move(access), {std::move(group)}, {std::move(rg)}};
  }

  // 0 = allowed, else the HTTP status thrown.
  unsigned Check(std::string_view key, std::string_view account = kAccount) {
    try {
      authorizer_.RequireInAccount(principal_, account, key);
      return 0;
    } catch (const Failure& f) {
      const ApiError e = api::ToApiError(f);  // as the wire sees it
      return e.http_status();
    }
  }

  Catalog catalog_;
  Directory directory_;
  Authorizer authorizer_{directory_, catalog_};
  std::shared_ptr<User> user_;
  Principal principal_;
  std::string read_only_;
  std::string billing_;
  const std::string all_ = "a0000000000000000000000000000000";
  const std::string zone_ = "b0000000000000000000000000000000";
  const std::string foreign_ = "d0000000000000000000000000000000";
};

TEST_F(AuthorizerTest, NonMemberSeesNotFound) { EXPECT_EQ(Check(kRead), 404u); }

TEST_F(AuthorizerTest, RolesGrantOnlyWhileAccepted) {
  Member m = MakeMember("pending");
  m.role_ids = {kSuperAdmin};
  directory_.PutMember(m);
  EXPECT_EQ(Check(kRead), 404u);
  m.status = "rejected";
  directory_.PutMember(m);
  EXPECT_EQ(Check(kRead), 404u);
  m.status = "accepted";
  directory_.PutMember(m);
  EXPECT_EQ(Check(kEdit), 0u);
  directory_.EraseMember(kAccount, user_->id);
  EXPECT_EQ(Check(kRead), 404u);
}

TEST_F(AuthorizerTest, ReadOnlyRoleCannotEdit) {
  Member m = MakeMember();
  m.role_ids = {read_only_};
  directory_.PutMember(m);
  EXPECT_EQ(Check(kRead), 0u);
  EXPECT_EQ(Check(kEdit), 403u);
  EXPECT_EQ(Check("com.cloudflare.api.iam.resource-group.list"), 0u);
  EXPECT_EQ(Check("com.cloudflare.api.iam.resource-group.create"), 403u);
}

TEST_F(AuthorizerTest, MemberPolicyGrantsOnAccountWideResourceGroup) {
  Member m = MakeMember();
  m.policies = {MakePolicy("allow", read_only_, all_)};
  directory_.PutMember(m);
  EXPECT_EQ(Check(kRead), 0u);
  EXPECT_EQ(Check(kEdit), 403u);
}

TEST_F(AuthorizerTest, ZoneOrForeignResourceGroupsDoNotGrantAccountKeys) {
  Member m = MakeMember();
  m.policies = {MakePolicy("allow", kSuperAdmin, zone_),
                MakePolicy("allow", kSuperAdmin, foreign_)};
  directory_.PutMember(m);
  EXPECT_EQ(Check(kRead), 403u);
}

TEST_F(AuthorizerTest, PolicyDenyWinsOverRoleAndAllow) {
  Member m = MakeMember();
  m.role_ids = {kSuperAdmin};
  m.policies = {MakePolicy("deny", billing_, all_)};
  directory_.PutMember(m);
  EXPECT_EQ(Check(kBillingEdit), 403u);
  EXPECT_EQ(Check(kEdit), 0u);  // Billing role does not cover organization
}

TEST_F(AuthorizerTest, UserGroupPoliciesGrantAndDeny) {
  Member m = MakeMember();
  directory_.PutMember(m);
  EXPECT_EQ(Check(kRead), 403u);
  UserGroup g{"e0000000000000000000000000000000",
              kAccount,
              "team",
              {MakePolicy("allow", kSuperAdmin, all_)},
              {m.id},
              0,
              0};
  directory_.PutUserGroup(g);
  EXPECT_EQ(Check(kEdit), 0u);
  UserGroup deny{"f0000000000000000000000000000000",
                 kAccount,
                 "no billing",
                 {MakePolicy("deny", billing_, all_)},
                 {m.id},
                 0,
                 0};
  directory_.PutUserGroup(deny);
  EXPECT_EQ(Check(kBillingEdit), 403u);
  EXPECT_EQ(Check(kEdit), 0u);
  // Leaving the group (replace its member set) drops its grants.
  g.member_ids.clear();
  directory_.PutUserGroup(g);
  EXPECT_EQ(Check(kEdit), 403u);
  g.member_ids = {m.id};
  directory_.PutUserGroup(g);
  EXPECT_EQ(Check(kEdit), 0u);
  directory_.EraseUserGroup(g.id);
  EXPECT_EQ(Check(kEdit), 403u);
}

TEST_F(AuthorizerTest, RemovedResourceGroupStopsGranting) {
  Member m = MakeMember();
  m.policies = {MakePolicy("allow", kSuperAdmin, all_)};
  directory_.PutMember(m);
  EXPECT_EQ(Check(kEdit), 0u);
  directory_.EraseResourceGroup(all_);
  EXPECT_EQ(Check(kEdit), 403u);
}

TEST_F(AuthorizerTest, PendingMemberGroupPoliciesGrantNothing) {
  Member m = MakeMember("pending");
  directory_.PutMember(m);
  directory_.PutUserGroup(UserGroup{"e0000000000000000000000000000000",
                                    kAccount,
                                    "team",
                                    {MakePolicy("allow", kSuperAdmin, all_)},
                                    {m.id},
                                    0,
                                    0});
  EXPECT_EQ(Check(kRead), 404u);
}

TEST_F(AuthorizerTest, EraseAccountForgetsItsIamObjects) {
  Member m = MakeMember();
  directory_.PutMember(m);
  directory_.PutUserGroup(UserGroup{"e0000000000000000000000000000000",
                                    kAccount,
                                    "team",
                                    {MakePolicy("allow", kSuperAdmin, all_)},
                                    {m.id},
                                    0,
                                    0});
  directory_.EraseAccount(kAccount);
  EXPECT_EQ(directory_.FindResourceGroup(all_), nullptr);
  EXPECT_TRUE(directory_.GroupsOfMember(m.id).empty());
  EXPECT_NE(directory_.FindResourceGroup(foreign_), nullptr);
}

// A user token with policies holds the intersection of its policies and its
// user's rights; without policies (the bootstrap token) the user's full rights.
TEST_F(AuthorizerTest, RestrictedUserTokenHoldsTheIntersection) {
  Member m = MakeMember();
  m.role_ids = {read_only_};
  directory_.PutMember(m);
  std::string billing_read_group;
  for (const TokenPermissionGroup& g : catalog_.permission_groups()) {
    if (g.name == "Billing Read") billing_read_group = g.id;
  }
  const auto policies = boost::json::parse(
      R"([{"effect":"allow","permission_groups":[{"id":")" + billing_read_group +
      R"("}],"resources":{"com.cloudflare.api.account.)" + std::string(kAccount) + R"(":"*"}}])");
  boost::json::array canonical;
  boost::json::object condition;
  auto token = std::make_shared<Token>();
  token->owner_kind = "user";
  token->user_id = user_->id;
  token->policy = std::make_shared<TokenPolicy>(
      TokenPolicy::Parse(&policies, nullptr, catalog_, std::nullopt, canonical, condition));
  principal_.kind = Principal::Kind::kUserToken;
  principal_.token = token;
  ASSERT_TRUE(principal_.restricted());
  EXPECT_EQ(Check("#billing:read"), 0u);  // the role and the token both hold it
  EXPECT_EQ(Check(kRead), 403u);          // the role holds it, the token does not
  EXPECT_EQ(Check(""), 0u);               // account details: some grant there
  EXPECT_EQ(Check("#billing:read", kOther), 404u);
  EXPECT_FALSE(authorizer_.UserAllows(principal_, "com.cloudflare.api.user.read"));
  // A tenant admin's restricted token is not a tenant admin.
  user_->tenant_admin = true;
  EXPECT_FALSE(principal_.tenant_admin());
  EXPECT_EQ(Check(kEdit), 403u);
  // Without policies: the user's full rights.
  token->policy = std::make_shared<TokenPolicy>();
  EXPECT_FALSE(principal_.restricted());
  EXPECT_TRUE(principal_.tenant_admin());
  EXPECT_TRUE(authorizer_.UserAllows(principal_, "com.cloudflare.api.token.create"));
}

}  // namespace
}  // namespace cfiam::auth
