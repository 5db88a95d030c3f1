// ResourceMatcher: the compiled `resources` map of a token policy.
//
// Accepted forms (values are "*" unless nested):
//   {"com.cloudflare.api.account.<id>": "*"}          the account and every zone in it
//   {"com.cloudflare.api.account.*": "*"}             every account (user tokens only)
//   {"com.cloudflare.api.account.zone.<zone>": "*"}   one zone
//   {"com.cloudflare.api.account.zone.*": "*"}        every zone
//   {"com.cloudflare.api.account.<id>": {"com.cloudflare.api.account.zone.*": "*"}}
//                                                     every zone of that account (nested)
//   {"com.cloudflare.api.user.<id>": "*"}             the user itself (user tokens only;
//                                                     user-scope permission groups)
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfiam::auth {

// What a request acts on: an account, or a zone inside one; or a user.
struct ResourceRef {
  std::string_view account_id;
  std::string_view zone_id;       // empty for account-level resources
  std::string_view user_id = {};  // set (and the others empty) for user-level resources
};

class ResourceMatcher {
 public:
  // Validates and compiles `resources`. `field` names it in errors ("policies.0.resources").
  // With `own_account` set (account-owned tokens) every account key must be that
  // account, and account wildcards are refused. Throws Failure (400) naming the key.
  static ResourceMatcher Compile(const boost::json::object& resources, const std::string& field,
                                 std::optional<std::string_view> own_account);

  bool Matches(const ResourceRef& ref) const;

  struct Entry {
    std::string account;    // account id, "*" for any; empty for top-level zone and user keys
    std::string zone;       // empty: the account itself and all its zones; else zone id or "*"
    std::string user = {};  // the user id of a user key (account and zone then empty)
  };
  // What the policy names, for ceiling checks that walk every resource.
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace cfiam::auth
