#include "store/unit_of_work.h"

#include "store/store.h"

namespace cfiam::store {
namespace {
thread_local UnitOfWork* current = nullptr;
}  // namespace

// Forwards to the unit; its Commit() is the service saying "my part is done".
// Destroying it uncommitted does nothing: the exception that skipped the
// commit reaches the unit's owner, which rolls the whole unit back.
class BorrowedTx : public Tx {
 public:
  explicit BorrowedTx(UnitOfWork& unit) : unit_(unit) {}
  std::int64_t Exec(std::string_view sql, const Params& params) override {
    return unit_.tx().Exec(sql, params);
  }
  std::vector<Row> Query(std::string_view sql, const Params& params) override {
    return unit_.tx().Query(sql, params);
  }
  void QueryEach(std::string_view sql, const Params& params, const RowFn& fn) override {
    unit_.tx().QueryEach(sql, params, fn);
  }
  void Commit() override { unit_.changed_ = true; }

 private:
  UnitOfWork& unit_;
};

UnitOfWork::UnitOfWork(Store& store)
    : store_(store), tx_(store.BeginOwn(true)), previous_(current) {
  current = this;
}

UnitOfWork::~UnitOfWork() { current = previous_; }

void UnitOfWork::Commit() { tx_->Commit(); }

UnitOfWork* UnitOfWork::Current() { return current; }

std::unique_ptr<Tx> UnitOfWork::Borrow() { return std::make_unique<BorrowedTx>(*current); }

}  // namespace cfiam::store
