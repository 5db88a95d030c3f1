#include "api/query.h"

#include "util/api_error.h"

namespace cfiam::api {

std::optional<std::string_view> QueryParams::Get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> QueryParams::All(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : items_) {
    if (k == name) out.emplace_back(v);
  }
  return out;
}

std::optional<std::string> EnumParam(const QueryParams& q, std::string_view name,
                                     std::initializer_list<std::string_view> allowed) {
  auto v = q.Get(name);
  if (!v) return std::nullopt;
  for (std::string_view a : allowed) {
    if (*v == a) return std::string(*v);
  }
  std::string list;
  for (std::string_view a : allowed) {
    if (!list.empty()) list += ", ";
    list += a;
  }
  throw ApiError(
      400, codes::kInvalidRequest,
      "Invalid value for query parameter '" + std::string(name) + "': must be one of " + list);
}

}  // namespace cfiam::api
