// ObjectReader: typed, validating access to a JSON request body. Every
// violation is a 400 that names the field by its dotted path. JSON null reads
// as absent.
#pragma once

#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace cfiam::api {

class ObjectReader {
 public:
  // REQUIRES: nothing. Throws 400 when `body` is missing or not an object.
  explicit ObjectReader(const boost::json::value* body);
  ObjectReader(const boost::json::object& obj, std::string prefix)
      : obj_(&obj), prefix_(std::move(prefix)) {}

  bool Has(std::string_view field) const;
  // Strings: max_chars counts Unicode code points (0 = unbounded).
  std::optional<std::string> String(std::string_view field, std::size_t max_chars = 0) const;
  std::string RequiredString(std::string_view field, std::size_t max_chars = 0) const;
  // A required display name: trimmed, non-empty, at most max_chars.
  std::string RequiredName(std::string_view field, std::size_t max_chars) const;
  std::optional<bool> Bool(std::string_view field) const;
  std::optional<std::string> Enum(std::string_view field,
                                  std::initializer_list<std::string_view> allowed) const;
  std::optional<ObjectReader> Object(std::string_view field) const;
  const boost::json::array* Array(std::string_view field) const;

  // The dotted path of `field` for error messages.
  std::string Path(std::string_view field) const;
  const boost::json::object& object() const { return *obj_; }

 private:
  const boost::json::value* Get(std::string_view field) const;

  const boost::json::object* obj_;
  std::string prefix_;
};

std::size_t Utf8Length(std::string_view s);

}  // namespace cfiam::api
