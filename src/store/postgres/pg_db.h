// PostgreSQL engine internals exposed for unit tests. Open one with
// store::OpenPostgres (store/db.h).
#pragma once

#include <string>
#include <string_view>

#include "store/db.h"

namespace cfiam::store::pg {

// Rewrites the portable `?` placeholders to PostgreSQL's `$1, $2, ...` in
// order, leaving `?` inside string literals, quoted identifiers and comments
// alone. Sets `count` to the number of placeholders.
std::string RewritePlaceholders(std::string_view sql, int& count);

// The DbError kind of a PostgreSQL SQLSTATE: integrity violations (class 23)
// are kConstraint; serialization failures and deadlocks are kRetry; a lock
// not available is kBusy; a lost connection or a server shutting down is
// kUnavailable; anything else kOther.
DbError::Kind KindOfSqlState(std::string_view sqlstate);

}  // namespace cfiam::store::pg
