// Principal: who is making a request, as established by authentication.
#pragma once

#include <memory>
#include <string>

#include "auth/token_policy.h"
#include "domain/model.h"

namespace cfiam::auth {

struct Principal {
  enum class Kind { kUserToken, kAccountToken, kApiKey };
  Kind kind = Kind::kUserToken;
  std::shared_ptr<const Token> token;  // token kinds only
  std::shared_ptr<const User> user;    // user token and API key only
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
  return kind == Kind::kUserToken && token && token->policy && !token->policy->grants.empty();
}

}  // namespace cfiam::auth
