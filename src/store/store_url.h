// The --store option: which engine holds the data, and where.
#pragma once

#include <string>
#include <string_view>

namespace cfiam::store {

struct StoreUrl {
  enum class Engine { kSqlite, kPostgres };
  Engine engine = Engine::kSqlite;
  std::string conninfo;  // kPostgres: what libpq connects with (may hold a password)
  std::string display;   // safe to log: the engine and address, never a password
};

// Parses `sqlite` (the file in the data directory), a
// `postgres://user[:password]@host[:port]/dbname` URL (also `postgresql://`),
// or libpq's `key=value ...` form. Throws std::invalid_argument saying what
// is wrong (without echoing a password).
StoreUrl ParseStoreUrl(std::string_view text);

}  // namespace cfiam::store
