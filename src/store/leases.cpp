#include "store/leases.h"

#include "obs/log.h"

namespace cfiam::store {
namespace {

// A lease transaction touches one row and must see what other nodes committed
// meanwhile (a serializable snapshot would fail with 40001 on a row another
// contender just renewed): READ COMMITTED, as for the classic SKIP LOCKED
// queue. SQLite's transactions are serial anyway.
void ReadCommitted(Store& store, Tx& tx) {
  if (store.dialect() == Dialect::kPostgres) {
    tx.Exec("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
  }
}

std::int64_t Micros(std::chrono::milliseconds ttl) { return ttl.count() * 1000; }

}  // namespace

std::string_view Leases::NowSql(Dialect dialect) {
  if (dialect == Dialect::kPostgres) {
    // clock_timestamp(), not now(): the time of the statement, not of the
    // transaction's start.
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)";
  }
  // Julian days to Unix microseconds (SQLite's clock has milliseconds).
  return "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)";
}

bool Leases::Acquire(std::string_view name, std::string_view holder,
                     std::chrono::milliseconds ttl) {
  const std::string now(NowSql(store_.dialect()));
  // Skips a row a contender has locked: that contender is taking or renewing
  // it right now, so it is not ours to take this time.
  const std::string_view skip =
      store_.dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
  bool got = false;
  store_.WriteRetrying([&](Tx& tx) {
    got = false;
    ReadCommitted(store_, tx);
    const auto rows = tx.Query(
        "SELECT holder, expires_at, " + now + " FROM leases WHERE name = ?" + std::string(skip),
        {std::string(name)});
    if (!rows.empty()) {
      const bool live = rows[0].Int(1) > rows[0].Int(2);
      if (live && rows[0].Str(0) != holder) return;
      tx.Exec("UPDATE leases SET holder = ?, expires_at = " + now +
                  " + CAST(? AS BIGINT) WHERE name = ?",
              {std::string(holder), Micros(ttl), std::string(name)});
      got = true;
    } else {
      // Absent, or locked by a contender (then the row exists and this
      // inserts nothing, without waiting for that contender's lock).
      got = tx.Exec("INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, " + now +
                        " + CAST(? AS BIGINT)) ON CONFLICT (name) DO NOTHING",
                    {std::string(name), std::string(holder), Micros(ttl)}) == 1;
    }
  });
  return got;
}

void Leases::TakeIn(Tx& tx, Dialect dialect, std::string_view name, std::string_view holder,
                    std::chrono::milliseconds ttl) {
  tx.Exec("INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, " +
              std::string(NowSql(dialect)) +
              " + CAST(? AS BIGINT)) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
              "expires_at = excluded.expires_at",
          {std::string(name), std::string(holder), Micros(ttl)});
}

void Leases::DropIn(Tx& tx, std::string_view name) {
  tx.Exec("DELETE FROM leases WHERE name = ?", {std::string(name)});
}

void Leases::Take(std::string_view name, std::string_view holder, std::chrono::milliseconds ttl) {
  store_.WriteRetrying([&](Tx& tx) {
    ReadCommitted(store_, tx);
    TakeIn(tx, store_.dialect(), name, holder, ttl);
  });
}

bool Leases::Renew(std::string_view name, std::string_view holder, std::chrono::milliseconds ttl) {
  const std::string now(NowSql(store_.dialect()));
  bool held = false;
  store_.WriteRetrying([&](Tx& tx) {
    ReadCommitted(store_, tx);
    held = tx.Exec("UPDATE leases SET expires_at = " + now +
                       " + CAST(? AS BIGINT) WHERE name = ? AND holder = ?",
                   {Micros(ttl), std::string(name), std::string(holder)}) == 1;
  });
  return held;
}

std::vector<std::string> Leases::RenewAll(std::string_view prefix, std::string_view holder,
                                          std::chrono::milliseconds ttl) {
  const std::string now(NowSql(store_.dialect()));
  std::string pattern;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  std::vector<std::string> held;
  store_.WriteRetrying([&](Tx& tx) {
    held.clear();
    ReadCommitted(store_, tx);
    const Params params = {std::string(holder), pattern};
    tx.Exec("UPDATE leases SET expires_at = " + now +
                " + CAST(? AS BIGINT) WHERE holder = ? AND name LIKE ? ESCAPE '\\'",
            {Micros(ttl), std::string(holder), pattern});
    for (const Row& r :
         tx.Query("SELECT name FROM leases WHERE holder = ? AND name LIKE ? ESCAPE '\\'", params)) {
      held.push_back(r.Str(0));
    }
  });
  return held;
}

void Leases::Release(std::string_view name, std::string_view holder) {
  store_.WriteRetrying([&](Tx& tx) {
    ReadCommitted(store_, tx);
    tx.Exec("DELETE FROM leases WHERE name = ? AND holder = ?",
            {std::string(name), std::string(holder)});
  });
}

std::optional<LeaseInfo> Leases::Get(std::string_view name) {
  auto tx = store_.Read();
  const auto rows =
      tx->Query("SELECT holder, expires_at, " + std::string(NowSql(store_.dialect())) +
                    " FROM leases WHERE name = ?",
                {std::string(name)});
  if (rows.empty()) return std::nullopt;
  return LeaseInfo{rows[0].Str(0), rows[0].Int(1), rows[0].Int(2)};
}

bool LeasedJob::Hold() {
  const auto now = std::chrono::steady_clock::now();
  if (held_ && now - renewed_ < term_ / 3) return true;
  const bool held = leases_.Acquire(name_, holder_, term_);
  renewed_ = now;
  if (held != held_) {
    obs::log::Info(held ? "cluster job taken" : "cluster job taken over by another node",
                   {{"job", name_}});
  }
  held_ = held;
  return held;
}

void LeasedJob::Release() {
  if (!held_) return;
  held_ = false;
  try {
    leases_.Release(name_, holder_);
  } catch (const std::exception&) {
    // It expires by itself.
  }
}

}  // namespace cfiam::store
