#include "domain/users.h"

#include "util/api_error.h"

namespace cfiam {

UserDetails UserService::Load(store::Tx& tx, const std::string& user_id) {
  auto user = store_.GetUser(tx, user_id);
  if (!user) throw ApiError::NotFound("User");
  return {std::move(*user), store_.GetUserContact(tx, user_id)};
}

UserDetails UserService::Get(const std::string& user_id) {
  auto tx = store_.Read();
  return Load(*tx, user_id);
}

UserDetails UserService::Edit(const std::string& user_id, const UserEdit& edit) {
  auto tx = store_.Write();
  UserDetails d = Load(*tx, user_id);
  // Names are stored as text ("" when unset); contact fields keep NULL.
  if (edit.first_name) d.user.first_name = edit.first_name->value_or("");
  if (edit.last_name) d.user.last_name = edit.last_name->value_or("");
  if (edit.country) d.contact.country = *edit.country;
  if (edit.zipcode) d.contact.zipcode = *edit.zipcode;
  if (edit.telephone) d.contact.telephone = *edit.telephone;
  store_.UpdateUserDetails(*tx, d.user, d.contact);
  tx->Commit();
  // Keep the mirror's flags (tenant admin) as they are there; only names change.
  if (auto live = directory_.FindUser(user_id)) {
    User u = *live;
    u.first_name = d.user.first_name;
    u.last_name = d.user.last_name;
    directory_.PutUser(u);
  }
  return d;
}

}  // namespace cfiam
