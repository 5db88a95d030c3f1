// The entities of cfiam as plain values, shared by the store and the services.
// Times are microseconds since the epoch (util/clock.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/clock.h"

namespace cfiam {

namespace auth {
struct TokenPolicy;
}  // namespace auth

struct User {
  std::string id;
  std::string email;  // lower-cased, trimmed; unique
  std::string first_name;
  std::string last_name;
  bool two_factor = false;
  bool tenant_admin = false;
  Micros created_on = 0;
};

// What a user tells about itself (PATCH /user); nullopt is JSON null.
struct UserContact {
  std::optional<std::string> country;
  std::optional<std::string> zipcode;
  std::optional<std::string> telephone;
};

struct Account {
  std::string id;
  std::string name;
  std::string type = "standard";  // standard | enterprise
  std::optional<std::string> abuse_contact_email;
  bool enforce_twofactor = false;
  std::optional<std::string> parent_org_id;
  std::optional<std::string> parent_org_name;
  std::optional<std::string> unit_id;
  Micros created_on = 0;
};

// An IAM policy of a member or a user group: `access` (allow | deny) of the
// permission groups (built-in roles in IAM form, by id) on the resources of
// the resource groups (by id). Order is the order the client sent.
struct Policy {
  std::string id;
  std::string access = "allow";
  std::vector<std::string> permission_group_ids;
  std::vector<std::string> resource_group_ids;
};

struct Member {
  std::string id;
  std::string account_id;
  std::string user_id;
  std::string status = "pending";  // accepted | pending | rejected
  std::vector<std::string> role_ids;
  std::vector<Policy> policies;
  Micros created_on = 0;
};

// An account-scoped set of resources. `scope_key` is
// com.cloudflare.api.account.<account id>; objects are "*" (the whole
// account) or com.cloudflare.api.account.zone.<zone id>.
struct ResourceGroup {
  std::string id;
  std::string account_id;
  std::string name;
  std::string scope_key;
  std::vector<std::string> objects;
  Micros created_on = 0;
  Micros modified_on = 0;
};

struct UserGroup {
  std::string id;
  std::string account_id;
  std::string name;
  std::vector<Policy> policies;
  std::vector<std::string> member_ids;  // account member ids, sorted
  Micros created_on = 0;
  Micros modified_on = 0;
};

// A stored credential. Owner is a user (user tokens, e.g. the bootstrap token)
// or an account (account-owned tokens). Only the SHA-256 digest of the secret
// is ever stored.
struct Token {
  std::string id;
  std::string owner_kind;  // "user" | "account"
  std::string user_id;     // owner_kind == "user"
  std::string account_id;  // owner_kind == "account"
  std::string name;
  std::string secret_digest;  // hex SHA-256 of the secret
  std::string status = "active";
  std::optional<Micros> not_before;
  std::optional<Micros> expires_on;
  Micros issued_on = 0;
  Micros modified_on = 0;
  std::optional<Micros> last_used_on;
  std::string policies_json = "[]";
  std::string condition_json = "{}";
  // The compiled form of policies_json/condition_json (not stored), set
  // before the token enters the in-memory Directory.
  std::shared_ptr<const auth::TokenPolicy> policy;
};

// A billing subscription of an account. Price and currency come from the
// rate-plan table, never from a request. Lifecycle: docs/subscriptions.md.
struct Subscription {
  std::string id;
  std::string account_id;
  std::string rate_plan_id;
  std::string frequency = "monthly";  // weekly | monthly | quarterly | yearly
  double price = 0;
  std::string currency = "USD";
  std::string state;  // Paid | Provisioned | Cancelled
  Micros current_period_start = 0;
  Micros current_period_end = 0;
  Micros created_on = 0;
};

// A dashboard SSO connector for one email domain of an account.
struct SsoConnector {
  std::string id;
  std::string account_id;
  std::string email_domain;  // normalized: lower-case ASCII (IDNA punycode)
  bool enabled = false;
  bool use_fedramp_language = false;
  std::string verification_code;    // "cloudflare_dashboard_sso=<digits>"
  std::string verification_status;  // awaiting | pending | failed | verified
  // Bumped by every begin_verification, so the result of an older, superseded
  // check can never overwrite a newer one.
  std::int64_t verification_generation = 0;
  Micros created_on = 0;
  Micros updated_on = 0;
};

// One audit log entry (Audit Logs v2). Empty strings are absent fields; the
// request and response bodies are JSON text with secrets already redacted.
struct AuditEntry {
  std::string id;
  Micros time = 0;  // action.time; with id, the order key of the log
  std::string account_id;
  std::string account_name;
  std::string action_type;  // create | update | delete
  std::string action_description;
  std::string action_result;  // success | failure
  std::string actor_id;
  std::string actor_type;     // user | account
  std::string actor_context;  // api_token | api_key
  std::string actor_email;
  std::string actor_ip_address;
  std::string actor_token_id;
  std::string actor_token_name;
  std::string raw_cf_ray_id;
  std::string raw_method;
  std::int64_t raw_status_code = 0;
  std::string raw_uri;
  std::string raw_user_agent;
  std::string raw_node_id;  // the cfiam node that wrote the entry (--node-id)
  std::string resource_id;
  std::string resource_product;
  std::string resource_type;
  std::string resource_scope;  // accounts | memberships | user
  std::string resource_request = "{}";
  std::string resource_response = "{}";
  std::string zone_id;
  std::string zone_name;
};

// One page of a listing plus the total for result_info.
template <class T>
struct Page {
  std::vector<T> items;
  std::int64_t total = 0;
};

}  // namespace cfiam
