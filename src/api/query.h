// QueryParams: the decoded query string of a request. Repeated keys keep every
// value in order (audit-log filters take arrays); single-valued parameters
// read the first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cfiam::api {

class QueryParams {
 public:
  QueryParams() = default;
  explicit QueryParams(std::vector<std::pair<std::string, std::string>> items)
      : items_(std::move(items)) {}

  std::optional<std::string_view> Get(std::string_view name) const;
  std::vector<std::string_view> All(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Bounds of a list's page size (per_page, or limit for a cursor list): what a
// client gets without asking, and the range a request is held to. Declared by
// the list's route row (api/route.h).
struct PageBounds {
  std::int64_t default_per_page = 20;
  std::int64_t min_per_page = 5;
  std::int64_t max_per_page = 50;
};

// Reads an optional enum parameter; throws 400 naming it when the value is not allowed.
std::optional<std::string> EnumParam(const QueryParams& q, std::string_view name,
                                     std::initializer_list<std::string_view> allowed);

}  // namespace cfiam::api
