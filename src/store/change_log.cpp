#include "store/change_log.h"

#include <array>
#include <utility>

#include "store/store.h"
#include "util/clock.h"

namespace cfiam::store {
namespace {

constexpr std::array<std::pair<ChangeKind, std::string_view>, 6> kNames = {{
    {ChangeKind::kUser, "user"},
    {ChangeKind::kAccount, "account"},
    {ChangeKind::kMember, "member"},
    {ChangeKind::kToken, "token"},
    {ChangeKind::kResourceGroup, "resource_group"},
    {ChangeKind::kUserGroup, "user_group"},
}};

}  // namespace

std::string_view ChangeKindName(ChangeKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "user";
}

bool ParseChangeKind(std::string_view name, ChangeKind& kind) {
  for (const auto& [k, n] : kNames) {
    if (n == name) {
      kind = k;
      return true;
    }
  }
  return false;
}

void Store::LogChange(Tx& tx, ChangeKind kind, std::string_view id, std::string_view account_id,
                      std::string_view user_id) {
  tx.Exec("INSERT INTO change_log (kind, id, account_id, user_id, time) VALUES (?, ?, ?, ?, ?)",
          {std::string(ChangeKindName(kind)), std::string(id), std::string(account_id),
           std::string(user_id), NowMicros()});
}

void Store::LogChangeWithImage(Tx& tx, ChangeImage image) {
  Change& c = image.change;
  if (!image_sink_ || (!image.user && !image.member)) {
    LogChange(tx, c.kind, c.id, c.account_id, c.user_id);
    return;
  }
  // The seq the entry got (PostgreSQL draws it in a trigger).
  c.seq = tx.InsertReturningKey(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) VALUES (?, ?, ?, ?, ?)",
      {std::string(ChangeKindName(c.kind)), c.id, c.account_id, c.user_id, NowMicros()}, "seq");
  tx.OnDurable(
      [sink = image_sink_, image = std::move(image)]() mutable { sink(std::move(image)); });
}

std::vector<Change> Store::ChangesAfter(Tx& tx, std::int64_t seq, std::int64_t limit) {
  std::vector<Change> out;
  for (const Row& r : tx.Query("SELECT seq, kind, id, account_id, user_id FROM change_log "
                               "WHERE seq > ? ORDER BY seq LIMIT ?",
                               {seq, limit})) {
    Change c;
    c.seq = r.Int(0);
    // An unknown kind (written by a newer node) still advances the seq; it
    // re-reads as a user change, which is harmless.
    if (!ParseChangeKind(r.Str(1), c.kind)) c.kind = ChangeKind::kUser;
    c.id = r.Str(2);
    c.account_id = r.Str(3);
    c.user_id = r.Str(4);
    out.push_back(std::move(c));
  }
  return out;
}

std::int64_t Store::LatestChangeSeq(Tx& tx) {
  auto rows = tx.Query("SELECT MAX(seq) FROM change_log");
  return rows.empty() ? 0 : rows[0].Int(0);
}

std::int64_t Store::PruneChanges(Tx& tx, std::int64_t upto, std::int64_t limit) {
  const std::int64_t n = tx.Exec(
      "DELETE FROM change_log WHERE seq IN (SELECT seq FROM change_log WHERE seq <= ? "
      "ORDER BY seq LIMIT ?)",
      {upto, limit});
  // The watermark says "entries up to here may be gone", so it may run ahead
  // of what a partial pass deleted: a reader below it reloads, which is safe.
  if (n > 0) {
    tx.Exec("UPDATE change_log_pruned SET upto = ? WHERE id = 1 AND upto < ?", {upto, upto});
  }
  return n;
}

std::int64_t Store::ChangesPrunedUpto(Tx& tx) {
  auto rows = tx.Query("SELECT upto FROM change_log_pruned WHERE id = 1");
  return rows.empty() ? 0 : rows[0].Int(0);
}

}  // namespace cfiam::store
