// The Cloudflare v4 error envelope, built here and nowhere else: by the API
// layer for every refused request, by the server for the refusals it makes
// itself (413, 431, 503, ...), by the operational endpoints.
#pragma once

#include <string>

#include "util/api_error.h"

namespace cfiam {

// {"success":false,"errors":[...],"messages":[],"result":null}; items carry
// `source.pointer` and `error_chain` when set.
std::string ErrorBody(const ApiError& error);
// The same with one error item.
std::string ErrorBody(int code, std::string message);

}  // namespace cfiam
