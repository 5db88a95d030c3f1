#include "audit/redact.h"

#include <array>
#include <boost/json.hpp>

namespace cfiam::audit {
namespace json = boost::json;
namespace {

// Names of fields that hold (or may hold) a credential. `value` is the
// token secret of create and roll responses; the rest guard any future
// field. Redacting a harmless field costs nothing; missing a secret leaks it.
constexpr std::array<std::string_view, 8> kSecretFields = {
    "value", "secret", "key", "api_key", "token", "password", "client_secret", "private_key"};

bool IsSecretField(std::string_view name) {
  for (std::string_view f : kSecretFields) {
    if (name == f) return true;
  }
  return false;
}

}  // namespace

json::value Redacted(const json::value& v) {
  if (const auto* obj = v.if_object()) {
    json::object out;
    out.reserve(obj->size());
    for (const auto& [k, item] : *obj) {
      out.emplace(k, IsSecretField(k) ? json::value(kRedacted) : Redacted(item));
    }
    return out;
  }
  if (const auto* arr = v.if_array()) {
    json::array out;
    out.reserve(arr->size());
    for (const auto& item : *arr) out.push_back(Redacted(item));
    return out;
  }
  return v;
}

bool HasSecretField(const json::value& v) {
  if (const auto* obj = v.if_object()) {
    for (const auto& [k, item] : *obj) {
      if (IsSecretField(k) || HasSecretField(item)) return true;
    }
  } else if (const auto* arr = v.if_array()) {
    for (const auto& item : *arr) {
      if (HasSecretField(item)) return true;
    }
  }
  return false;
}

}  // namespace cfiam::audit
