#include "store/db.h"

namespace cfiam::store {

std::string Row::Str(size_t i) const {
  const Value& v = cols_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  return {};
}

std::int64_t Row::Int(size_t i) const {
  const Value& v = cols_.at(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* s = std::get_if<std::string>(&v)) return std::stoll(*s);
  return 0;
}

}  // namespace cfiam::store
