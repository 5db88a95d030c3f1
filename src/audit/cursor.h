// Audit-log cursors: an opaque, tamper-evident keyset position.
//
// A cursor is base64url(payload || HMAC-SHA256(key, payload || account_id)),
// where payload = version byte, direction byte ('d' or 'a'), the position's
// time (8 bytes, big-endian microseconds) and its id. It names a row, not an
// offset, so it stays valid while new entries arrive; it is bound to the
// account and the direction it was issued for. The key lives in the settings
// table, so cursors survive restarts.
//
// Thread-safety: a CursorCodec is immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace cfiam::audit {

class CursorCodec {
 public:
  // REQUIRES: `key` is secret and at least 32 bytes.
  explicit CursorCodec(std::string key) : key_(std::move(key)) {}

  std::string Encode(std::string_view account_id, bool descending,
                     const store::AuditPosition& position) const;
  // The position, or nullopt when the cursor is malformed, forged, or was
  // issued for another account or direction.
  std::optional<store::AuditPosition> Decode(std::string_view cursor, std::string_view account_id,
                                             bool descending) const;

 private:
  std::string Mac(std::string_view payload, std::string_view account_id) const;

  std::string key_;
};

// The server's cursor key: read from the settings table, or generated (32
// random bytes) and stored on first start. Safe when several processes race.
std::string LoadOrCreateCursorKey(store::Store& store);

}  // namespace cfiam::audit
