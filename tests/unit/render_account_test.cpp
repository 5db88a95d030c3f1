// RenderAccountText (GET /accounts/{id} writes its result without a JSON
// tree) must give the bytes boost::json writes for RenderAccount, and
// AppendJsonString those of a serialized json::string.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/json_text.h"
#include "api/render_iam.h"

namespace cfiam::api {
namespace {

Account Base() {
  Account a;
  a.id = "0123456789abcdef0123456789abcdef";
  a.name = "Acme";
  a.created_on = 1764632400123456;
  return a;
}

TEST(RenderAccountText, SameBytesAsTheTree) {
  std::vector<Account> cases;
  cases.push_back(Base());
  {
    Account a = Base();
    a.type = "enterprise";
    a.enforce_twofactor = true;
    a.abuse_contact_email = "abuse@example.com";
    cases.push_back(a);
  }
  {
    Account a = Base();
    a.name = "Quote \" back\\slash /slash \n\t\r\b\f \x01\x1f \x7f caf\xc3\xa9 \xe2\x82\xac";
    a.parent_org_id = "org-1";
    cases.push_back(a);
  }
  {
    Account a = Base();
    a.parent_org_name = "Org \"Name\"";
    cases.push_back(a);
  }
  {
    Account a = Base();
    a.parent_org_id = "org-2";
    a.parent_org_name = "";
    a.abuse_contact_email = "";
    a.name = "";
    a.created_on = 0;
    cases.push_back(a);
  }
  for (const Account& a : cases) {
    EXPECT_EQ(RenderAccountText(a), boost::json::serialize(RenderAccount(a))) << a.name;
  }
}

TEST(AppendJsonString, EscapesAsBoostJson) {
  std::string every;
  for (int c = 1; c < 256; ++c) every.push_back(static_cast<char>(c));
  for (const std::string& s : {std::string(), std::string("plain"), std::string("a\"b"),
                               std::string("\\"), std::string("\x00 nul", 5), every}) {
    std::string out = "x";
    AppendJsonString(out, s);
    EXPECT_EQ(out, "x" + boost::json::serialize(boost::json::string(s)));
  }
}

}  // namespace
}  // namespace cfiam::api
