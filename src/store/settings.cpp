// The settings table: server-wide values such as generated secrets.
#include "store/store.h"

namespace cfiam::store {

std::optional<std::string> Store::GetSetting(Tx& tx, std::string_view name) {
  auto rows = tx.Query("SELECT value FROM settings WHERE name = ?", {std::string(name)});
  if (rows.empty()) return std::nullopt;
  return rows.front().Str(0);
}

void Store::InsertSettingIfAbsent(Tx& tx, std::string_view name, std::string_view value) {
  tx.Exec("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
          {std::string(name), std::string(value)});
}

void Store::PutSetting(Tx& tx, std::string_view name, std::string_view value) {
  tx.Exec(
      "INSERT INTO settings (name, value) VALUES (?, ?) "
      "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      {std::string(name), std::string(value)});
}

}  // namespace cfiam::store
