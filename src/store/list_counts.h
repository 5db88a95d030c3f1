// Store-internal: the size of every paged list, kept in list_counts by the
// store's mutators in the same transaction as the rows they count, so a page's
// result_info.total_count is one primary-key read instead of a COUNT(*) over
// the account.
//
// Lists (owner id -> list name):
//   ""             accounts                       every account
//   account id     members, members:<status>      the account's members
//   account id     account_tokens, user_groups
//   user id        user_tokens
//   user group id  group_members
// Rows of a deleted owner are removed with it (DeleteAccount, DeleteUserGroup);
// a missing row counts 0. A user's memberships are not kept: each would be two
// more rows to write on every member insert (measured: member creates/s drop
// noticeably), and a user's memberships are few; their lists count the user's
// rows of index members_user instead.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/db.h"

namespace cfiam::store {

std::int64_t CountOf(Tx& tx, std::string_view owner_id, std::string_view list);
// Adds `delta` (may be negative) to a list's size.
void AddCount(Tx& tx, std::string_view owner_id, std::string_view list, std::int64_t delta);
// Sets a list's size.
void PutCount(Tx& tx, std::string_view owner_id, std::string_view list, std::int64_t n);
// Forgets every list of `owner_id`.
void DropCounts(Tx& tx, std::string_view owner_id);

// A member joining (delta 1) or leaving (-1) its account's lists.
void CountMember(Tx& tx, std::string_view account_id, std::string_view status, std::int64_t delta);

}  // namespace cfiam::store
