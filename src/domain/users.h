// UserService: the caller's own user record (GET/PATCH /user). Names live in
// the Directory too (member listings show them), so an edit commits and then
// updates the mirror under the store's writer lock.
#pragma once

#include <optional>
#include <string>

#include "auth/directory.h"
#include "domain/model.h"
#include "store/store.h"

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
  UserService(store::Store& store, auth::Directory& directory)
      : store_(store), directory_(directory) {}

  // Throws 404 when the user no longer exists.
  UserDetails Get(const std::string& user_id);
  UserDetails Edit(const std::string& user_id, const UserEdit& edit);

 private:
  UserDetails Load(store::Tx& tx, const std::string& user_id);

  store::Store& store_;
  auth::Directory& directory_;
};

}  // namespace cfiam
