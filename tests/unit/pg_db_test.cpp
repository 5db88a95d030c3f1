// The PostgreSQL engine's pure parts: `?` to `$n` rewriting, SQLSTATE
// classification, and the --store option's parsing. The engine itself runs
// under the API and SDK suites on a real server (ctest api_postgres, sdk_postgres).
#include "store/postgres/pg_db.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "store/store_url.h"

namespace cfiam::store {
namespace {

std::string Rewrite(std::string_view sql, int expected_count) {
  int count = -1;
  std::string out = pg::RewritePlaceholders(sql, count);
  EXPECT_EQ(count, expected_count) << sql;
  return out;
}

TEST(PgPlaceholders, NumbersInOrder) {
  EXPECT_EQ(Rewrite("SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?", 4),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4");
  EXPECT_EQ(Rewrite("SELECT 1", 0), "SELECT 1");
  EXPECT_EQ(Rewrite("?", 1), "$1");
  EXPECT_EQ(Rewrite("", 0), "");
}

TEST(PgPlaceholders, CountsPastNine) {
  std::string sql = "VALUES (";
  for (int i = 0; i < 12; ++i) sql += i ? ", ?" : "?";
  sql += ")";
  EXPECT_EQ(Rewrite(sql, 12), "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
}

TEST(PgPlaceholders, LeavesLiteralsIdentifiersAndCommentsAlone) {
  EXPECT_EQ(Rewrite("SELECT '?', ? FROM t WHERE x LIKE ? ESCAPE '\\'", 2),
            "SELECT '?', $1 FROM t WHERE x LIKE $2 ESCAPE '\\'");
  // A doubled quote inside a literal does not end it.
  EXPECT_EQ(Rewrite("SELECT 'it''s ?' || ?", 1), "SELECT 'it''s ?' || $1");
  EXPECT_EQ(Rewrite("SELECT \"odd?name\" FROM t WHERE a = ?", 1),
            "SELECT \"odd?name\" FROM t WHERE a = $1");
  EXPECT_EQ(Rewrite("SELECT ? -- why? because\n, ?", 2), "SELECT $1 -- why? because\n, $2");
  EXPECT_EQ(Rewrite("SELECT /* a ? here */ ?", 1), "SELECT /* a ? here */ $1");
  // An unterminated literal or comment is copied as is (PostgreSQL rejects it).
  EXPECT_EQ(Rewrite("SELECT ? 'abc?", 1), "SELECT $1 'abc?");
  EXPECT_EQ(Rewrite("SELECT ? /* ?", 1), "SELECT $1 /* ?");
}

TEST(PgSqlState, Classifies) {
  EXPECT_EQ(pg::KindOfSqlState("23505"), DbError::Kind::kConstraint);  // unique
  EXPECT_EQ(pg::KindOfSqlState("23503"), DbError::Kind::kConstraint);  // foreign key
  EXPECT_EQ(pg::KindOfSqlState("23502"), DbError::Kind::kConstraint);  // not null
  EXPECT_EQ(pg::KindOfSqlState("40001"), DbError::Kind::kRetry);       // serialization
  EXPECT_EQ(pg::KindOfSqlState("40P01"), DbError::Kind::kRetry);       // deadlock
  EXPECT_EQ(pg::KindOfSqlState("55P03"), DbError::Kind::kBusy);
  EXPECT_EQ(pg::KindOfSqlState("42P01"), DbError::Kind::kOther);
  EXPECT_EQ(pg::KindOfSqlState(""), DbError::Kind::kOther);
}

TEST(StoreUrl, SqliteIsTheDataDirectoryFile) {
  const StoreUrl url = ParseStoreUrl("sqlite");
  EXPECT_EQ(url.engine, StoreUrl::Engine::kSqlite);
  EXPECT_TRUE(url.conninfo.empty());
}

TEST(StoreUrl, PostgresUrlsKeepTheTextAndHideThePassword) {
  for (const char* text : {"postgres://cfiam:s3cret@db.example:5433/iam",
                           "postgresql://cfiam:s3cret@db.example:5433/iam"}) {
    const StoreUrl url = ParseStoreUrl(text);
    EXPECT_EQ(url.engine, StoreUrl::Engine::kPostgres);
    EXPECT_EQ(url.conninfo, text);
    EXPECT_EQ(url.display, "postgres://cfiam@db.example:5433/iam");
    EXPECT_EQ(url.display.find("s3cret"), std::string::npos);
  }
  EXPECT_EQ(ParseStoreUrl("postgres://127.0.0.1/iam").display, "postgres://127.0.0.1/iam");
}

TEST(StoreUrl, KeyValueForm) {
  const StoreUrl url = ParseStoreUrl("host=127.0.0.1 port=5432 dbname=iam user=u password=pw");
  EXPECT_EQ(url.engine, StoreUrl::Engine::kPostgres);
  EXPECT_EQ(url.display, "postgres://u@127.0.0.1:5432/iam");
  EXPECT_EQ(url.display.find("pw"), std::string::npos);
}

TEST(StoreUrl, RejectsWhatIsNeitherWithoutEchoingSecrets) {
  EXPECT_THROW(ParseStoreUrl(""), std::invalid_argument);
  EXPECT_THROW(ParseStoreUrl("mysql://u@h/db"), std::invalid_argument);
  EXPECT_THROW(ParseStoreUrl("SQLite"), std::invalid_argument);
  EXPECT_THROW(ParseStoreUrl("postgres://u:pw@h:notaport/db"), std::invalid_argument);
  try {
    ParseStoreUrl("host=h password=topsecret nosuchkey=1");
    FAIL() << "an unknown keyword must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cfiam::store
