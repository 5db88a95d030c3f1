// Audit log rows: the filterable columns in audit_log (clustered by account
// and time), the bulky ones in audit_details.
//
// The list query has one fixed shape per direction whatever the filters: each
// field's value lists are bound as JSON arrays (NULL when unused) and read
// with json_each. A statement built per filter combination would give every
// combination its own entry in the connection's prepared-statement cache,
// which a client could grow without bound. json_each is SQLite's; PostgreSQL
// reads the same parameters with jsonb_array_elements_text (as text, so the
// one integer column is compared as text there).
#include <algorithm>
#include <boost/json.hpp>
#include <limits>

#include "store/store.h"

namespace cfiam::store {
namespace {

// Column of each AuditField, in enum order.
constexpr std::string_view kFieldColumns[kAuditFieldCount] = {
    "id",          "account_name",     "action_result",    "action_type",     "actor_context",
    "actor_email", "actor_id",         "actor_ip_address", "actor_token_id",  "actor_token_name",
    "actor_type",  "raw_cf_ray_id",    "raw_method",       "raw_status_code", "raw_uri",
    "resource_id", "resource_product", "resource_scope",   "resource_type",   "zone_id",
    "zone_name",
};

constexpr std::string_view kSelect =
    "SELECT l.id, l.time, l.account_id, l.account_name, l.action_type, l.action_result, "
    "l.actor_id, l.actor_type, l.actor_context, l.actor_email, l.actor_ip_address, "
    "l.actor_token_id, l.actor_token_name, l.raw_cf_ray_id, l.raw_method, l.raw_status_code, "
    "l.raw_uri, l.resource_id, l.resource_product, l.resource_type, l.resource_scope, l.zone_id, "
    "l.zone_name, d.action_description, d.raw_user_agent, d.resource_request, "
    "d.resource_response, d.raw_node_id "
    // LEFT JOIN keeps audit_log the outer loop: the scan walks the clustered
    // key in order and fetches details only for the rows it returns.
    "FROM audit_log l LEFT JOIN audit_details d ON d.id = l.id ";

// Parameters: account, lower and upper time bound (inclusive), the resume
// position (time, id), then per field its any_of twice and its none_of twice,
// then the limit.
std::string ListSql(bool descending, Dialect dialect) {
  std::string sql(kSelect);
  sql += "WHERE l.account_id = ? AND l.time >= ? AND l.time <= ? AND (l.time <> ? OR l.id ";
  sql += descending ? "<" : ">";
  sql += " ?)";
  for (std::string_view column : kFieldColumns) {
    const std::string col = "l." + std::string(column);
    if (dialect == Dialect::kPostgres) {
      const std::string text = column == "raw_status_code" ? "CAST(" + col + " AS TEXT)" : col;
      const std::string list = " (SELECT jsonb_array_elements_text(CAST(? AS JSONB))))";
      sql += " AND (CAST(? AS TEXT) IS NULL OR " + text + " IN" + list;
      sql += " AND (CAST(? AS TEXT) IS NULL OR " + text + " NOT IN" + list;
      continue;
    }
    sql += " AND (? IS NULL OR " + col + " IN (SELECT value FROM json_each(?)))";
    sql += " AND (? IS NULL OR " + col + " NOT IN (SELECT value FROM json_each(?)))";
  }
  sql += descending ? " ORDER BY l.time DESC, l.id DESC" : " ORDER BY l.time, l.id";
  sql += " LIMIT ?";
  return sql;
}

// The list statement of a direction and dialect, built once.
const std::string& AuditListSql(bool descending, Dialect dialect) {
  static const std::string kStatements[2][2] = {
      {ListSql(false, Dialect::kSqlite), ListSql(true, Dialect::kSqlite)},
      {ListSql(false, Dialect::kPostgres), ListSql(true, Dialect::kPostgres)}};
  return kStatements[dialect == Dialect::kPostgres][descending];
}

// A value list as a JSON array parameter; NULL when empty (no condition).
Value JsonList(const std::vector<Value>& values) {
  if (values.empty()) return nullptr;
  boost::json::array a;
  a.reserve(values.size());
  for (const Value& v : values) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      a.emplace_back(*s);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      a.emplace_back(*n);
    } else {
      a.emplace_back(nullptr);
    }
  }
  return boost::json::serialize(a);
}

AuditEntry ReadAuditEntry(const Row& r) {
  AuditEntry e;
  e.id = r.Str(0);
  e.time = r.Int(1);
  e.account_id = r.Str(2);
  e.account_name = r.Str(3);
  e.action_type = r.Str(4);
  e.action_result = r.Str(5);
  e.actor_id = r.Str(6);
  e.actor_type = r.Str(7);
  e.actor_context = r.Str(8);
  e.actor_email = r.Str(9);
  e.actor_ip_address = r.Str(10);
  e.actor_token_id = r.Str(11);
  e.actor_token_name = r.Str(12);
  e.raw_cf_ray_id = r.Str(13);
  e.raw_method = r.Str(14);
  e.raw_status_code = r.Int(15);
  e.raw_uri = r.Str(16);
  e.resource_id = r.Str(17);
  e.resource_product = r.Str(18);
  e.resource_type = r.Str(19);
  e.resource_scope = r.Str(20);
  e.zone_id = r.Str(21);
  e.zone_name = r.Str(22);
  e.action_description = r.Str(23);
  e.raw_user_agent = r.Str(24);
  e.resource_request = r.Str(25);
  e.resource_response = r.Str(26);
  e.raw_node_id = r.Str(27);
  return e;
}

}  // namespace

void Store::InsertAuditEntry(Tx& tx, const AuditEntry& e) {
  tx.Exec(
      "INSERT INTO audit_log (account_id, time, id, account_name, action_type, action_result, "
      "actor_id, actor_type, actor_context, actor_email, actor_ip_address, actor_token_id, "
      "actor_token_name, raw_cf_ray_id, raw_method, raw_status_code, raw_uri, resource_id, "
      "resource_product, resource_type, resource_scope, zone_id, zone_name) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {e.account_id,
       e.time,
       e.id,
       e.account_name,
       e.action_type,
       e.action_result,
       e.actor_id,
       e.actor_type,
       e.actor_context,
       e.actor_email,
       e.actor_ip_address,
       e.actor_token_id,
       e.actor_token_name,
       e.raw_cf_ray_id,
       e.raw_method,
       e.raw_status_code,
       e.raw_uri,
       e.resource_id,
       e.resource_product,
       e.resource_type,
       e.resource_scope,
       e.zone_id,
       e.zone_name});
  tx.Exec(
      "INSERT INTO audit_details (id, action_description, raw_user_agent, resource_request, "
      "resource_response, raw_node_id) VALUES (?, ?, ?, ?, ?, ?)",
      {e.id, e.action_description, e.raw_user_agent, e.resource_request, e.resource_response,
       e.raw_node_id});
}

std::vector<AuditEntry> Store::ListAuditEntries(Tx& tx, const AuditQuery& q) {
  const std::string& sql = AuditListSql(q.descending, dialect());
  Micros lower = q.since;
  Micros upper = q.before - 1;
  // Without a position, a resume time no row can have makes that term true.
  Value resume_time = std::numeric_limits<std::int64_t>::min();
  Value resume_id = std::string();
  if (q.after) {
    // The row at the position itself is excluded by the id comparison.
    if (q.descending) {
      upper = std::min(upper, q.after->time);
    } else {
      lower = std::max(lower, q.after->time);
    }
    resume_time = q.after->time;
    resume_id = q.after->id;
  }
  Params params{q.account_id, lower, upper, resume_time, resume_id};
  params.reserve(5 + 4 * kAuditFieldCount + 1);
  for (const AuditFilter& f : q.filters) {
    Value any = JsonList(f.any_of);
    Value none = JsonList(f.none_of);
    params.push_back(any);
    params.push_back(std::move(any));
    params.push_back(none);
    params.push_back(std::move(none));
  }
  params.emplace_back(q.limit);
  std::vector<AuditEntry> out;
  for (const Row& r : tx.Query(sql, params)) {
    out.push_back(ReadAuditEntry(r));
  }
  return out;
}

std::int64_t Store::PruneAuditEntries(Tx& tx, Micros older_than, std::int64_t limit) {
  // The same oldest-first chunk is selected twice in one write transaction,
  // so both deletes see the same rows (audit_log_time covers the subquery).
  constexpr std::string_view kChunk =
      "(SELECT id FROM audit_log WHERE time < ? ORDER BY time LIMIT ?)";
  tx.Exec("DELETE FROM audit_details WHERE id IN " + std::string(kChunk), {older_than, limit});
  return tx.Exec("DELETE FROM audit_log WHERE id IN " + std::string(kChunk), {older_than, limit});
}

}  // namespace cfiam::store
