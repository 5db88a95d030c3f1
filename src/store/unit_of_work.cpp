#include "store/unit_of_work.h"

#include <stdexcept>

#include "store/store.h"

namespace cfiam::store {
namespace {

thread_local WriteBatch* t_batch = nullptr;  // this thread's, while it holds

}  // namespace

UnitOfWork::UnitOfWork(Store& store, std::string_view account_id) : tx_(store.Write(account_id)) {}

void UnitOfWork::Commit() {
  tx_->Commit();
  if (tx_->held()) {
    // Not durable yet: the hooks wait for the batch.
    if (t_batch == nullptr) throw std::logic_error("a held commit outside a WriteBatch");
    for (auto& hook : hooks_) t_batch->hooks_.push_back(std::move(hook));
    hooks_.clear();
    return;
  }
  std::vector<std::function<void()>> hooks;
  hooks.swap(hooks_);
  for (auto& hook : hooks) hook();
}

WriteBatch::WriteBatch(Store& store) : held_(store.HoldCommits()) {
  if (held_) t_batch = this;
}

WriteBatch::~WriteBatch() {
  if (!held_) return;
  try {
    Commit();
  } catch (...) {  // lost: the owner that cares called Commit() and saw it
  }
  held_.reset();
  t_batch = nullptr;
}

bool WriteBatch::Holding() { return t_batch != nullptr; }

void WriteBatch::Commit() {
  if (!held_) return;
  std::vector<std::function<void()>> hooks;
  hooks.swap(hooks_);
  held_->Commit();  // throws when lost: the hooks are dropped
  for (auto& hook : hooks) hook();
}

}  // namespace cfiam::store
