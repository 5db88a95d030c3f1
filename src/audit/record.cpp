#include "audit/record.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>

#include "audit/redact.h"
#include "audit/resource.h"
#include "util/clock.h"
#include "util/random.h"

namespace cfiam::audit {
namespace json = boost::json;
namespace {

// The length of the valid UTF-8 sequence at the start of `s`, or 0.
std::size_t Utf8SequenceAt(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t n = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) n = 2;
  if (lead >= 0xE0 && lead <= 0xEF) n = 3;
  if (lead >= 0xF0 && lead <= 0xF4) n = 4;
  if (n == 0 || s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// A recorded header value is the client's choice: keep at most
// kMaxHeaderBytes of it, whole UTF-8 characters only, and replace bytes that
// are not UTF-8 (headers are opaque octets) with '?', so the entry stays
// valid JSON text.
std::string BoundedHeader(std::string_view value) {
  std::string out;
  out.reserve(std::min(value.size(), kMaxHeaderBytes));
  while (!value.empty()) {
    std::size_t n = Utf8SequenceAt(value);
    if (out.size() + std::max<std::size_t>(n, 1) > kMaxHeaderBytes) break;
    if (n == 0) {
      out += '?';
      n = 1;
    } else {
      out.append(value.substr(0, n));
    }
    value.remove_prefix(n);
  }
  return out;
}

std::string StringField(const json::value* v, std::string_view name) {
  if (!v || !v->is_object()) return {};
  const auto* f = v->as_object().if_contains(name);
  if (!f || !f->is_string()) return {};
  return std::string(f->as_string());
}

void DescribeActor(const auth::Principal& p, std::string_view token_name, AuditEntry& e) {
  e.actor_ip_address = p.client_ip;
  if (p.token) {
    e.actor_context = "api_token";
    e.actor_token_id = p.token.id().str();
    e.actor_token_name = token_name.empty() ? p.token.name() : token_name;
  } else {
    e.actor_context = "api_key";
  }
  if (p.is_account_token()) {
    // An account-owned token acts as the account itself.
    e.actor_type = "account";
    e.actor_id = p.token.account_id().str();
  } else {
    e.actor_type = "user";
    if (p.user) {
      e.actor_id = p.user->id;
      e.actor_email = p.user->email;
    }
  }
}

std::string Serialized(const json::value& v) {
  return HasSecretField(v) ? json::serialize(Redacted(v)) : json::serialize(v);
}

}  // namespace

AuditEntry Describe(const ChangeRequest& change, unsigned status, const json::value* result,
                    std::string_view error_body, std::string_view result_json) {
  AuditEntry e;
  const ResourceKind& kind = change.resource;
  const bool ok = status < 400;

  e.account_id = change.account_id;
  e.account_name = change.account_name;
  if (e.account_id.empty() && ok && result) {
    // A created account names itself; a membership names its account.
    if (kind.product == "accounts") {
      e.account_id = StringField(result, "id");
      e.account_name = StringField(result, "name");
    } else if (const auto* obj = result->if_object()) {
      if (const auto* acct = obj->if_contains("account")) {
        e.account_id = StringField(acct, "id");
        e.account_name = StringField(acct, "name");
      }
    }
  }
  if (ok && kind.product == "accounts" && result) {
    // An account's update is logged under its new name.
    if (std::string name = StringField(result, "name"); !name.empty()) e.account_name = name;
  }

  e.action_type = std::string(ActionType(change.method, kind));
  e.action_description = std::string(change.description);
  e.action_result = ok ? "success" : "failure";

  if (change.principal) DescribeActor(*change.principal, change.actor_token_name, e);

  e.raw_cf_ray_id = std::string(change.ray);
  e.raw_method = std::string(change.method);
  e.raw_status_code = status;
  e.raw_uri = std::string(change.uri);
  e.raw_user_agent = BoundedHeader(change.user_agent);
  e.raw_node_id = std::string(change.node_id);

  e.resource_product = kind.product;
  e.resource_type = kind.type;
  e.resource_scope = ScopeOf(change.route_path);
  if (!kind.id_param.empty() && change.params) {
    for (const auto& [name, value] : *change.params) {
      if (name == kind.id_param) e.resource_id = value;
    }
  }
  if (e.resource_id.empty() && ok) e.resource_id = StringField(result, "id");

  e.resource_request = change.body ? Serialized(*change.body) : "{}";
  if (ok) {
    if (result && result->is_object()) {
      e.resource_response = !result_json.empty() && !HasSecretField(*result)
                                ? std::string(result_json)
                                : Serialized(*result);
    } else if (result && !result->is_null()) {
      // Bare results (a rolled token's new secret) are kept only as their
      // redacted shape.
      json::object wrapped;
      wrapped["result"] = result->is_string() ? json::value(kRedacted) : Redacted(*result);
      e.resource_response = json::serialize(wrapped);
    }
  } else {
    boost::system::error_code ec;
    json::value parsed = json::parse(error_body, ec);
    json::object errors;
    if (!ec && parsed.is_object()) {
      if (const auto* list = parsed.as_object().if_contains("errors")) errors["errors"] = *list;
    }
    e.resource_response = json::serialize(errors);
  }
  return e;
}

void Record(store::Store& store, store::Tx& tx, AuditEntry& entry) {
  // On SQLite write transactions run one at a time, so this only has to be
  // monotonic across them: two entries in the same microsecond still order
  // by time, and commit order is time order. On PostgreSQL transactions run
  // concurrently and on several nodes; there the database raises the time
  // under a lock (migration 8) so that time order is commit order anyway.
  static std::atomic<Micros> last{0};
  Micros now = NowMicros();
  Micros prev = last.load();
  while (true) {
    if (now <= prev) now = prev + 1;
    if (last.compare_exchange_weak(prev, now)) break;
  }
  entry.time = now;
  entry.id = NewId();
  store.InsertAuditEntry(tx, entry);
}

}  // namespace cfiam::audit
