// Store::WriteRetrying: a background write that lost a serialization
// conflict (DbError kRetry) runs again in a fresh transaction; other errors,
// and a conflict that keeps coming back, reach the caller.
#include <gtest/gtest.h>

#include "store/store.h"

namespace cfiam::store {
namespace {

// Commits fail with `kind` for the first `failures` transactions.
struct Script {
  int failures = 0;
  DbError::Kind kind = DbError::Kind::kRetry;
  int begun = 0;
  int committed = 0;
};

class ScriptedTx : public Tx {
 public:
  explicit ScriptedTx(Script& s) : s_(s) {}
  std::int64_t Exec(std::string_view, const Params&) override { return 0; }
  std::vector<Row> Query(std::string_view, const Params&) override { return {}; }
  void Commit() override {
    if (s_.begun <= s_.failures) throw DbError(s_.kind, "scripted");
    ++s_.committed;
  }

 private:
  Script& s_;
};

class ScriptedDb : public Db {
 public:
  explicit ScriptedDb(Script& s) : s_(s) {}
  std::unique_ptr<Tx> Begin(bool) override {
    ++s_.begun;
    return std::make_unique<ScriptedTx>(s_);
  }
  Dialect dialect() const override { return Dialect::kPostgres; }
  void Probe() override {}

 private:
  Script& s_;
};

TEST(WriteRetrying, RunsALostConflictAgain) {
  Script s{.failures = 3};
  Store store(std::make_unique<ScriptedDb>(s));
  int runs = 0;
  store.WriteRetrying([&](Tx&) { ++runs; });
  EXPECT_EQ(runs, 4);
  EXPECT_EQ(s.begun, 4);
  EXPECT_EQ(s.committed, 1);
}

TEST(WriteRetrying, OtherErrorsAreNotRetried) {
  Script s{.failures = 1, .kind = DbError::Kind::kConstraint};
  Store store(std::make_unique<ScriptedDb>(s));
  EXPECT_THROW(store.WriteRetrying([](Tx&) {}), DbError);
  EXPECT_EQ(s.begun, 1);
}

TEST(WriteRetrying, GivesUpAfterEightAttempts) {
  Script s{.failures = 100};
  Store store(std::make_unique<ScriptedDb>(s));
  try {
    store.WriteRetrying([](Tx&) {});
    FAIL() << "expected the conflict to reach the caller";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbError::Kind::kRetry);
  }
  EXPECT_EQ(s.begun, 8);
  EXPECT_EQ(s.committed, 0);
}

}  // namespace
}  // namespace cfiam::store
