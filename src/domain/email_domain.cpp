#include "domain/email_domain.h"

#include <algorithm>
#include <array>

#include "util/text.h"

namespace cfiam {
namespace {

constexpr std::array<std::string_view, 12> kPublicMailboxes = {
    "gmail.com",  "googlemail.com", "outlook.com", "hotmail.com",    "live.com", "yahoo.com",
    "icloud.com", "aol.com",        "proton.me",   "protonmail.com", "gmx.com",  "mail.com"};

bool ValidLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  // "ab--" prefixes are reserved for IDNA; only "xn--" is in use.
  if (label.size() >= 4 && label.substr(2, 2) == "--" && label.substr(0, 2) != "xn") return false;
  if (label.substr(0, 4) == "xn--" && label.size() == 4) return false;
  return true;
}

}  // namespace

std::optional<std::string> NormalizeEmailDomain(std::string_view text) {
  std::string domain = ToLower(Trim(text));
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (domain.empty() || domain.size() > 253) return std::nullopt;
  std::size_t labels = 0, start = 0;
  std::string_view last;
  while (start <= domain.size()) {
    const std::size_t dot = std::min(domain.find('.', start), domain.size());
    last = std::string_view(domain).substr(start, dot - start);
    if (!ValidLabel(last)) return std::nullopt;
    ++labels;
    start = dot + 1;
  }
  if (labels < 2) return std::nullopt;
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;  // "10.0.0.1" is an address, not a domain
  }
  return domain;
}

bool IsPublicMailboxDomain(std::string_view domain, const std::vector<std::string>& extra) {
  return std::find(kPublicMailboxes.begin(), kPublicMailboxes.end(), domain) !=
             kPublicMailboxes.end() ||
         std::find(extra.begin(), extra.end(), domain) != extra.end();
}

}  // namespace cfiam
