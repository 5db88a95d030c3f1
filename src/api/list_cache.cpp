#include "api/list_cache.h"

#include "api/json_text.h"
#include "api/token_wire.h"
#include "obs/metrics.h"

namespace cfiam::api {

void BeginPageBody(CachedPage& page) {
  // What SuccessBody writes for a reply with no messages.
  page.text().append(R"({"success":true,"errors":[],"messages":[],"result":[)");
}

void EndPageBody(CachedPage& page, const PageParams& params, std::size_t count,
                 std::int64_t total) {
  std::string& out = page.text();
  out.append(R"(],"result_info":)");
  AppendJson(out, PageInfo(params, count, total));
  out.push_back('}');
}

namespace {

// Each live value of `page` as it is now.
std::vector<LiveNow> LiveValuesNow(const CachedPage& page, const Services& services,
                                   const StoredLastUsed& stored) {
  std::vector<LiveNow> now;
  now.reserve(page.live.size());
  const Micros clock = NowMicros();  // one reading for the whole page
  const std::vector<std::optional<Micros>> used_on =
      services.tokens.LastUsedOnEach(page.used_keys, stored);
  std::size_t used = 0;
  for (const LiveValue& v : page.live) {
    if (v.kind == LiveValue::Kind::kTokenStatus) {
      now.push_back({ExpiredAt(v.status, v.expires_on, clock), std::nullopt});
    } else {
      now.push_back({false, used_on[used++]});
    }
  }
  return now;
}

std::string Assemble(const CachedPage& page, const std::vector<LiveNow>& now) {
  std::size_t size = 0;
  for (const std::string& p : page.pieces) size += p.size();
  std::string out;
  out.reserve(size + page.live.size() * 48);
  out.append(page.pieces.front());
  for (std::size_t i = 0; i < page.live.size(); ++i) {
    AppendLiveTokenValue(out, page.live[i], now[i]);
    out.append(page.pieces[i + 1]);
  }
  return out;
}

Reply SharedReply(std::shared_ptr<const std::string> body) {
  Reply reply;
  reply.body_shared = std::move(body);
  return reply;
}

}  // namespace

std::string AssemblePage(const CachedPage& page, const Services& services,
                         const StoredLastUsed& stored) {
  return Assemble(page, LiveValuesNow(page, services, stored));
}

bool KeptListReply(Services& services, const std::string& key, std::int64_t version, Reply& reply) {
  std::shared_ptr<const CachedPage> page = services.list_pages.Peek(key, version);
  if (!page) return false;
  std::shared_ptr<const StoredRead> stored;
  if (!page->used_keys.empty()) {
    // As HitReply's bound, from now rather than from a transaction's start.
    stored = page->StoredSince(std::chrono::steady_clock::now() - kStoredUsesFresh);
    if (!stored) return false;  // due a read of the store: a worker's
  }
  static const StoredLastUsed kNone;
  reply =
      list_cache_detail::KeptPageReply(std::move(page), services, stored ? stored->values : kNone);
  obs::metrics::CountListCache(true);
  obs::metrics::CountListCacheInline();
  return true;
}

namespace list_cache_detail {

StoredLastUsed ReadStoredLastUsed(Services& services, store::Tx& tx, const CachedPage& page) {
  std::vector<std::string> ids;
  for (const LiveValue& v : page.live) {
    if (v.kind == LiveValue::Kind::kTokenLastUsed) ids.push_back(v.token_id);
  }
  const auto found = services.store.TokensLastUsed(tx, ids);
  StoredLastUsed stored;
  stored.reserve(ids.size());
  for (const std::string& id : ids) {
    const auto it = found.find(id);
    stored.push_back(it == found.end() ? std::nullopt : std::optional(it->second));
  }
  return stored;
}

Reply BodyReply(std::string body) {
  Reply reply;
  reply.body_text = std::move(body);
  return reply;
}

Reply KeptPageReply(std::shared_ptr<const CachedPage> page, const Services& services,
                    const StoredLastUsed& stored) {
  if (page->live.empty()) {
    // The page is its one piece: shared with the response (which keeps the
    // page alive until it is written), not copied.
    const std::string& piece = page->pieces.front();
    return SharedReply(std::shared_ptr<const std::string>(std::move(page), &piece));
  }
  std::vector<LiveNow> now = LiveValuesNow(*page, services, stored);
  if (auto body = page->BodyFor(now)) return SharedReply(std::move(body));
  auto body = std::make_shared<const std::string>(Assemble(*page, now));
  page->KeepBody(std::move(now), body);
  return SharedReply(std::move(body));
}

Reply HitReply(std::shared_ptr<const CachedPage> page, Services& services, store::Tx& tx,
               std::chrono::steady_clock::time_point began) {
  std::shared_ptr<const StoredRead> stored;
  if (!page->used_keys.empty()) {
    stored = page->StoredSince(began - kStoredUsesFresh);
    if (!stored) stored = page->KeepStored({began, ReadStoredLastUsed(services, tx, *page)});
  }
  static const StoredLastUsed kNone;
  const StoredLastUsed& values = stored ? stored->values : kNone;
  return KeptPageReply(std::move(page), services, values);
}

}  // namespace list_cache_detail
}  // namespace cfiam::api
