// Principal: who is making a request, as established by authentication.
#pragma once

#include <memory>
#include <string>

#include "domain/model.h"

namespace cfiam::auth {

struct Principal {
  enum class Kind { kUserToken, kAccountToken, kApiKey };
  Kind kind = Kind::kUserToken;
  std::shared_ptr<const Token> token;  // token kinds only
  std::shared_ptr<const User> user;    // user token and API key only
  std::string client_ip;

  bool is_account_token() const { return kind == Kind::kAccountToken; }
  bool tenant_admin() const { return user && user->tenant_admin; }
};

}  // namespace cfiam::auth
