#include "store/db.h"

namespace cfiam::store {

std::string Row::Str(size_t i) const {
  const Value& v = cols_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  return {};
}

std::int64_t Row::Int(size_t i) const {
  const Value& v = cols_.at(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* s = std::get_if<std::string>(&v)) return std::stoll(*s);
  return 0;
}

namespace {

// A materialized Row seen through the streaming interface.
class MaterializedRowView final : public RowView {
 public:
  explicit MaterializedRowView(const Row& row) : row_(row), texts_(row.size()) {}
  bool IsNull(size_t i) const override { return row_.IsNull(i); }
  // Views stay valid for the whole row (callers read several columns, then
  // use them together): text columns are viewed in place, others converted
  // once into a buffer of their own column.
  std::string_view Str(size_t i) const override {
    if (const std::string* s = row_.Text(i)) return *s;
    texts_.at(i) = row_.Str(i);
    return texts_[i];
  }
  std::int64_t Int(size_t i) const override { return row_.Int(i); }

 private:
  const Row& row_;
  mutable std::vector<std::string> texts_;
};

}  // namespace

void Tx::QueryEach(std::string_view sql, const Params& params, const RowFn& fn) {
  for (const Row& r : Query(sql, params)) fn(MaterializedRowView(r));
}

std::int64_t Tx::InsertReturningKey(std::string_view sql, const Params& params,
                                    std::string_view key) {
  auto rows = Query(std::string(sql) + " RETURNING " + std::string(key), params);
  if (rows.size() != 1) throw DbError(DbError::Kind::kOther, "insert: no row returned");
  return rows.front().Int(0);
}

}  // namespace cfiam::store
