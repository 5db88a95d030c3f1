// LogReader: one page of an account's audit log, with the cursor of the next.
//
// Keyset pagination: the reader fetches limit+1 rows past the cursor's
// position; the extra row only tells that another page exists. The next
// cursor names the page's last row, so entries recorded meanwhile never shift
// a page (no loss, no duplicates), whatever the direction.
//
// Thread-safety: shared by all requests; each Read uses its own transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/cursor.h"
#include "audit/query.h"
#include "store/store.h"

namespace cfiam::audit {

struct LogPage {
  std::vector<AuditEntry> entries;
  std::optional<std::string> next_cursor;  // absent on the page that ends the results
};

class LogReader {
 public:
  LogReader(store::Store& store, std::string cursor_key)
      : store_(store), cursors_(std::move(cursor_key)) {}

  // Throws Failure 400 when the request's cursor does not verify for this
  // account and direction.
  LogPage Read(const std::string& account_id, const ListRequest& request) const;

  const CursorCodec& cursors() const { return cursors_; }

 private:
  store::Store& store_;
  CursorCodec cursors_;
};

}  // namespace cfiam::audit
