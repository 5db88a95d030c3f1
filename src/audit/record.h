// Recording: turns one change request and its outcome into an AuditEntry.
// The dispatcher gathers what it knows of the request; Describe decides what
// the entry says (actor, action, resource, raw) and redacts the bodies.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/resource.h"
#include "auth/principal.h"
#include "domain/model.h"
#include "store/store.h"

namespace cfiam::audit {

// Recorded header values (User-Agent) are cut to this many bytes.
inline constexpr std::size_t kMaxHeaderBytes = 512;

struct ChangeRequest {
  std::string_view method;       // "POST"
  std::string_view route_path;   // the route's template
  std::string_view description;  // the route's audit description
  ResourceKind resource;         // what the route declares it acts on
  const std::vector<std::pair<std::string_view, std::string>>* params = nullptr;
  std::string_view uri;  // the request path below /client/v4, without the query
  std::string_view ray;
  std::string_view user_agent;
  std::string_view node_id;  // this node's --node-id (raw.node_id)
  const auth::Principal* principal = nullptr;
  const boost::json::value* body = nullptr;  // the parsed request body, if any
  // The account the change belongs to, when the dispatcher knows it before
  // the handler runs (path parameter or membership); else taken from the
  // result. Empty when there is none.
  std::string account_id;
  std::string account_name;
  // The name of the principal's token, read from the store by the
  // dispatcher (the in-memory snapshot keeps no names). When empty, the
  // name a principal built from a whole Token carries.
  std::string actor_token_name;
};

// The entry for `change` answered with `status`. On success `result` is the
// response's result; on failure `error_body` is the error envelope sent.
// Leaves id and time empty: Record() sets them. `result_json`, when not
// empty, is json::serialize(*result), which the caller already wrote (the
// response's): it is not written again.
AuditEntry Describe(const ChangeRequest& change, unsigned status, const boost::json::value* result,
                    std::string_view error_body, std::string_view result_json = {});

// Stamps `entry` with a fresh id and the log's next time, and inserts it in
// `tx`. REQUIRES: `tx` is a write transaction, so stamping follows commit
// order and the log's (time, id) order never runs behind what is visible.
void Record(store::Store& store, store::Tx& tx, AuditEntry& entry);

}  // namespace cfiam::audit
