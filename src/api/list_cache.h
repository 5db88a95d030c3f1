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
#pragma once

#include <string>
#include <utility>

#include "api/page_cache.h"
#include "api/pagination.h"
#include "api/route.h"
#include "api/services.h"

namespace cfiam::api {

// Writes the envelope up to the result's '['.
void BeginPageBody(CachedPage& page);
// Writes the result's ']', result_info and the envelope's end.
void EndPageBody(CachedPage& page, const PageParams& params, std::size_t count, std::int64_t total);

// The response body: `page` with each live value as it is now.
std::string AssemblePage(const CachedPage& page, const Services& services,
                         const StoredLastUsed& stored);

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
  // First in the transaction: on both engines its snapshot is taken here.
  const std::int64_t version = services.store.Version(tx);
  if (auto hit = cache.Find(key, version)) {
    return list_cache_detail::BodyReply(
        AssemblePage(*hit, services, list_cache_detail::ReadStoredLastUsed(services, tx, *hit)));
  }
  // Read before rendering: what the directory had applied when the render
  // began reading it.
  const bool directory_current = services.feed.applied() >= version;
  auto page = std::make_shared<CachedPage>();
  StoredLastUsed stored;
  render(*page, stored);
  Reply reply = list_cache_detail::BodyReply(AssemblePage(*page, services, stored));
  if (directory_current) cache.Put(key, version, std::move(page));
  return reply;
}

}  // namespace cfiam::api
