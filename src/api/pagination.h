// Page pagination ("V4PagePaginationArray"): `page` and `per_page` query
// parameters and the `result_info` block the SDKs read.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>

#include "api/query.h"
#include "api/route.h"
#include "domain/model.h"

namespace cfiam::api {

struct PageParams {
  std::int64_t page = 1;
  std::int64_t per_page = 20;
  std::int64_t offset() const { return (page - 1) * per_page; }
};

// Reads page/per_page. Non-numeric values are a 400 naming the parameter;
// numeric values are clamped into bounds (page >= 1).
PageParams ParsePaging(const QueryParams& q, const PageBounds& bounds);
// The same within the bounds the matched route declares. REQUIRES: the
// route's paging kind is kPages.
PageParams ParsePaging(const Context& ctx);

// {page, per_page, count, total_count, total_pages}
boost::json::object PageInfo(const PageParams& p, std::size_t count, std::int64_t total);

// {page: 1, per_page, count, total_count} for a "SinglePage" list that
// returns everything at once (the shape the seeds show for those lists).
boost::json::object SinglePageInfo(std::size_t count);

// `direction` (asc|desc, default asc): true for desc; 400 for anything else.
bool Descending(const QueryParams& q);

// The reply for one page of a listing: each item rendered, plus result_info.
template <class T, class Render>
Reply PageReply(const Page<T>& page, const PageParams& params, Render&& render) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const T& item : page.items) items.push_back(render(item));
  const std::size_t count = items.size();
  return {std::move(items), PageInfo(params, count, page.total), {}};
}

}  // namespace cfiam::api
