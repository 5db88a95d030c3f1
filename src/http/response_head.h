// The status line and header block of a response, written in one pass into
// one string, byte for byte what Beast's serializer wrote for the same
// response. Beast kept each field as a list node (an allocation per field)
// and its serializer walked a long buffer sequence over them: about a third
// of the instructions of a small authenticated request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/message.h"

namespace cfiam::http {

// Fields in Beast's order: Content-Type (the default "application/json"
// unless `res` names one: then at its place among res.headers), Server,
// cf-ray, res.headers, Connection (close on HTTP/1.1 without keep-alive,
// keep-alive on HTTP/1.0 with it), Content-Length.
std::string ResponseHead(const Response& res, unsigned version, bool keep_alive,
                         std::size_t content_length, std::string_view ray);

}  // namespace cfiam::http
