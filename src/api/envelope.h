// The Cloudflare v4 envelope: {success, errors, messages, result[, result_info]}.
#pragma once

#include <string>

#include "api/route.h"
#include "util/api_error.h"

namespace cfiam::api {

std::string SuccessBody(Reply&& reply);
// Errors always have `result: null`; items carry `source.pointer` and
// `error_chain` when set.
std::string ErrorBody(const ApiError& error);

}  // namespace cfiam::api
