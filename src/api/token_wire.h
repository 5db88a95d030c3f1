// The wire form of API tokens, shared by the account-owned (tokens_api.cpp)
// and user-owned (user_tokens_api.cpp) families: rendering, reading create
// and update bodies, verification and the permission-group catalog. Ceiling
// checks (what the caller may hand out) stay with each family.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/page_cache.h"
#include "api/route.h"
#include "domain/tokens.h"

namespace cfiam::api {

// "expired" once expires_on has passed, else the stored status.
std::string EffectiveStatus(const Token& t);
std::string EffectiveStatus(const std::string& status, const std::optional<Micros>& expires_on);
// Whether a token of `status` and `expires_on` reads "expired" at `now`.
bool ExpiredAt(const std::string& status, const std::optional<Micros>& expires_on, Micros now);
// With `sp`, built in that storage (a page's arena, see PageReply).
boost::json::object RenderToken(const Token& t, const TokenService& tokens,
                                const boost::json::storage_ptr& sp = {});
// The same object written as text (json_text.h) into a list page, byte for
// byte what serializing RenderToken's object writes, with its last_used_on,
// and its status when it can expire, cut out as live values
// (api/page_cache.h: uses and the clock move them without a change-log
// entry); `stored` receives its stored last use (appended, in the order of
// the page's last-use values). The stored policies are spliced in as they
// are when already in canonical form.
void AppendTokenJson(CachedPage& page, const Token& t, StoredLastUsed& stored);
// Writes a live value AppendTokenJson cut out as `now` has it: the status
// (a JSON string) or `,"last_used_on":"..."` (nothing when never used).
void AppendLiveTokenValue(std::string& out, const LiveValue& v, const LiveNow& now);

// A page of `owner`'s tokens (GET .../tokens of either family), ordered by
// issue time (`direction`), through the rendered-page cache.
Reply TokenListReply(Context& ctx, const TokenOwner& owner);
// The same page from memory alone, on the I/O thread (Route::kept).
bool TokenListKept(const Context& ctx, const TokenOwner& owner, std::int64_t version, Reply& reply);

// Reads a create body: name, not_before/expires_on, policies and condition,
// compiled against the catalog. `own_account` is set for account-owned
// tokens (every resource must be that account). Throws 400 naming the field.
TokenDraft ReadCreateBody(const Context& ctx, std::optional<std::string_view> own_account);
// Reads an update body over `current`: absent fields keep their stored value,
// JSON null clears a time or the condition.
TokenDraft ReadUpdateBody(const Context& ctx, const Token& current,
                          std::optional<std::string_view> own_account);
// 400 unless the roll body is absent or {}.
void CheckRollBody(const Context& ctx);

// The result and message of a successful tokens/verify for `t`.
Reply VerifyReply(const auth::TokenRef& t);

// The token permission groups, filtered by the `name` and `scope` query
// parameters; `account_level_only` drops the user-scope groups.
Reply PermissionGroupsReply(const Context& ctx, bool account_level_only);

}  // namespace cfiam::api
