// The API layer's side of observability: one metrics slot per route of the
// table, and the dispatcher's reports to obs/observer.h of the matched route
// and the authenticated caller (for metrics labels and the access line).
#pragma once

#include "api/route_table.h"
#include "auth/principal.h"

namespace cfiam::api {

// Registers a request metrics slot for every route of AllRoutes(). Call once
// at startup; until then requests are counted as "unmatched".
void RegisterRouteMetrics();
void ObserveMatch(const RouteMatch& match);
void ObservePrincipal(const auth::Principal& principal);

}  // namespace cfiam::api
