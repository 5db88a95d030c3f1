// Principal: who is making a request, as established by authentication.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "auth/keys.h"
#include "auth/live_token.h"
#include "auth/token_policy.h"
#include "domain/model.h"

namespace cfiam::auth {

// The token a principal came with: an entry of the authorization snapshot
// (every authenticated request) or a whole stored Token (tests and tools build
// principals from those). The snapshot holds no display name: name() is empty
// for it, and the audit reads the name from the store.
class TokenRef {
 public:
  TokenRef() = default;
  TokenRef(std::nullptr_t) {}
  // The ids are rendered once here: a request reads them several times
  // (last use, rate limit, metrics, the handler).
  TokenRef(std::shared_ptr<const LiveToken> live) : live_(std::move(live)) {
    if (!live_) return;
    id_ = ToText(live_->id);
    if (live_->account_owned) account_id_ = ToText(live_->owner);
  }
  template <class T>
    requires std::is_convertible_v<T*, const Token*>
  TokenRef(std::shared_ptr<T> full) : full_(std::move(full)) {
    if (!full_) return;
    id_ = Text(full_->id);
    account_id_ = Text(full_->account_id);
  }

  explicit operator bool() const { return live_ || full_; }
  const IdText& id() const { return id_; }
  bool account_owned() const { return live_ ? live_->account_owned : full_->owner_kind == "account"; }
  // The owning account of an account token; empty for a user token.
  const IdText& account_id() const { return account_id_; }
  const TokenPolicy* policy() const { return live_ ? live_->policy.get() : full_->policy.get(); }
  bool active() const { return live_ ? live_->active : full_->status == "active"; }
  std::optional<Micros> not_before() const {
    return live_ ? live_->not_before_time() : full_->not_before;
  }
  std::optional<Micros> expires_on() const {
    return live_ ? live_->expires_on_time() : full_->expires_on;
  }
  std::string_view name() const { return full_ ? std::string_view(full_->name) : std::string_view(); }

 private:
  // Stored ids are 32 characters at most.
  static IdText Text(std::string_view s) {
    IdText t;
    t.size = static_cast<std::uint8_t>(std::min(s.size(), t.chars.size()));
    s.copy(t.chars.data(), t.size);
    return t;
  }

  std::shared_ptr<const LiveToken> live_;
  std::shared_ptr<const Token> full_;
  IdText id_;
  IdText account_id_;
};

struct Principal {
  enum class Kind { kUserToken, kAccountToken, kApiKey };
  Kind kind = Kind::kUserToken;
  TokenRef token;                    // token kinds only
  std::shared_ptr<const User> user;  // user token and API key only
  std::string client_ip;

  bool is_account_token() const { return kind == Kind::kAccountToken; }
  // A user token with policies acts only within them (intersected with its
  // user's rights). The API key and a user token without policies (the
  // bootstrap token) carry the user's full rights.
  bool restricted() const;
  // A tenant admin acting with full rights; a restricted token of a tenant
  // admin is not one (it holds only what its policies grant).
  bool tenant_admin() const { return user && user->tenant_admin && !restricted(); }
};

inline bool Principal::restricted() const {
  return kind == Kind::kUserToken && token && token.policy() && !token.policy()->grants.empty();
}

}  // namespace cfiam::auth
