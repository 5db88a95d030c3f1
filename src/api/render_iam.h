// Rendering and parsing shared by the members, memberships and IAM families:
// policies (with permission groups and resource groups expanded), resource
// groups, IAM permission groups, accounts and members.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/services.h"
#include "auth/catalog.h"
#include "domain/model.h"
#include "store/store.h"

namespace cfiam::api {

// A built-in role in IAM form: {id, name, meta: {key: "label", value: <label>}}.
boost::json::object RenderPermissionGroup(const auth::Role& role);
// The role's label: its name lower-cased with non-alphanumerics as '_'.
std::string RoleLabel(const auth::Role& role);

// {id, name, scope: [{key, objects: [{key}]}], meta: {key, value}}
boost::json::object RenderResourceGroup(const ResourceGroup& group);

// The parts many rows of one page share (a role, a permission group, a
// resource group), rendered once per page and copied into each row. Scoped to
// one reply: resource groups may change between requests. (Roles, built in,
// are rendered once per process.)
class RenderMemo {
 public:
  const boost::json::object& Role(const auth::Role& role);
  // The role's object serialized (built once per process, like Role's).
  const std::string& RoleText(const auth::Role& role);
  const boost::json::object& PermissionGroup(const auth::Role& role);
  const boost::json::object& ResourceGroup(const cfiam::ResourceGroup& group);

 private:
  std::unordered_map<const auth::Role*, boost::json::object> permission_groups_;
  std::unordered_map<std::string, boost::json::object> resource_groups_;
};

// [{id, access, permission_groups: [...], resource_groups: [...]}], expanded
// from the catalog and the in-memory directory (no disk reads). A list passes
// its page's memo.
boost::json::array RenderPolicies(const std::vector<Policy>& policies, const Services& services,
                                  RenderMemo* memo = nullptr,
                                  const boost::json::storage_ptr& sp = {});

// {id, email, status, user {...}, roles: [...], policies: [...]}
// With `sp`, built in that storage (a page's arena, see PageReply).
boost::json::object RenderMember(const store::MemberWithUser& m, const Services& services,
                                 RenderMemo* memo = nullptr,
                                 const boost::json::storage_ptr& sp = {});

// The same object written as text (json_text.h), byte for byte what
// serializing RenderMember's object writes: a list page's rows.
void AppendMemberJson(std::string& out, const store::MemberWithUser& m, const Services& services,
                      RenderMemo& memo);

// {id, name, type, settings, created_on[, managed_by]}
boost::json::object RenderAccount(const Account& account);
// The same as JSON text, written directly (GET /accounts/{id} is a hot path):
// the bytes boost::json::serialize(RenderAccount(account)) gives.
std::string RenderAccountText(const Account& account);

// Parses a policies array (the `policies` field of members and user groups).
// Throws 400 naming the offending element.
std::vector<Policy> ParsePolicies(const boost::json::array& items, std::string_view field);

}  // namespace cfiam::api
