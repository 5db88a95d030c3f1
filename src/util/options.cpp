#include "util/options.h"

#include <cstdlib>

#include "util/text.h"

namespace cfiam::options {
namespace {

constexpr std::size_t kHelpColumn = 29;  // where help text starts

std::string FlagWithValue(const Option& o) {
  std::string s(o.flag);
  if (!o.metavar.empty()) {
    s += ' ';
    s += o.metavar;
  }
  return s;
}

void Apply(const Option& o, std::string_view source, const std::string& value) {
  const std::string error = o.set(value);
  if (!error.empty()) throw UsageError(std::string(source) + " " + error);
}

}  // namespace

std::optional<std::string> Getenv(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

void Parse(const std::vector<Option>& table, int argc, char** argv, int first,
           const std::function<std::optional<std::string>(std::string_view)>& env) {
  // The last word for each row: its flag, else its variable, else nothing.
  std::vector<std::optional<std::string>> given(table.size());
  std::vector<std::string_view> source(table.size());
  for (std::size_t r = 0; r < table.size(); ++r) {
    if (table[r].env.empty()) continue;
    if (auto v = env(table[r].env)) {
      given[r] = std::move(*v);
      source[r] = table[r].env;
    }
  }
  for (int i = first; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::size_t r = 0;
    while (r < table.size() && table[r].flag != arg) ++r;
    if (r == table.size()) throw UsageError("unknown option " + std::string(arg));
    if (i + 1 >= argc) throw UsageError(std::string(arg) + " needs a value");
    given[r] = argv[++i];
    source[r] = table[r].flag;
  }
  for (std::size_t r = 0; r < table.size(); ++r) {
    if (given[r]) {
      Apply(table[r], source[r], *given[r]);
    } else if (!table[r].fallback.empty()) {
      Apply(table[r], table[r].flag, std::string(table[r].fallback));
    }
  }
}

std::string Synopsis(const std::vector<Option>& table, std::size_t indent, std::size_t width) {
  std::string out;
  std::size_t column = indent;
  for (const Option& o : table) {
    const std::string item = "[" + FlagWithValue(o) + "]";
    if (column > indent && column + 1 + item.size() > width) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += item;
    column += item.size();
  }
  return out;
}

std::string Help(const std::vector<Option>& table) {
  std::string out;
  for (const Option& o : table) {
    if (!o.section.empty()) {
      if (!out.empty()) out += '\n';
      out += o.section;
      out += ":\n";
    }
    std::string head = "  " + FlagWithValue(o);
    head.append(head.size() < kHelpColumn ? kHelpColumn - head.size() : 1, ' ');
    std::string_view help = o.help;
    bool first = true;
    auto line = [&](std::string_view text) {
      if (first) {
        out += head;
        first = false;
      } else {
        out.append(kHelpColumn, ' ');
      }
      out += text;
      out += '\n';
    };
    while (!help.empty()) {
      const std::size_t nl = help.find('\n');
      line(help.substr(0, nl));
      help = nl == std::string_view::npos ? std::string_view{} : help.substr(nl + 1);
    }
    std::string where;
    if (!o.env.empty()) where += "env " + std::string(o.env);
    if (!o.fallback.empty())
      where += (where.empty() ? "" : ", ") + ("default " + std::string(o.fallback));
    if (!where.empty()) line("(" + where + ")");
  }
  return out;
}

Setter Text(std::string& out) {
  return [&out](const std::string& value) -> std::string {
    out = value;
    return {};
  };
}

Setter OptionalText(std::optional<std::string>& out) {
  return [&out](const std::string& value) -> std::string {
    out = value;
    return {};
  };
}

Setter Number(long long& out, long long lo, long long hi) {
  return [&out, lo, hi](const std::string& value) -> std::string {
    long long n = 0;
    if (!ParseUint(value, n) || n < lo || n > hi) {
      return "takes a number from " + std::to_string(lo) + " to " + std::to_string(hi);
    }
    out = n;
    return {};
  };
}

}  // namespace cfiam::options
