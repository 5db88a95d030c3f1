// Dispatcher: the one path every API request takes. Parse the target, route,
// validate path ids, authenticate, authorize from the route row, parse the
// body, run the handler, render the envelope. Any failure becomes an enveloped
// error here, and nowhere else.
#pragma once

#include "api/route_table.h"
#include "api/services.h"
#include "http/message.h"

namespace cfiam::api {

class Dispatcher {
 public:
  explicit Dispatcher(Services& services);

  // Runs on a worker thread. Never throws.
  http::Response Handle(http::Request& request);
  // Runs on the I/O thread: answers /healthz without a thread hop. Returns
  // false for everything else.
  bool HandleInline(http::Request& request, http::Response& response);

 private:
  http::Response Dispatch(http::Request& request);

  Services& services_;
  RouteTable table_;
};

}  // namespace cfiam::api
