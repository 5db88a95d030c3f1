// Tx::QueryEach's fallback (engines without streaming, e.g. PostgreSQL): the
// views of a row's columns all stay valid while the row is being read.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/db.h"

namespace cfiam::store {
namespace {

class FixedRowsTx : public Tx {
 public:
  std::int64_t Exec(std::string_view, const Params&) override { return 0; }
  std::vector<Row> Query(std::string_view, const Params&) override {
    return {Row({std::string(40, 'a'), std::string(40, 'b'), std::int64_t{42}, nullptr})};
  }
  void Commit() override {}
};

TEST(RowView, EveryColumnViewStaysValidForTheWholeRow) {
  FixedRowsTx tx;
  int rows = 0;
  tx.QueryEach("SELECT", {}, [&](const RowView& r) {
    const std::string_view first = r.Str(0);
    const std::string_view second = r.Str(1);
    const std::string_view number = r.Str(2);
    const std::string_view null = r.Str(3);
    EXPECT_EQ(first, std::string(40, 'a'));  // still intact after later reads
    EXPECT_EQ(second, std::string(40, 'b'));
    EXPECT_EQ(number, "42");
    EXPECT_EQ(null, "");
    EXPECT_EQ(r.Int(2), 42);
    ++rows;
  });
  EXPECT_EQ(rows, 1);
}

}  // namespace
}  // namespace cfiam::store
