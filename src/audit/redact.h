// Redaction: secrets never enter the audit log. Request and response bodies
// are copied with every secret-bearing field replaced by a fixed marker.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

namespace cfiam::audit {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// A copy of `v` where every object member whose name carries a secret
// ("value", "secret", "key", "api_key", "token", "password", ...) holds
// kRedacted instead, at any depth.
boost::json::value Redacted(const boost::json::value& v);

// Whether any object member of `v`, at any depth, is one Redacted() would
// replace. Most bodies have none: they are then serialized as they are,
// without the copy (which was a tenth of a member create's instructions).
bool HasSecretField(const boost::json::value& v);

}  // namespace cfiam::audit
