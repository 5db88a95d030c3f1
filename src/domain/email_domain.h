// Email-domain rules of SSO connectors: syntax (RFC 1035 host names, IDNA
// A-labels accepted) and the refusal of public mailbox providers, whose
// users are not one organization.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfiam {

// The domain lower-cased, without a trailing dot, or nullopt when it is not a
// syntactically valid domain name: at least two labels of 1..63 letters,
// digits and inner hyphens, at most 253 characters, a non-numeric top-level
// label, and "--" in positions 3-4 only for "xn--" (punycode) labels.
// Non-ASCII (U-label) input is refused: send the punycode form.
std::optional<std::string> NormalizeEmailDomain(std::string_view text);

// Whether `domain` (normalized) is a public mailbox provider: the built-in
// list (gmail.com, outlook.com, ...) or one of `extra` (normalized too).
bool IsPublicMailboxDomain(std::string_view domain, const std::vector<std::string>& extra);

}  // namespace cfiam
