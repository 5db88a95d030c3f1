// Rendering of built-in roles, shared by the roles and members families.
#pragma once

#include <boost/json/object.hpp>

#include "auth/catalog.h"

namespace cfiam::api {

// {id, name, description, permissions{<category>: {read, write}}}
boost::json::object RenderRole(const auth::Role& role);

}  // namespace cfiam::api
