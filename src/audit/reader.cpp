#include "audit/reader.h"

#include "util/failure.h"

namespace cfiam::audit {

LogPage LogReader::Read(const std::string& account_id, const ListRequest& request) const {
  store::AuditQuery q = request.query;
  q.account_id = account_id;
  if (request.cursor) {
    q.after = cursors_.Decode(*request.cursor, account_id, q.descending);
    if (!q.after) {
      throw Failure::Refused(
          "Invalid value for query parameter 'cursor': not a cursor this server "
          "issued for this account and direction");
    }
  }
  q.limit = request.limit + 1;
  LogPage page;
  {
    auto tx = store_.Read();
    page.entries = store_.ListAuditEntries(*tx, q);
  }
  if (static_cast<std::int64_t>(page.entries.size()) > request.limit) {
    page.entries.resize(static_cast<std::size_t>(request.limit));
    const AuditEntry& last = page.entries.back();
    page.next_cursor = cursors_.Encode(account_id, q.descending, {last.time, last.id});
  }
  return page;
}

}  // namespace cfiam::audit
