#include "api/input.h"

#include <boost/json.hpp>

#include "util/api_error.h"
#include "util/text.h"

namespace cfiam::api {

std::size_t Utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

ObjectReader::ObjectReader(const boost::json::value* body) {
  if (!body) throw ApiError(400, codes::kInvalidRequest, "Request body is required");
  if (!body->is_object()) {
    throw ApiError(400, codes::kInvalidRequest, "Request body must be a JSON object");
  }
  obj_ = &body->get_object();
}

std::string ObjectReader::Path(std::string_view field) const {
  return prefix_.empty() ? std::string(field) : prefix_ + "." + std::string(field);
}

const boost::json::value* ObjectReader::Get(std::string_view field) const {
  const auto* v = obj_->if_contains(field);
  return v && !v->is_null() ? v : nullptr;
}

bool ObjectReader::Has(std::string_view field) const { return Get(field) != nullptr; }

std::optional<std::string> ObjectReader::String(std::string_view field,
                                                std::size_t max_chars) const {
  const auto* v = Get(field);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw ApiError::Invalid(Path(field), "must be a string");
  std::string s(v->get_string());
  if (max_chars && Utf8Length(s) > max_chars) {
    throw ApiError::Invalid(Path(field),
                            "must be at most " + std::to_string(max_chars) + " characters");
  }
  return s;
}

std::string ObjectReader::RequiredString(std::string_view field, std::size_t max_chars) const {
  auto s = String(field, max_chars);
  if (!s) throw ApiError::Invalid(Path(field), "is required");
  return *s;
}

std::string ObjectReader::RequiredName(std::string_view field, std::size_t max_chars) const {
  std::string name(Trim(RequiredString(field, max_chars)));
  if (name.empty()) throw ApiError::Invalid(Path(field), "must not be empty");
  return name;
}

std::optional<bool> ObjectReader::Bool(std::string_view field) const {
  const auto* v = Get(field);
  if (!v) return std::nullopt;
  if (!v->is_bool()) throw ApiError::Invalid(Path(field), "must be a boolean");
  return v->get_bool();
}

std::optional<std::string> ObjectReader::Enum(
    std::string_view field, std::initializer_list<std::string_view> allowed) const {
  auto s = String(field);
  if (!s) return std::nullopt;
  for (std::string_view a : allowed) {
    if (*s == a) return s;
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw ApiError::Invalid(Path(field), "must be one of " + list);
}

std::optional<ObjectReader> ObjectReader::Object(std::string_view field) const {
  const auto* v = Get(field);
  if (!v) return std::nullopt;
  if (!v->is_object()) throw ApiError::Invalid(Path(field), "must be an object");
  return ObjectReader(v->get_object(), Path(field));
}

const boost::json::array* ObjectReader::Array(std::string_view field) const {
  const auto* v = Get(field);
  if (!v) return nullptr;
  if (!v->is_array()) throw ApiError::Invalid(Path(field), "must be an array");
  return &v->get_array();
}

}  // namespace cfiam::api
