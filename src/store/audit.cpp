// Audit log rows: the filterable columns in audit_log (clustered by account
// and time), the bulky ones in audit_details.
#include "store/store.h"

namespace cfiam::store {

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
      "resource_response) VALUES (?, ?, ?, ?, ?)",
      {e.id, e.action_description, e.raw_user_agent, e.resource_request, e.resource_response});
}

}  // namespace cfiam::store
