#include "store/unit_of_work.h"

#include "store/store.h"

namespace cfiam::store {

UnitOfWork::UnitOfWork(Store& store, std::string_view account_id) : tx_(store.Write(account_id)) {}

void UnitOfWork::Commit() {
  tx_->Commit();
  std::vector<std::function<void()>> hooks;
  hooks.swap(hooks_);
  for (auto& hook : hooks) hook();
}

}  // namespace cfiam::store
