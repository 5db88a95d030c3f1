// UserService: the caller's own user record (GET/PATCH /user). An edit writes
// through the caller's unit of work; the in-memory user follows from the
// change log once it commits.
#pragma once

#include <optional>
#include <string>

#include "domain/model.h"
#include "store/store.h"
#include "store/unit_of_work.h"

namespace cfiam {

// A partial edit: an outer nullopt leaves the field alone; an inner nullopt
// (JSON null) clears it.
struct UserEdit {
  std::optional<std::optional<std::string>> first_name;
  std::optional<std::optional<std::string>> last_name;
  std::optional<std::optional<std::string>> country;
  std::optional<std::optional<std::string>> zipcode;
  std::optional<std::optional<std::string>> telephone;
};

struct UserDetails {
  User user;
  UserContact contact;
};

class UserService {
 public:
  explicit UserService(store::Store& store) : store_(store) {}

  // Throws 404 when the user no longer exists.
  UserDetails Get(store::Tx& tx, const std::string& user_id);
  UserDetails Edit(store::UnitOfWork& unit, const std::string& user_id, const UserEdit& edit);

 private:
  UserDetails Load(store::Tx& tx, const std::string& user_id);

  store::Store& store_;
};

}  // namespace cfiam
