#include "util/node_id.h"

#include <unistd.h>

#include <climits>

namespace cfiam {

std::string DefaultNodeId() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    return "node-" + std::to_string(getpid());
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace cfiam
