// Serving list pages through the rendered-page cache (api/page_cache.h):
// GET /accounts/{id}/members, /accounts/{id}/tokens and /user/tokens.
//
// A page is always written as a CachedPage (the whole response body, with
// its live values cut out) and then assembled, cache or no cache: the bytes
// a client gets do not depend on whether the page came from the cache, and
// with --list-cache-mib 0 the same code runs minus the lookup.
//
// Authorization has run before the handler (the dispatcher), on every
// request; a hit skips only reading and rendering the rows.
//
// Who may keep a page: a read transaction (a change's own transaction may see
// its uncommitted writes), and only when the node's in-memory directory has
// applied every change up to the version the page was read at (a member's
// policies name their resource groups from the directory; a page rendered
// while the directory lagged the store would freeze the old names).
//
// Serving a kept page: one without live values (members) is sent as its one
// piece, shared, not copied. A token page needs its tokens' stored last uses
// (a use reaches the store without a change-log entry, so the version does
// not say when they move): a read of them is kept with the page and reused
// while it is at most kStoredUsesFresh old, then read again in the request's
// transaction. This node's own uses come from memory on every request
// (exact); another node's use, once in the store, shows within that bound.
// The body assembled last is reused while every live value is as it was.
//
// On the I/O thread (KeptListReply, a route's Route::kept): the dispatcher
// has authenticated and authorized the request and names the version to
// serve at without a store read (the change feed's position on a node whose
// state is confirmed current, with every change it acknowledged applied: see
// Dispatcher::AnswerInline). A page kept at exactly that version is served
// from memory when every live value can be: a token page only while its
// read of the stored last uses is fresh (within kStoredUsesFresh). Anything
// else is left to the worker, which reads the version and the uses from the
// store as above.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "api/page_cache.h"
#include "api/pagination.h"
#include "api/route.h"
#include "api/services.h"

namespace cfiam::api {

// How long a kept page's read of its tokens' stored last uses is reused.
inline constexpr std::chrono::steady_clock::duration kStoredUsesFresh = std::chrono::seconds(1);

// Writes the envelope up to the result's '['.
void BeginPageBody(CachedPage& page);
// Writes the result's ']', result_info and the envelope's end.
void EndPageBody(CachedPage& page, const PageParams& params, std::size_t count, std::int64_t total);

// The response body: `page` with each live value as it is now.
std::string AssemblePage(const CachedPage& page, const Services& services,
                         const StoredLastUsed& stored);

// The reply for the list page `key` names from memory alone, on the I/O
// thread: true and `reply` when the page is kept at exactly `version` and
// its live values need no store read; false otherwise, having read, counted
// and changed nothing (the request then goes to CachedListReply on a
// worker). REQUIRES: `version` is a position every change acknowledged to
// a client of this node, and every change committed anywhere before the
// state's last confirmation, is at or below (the dispatcher vouches).
bool KeptListReply(Services& services, const std::string& key, std::int64_t version, Reply& reply);

// The reply for the list page `key` names (route, owner and every parameter
// the page depends on, normalized). `render(page, stored)` reads the page
// in ctx.tx() and writes it (between BeginPageBody and EndPageBody), filling
// `stored` for the tokens it writes.
template <class Render>
Reply CachedListReply(Context& ctx, const std::string& key, Render&& render);

// --- implementation -------------------------------------------------------

namespace list_cache_detail {
// The stored last uses of the tokens `page` shows, read in `tx`.
StoredLastUsed ReadStoredLastUsed(Services& services, store::Tx& tx, const CachedPage& page);
Reply BodyReply(std::string body);
// The reply for `page`, kept or about to be, with `stored` its tokens' stored
// last uses.
Reply KeptPageReply(std::shared_ptr<const CachedPage> page, const Services& services,
                    const StoredLastUsed& stored);
// The reply for `page` found kept, for a request whose transaction began
// (its first statement not yet run) at `began`.
Reply HitReply(std::shared_ptr<const CachedPage> page, Services& services, store::Tx& tx,
               std::chrono::steady_clock::time_point began);
}  // namespace list_cache_detail

template <class Render>
Reply CachedListReply(Context& ctx, const std::string& key, Render&& render) {
  Services& services = ctx.services;
  PageCache& cache = services.list_pages;
  if (!cache.enabled() || ctx.change != nullptr) {
    CachedPage page;
    StoredLastUsed stored;
    render(page, stored);
    return list_cache_detail::BodyReply(AssemblePage(page, services, stored));
  }
  store::Tx& tx = ctx.tx();
  // Taken before the version read, the transaction's first statement: on
  // both engines its snapshot is taken there, so it is no older than this.
  const auto began = std::chrono::steady_clock::now();
  const std::int64_t version = services.store.Version(tx);
  if (auto hit = cache.Find(key, version)) {
    return list_cache_detail::HitReply(std::move(hit), services, tx, began);
  }
  // Read before rendering: what the directory had applied when the render
  // began reading it.
  const bool directory_current = services.feed.applied() >= version;
  auto page = std::make_shared<CachedPage>();
  StoredLastUsed stored;
  render(*page, stored);
  auto kept = page->KeepStored({began, std::move(stored)});
  if (directory_current) cache.Put(key, version, page);
  return list_cache_detail::KeptPageReply(std::move(page), services, kept->values);
}

}  // namespace cfiam::api
