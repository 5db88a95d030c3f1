#include "api/observe.h"

#include <atomic>
#include <vector>

#include "obs/metrics.h"
#include "obs/observer.h"

namespace cfiam::api {
namespace {

// Slot of AllRoutes()[i]; the table's rows point into that vector, so a
// matched route's index is its offset from the first row.
std::vector<int> g_slots;
std::atomic<bool> g_registered{false};

}  // namespace

void RegisterRouteMetrics() {
  if (g_registered.load()) return;
  const auto& routes = AllRoutes();
  g_slots.reserve(routes.size());
  for (const Route& r : routes) {
    g_slots.push_back(obs::metrics::RegisterRoute(
        std::string_view(boost::beast::http::to_string(r.method)), r.path));
  }
  g_registered.store(true, std::memory_order_release);
}

void ObserveMatch(const RouteMatch& match) {
  if (!match.route || !g_registered.load(std::memory_order_acquire)) return;
  const auto& routes = AllRoutes();
  const Route* first = routes.data();
  if (match.route < first || match.route >= first + routes.size()) return;
  obs::NoteRoute(g_slots[static_cast<std::size_t>(match.route - first)], match.route->path);
  for (const auto& [name, value] : match.params) {
    if (name == "account_id") obs::NoteAccount(value);
  }
}

void ObservePrincipal(const auth::Principal& p) {
  // Here rather than in the authenticator: a change authenticates again
  // inside its unit of work, and a request must count once.
  obs::metrics::CountAuthz(obs::metrics::Outcome::kAuthenticated);
  if (p.is_account_token()) {
    obs::NoteActor("account", p.token.account_id().view());
  } else if (p.user) {
    obs::NoteActor("user", p.user->id);
  }
}

}  // namespace cfiam::api
