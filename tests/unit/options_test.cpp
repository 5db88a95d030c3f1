// The option table: defaults, environment and flags read once, flags
// winning; errors name where the bad value came from; help from the table.
#include "util/options.h"

#include <gtest/gtest.h>

#include <map>

namespace cfiam::options {
namespace {

struct Config {
  std::string name;
  long long count = -1;
  std::optional<std::string> extra;
};

std::vector<Option> Table(Config& c) {
  return {
      {"--name", "T_NAME", "N", "anon", "who", Text(c.name)},
      {"--count", "T_COUNT", "K", "3", "how many\nat most nine", Number(c.count, 1, 9), "Limits"},
      {"--extra", "", "X", "", "flag only", OptionalText(c.extra)},
  };
}

struct Invocation {
  std::map<std::string, std::string> env;
  std::vector<std::string> args;
  Config config = {};
  void operator()() {
    std::vector<char*> argv{const_cast<char*>("prog")};
    for (std::string& a : args) argv.push_back(a.data());
    Parse(Table(config), static_cast<int>(argv.size()), argv.data(), 1,
          [&](std::string_view name) -> std::optional<std::string> {
            auto it = env.find(std::string(name));
            if (it == env.end()) return std::nullopt;
            return it->second;
          });
  }
};

TEST(Options, DefaultsThenEnvironmentThenFlags) {
  Invocation none;
  none();
  EXPECT_EQ(none.config.name, "anon");
  EXPECT_EQ(none.config.count, 3);
  EXPECT_FALSE(none.config.extra);

  Invocation env{{{"T_NAME", "env"}, {"T_COUNT", "5"}}, {}};
  env();
  EXPECT_EQ(env.config.name, "env");
  EXPECT_EQ(env.config.count, 5);

  Invocation both{{{"T_NAME", "env"}, {"T_COUNT", "5"}}, {"--count", "7", "--extra", "x"}};
  both();
  EXPECT_EQ(both.config.name, "env");
  EXPECT_EQ(both.config.count, 7);
  EXPECT_EQ(both.config.extra, "x");
}

TEST(Options, AFlagOverridesABadVariableWithoutReadingIt) {
  Invocation r{{{"T_COUNT", "lots"}}, {"--count", "2"}};
  r();
  EXPECT_EQ(r.config.count, 2);
}

std::string Failure(Invocation r) {
  try {
    r();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Options, ErrorsNameTheFlagOrTheVariable) {
  EXPECT_EQ(Failure({{}, {"--count", "0"}}), "--count takes a number from 1 to 9");
  EXPECT_EQ(Failure({{{"T_COUNT", "10"}}, {}}), "T_COUNT takes a number from 1 to 9");
  EXPECT_EQ(Failure({{}, {"--bogus", "1"}}), "unknown option --bogus");
  EXPECT_EQ(Failure({{}, {"--name"}}), "--name needs a value");
}

TEST(Options, HelpAndSynopsisComeFromTheTable) {
  Config c;
  const std::string help = Help(Table(c));
  EXPECT_EQ(help,
            "  --name N                   who\n"
            "                             (env T_NAME, default anon)\n"
            "\n"
            "Limits:\n"
            "  --count K                  how many\n"
            "                             at most nine\n"
            "                             (env T_COUNT, default 3)\n"
            "  --extra X                  flag only\n");
  EXPECT_EQ(Synopsis(Table(c), 4, 30), "[--name N] [--count K]\n    [--extra X]");
}

}  // namespace
}  // namespace cfiam::options
