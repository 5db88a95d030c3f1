// TokenPolicy: a token's policies and condition, validated and compiled into
// grants the authorizer evaluates from memory.
//
// Decision for (key, resource): a matching deny wins; else a matching allow;
// else no.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/catalog.h"
#include "auth/ip_condition.h"
#include "auth/resource_matcher.h"

namespace cfiam::auth {

struct Grant {
  bool deny = false;
  std::vector<std::string> keys;
  std::vector<std::string> group_ids;  // the permission groups the keys came from
  ResourceMatcher resources;
};

struct TokenPolicy {
  std::vector<Grant> grants;
  IpCondition ip;

  // Validates wire-form `policies` (array) and `condition` (object or null),
  // throwing Failure::Invalid naming the field. Returns the policies in canonical
  // stored form in `canonical_policies`, and the condition in
  // `canonical_condition`.
  //
  // Canonical form, so that clients that diff state (Terraform) see no drift:
  // each policy's permission groups sorted by id (duplicates dropped), each
  // with `meta` (the client's, else {key: "scopes", value: first scope});
  // resource keys sorted; policies sorted by content (effect, group ids,
  // resources). Ids are kept when given and well-formed; a policy sent
  // without an id that equals one of `previous` (the stored canonical
  // policies an update replaces) keeps that policy's id; others get new ids.
  static TokenPolicy Parse(const boost::json::value* policies, const boost::json::value* condition,
                           const Catalog& catalog, std::optional<std::string_view> own_account,
                           boost::json::array& canonical_policies,
                           boost::json::object& canonical_condition,
                           const boost::json::array* previous = nullptr);
  // Compiles the stored canonical form (already validated).
  static TokenPolicy FromStored(std::string_view policies_json, std::string_view condition_json,
                                const Catalog& catalog);

  enum class Decision { kNone, kAllow, kDeny };
  Decision Decide(std::string_view key, const ResourceRef& ref) const;
  // True when some key allowed in the account is not overridden by a deny.
  bool HasAnyAllowIn(std::string_view account_id) const;
  // The accounts the allow grants name that keep some allowed key; nullopt
  // when an allow covers every account (com.cloudflare.api.account.*).
  std::optional<std::vector<std::string>> NamedAccounts() const;
};

}  // namespace cfiam::auth
