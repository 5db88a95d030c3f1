// Options: one table of command-line options, each with its environment
// twin, read once. A value comes from the command line, else from the
// environment, else from the table's default; each is parsed by its row's
// setter, so a flag and its variable accept and refuse the same things.
// The help text is generated from the same table.
//
// Adding an option is adding a row: flag, variable, metavariable, default,
// help, and a setter of the right kind (Text, Number, Parsed, ...).
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cfiam::options {

// Stores a value read for an option. Returns "" when the value is accepted,
// else what is wrong, as the end of a sentence that begins with where the
// value came from: "takes a number from 1 to 256".
using Setter = std::function<std::string(const std::string& value)>;

struct Option {
  std::string_view flag;      // "--threads"
  std::string_view env;       // "CFIAM_THREADS"; "" for a flag without a variable
  std::string_view metavar;   // "N", shown after the flag in the help
  std::string_view fallback;  // the default, parsed like a given value; "" for none
  std::string_view help;      // one or more lines, '\n'-separated
  Setter set;
  std::string_view section = {};  // when set, the help starts a section here
};

// A command line or environment the table refuses. The message names the
// flag or variable the bad value came from.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads the environment (through `env`, which returns nullopt for an unset
// or empty variable) and argv[first, argc) into the rows' setters: defaults
// first, then every value given, flags over variables. Throws UsageError for
// an unknown flag, a flag without its value, or a value a setter refuses.
void Parse(const std::vector<Option>& table, int argc, char** argv, int first,
           const std::function<std::optional<std::string>(std::string_view)>& env);

// The process environment, as Parse wants it.
std::optional<std::string> Getenv(std::string_view name);

// "[--listen HOST:PORT] [--data-dir DIR] ...", wrapped to `width` columns
// with continuation lines indented by `indent` spaces.
std::string Synopsis(const std::vector<Option>& table, std::size_t indent, std::size_t width);

// Every option: flag and metavariable, its help, then its variable and default.
std::string Help(const std::vector<Option>& table);

// Setters of the usual kinds.
Setter Text(std::string& out);
Setter OptionalText(std::optional<std::string>& out);
// A base-10 whole number within [lo, hi].
Setter Number(long long& out, long long lo, long long hi);
// A value `parse` understands; `expected` completes "takes ..." otherwise.
template <class T>
Setter Parsed(T& out, std::optional<T> (*parse)(std::string_view), std::string expected) {
  return [&out, parse, expected = std::move(expected)](const std::string& value) -> std::string {
    std::optional<T> parsed = parse(value);
    if (!parsed) return "takes " + expected;
    out = std::move(*parsed);
    return {};
  };
}

}  // namespace cfiam::options
