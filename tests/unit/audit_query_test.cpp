#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "api/failure_map.h"
#include "audit/query.h"
#include "util/api_error.h"

namespace cfiam::audit {
namespace {

using store::AuditField;

api::QueryParams Params(std::vector<std::pair<std::string, std::string>> items) {
  return api::QueryParams(std::move(items));
}

const store::AuditFilter& Filter(const ListRequest& r, AuditField f) {
  return r.query.filters[static_cast<std::size_t>(f)];
}

// The message of the 400 `params` get; "" when they parse.
std::string Rejection(std::vector<std::pair<std::string, std::string>> items) {
  std::optional<ApiError> wire;
  try {
    ParseListRequest(Params(std::move(items)));
  } catch (const Failure& f) {
    wire = api::ToApiError(f);  // as the wire sees it
  } catch (const ApiError& e) {
    wire = e;  // the shared paging parser (api/query) speaks the wire already
  }
  if (wire) {
    const ApiError& e = *wire;
    EXPECT_EQ(e.http_status(), 400u);
    EXPECT_EQ(e.errors()[0].code, codes::kInvalidRequest);
    return e.errors()[0].message;
  }
  return "";
}

const std::pair<std::string, std::string> kSince{"since", "2024-10-30"};
const std::pair<std::string, std::string> kBefore{"before", "2024-10-31"};

TEST(AuditQuery, InstantsAreDatesAtUtcMidnightOrRfc3339) {
  EXPECT_EQ(ParseInstant("1970-01-02"), 86400LL * 1000000);
  EXPECT_EQ(ParseInstant("2024-10-30"), ParseInstant("2024-10-30T00:00:00Z"));
  EXPECT_EQ(ParseInstant("2024-10-30T02:00:00+02:00"), ParseInstant("2024-10-30T00:00:00Z"));
  EXPECT_EQ(ParseInstant("2024-10-29T19:30:00-04:30"), ParseInstant("2024-10-30T00:00:00Z"));
  EXPECT_EQ(*ParseInstant("2024-10-30T00:00:00.25Z") - *ParseInstant("2024-10-30"), 250000);
  EXPECT_EQ(*ParseInstant("2024-10-30T00:00:00.123456789Z") - *ParseInstant("2024-10-30"), 123456);
  for (const char* bad : {"", "2024-10-3", "2024-13-01", "2023-02-29", "2024-10-30T00:00:00",
                          "2024-10-30 00:00:00Z", "2024-10-30T25:00:00Z", "yesterday", "1730246400",
                          "2024-10-30Z", "2024-10-30T00:00:00+0200"}) {
    EXPECT_FALSE(ParseInstant(bad)) << bad;
  }
}

TEST(AuditQuery, SinceAndBeforeAreRequiredAndNamed) {
  EXPECT_NE(Rejection({kBefore}).find("'since'"), std::string::npos);
  EXPECT_NE(Rejection({kSince}).find("'before'"), std::string::npos);
  EXPECT_NE(Rejection({{"since", "2024/10/30"}, kBefore}).find("'since'"), std::string::npos);
  EXPECT_NE(Rejection({kSince, {"before", "soon"}}).find("'before'"), std::string::npos);
  EXPECT_NE(Rejection({{"since", "2024-10-31"}, kBefore}).find("'since'"), std::string::npos);
  const ListRequest r = ParseListRequest(Params({kSince, {"before", "2024-10-30T12:00:00Z"}}));
  EXPECT_EQ(r.query.since, *ParseInstant("2024-10-30"));
  EXPECT_EQ(r.query.before, *ParseInstant("2024-10-30T12:00:00Z"));
}

TEST(AuditQuery, DefaultsDescendingHundredNoCursorNoFilters) {
  const ListRequest r = ParseListRequest(Params({kSince, kBefore, {"unknown", "x"}}));
  EXPECT_TRUE(r.query.descending);
  EXPECT_EQ(r.limit, 100);
  EXPECT_FALSE(r.cursor);
  for (const auto& f : r.query.filters) {
    EXPECT_TRUE(f.any_of.empty());
    EXPECT_TRUE(f.none_of.empty());
  }
}

TEST(AuditQuery, DirectionLimitAndCursor) {
  const ListRequest r = ParseListRequest(
      Params({kSince, kBefore, {"direction", "asc"}, {"limit", "1000"}, {"cursor", "abc"}}));
  EXPECT_FALSE(r.query.descending);
  EXPECT_EQ(r.limit, 1000);
  EXPECT_EQ(r.cursor, "abc");
  EXPECT_EQ(ParseListRequest(Params({kSince, kBefore, {"limit", "1"}})).limit, 1);
  EXPECT_FALSE(ParseListRequest(Params({kSince, kBefore, {"cursor", ""}})).cursor);
  for (const char* bad : {"0", "1001", "-1", "2.5", "ten", "", "1e2"}) {
    EXPECT_NE(Rejection({kSince, kBefore, {"limit", bad}}).find("'limit'"), std::string::npos)
        << bad;
  }
  EXPECT_NE(Rejection({kSince, kBefore, {"direction", "up"}}).find("'direction'"),
            std::string::npos);
}

// What the official SDK sends: qs with allowDots and arrayFormat 'repeat'.
TEST(AuditQuery, RepeatedValuesAndNotFormsAsTheSdkSendsThem) {
  const ListRequest r = ParseListRequest(Params({kSince,
                                                 kBefore,
                                                 {"actor_email.not", "a@b.c"},
                                                 {"actor_email.not", "d@e.f"},
                                                 {"action_type", "create"},
                                                 {"action_type", "update"},
                                                 {"raw_status_code", "200"},
                                                 {"raw_status_code.not", "403"}}));
  const auto& email = Filter(r, AuditField::kActorEmail);
  EXPECT_TRUE(email.any_of.empty());
  EXPECT_EQ(email.none_of, (std::vector<store::Value>{"a@b.c", "d@e.f"}));
  const auto& type = Filter(r, AuditField::kActionType);
  EXPECT_EQ(type.any_of, (std::vector<store::Value>{"create", "update"}));
  const auto& status = Filter(r, AuditField::kRawStatusCode);
  EXPECT_EQ(status.any_of, (std::vector<store::Value>{std::int64_t{200}}));
  EXPECT_EQ(status.none_of, (std::vector<store::Value>{std::int64_t{403}}));
}

TEST(AuditQuery, EveryFieldAndItsNotFormIsAFilter) {
  const std::pair<const char*, AuditField> fields[] = {
      {"id", AuditField::kId},
      {"account_name", AuditField::kAccountName},
      {"action_result", AuditField::kActionResult},
      {"action_type", AuditField::kActionType},
      {"actor_context", AuditField::kActorContext},
      {"actor_email", AuditField::kActorEmail},
      {"actor_id", AuditField::kActorId},
      {"actor_ip_address", AuditField::kActorIpAddress},
      {"actor_token_id", AuditField::kActorTokenId},
      {"actor_token_name", AuditField::kActorTokenName},
      {"actor_type", AuditField::kActorType},
      {"raw_cf_ray_id", AuditField::kRawCfRayId},
      {"raw_method", AuditField::kRawMethod},
      {"raw_status_code", AuditField::kRawStatusCode},
      {"raw_uri", AuditField::kRawUri},
      {"resource_id", AuditField::kResourceId},
      {"resource_product", AuditField::kResourceProduct},
      {"resource_scope", AuditField::kResourceScope},
      {"resource_type", AuditField::kResourceType},
      {"zone_id", AuditField::kZoneId},
      {"zone_name", AuditField::kZoneName},
  };
  const std::map<AuditField, std::string> valid = {
      {AuditField::kActionResult, "failure"}, {AuditField::kActionType, "delete"},
      {AuditField::kActorContext, "api_key"}, {AuditField::kActorType, "account"},
      {AuditField::kRawStatusCode, "404"},    {AuditField::kResourceScope, "memberships"},
  };
  for (const auto& [name, field] : fields) {
    const auto it = valid.find(field);
    const std::string value = it == valid.end() ? "v" : it->second;
    const store::Value want =
        field == AuditField::kRawStatusCode ? store::Value(std::int64_t{404}) : store::Value(value);
    const ListRequest r = ParseListRequest(
        Params({kSince, kBefore, {name, value}, {std::string(name) + ".not", value}}));
    for (std::size_t i = 0; i < store::kAuditFieldCount; ++i) {
      const auto& f = r.query.filters[i];
      if (i == static_cast<std::size_t>(field)) {
        EXPECT_EQ(f.any_of, std::vector<store::Value>{want}) << name;
        EXPECT_EQ(f.none_of, std::vector<store::Value>{want}) << name;
      } else {
        EXPECT_TRUE(f.any_of.empty() && f.none_of.empty()) << name << " leaked into " << i;
      }
    }
  }
}

TEST(AuditQuery, AuditLogIdIsIdAndProductCategoryIsAProduct) {
  const ListRequest r = ParseListRequest(Params({kSince,
                                                 kBefore,
                                                 {"id", "a"},
                                                 {"audit_log_id", "b"},
                                                 {"audit_log_id.not", "c"},
                                                 {"resource_product", "tokens"},
                                                 {"product_category", "Members"}}));
  EXPECT_EQ(Filter(r, AuditField::kId).any_of, (std::vector<store::Value>{"a", "b"}));
  EXPECT_EQ(Filter(r, AuditField::kId).none_of, (std::vector<store::Value>{"c"}));
  EXPECT_EQ(Filter(r, AuditField::kResourceProduct).any_of,
            (std::vector<store::Value>{"tokens", "members"}));
}

TEST(AuditQuery, EnumeratedFieldsRefuseUnknownValuesNamingTheParameter) {
  const std::pair<const char*, const char*> bad[] = {
      {"action_result", "ok"},        {"action_result.not", "maybe"}, {"action_type", "read"},
      {"action_type.not", "Create"},  {"actor_context", "cli"},       {"actor_context.not", ""},
      {"actor_type", "robot"},        {"actor_type.not", "users"},    {"resource_scope", "account"},
      {"resource_scope.not", "zone"}, {"raw_status_code", "OK"},      {"raw_status_code.not", "-1"},
      {"raw_status_code", "200.5"},   {"raw_status_code", "1000"},
  };
  for (const auto& [name, value] : bad) {
    const std::string msg = Rejection({kSince, kBefore, {name, value}});
    EXPECT_NE(msg.find("'" + std::string(name) + "'"), std::string::npos) << name << "=" << value;
  }
  // Values the SDK's types allow beyond the contract's enums.
  EXPECT_EQ(Rejection({kSince, kBefore, {"actor_context", "api"}}), "");
  EXPECT_EQ(Rejection({kSince, kBefore, {"actor_type.not", "delegated_service"}}), "");
  EXPECT_EQ(Rejection({kSince, kBefore, {"action_type", "view"}}), "");
}

}  // namespace
}  // namespace cfiam::audit
