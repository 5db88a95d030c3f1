#include "domain/accounts.h"

#include "util/api_error.h"
#include "util/random.h"

namespace cfiam {

Account AccountService::Create(Account draft, const std::string& creator_user_id) {
  draft.id = NewId();
  draft.created_on = NowMicros();
  auto tx = store_.Write();
  store_.InsertAccount(*tx, draft);
  Member owner;
  if (!creator_user_id.empty()) {
    owner.id = NewId();
    owner.account_id = draft.id;
    owner.user_id = creator_user_id;
    owner.status = "accepted";
    owner.role_ids = {std::string(catalog_.SuperAdminRole().id)};
    owner.created_on = draft.created_on;
    store_.InsertMember(*tx, owner);
  }
  tx->Commit();
  directory_.PutAccount(draft);
  if (!owner.id.empty()) directory_.PutMember(owner);
  return draft;
}

Account AccountService::Get(const std::string& id) {
  // Served from the in-memory mirror: every change below updates it after commit.
  auto account = directory_.FindAccount(id);
  if (!account) throw ApiError::NotFound("Account");
  return *account;
}

Page<Account> AccountService::List(const store::AccountQuery& query) {
  auto tx = store_.Read();
  return store_.ListAccounts(*tx, query);
}

Account AccountService::Update(const std::string& id, const std::function<void(Account&)>& mutate) {
  auto tx = store_.Write();
  auto account = store_.GetAccount(*tx, id);
  if (!account) throw ApiError::NotFound("Account");
  mutate(*account);
  store_.UpdateAccount(*tx, *account);
  tx->Commit();
  directory_.PutAccount(*account);
  return *account;
}

void AccountService::Delete(const std::string& id) {
  auto tx = store_.Write();
  if (!store_.DeleteAccount(*tx, id)) throw ApiError::NotFound("Account");
  tx->Commit();
  directory_.EraseAccount(id);
}

}  // namespace cfiam
