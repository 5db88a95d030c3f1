// Page pagination ("V4PagePaginationArray"): `page` and `per_page` query
// parameters and the `result_info` block the SDKs read.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <type_traits>

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
// A renderer that takes a storage_ptr builds its item in the page's arena: a
// page is thousands of small JSON nodes (a member with the admin role is ~40
// objects), and malloc/free of each was half of a page's CPU time. The arena
// lives as long as the reply's value (shared ownership) and is freed at once.
template <class T, class Render>
Reply PageReply(const Page<T>& page, const PageParams& params, Render&& render) {
  constexpr bool kInArena = std::is_invocable_v<Render&, const T&, const boost::json::storage_ptr&>;
  // (A container keeps the storage it was made with, even across assignment.)
  boost::json::array items(
      kInArena ? boost::json::make_shared_resource<boost::json::monotonic_resource>()
               : boost::json::storage_ptr());
  items.reserve(page.items.size());
  for (const T& item : page.items) {
    if constexpr (kInArena) {
      items.push_back(render(item, items.storage()));
    } else {
      items.push_back(render(item));
    }
  }
  const std::size_t count = items.size();
  return {std::move(items), PageInfo(params, count, page.total), {}};
}

}  // namespace cfiam::api
