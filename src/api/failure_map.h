// The one mapping from a typed Failure (util/failure.h) to the wire: HTTP
// status, Cloudflare error code, message and source.pointer.
#pragma once

#include "util/api_error.h"
#include "util/failure.h"

namespace cfiam::api {

ApiError ToApiError(const Failure& failure);

}  // namespace cfiam::api
