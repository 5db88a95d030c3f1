#include "domain/accounts.h"

#include "util/failure.h"
#include "util/random.h"

namespace cfiam {

Account AccountService::Create(store::UnitOfWork& unit, Account draft,
                               const std::string& creator_user_id) {
  draft.id = NewId();
  draft.created_on = NowMicros();
  store_.InsertAccount(unit.tx(), draft);
  if (!creator_user_id.empty()) {
    Member owner;
    owner.id = NewId();
    owner.account_id = draft.id;
    owner.user_id = creator_user_id;
    owner.status = "accepted";
    owner.role_ids = {std::string(catalog_.SuperAdminRole().id)};
    owner.created_on = draft.created_on;
    store_.InsertMember(unit.tx(), owner);
  }
  return draft;
}

Account AccountService::Get(const std::string& id) const {
  auto account = directory_.FindAccount(id);
  if (!account) throw Failure::NotFound("Account");
  return *account;
}

Page<Account> AccountService::List(store::Tx& tx, const store::AccountQuery& query) {
  return store_.ListAccounts(tx, query);
}

Account AccountService::Update(store::UnitOfWork& unit, const std::string& id,
                               const std::function<void(Account&)>& mutate) {
  auto account = store_.GetAccount(unit.tx(), id);
  if (!account) throw Failure::NotFound("Account");
  mutate(*account);
  store_.UpdateAccount(unit.tx(), *account);
  return *account;
}

void AccountService::Delete(store::UnitOfWork& unit, const std::string& id) {
  if (!store_.DeleteAccount(unit.tx(), id)) throw Failure::NotFound("Account");
}

}  // namespace cfiam
