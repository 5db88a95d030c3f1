// The name a cfiam node goes by in a cluster (e.g. as the holder of a lease,
// store/leases.h): unique among the processes serving one database.
#pragma once

#include <string>

namespace cfiam {

// The host's name and the process id, e.g. "iam-2-4711": unique while the
// process lives, and a restarted process is a new node.
std::string DefaultNodeId();

}  // namespace cfiam
