// QueryParams: the decoded query string of a request. Repeated keys keep every
// value in order (audit-log filters take arrays); single-valued parameters
// read the first.
#pragma once

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

// Reads an optional enum parameter; throws 400 naming it when the value is not allowed.
std::optional<std::string> EnumParam(const QueryParams& q, std::string_view name,
                                     std::initializer_list<std::string_view> allowed);

}  // namespace cfiam::api
