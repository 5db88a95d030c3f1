#include "domain/users.h"

#include "util/failure.h"

namespace cfiam {

UserDetails UserService::Load(store::Tx& tx, const std::string& user_id) {
  auto user = store_.GetUser(tx, user_id);
  if (!user) throw Failure::NotFound("User");
  return {std::move(*user), store_.GetUserContact(tx, user_id)};
}

UserDetails UserService::Get(store::Tx& tx, const std::string& user_id) {
  return Load(tx, user_id);
}

UserDetails UserService::Edit(store::UnitOfWork& unit, const std::string& user_id,
                              const UserEdit& edit) {
  store::Tx& tx = unit.tx();
  UserDetails d = Load(tx, user_id);
  // Names are stored as text ("" when unset); contact fields keep NULL.
  if (edit.first_name) d.user.first_name = edit.first_name->value_or("");
  if (edit.last_name) d.user.last_name = edit.last_name->value_or("");
  if (edit.country) d.contact.country = *edit.country;
  if (edit.zipcode) d.contact.zipcode = *edit.zipcode;
  if (edit.telephone) d.contact.telephone = *edit.telephone;
  store_.UpdateUserDetails(tx, d.user, d.contact);
  return d;
}

}  // namespace cfiam
