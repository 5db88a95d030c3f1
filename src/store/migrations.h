// Versioned schema migrations, applied in order at start-up inside one write
// transaction each. A migration is never edited once released: add a new one.
#pragma once

#include "store/db.h"

namespace cfiam::store {

// Applies every migration newer than the database's version. Returns the
// resulting schema version. Throws DbError on failure (nothing half-applied).
int ApplyMigrations(Db& db);

}  // namespace cfiam::store
