#include "store/leases.h"
#include "store/store.h"

namespace cfiam::store {
namespace {

constexpr std::string_view kColumns =
    "id, account_id, email_domain, enabled, use_fedramp_language, verification_code, "
    "verification_status, verification_generation, created_on, updated_on";

SsoConnector ReadConnector(const Row& r) {
  SsoConnector c;
  c.id = r.Str(0);
  c.account_id = r.Str(1);
  c.email_domain = r.Str(2);
  c.enabled = r.Int(3) != 0;
  c.use_fedramp_language = r.Int(4) != 0;
  c.verification_code = r.Str(5);
  c.verification_status = r.Str(6);
  c.verification_generation = r.Int(7);
  c.created_on = r.Int(8);
  c.updated_on = r.Int(9);
  return c;
}

std::vector<SsoConnector> ReadAll(const std::vector<Row>& rows) {
  std::vector<SsoConnector> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(ReadConnector(r));
  return out;
}

}  // namespace

void Store::InsertSsoConnector(Tx& tx, const SsoConnector& c) {
  tx.Exec("INSERT INTO sso_connectors (" + std::string(kColumns) +
              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {c.id, c.account_id, c.email_domain, std::int64_t{c.enabled},
           std::int64_t{c.use_fedramp_language}, c.verification_code, c.verification_status,
           c.verification_generation, c.created_on, c.updated_on});
}

std::optional<SsoConnector> Store::GetSsoConnector(Tx& tx, std::string_view account_id,
                                                   std::string_view id) {
  auto rows = tx.Query(
      "SELECT " + std::string(kColumns) + " FROM sso_connectors WHERE account_id = ? AND id = ?",
      {std::string(account_id), std::string(id)});
  if (rows.empty()) return std::nullopt;
  return ReadConnector(rows.front());
}

std::vector<SsoConnector> Store::ListSsoConnectors(Tx& tx, std::string_view account_id) {
  return ReadAll(tx.Query("SELECT " + std::string(kColumns) +
                              " FROM sso_connectors WHERE account_id = ? ORDER BY created_on, id",
                          {std::string(account_id)}));
}

bool Store::HasSsoConnectorForDomain(Tx& tx, std::string_view account_id, std::string_view domain) {
  return !tx.Query("SELECT 1 FROM sso_connectors WHERE account_id = ? AND email_domain = ?",
                   {std::string(account_id), std::string(domain)})
              .empty();
}

bool Store::IsSsoDomainEnabledElsewhere(Tx& tx, std::string_view account_id,
                                        std::string_view domain) {
  return !tx.Query(
                "SELECT 1 FROM sso_connectors WHERE email_domain = ? AND enabled = 1 AND "
                "account_id <> ?",
                {std::string(domain), std::string(account_id)})
              .empty();
}

void Store::UpdateSsoConnector(Tx& tx, const SsoConnector& c) {
  tx.Exec(
      "UPDATE sso_connectors SET enabled = ?, use_fedramp_language = ?, verification_status = ?, "
      "verification_generation = ?, updated_on = ? WHERE id = ?",
      {std::int64_t{c.enabled}, std::int64_t{c.use_fedramp_language}, c.verification_status,
       c.verification_generation, c.updated_on, c.id});
}

bool Store::DeleteSsoConnector(Tx& tx, std::string_view account_id, std::string_view id) {
  return tx.Exec("DELETE FROM sso_connectors WHERE account_id = ? AND id = ?",
                 {std::string(account_id), std::string(id)}) > 0;
}

bool Store::SetSsoVerificationResult(Tx& tx, std::string_view id, std::int64_t generation,
                                     std::string_view status, Micros now) {
  return tx.Exec(
             "UPDATE sso_connectors SET verification_status = ?, updated_on = ? WHERE id = ? AND "
             "verification_generation = ? AND verification_status = 'pending'",
             {std::string(status), now, std::string(id), generation}) > 0;
}

std::vector<SsoConnector> Store::ListPendingSsoConnectors(Tx& tx) {
  return ReadAll(tx.Query("SELECT " + std::string(kColumns) +
                          " FROM sso_connectors WHERE verification_status = 'pending'"));
}

std::vector<SsoConnector> Store::ListUnleasedPendingSsoConnectors(Tx& tx) {
  return ReadAll(
      tx.Query("SELECT " + std::string(kColumns) +
               " FROM sso_connectors WHERE verification_status = 'pending' AND NOT EXISTS "
               "(SELECT 1 FROM leases WHERE leases.name = 'sso:' || sso_connectors.id "
               "AND leases.expires_at > " +
               std::string(Leases::NowSql(dialect())) + ")"));
}

std::int64_t Store::DropOrphanSsoLeases(Tx& tx) {
  return tx.Exec(
      "DELETE FROM leases WHERE name LIKE 'sso:%' AND expires_at <= " +
      std::string(Leases::NowSql(dialect())) +
      " AND NOT EXISTS (SELECT 1 FROM sso_connectors WHERE 'sso:' || sso_connectors.id = "
      "leases.name AND verification_status = 'pending')");
}

}  // namespace cfiam::store
