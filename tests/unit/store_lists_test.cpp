// The paged lists (kept counts + keyset seek, store/list_counts.h and
// store/seek.h) against an oracle: the plain COUNT(*) and ORDER BY ... LIMIT
// OFFSET queries the lists used before. Every page of every order, direction
// and filter must match, also after inserts, deletes, status changes and
// renames in the middle of the order (with ties on the order key).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "store/migrations.h"
#include "store/store.h"
#include "temp_store.h"
#include "util/random.h"

namespace cfiam::store {
namespace {

constexpr std::int64_t kPerPage = 7;

class StoreListsTest : public TempStoreTest {
 protected:
  Account NewAccount(const std::string& name) {
    Account a;
    a.id = NewId();
    a.name = name;
    a.created_on = 1;
    Write([&](Tx& tx) { store_->InsertAccount(tx, a); });
    return a;
  }

  // A user and its membership; few distinct names and times, so ties abound.
  Member AddMember(const std::string& account_id, int i) {
    User u{NewId(),
           "m" + std::to_string(rng_() % 1000) + "-" + std::to_string(i) + "@example.com",
           "F" + std::to_string(rng_() % 4),
           "L" + std::to_string(rng_() % 3),
           false,
           false,
           1};
    Member m;
    m.id = NewId();
    m.account_id = account_id;
    m.user_id = u.id;
    m.status = kStatuses[rng_() % 3];
    m.created_on = 1000 + static_cast<Micros>(rng_() % 20);
    Write([&](Tx& tx) {
      store_->InsertUser(tx, u);
      // Both ways of copying the user's sort keys: read from its row, or
      // taken from the caller's copy of it (the API's member create).
      if (i % 2 == 0) {
        store_->InsertMember(tx, m);
      } else {
        store_->InsertMember(tx, m, u);
      }
    });
    return m;
  }

  // Every page (and one past the end) of every member order, direction and
  // status filter of `account_id`, against the oracle.
  void CheckMembers(const std::string& account_id) {
    auto tx = store_->Read();
    for (const std::string& order : std::vector<std::string>{
             "", "user.first_name", "user.last_name", "user.email", "status"}) {
      const std::string column = order.empty()       ? "m.created_on"
                                 : order == "status" ? "m.status"
                                                     : "u." + order.substr(5);
      for (const bool desc : {false, true}) {
        for (const std::optional<std::string>& status :
             {std::optional<std::string>{}, std::optional<std::string>{"accepted"},
              std::optional<std::string>{"pending"}, std::optional<std::string>{"rejected"}}) {
          std::string where = " WHERE m.account_id = ?";
          Params params{account_id};
          if (status) {
            where += " AND m.status = ?";
            params.emplace_back(*status);
          }
          const std::int64_t total =
              tx->Query("SELECT COUNT(*) FROM members m" + where, params).front().Int(0);
          const std::string dir = desc ? " DESC" : " ASC";
          for (std::int64_t page = 0; page * kPerPage <= total; ++page) {
            Params p = params;
            p.emplace_back(kPerPage);
            p.emplace_back(page * kPerPage);
            std::vector<std::string> want;
            for (const Row& r : tx->Query("SELECT m.id FROM members m JOIN users u ON u.id = "
                                          "m.user_id" +
                                              where + " ORDER BY " + column + dir + ", m.id" + dir +
                                              " LIMIT ? OFFSET ?",
                                          p)) {
              want.push_back(r.Str(0));
            }
            MemberQuery q;
            q.account_id = account_id;
            q.status = status;
            q.order = order;
            q.descending = desc;
            q.limit = kPerPage;
            q.offset = page * kPerPage;
            const auto got = store_->ListMembers(*tx, q);
            std::vector<std::string> ids;
            for (const auto& mu : got.items) {
              ids.push_back(mu.member.id);
              EXPECT_EQ(mu.member.account_id, account_id);
            }
            const std::string where_am_i = "order '" + order + "' desc " + std::to_string(desc) +
                                           " status " + status.value_or("-") + " page " +
                                           std::to_string(page + 1);
            EXPECT_EQ(got.total, total) << where_am_i;
            EXPECT_EQ(ids, want) << where_am_i;
          }
        }
      }
    }
  }

  // Every page of a user's memberships (newest first, ties by id), each status.
  void CheckMemberships(const std::string& user_id) {
    auto tx = store_->Read();
    for (const std::optional<std::string>& status :
         {std::optional<std::string>{}, std::optional<std::string>{"accepted"}}) {
      std::string where = " WHERE user_id = ?";
      Params params{user_id};
      if (status) {
        where += " AND status = ?";
        params.emplace_back(*status);
      }
      const std::int64_t total =
          tx->Query("SELECT COUNT(*) FROM members" + where, params).front().Int(0);
      for (std::int64_t offset = 0; offset <= total; offset += 2) {
        Params p = params;
        p.emplace_back(std::int64_t{2});
        p.emplace_back(offset);
        std::vector<std::string> want;
        for (const Row& r : tx->Query("SELECT id FROM members" + where +
                                          " ORDER BY created_on DESC, id LIMIT ? OFFSET ?",
                                      p)) {
          want.push_back(r.Str(0));
        }
        const auto got = store_->ListMembershipsOfUser(*tx, user_id, status, 2, offset);
        std::vector<std::string> ids;
        for (const Member& m : got.items) ids.push_back(m.id);
        EXPECT_EQ(got.total, total);
        EXPECT_EQ(ids, want) << "offset " << offset;
      }
    }
  }

  static constexpr const char* kStatuses[] = {"accepted", "pending", "rejected"};
  std::mt19937 rng_{15};
};

TEST_F(StoreListsTest, MemberPagesMatchTheOracleAcrossInsertsDeletesAndRenames) {
  const Account a = NewAccount("A");
  const Account other = NewAccount("Other");
  std::vector<Member> members;
  for (int i = 0; i < 60; ++i) members.push_back(AddMember(a.id, i));
  for (int i = 0; i < 5; ++i) AddMember(other.id, 100 + i);
  CheckMembers(a.id);

  // Delete from the middle of every order.
  Write([&](Tx& tx) {
    for (int i = 5; i < 60; i += 6) EXPECT_TRUE(store_->DeleteMember(tx, members[i].id));
  });
  // Insert new ones landing between existing keys (same created_on range, names).
  for (int i = 60; i < 75; ++i) members.push_back(AddMember(a.id, i));
  // Change statuses and user names (the name and email orders move).
  Write([&](Tx& tx) {
    for (int i = 1; i < 75; i += 7) {
      if (i % 6 == 5 && i < 60) continue;  // deleted
      Member m = *store_->GetMember(tx, members[i].id);
      m.status = kStatuses[(i / 7) % 3];
      store_->UpdateMember(tx, m);
      User u = *store_->GetUser(tx, m.user_id);
      u.first_name = "F" + std::to_string(i % 5);
      u.last_name = "Z";
      store_->UpdateUserDetails(tx, u, {});
      if (i % 2) {
        u.email = "renamed" + std::to_string(i) + "@example.com";
        store_->SeedUser(tx, u);
      }
    }
  });
  CheckMembers(a.id);
  CheckMembers(other.id);
}

// The caller's copy of the user must be the member's user: another user's
// sort keys would file the member under the wrong name.
TEST_F(StoreListsTest, AMemberInsertedWithAnotherUsersRowIsRefused) {
  const Account a = NewAccount("a");
  const User u{NewId(), "u@example.com", "U", "U", false, false, 1};
  const User other{NewId(), "o@example.com", "O", "O", false, false, 1};
  Member m;
  m.id = NewId();
  m.account_id = a.id;
  m.user_id = u.id;
  m.created_on = 1;
  EXPECT_THROW(Write([&](Tx& tx) {
                 store_->InsertUser(tx, u);
                 store_->InsertUser(tx, other);
                 store_->InsertMember(tx, m, other);
               }),
               std::logic_error);
}

TEST_F(StoreListsTest, PastTheEndIsAnEmptyPageWithTheTotal) {
  const Account a = NewAccount("A");
  for (int i = 0; i < 3; ++i) AddMember(a.id, i);
  auto tx = store_->Read();
  MemberQuery q;
  q.account_id = a.id;
  q.limit = 5;
  q.offset = 5;
  const auto page = store_->ListMembers(*tx, q);
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 3);
}

TEST_F(StoreListsTest, MembershipsAndAccountCountsFollowAccountDeletes) {
  const Account a = NewAccount("A");
  const Account b = NewAccount("B");
  const Account c = NewAccount("C");
  User u{NewId(), "shared@example.com", "", "", false, false, 1};
  Write([&](Tx& tx) { store_->InsertUser(tx, u); });
  int n = 0;
  for (const Account* acc : {&a, &b, &c}) {
    Member m;
    m.id = NewId();
    m.account_id = acc->id;
    m.user_id = u.id;
    m.status = n == 1 ? "pending" : "accepted";
    m.created_on = 5 + (n++ % 2);  // a tie between a and c
    Write([&](Tx& tx) { store_->InsertMember(tx, m); });
  }
  CheckMemberships(u.id);
  {
    auto tx = store_->Read();
    AccountQuery q;
    EXPECT_EQ(store_->ListAccounts(*tx, q).total, 3);
    q.member_user_id = u.id;
    EXPECT_EQ(store_->ListAccounts(*tx, q).total, 2);  // b is pending
  }
  Write([&](Tx& tx) { EXPECT_TRUE(store_->DeleteAccount(tx, a.id)); });
  CheckMemberships(u.id);
  auto tx = store_->Read();
  AccountQuery q;
  q.limit = 1;
  q.offset = 1;
  const auto all = store_->ListAccounts(*tx, q);
  EXPECT_EQ(all.total, 2);
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(all.items[0].id, c.id);
  q.member_user_id = u.id;
  q.offset = 0;
  const auto mine = store_->ListAccounts(*tx, q);
  EXPECT_EQ(mine.total, 1);
  ASSERT_EQ(mine.items.size(), 1u);
  EXPECT_EQ(mine.items[0].id, c.id);
}

TEST_F(StoreListsTest, TokenPagesMatchTheOracleAcrossInsertsAndDeletes) {
  const Account a = NewAccount("A");
  User u{NewId(), "owner@example.com", "", "", false, false, 1};
  Write([&](Tx& tx) { store_->InsertUser(tx, u); });
  std::vector<Token> tokens;
  const auto add = [&](const std::string& kind) {
    Token t;
    t.id = NewId();
    t.owner_kind = kind;
    (kind == "account" ? t.account_id : t.user_id) = kind == "account" ? a.id : u.id;
    t.name = "t";
    t.secret_digest = NewId();
    t.issued_on = t.modified_on = 100 + static_cast<Micros>(rng_() % 10);  // ties
    Write([&](Tx& tx) { store_->InsertToken(tx, t); });
    tokens.push_back(t);
  };
  const auto check = [&] {
    auto tx = store_->Read();
    for (const std::string& kind : std::vector<std::string>{"account", "user"}) {
      const std::string owner = kind == "account" ? a.id : u.id;
      const std::string filter = kind == "account" ? "owner_kind = 'account' AND account_id = ?"
                                                   : "owner_kind = 'user' AND user_id = ?";
      const std::int64_t total =
          tx->Query("SELECT COUNT(*) FROM tokens WHERE " + filter, {owner}).front().Int(0);
      EXPECT_EQ(store_->CountTokensOf(*tx, kind, owner), total);
      for (const bool desc : {false, true}) {
        const std::string dir = desc ? " DESC" : " ASC";
        for (std::int64_t offset = 0; offset <= total; offset += kPerPage) {
          std::vector<std::string> want;
          for (const Row& r :
               tx->Query("SELECT id FROM tokens WHERE " + filter + " ORDER BY issued_on" + dir +
                             ", id" + dir + " LIMIT ? OFFSET ?",
                         {owner, kPerPage, offset})) {
            want.push_back(r.Str(0));
          }
          const auto got = store_->ListTokensOf(*tx, kind, owner, desc, kPerPage, offset);
          std::vector<std::string> ids;
          for (const Token& t : got.items) ids.push_back(t.id);
          EXPECT_EQ(got.total, total);
          EXPECT_EQ(ids, want) << kind << " desc " << desc << " offset " << offset;
        }
      }
    }
  };
  for (int i = 0; i < 40; ++i) add(i % 4 ? "account" : "user");
  check();
  Write([&](Tx& tx) {
    for (std::size_t i = 3; i < tokens.size(); i += 5)
      EXPECT_TRUE(store_->DeleteToken(tx, tokens[i].id));
  });
  for (int i = 0; i < 12; ++i) add(i % 3 ? "account" : "user");
  check();
}

TEST_F(StoreListsTest, UserGroupsAndTheirMembersPageAndCount) {
  const Account a = NewAccount("A");
  std::vector<Member> members;
  for (int i = 0; i < 20; ++i) members.push_back(AddMember(a.id, i));
  std::vector<UserGroup> groups;
  for (int i = 0; i < 12; ++i) {
    UserGroup g;
    g.id = NewId();
    g.account_id = a.id;
    g.name = "G" + std::to_string(i % 7) + "-" + std::to_string(i);
    for (int j = i; j < 20; j += 3) g.member_ids.push_back(members[j].id);
    std::sort(g.member_ids.begin(), g.member_ids.end());
    Write([&](Tx& tx) { store_->InsertUserGroup(tx, g); });
    groups.push_back(g);
  }
  // A member leaves (cascading out of its groups), a group goes.
  Write([&](Tx& tx) {
    EXPECT_TRUE(store_->DeleteMember(tx, members[4].id));
    EXPECT_TRUE(store_->DeleteUserGroup(tx, groups[5].id));
    // A rename moves a member to the front of its groups' email order.
    User u = *store_->GetUser(tx, members[7].user_id);
    u.email = "aaa@example.com";
    store_->SeedUser(tx, u);
  });
  auto tx = store_->Read();
  for (const bool desc : {false, true}) {
    const std::string dir = desc ? " DESC" : " ASC";
    for (std::int64_t offset = 0; offset <= 11; offset += 4) {
      UserGroupQuery q;
      q.account_id = a.id;
      q.descending = desc;
      q.limit = 4;
      q.offset = offset;
      const auto got = store_->ListUserGroups(*tx, q);
      EXPECT_EQ(got.total, 11);
      std::vector<std::string> want, ids;
      for (const Row& r : tx->Query("SELECT id FROM user_groups WHERE account_id = ? ORDER BY "
                                    "name_key" +
                                        dir + ", id" + dir + " LIMIT 4 OFFSET ?",
                                    {a.id, offset})) {
        want.push_back(r.Str(0));
      }
      for (const UserGroup& g : got.items) {
        ids.push_back(g.id);
        // Batched reads fill each group's own members.
        EXPECT_EQ(g.member_ids, store_->GetUserGroup(*tx, a.id, g.id)->member_ids);
      }
      EXPECT_EQ(ids, want);
    }
  }
  for (const UserGroup& g : groups) {
    if (g.id == groups[5].id) continue;
    const std::int64_t total =
        tx->Query("SELECT COUNT(*) FROM user_group_members WHERE user_group_id = ?", {g.id})
            .front()
            .Int(0);
    for (const bool desc : {false, true}) {
      const std::string dir = desc ? " DESC" : " ASC";
      for (std::int64_t offset = 0; offset <= total; offset += 2) {
        std::vector<std::string> want, ids;
        for (const Row& r : tx->Query(
                 "SELECT m.id FROM user_group_members g JOIN members m ON m.id = g.member_id "
                 "JOIN users u ON u.id = m.user_id WHERE g.user_group_id = ? ORDER BY u.email" +
                     dir + ", m.id LIMIT 2 OFFSET ?",
                 {g.id, offset})) {
          want.push_back(r.Str(0));
        }
        const auto got = store_->ListUserGroupMembers(*tx, g.id, desc, 2, offset);
        for (const auto& mu : got.items) ids.push_back(mu.member.id);
        EXPECT_EQ(got.total, total);
        EXPECT_EQ(ids, want);
      }
    }
  }
}

TEST_F(StoreListsTest, ResetStartsTheCountsOver) {
  const Account a = NewAccount("A");
  for (int i = 0; i < 4; ++i) AddMember(a.id, i);
  Write([&](Tx& tx) { store_->ResetToFresh(tx); });
  const Account b = NewAccount("B");
  AddMember(b.id, 9);
  auto tx = store_->Read();
  EXPECT_EQ(store_->ListAccounts(*tx, {}).total, 1);
  MemberQuery q;
  q.account_id = b.id;
  EXPECT_EQ(store_->ListMembers(*tx, q).total, 1);
}

}  // namespace
}  // namespace cfiam::store
