#include "api/list_cache.h"

#include "api/json_text.h"
#include "api/token_wire.h"

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

std::string AssemblePage(const CachedPage& page, const Services& services,
                         const StoredLastUsed& stored) {
  std::size_t size = 0;
  for (const std::string& p : page.pieces) size += p.size();
  std::string out;
  out.reserve(size + page.live.size() * 48);
  out.append(page.pieces.front());
  for (std::size_t i = 0; i < page.live.size(); ++i) {
    AppendLiveTokenValue(out, page.live[i], services.tokens, stored);
    out.append(page.pieces[i + 1]);
  }
  return out;
}

namespace list_cache_detail {

StoredLastUsed ReadStoredLastUsed(Services& services, store::Tx& tx, const CachedPage& page) {
  std::vector<std::string> ids;
  for (const LiveValue& v : page.live) {
    if (v.kind == LiveValue::Kind::kTokenLastUsed) ids.push_back(v.token_id);
  }
  return services.store.TokensLastUsed(tx, ids);
}

Reply BodyReply(std::string body) {
  Reply reply;
  reply.body_text = std::move(body);
  return reply;
}

}  // namespace list_cache_detail
}  // namespace cfiam::api
