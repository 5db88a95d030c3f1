// Built-in roles are rendered once per process (RenderMemo::Role): what it
// returns must be exactly RenderRole's output, from any Catalog instance.
#include <gtest/gtest.h>

#include "api/render_iam.h"
#include "api/render_role.h"
#include "auth/catalog.h"

namespace cfiam::api {
namespace {

TEST(RenderedRoles, EveryRoleRendersAsRenderRoleFromAnyCatalog) {
  for (int round = 0; round < 2; ++round) {
    const auth::Catalog catalog;  // a new instance (new addresses) each round
    ASSERT_FALSE(catalog.roles().empty());
    RenderMemo memo;
    for (const auth::Role& role : catalog.roles()) {
      EXPECT_EQ(memo.Role(role), RenderRole(role)) << role.id;
      EXPECT_EQ(&memo.Role(role), &memo.Role(role)) << "rendered once";
    }
  }
}

}  // namespace
}  // namespace cfiam::api
