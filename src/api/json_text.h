// Writing JSON text directly, for the few hot responses that skip building a
// boost::json tree: the bytes are those boost::json's serializer writes for
// the same values (strings are escaped by it whenever they need escaping).
#pragma once

#include <string>
#include <string_view>

namespace cfiam::api {

// Appends `s` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace cfiam::api
