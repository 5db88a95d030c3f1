// A fixture base for store tests: a migrated SQLite store in a fresh
// temporary directory, removed with it afterwards.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/migrations.h"
#include "store/store.h"
#include "util/random.h"

namespace cfiam::store {

class TempStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cfiam-store-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    const std::string path = (dir_ / "t.db").string();
    ApplyMigrations(*OpenSqlite(path));
    store_ = std::make_unique<Store>(OpenSqlite(path));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs `f(tx)` in a committed write transaction.
  template <class F>
  void Write(F&& f) {
    auto tx = store_->Write();
    f(*tx);
    tx->Commit();
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace cfiam::store
