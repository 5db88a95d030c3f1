// The Cloudflare v4 envelope: {success, errors, messages, result[, result_info]}.
// Errors use the one error envelope of util/error_envelope.h (ErrorBody).
#pragma once

#include <string>

#include "api/route.h"
#include "util/api_error.h"
#include "util/error_envelope.h"

namespace cfiam::api {

std::string SuccessBody(Reply&& reply);

}  // namespace cfiam::api
