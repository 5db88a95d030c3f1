#include "api/seed.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "api/failure_map.h"
#include "api/input.h"
#include "api/render_iam.h"
#include "audit/record.h"
#include "auth/digest.h"
#include "auth/token_policy.h"
#include "util/api_error.h"
#include "util/clock.h"
#include "util/text.h"

namespace cfiam::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kZonePrefix = "com.cloudflare.api.account.zone.";

std::string At(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

// The array at `field` of `r` (absent = empty), each element an object.
std::vector<ObjectReader> Objects(const ObjectReader& r, std::string_view field) {
  std::vector<ObjectReader> out;
  const json::array* items = r.Array(field);
  if (!items) {
    if (r.Has(field)) throw ApiError::Invalid(r.Path(field), "must be an array");
    return out;
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string at = At(r.Path(field), i);
    if (!(*items)[i].is_object()) throw ApiError::Invalid(at, "must be an object");
    out.emplace_back((*items)[i].get_object(), at);
  }
  return out;
}

// A required fixed id, unique among the file's objects of its kind.
std::string FixedId(const ObjectReader& r, std::set<std::string>& seen) {
  std::string id = r.RequiredString("id");
  if (!IsObjectId(id)) throw ApiError::Invalid(r.Path("id"), "must be a 32-character hex id");
  if (!seen.insert(id).second) throw ApiError::Invalid(r.Path("id"), "is defined twice");
  return id;
}

// A secret given in the file: printable ASCII without spaces, 20-256 characters.
std::string KnownSecret(const ObjectReader& r, std::string_view field) {
  std::string s = r.RequiredString(field);
  bool printable = s.size() >= 20 && s.size() <= 256;
  for (char c : s) printable = printable && c > 0x20 && c < 0x7f;
  if (!printable) {
    throw ApiError::Invalid(r.Path(field), "must be 20-256 printable characters without spaces");
  }
  return s;
}

// Policies given without ids get ids derived from their owner and position,
// so loading a file twice keeps them.
void FillPolicyIds(std::vector<Policy>& policies, const std::string& owner_id) {
  for (std::size_t i = 0; i < policies.size(); ++i) {
    if (policies[i].id.empty()) {
      policies[i].id = auth::Sha256Hex(owner_id + ":policy:" + std::to_string(i)).substr(0, 32);
    }
  }
}

class Seeder {
 public:
  Seeder(store::Store& store, store::Tx& tx, const auth::Catalog& catalog)
      : store_(store), tx_(tx), catalog_(catalog), now_(NowMicros()) {}

  void User(const ObjectReader& r) {
    cfiam::User u;
    u.id = FixedId(r, user_ids_);
    u.email = ToLower(Trim(r.RequiredString("email", 90)));
    if (!IsEmail(u.email)) throw ApiError::Invalid(r.Path("email"), "is not a valid email");
    if (auto other = store_.FindUserByEmail(tx_, u.email); other && other->id != u.id) {
      throw ApiError::Invalid(r.Path("email"), "belongs to another user (" + other->id + ")");
    }
    u.first_name = r.String("first_name", 60).value_or("");
    u.last_name = r.String("last_name", 60).value_or("");
    u.two_factor = r.Bool("two_factor_authentication_enabled").value_or(false);
    u.created_on = now_;
    store_.SeedUser(tx_, u);
    if (r.Has("api_key")) {
      store_.SetApiKeyDigest(tx_, u.id, auth::Sha256Hex(KnownSecret(r, "api_key")));
    }
    ++counts_.users;
  }

  // Returns whether the account was created.
  bool Account(const ObjectReader& r, cfiam::Account& a) {
    a.id = FixedId(r, account_ids_);
    a.name = r.RequiredName("name", 100);
    a.type = r.Enum("type", {"standard", "enterprise"}).value_or("standard");
    if (auto settings = r.Object("settings")) {
      if (auto email = settings->String("abuse_contact_email", 90)) a.abuse_contact_email = email;
      a.enforce_twofactor = settings->Bool("enforce_twofactor").value_or(false);
    }
    auto existing = store_.GetAccount(tx_, a.id);
    if (existing) {
      a.created_on = existing->created_on;
      store_.UpdateAccount(tx_, a);
    } else {
      a.created_on = now_;
      store_.InsertAccount(tx_, a);
    }
    for (const ObjectReader& g : Objects(r, "resource_groups")) ResourceGroup(g, a.id);
    for (const ObjectReader& m : Objects(r, "members")) Member(m, a.id);
    for (const ObjectReader& g : Objects(r, "user_groups")) UserGroup(g, a.id);
    for (const ObjectReader& t : Objects(r, "tokens")) Token(t, a.id);
    ++counts_.accounts;
    return !existing;
  }

  const SeedCounts& counts() const { return counts_; }

 private:
  void ResourceGroup(const ObjectReader& r, const std::string& account_id) {
    cfiam::ResourceGroup g;
    g.id = FixedId(r, resource_group_ids_);
    g.account_id = account_id;
    g.name = r.RequiredName("name", 255);
    auto scope = r.Object("scope");
    if (!scope) throw ApiError::Invalid(r.Path("scope"), "is required");
    g.scope_key = scope->RequiredString("key");
    if (g.scope_key != "com.cloudflare.api.account." + account_id) {
      throw ApiError::Invalid(scope->Path("key"),
                              "must be com.cloudflare.api.account." + account_id);
    }
    for (const ObjectReader& o : Objects(*scope, "objects")) {
      std::string key = o.RequiredString("key");
      const bool zone = key.size() == kZonePrefix.size() + 32 && key.starts_with(kZonePrefix) &&
                        IsObjectId(std::string_view(key).substr(kZonePrefix.size()));
      if (key != "*" && !zone) {
        throw ApiError::Invalid(o.Path("key"), "must be * or com.cloudflare.api.account.zone.<id>");
      }
      g.objects.push_back(std::move(key));
    }
    if (g.objects.empty()) throw ApiError::Invalid(scope->Path("objects"), "must not be empty");
    if (store_.ResourceGroupNameTaken(tx_, account_id, g.name, g.id)) {
      throw ApiError::Invalid(r.Path("name"), "is taken by another resource group");
    }
    // (An id taken in another account fails the insert: a 409, rolled back.)
    auto existing = store_.GetResourceGroup(tx_, account_id, g.id);
    if (existing) {
      g.created_on = existing->created_on;
      const bool same = existing->name == g.name && existing->scope_key == g.scope_key &&
                        existing->objects == g.objects;
      g.modified_on = same ? existing->modified_on : now_;
      store_.UpdateResourceGroup(tx_, g);
    } else {
      g.created_on = g.modified_on = now_;
      store_.InsertResourceGroup(tx_, g);
    }
    ++counts_.resource_groups;
  }

  // IAM policies (members, user groups): roles as permission groups,
  // resource groups of this account.
  std::vector<Policy> Policies(const ObjectReader& r, const std::string& account_id,
                               const std::string& owner_id) {
    const json::array* items = r.Array("policies");
    if (!items) {
      if (r.Has("policies")) throw ApiError::Invalid(r.Path("policies"), "must be an array");
      return {};
    }
    std::vector<Policy> policies = ParsePolicies(*items, r.Path("policies"));
    for (std::size_t i = 0; i < policies.size(); ++i) {
      const std::string at = At(r.Path("policies"), i);
      for (std::size_t j = 0; j < policies[i].permission_group_ids.size(); ++j) {
        if (!catalog_.FindRole(policies[i].permission_group_ids[j])) {
          throw ApiError::Invalid(At(at + ".permission_groups", j) + ".id",
                                  "is not a permission group");
        }
      }
      for (std::size_t j = 0; j < policies[i].resource_group_ids.size(); ++j) {
        if (!store_.GetResourceGroup(tx_, account_id, policies[i].resource_group_ids[j])) {
          throw ApiError::Invalid(At(at + ".resource_groups", j) + ".id",
                                  "is not a resource group of this account");
        }
      }
    }
    FillPolicyIds(policies, owner_id);
    return policies;
  }

  void Member(const ObjectReader& r, const std::string& account_id) {
    cfiam::Member m;
    m.id = FixedId(r, member_ids_);
    m.account_id = account_id;
    m.user_id = r.RequiredString("user_id");
    if (!store_.GetUser(tx_, m.user_id)) {
      throw ApiError::Invalid(r.Path("user_id"), "is not a user of the seed or the store");
    }
    m.status = r.Enum("status", {"accepted", "pending", "rejected"}).value_or("accepted");
    if (const json::array* roles = r.Array("roles")) {
      for (std::size_t i = 0; i < roles->size(); ++i) {
        const json::value& v = (*roles)[i];
        const json::value* id = v.is_object() ? v.get_object().if_contains("id") : &v;
        if (!id || !id->is_string() || !catalog_.FindRole(id->get_string())) {
          throw ApiError::Invalid(At(r.Path("roles"), i), "is not a role id");
        }
        m.role_ids.emplace_back(id->get_string());
      }
    } else if (r.Has("roles")) {
      throw ApiError::Invalid(r.Path("roles"), "must be an array");
    }
    m.policies = Policies(r, account_id, m.id);
    auto by_id = store_.GetMember(tx_, m.id);
    if (by_id && (by_id->account_id != account_id || by_id->user_id != m.user_id)) {
      throw ApiError::Invalid(r.Path("id"), "belongs to another membership");
    }
    if (auto by_user = store_.FindMember(tx_, account_id, m.user_id);
        by_user && by_user->id != m.id) {
      throw ApiError::Invalid(r.Path("user_id"), "is already a member under another id");
    }
    if (by_id) {
      store_.UpdateMember(tx_, m);
    } else {
      m.created_on = now_;
      store_.InsertMember(tx_, m);
    }
    ++counts_.members;
  }

  void UserGroup(const ObjectReader& r, const std::string& account_id) {
    cfiam::UserGroup g;
    g.id = FixedId(r, user_group_ids_);
    g.account_id = account_id;
    g.name = r.RequiredName("name", 255);
    g.policies = Policies(r, account_id, g.id);
    for (const ObjectReader& m : Objects(r, "members")) {
      std::string id = m.RequiredString("id");
      auto member = store_.GetMember(tx_, id);
      if (!member || member->account_id != account_id) {
        throw ApiError::Invalid(m.Path("id"), "is not a member of this account");
      }
      g.member_ids.push_back(std::move(id));
    }
    std::sort(g.member_ids.begin(), g.member_ids.end());
    g.member_ids.erase(std::unique(g.member_ids.begin(), g.member_ids.end()), g.member_ids.end());
    if (store_.UserGroupNameTaken(tx_, account_id, g.name, g.id)) {
      throw ApiError::Invalid(r.Path("name"), "is taken by another user group");
    }
    auto existing = store_.GetUserGroup(tx_, account_id, g.id);
    if (existing) {
      g.created_on = existing->created_on;
      const bool same = existing->name == g.name && existing->member_ids == g.member_ids &&
                        SamePolicies(existing->policies, g.policies);
      g.modified_on = same ? existing->modified_on : now_;
      store_.UpdateUserGroup(tx_, g);
      store_.SetUserGroupMembers(tx_, g.id, g.member_ids, g.modified_on);
    } else {
      g.created_on = g.modified_on = now_;
      store_.InsertUserGroup(tx_, g);
    }
    ++counts_.user_groups;
  }

  void Token(const ObjectReader& r, const std::string& account_id) {
    cfiam::Token t;
    t.id = FixedId(r, token_ids_);
    t.owner_kind = "account";
    t.account_id = account_id;
    t.name = r.RequiredName("name", 120);
    t.secret_digest = auth::Sha256Hex(KnownSecret(r, "value"));
    t.status = r.Enum("status", {"active", "disabled"}).value_or("active");
    t.not_before = Time(r, "not_before");
    t.expires_on = Time(r, "expires_on");
    if (t.not_before && t.expires_on && *t.expires_on <= *t.not_before) {
      throw ApiError::Invalid(r.Path("expires_on"), "must be after not_before");
    }
    auto existing = store_.GetToken(tx_, t.id);
    if (existing && (existing->owner_kind != "account" || existing->account_id != account_id)) {
      throw ApiError::Invalid(r.Path("id"), "belongs to another token owner");
    }
    if (auto other = store_.FindTokenByDigest(tx_, t.secret_digest); other && other->id != t.id) {
      throw ApiError::Invalid(r.Path("value"), "is the secret of another token");
    }
    // Token policies: the API's validation, with paths below this token.
    json::array policies;
    json::object condition;
    const json::value stored =
        existing ? json::parse(existing->policies_json) : json::value(json::array());
    try {
      auth::TokenPolicy::Parse(r.object().if_contains("policies"),
                               r.object().if_contains("condition"), catalog_, account_id, policies,
                               condition, stored.if_array());
    } catch (const Failure& f) {
      const std::string message = ToApiError(f).errors().front().message;
      throw ApiError(400, codes::kInvalidRequest, r.Path("") + message);
    }
    t.policies_json = json::serialize(policies);
    t.condition_json = json::serialize(condition);
    if (existing) {
      t.issued_on = existing->issued_on;
      const bool same = existing->name == t.name && existing->secret_digest == t.secret_digest &&
                        existing->status == t.status && existing->not_before == t.not_before &&
                        existing->expires_on == t.expires_on &&
                        existing->policies_json == t.policies_json &&
                        existing->condition_json == t.condition_json;
      t.modified_on = same ? existing->modified_on : now_;
      store_.UpdateToken(tx_, t);
    } else {
      t.issued_on = t.modified_on = now_;
      store_.InsertToken(tx_, t);
    }
    ++counts_.tokens;
  }

  std::optional<Micros> Time(const ObjectReader& r, std::string_view field) {
    auto s = r.String(field, 64);
    if (!s) return std::nullopt;
    auto t = ParseRfc3339(*s);
    if (!t) throw ApiError::Invalid(r.Path(field), "must be an RFC 3339 timestamp");
    return t;
  }

  static bool SamePolicies(const std::vector<Policy>& a, const std::vector<Policy>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].id != b[i].id || a[i].access != b[i].access ||
          a[i].permission_group_ids != b[i].permission_group_ids ||
          a[i].resource_group_ids != b[i].resource_group_ids) {
        return false;
      }
    }
    return true;
  }

  store::Store& store_;
  store::Tx& tx_;
  const auth::Catalog& catalog_;
  const Micros now_;
  SeedCounts counts_;
  std::set<std::string> user_ids_, account_ids_, resource_group_ids_, member_ids_, user_group_ids_,
      token_ids_;
};

}  // namespace

SeedCounts ApplySeed(store::Store& store, store::Tx& tx, const auth::Catalog& catalog,
                     const json::value& seed, const SeedAccountHook& on_account) {
  if (!seed.is_object()) throw ApiError::Invalid("seed", "must be a JSON object");
  ObjectReader root(seed.get_object(), "");
  for (const auto& kv : seed.get_object()) {
    if (kv.key() != "users" && kv.key() != "accounts") {
      throw ApiError::Invalid(std::string(kv.key()), "is not a seed section (users, accounts)");
    }
  }
  Seeder seeder(store, tx, catalog);
  for (const ObjectReader& u : Objects(root, "users")) seeder.User(u);
  for (const ObjectReader& a : Objects(root, "accounts")) {
    Account account;
    const bool created = seeder.Account(a, account);
    if (on_account) on_account(account, created, json::value(a.object()));
  }
  return seeder.counts();
}

void RecordSeededAccount(store::Store& store, store::Tx& tx, const Account& account, bool created,
                         const json::value& source, std::string_view uri, std::string_view ray,
                         const auth::Principal* principal) {
  audit::ChangeRequest change;
  change.method = created ? "POST" : "PUT";
  change.route_path = created ? "/accounts" : "/accounts/{account_id}";
  change.description = "Seed account";
  change.uri = uri;
  change.ray = ray;
  change.principal = principal;
  change.body = &source;
  change.account_id = account.id;
  change.account_name = account.name;
  const json::value result = RenderAccount(account);
  AuditEntry entry = audit::Describe(change, 200, &result, {});
  entry.resource_id = account.id;
  audit::Record(store, tx, entry);
}

SeedCounts SeedFromFile(store::Store& store, const auth::Catalog& catalog,
                        const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read seed file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const json::value seed = json::parse(text.str(), ec);
  if (ec) throw std::runtime_error("seed file " + path + " is not JSON: " + ec.message());
  auto tx = store.Write();
  const std::string uri = "cfiam serve --seed " + path;
  auto record = [&](const Account& account, bool created, const json::value& source) {
    RecordSeededAccount(store, *tx, account, created, source, uri, "", nullptr);
  };
  const SeedCounts counts = ApplySeed(store, *tx, catalog, seed, record);
  tx->Commit();
  return counts;
}

}  // namespace cfiam::api
