// The change log: every committed change that the in-memory authorization
// state mirrors appends (seq, kind, ids) in the same transaction as the
// change itself. The store's mutators append it (so no caller can forget);
// auth::ChangeFeed applies the entries after seq N, in seq order, once they
// are committed. Entries name what changed, not how: applying one re-reads
// the entity (absent = erased), so applying an entry twice is harmless.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "domain/model.h"

namespace cfiam::store {

enum class ChangeKind {
  kUser,           // id = user id (profile, tenant admin flag, API key)
  kAccount,        // id = account id; absent = deleted with all under it
  kMember,         // id = member id; account_id and user_id name the pair
  kToken,          // id = token id
  kResourceGroup,  // id = group id, account_id its account
  kUserGroup,      // id = group id, account_id its account
};

std::string_view ChangeKindName(ChangeKind kind);
// False for a name no ChangeKindName returns (a newer writer's kind).
bool ParseChangeKind(std::string_view name, ChangeKind& kind);

struct Change {
  std::int64_t seq = 0;
  ChangeKind kind = ChangeKind::kUser;
  std::string id;
  std::string account_id;
  std::string user_id;
};

// What an entry's entity is once its transaction commits, as the writer knew
// it: handed to this process's change feed (Store::set_change_image_sink)
// when the change is durable, so the feed need not read back what this node
// just wrote. Exactly what applying the entry would read, or not made at
// all: only for writes whose result the writer knows to the byte (a new user;
// a new member without policies). The feed uses it only while no later entry
// may have changed the entity again (auth/change_feed.cpp).
struct ChangeImage {
  Change change;                            // the entry, seq included
  std::optional<User> user;                 // kUser: the row (no API key)
  std::optional<Member> member;             // kMember: the row, roles sorted
};
using ChangeImageSink = std::function<void(ChangeImage)>;

}  // namespace cfiam::store
