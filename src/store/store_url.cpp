#include "store/store_url.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace cfiam::store {
namespace {

struct OptionsDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

}  // namespace

StoreUrl ParseStoreUrl(std::string_view text) {
  StoreUrl url;
  if (text == "sqlite") {
    url.display = "sqlite";
    return url;
  }
  const bool is_url = text.starts_with("postgres://") || text.starts_with("postgresql://");
  if (!is_url && text.find('=') == std::string_view::npos) {
    throw std::invalid_argument(
        "--store must be sqlite, a postgres:// or postgresql:// URL, or libpq key=value text");
  }
  url.engine = StoreUrl::Engine::kPostgres;
  url.conninfo = std::string(text);
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, OptionsDeleter> options(
      PQconninfoParse(url.conninfo.c_str(), &error));
  if (!options) {
    // libpq's message names the bad keyword or URL part, not the values.
    std::string msg = error ? error : "out of memory";
    PQfreemem(error);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw std::invalid_argument("bad --store: " + msg);
  }
  std::string user, host, port, dbname;
  for (const PQconninfoOption* o = options.get(); o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view key = o->keyword;
    if (key == "user") user = o->val;
    if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
  }
  // libpq checks a port only when connecting; a typo should fail here.
  for (std::size_t start = 0; !port.empty() && start <= port.size();) {
    const std::size_t comma = std::min(port.find(',', start), port.size());
    const std::string one = port.substr(start, comma - start);
    if (one.empty() || one.size() > 5 || one.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(one) == 0 || std::stoi(one) > 65535) {
      throw std::invalid_argument("bad --store: the port must be a number from 1 to 65535");
    }
    start = comma + 1;
  }
  url.display = "postgres://" + (user.empty() ? "" : user + "@") + host +
                (port.empty() ? "" : ":" + port) + "/" + dbname;
  return url;
}

}  // namespace cfiam::store
