// The route table declares the permission of every subscription and SSO
// connector operation: the dispatcher enforces whatever is written here, so
// a wrong key would silently widen or narrow access.
#include <gtest/gtest.h>

#include <string>

#include "api/route.h"

namespace cfiam::api {
namespace {

using boost::beast::http::verb;

int CountAndCheck(std::string_view family, std::string_view read_key, std::string_view edit_key) {
  int n = 0;
  for (const Route& r : AllRoutes()) {
    if (r.path.find(family) == std::string_view::npos) continue;
    ++n;
    EXPECT_EQ(r.access, Access::kAccount) << r.path;
    EXPECT_EQ(r.permission, r.method == verb::get ? read_key : edit_key) << r.path;
    EXPECT_EQ(r.audit.empty(), r.method == verb::get) << r.path;
  }
  return n;
}

TEST(Routes, SubscriptionsNeedBillingPermissions) {
  EXPECT_EQ(CountAndCheck("/subscriptions", "#billing:read", "#billing:edit"), 5);
}

TEST(Routes, SsoConnectorsNeedOrganizationPermissions) {
  EXPECT_EQ(CountAndCheck("/sso_connectors", "com.cloudflare.api.account.sso-connector.read",
                          "com.cloudflare.api.account.sso-connector.edit"),
            6);
}

}  // namespace
}  // namespace cfiam::api
