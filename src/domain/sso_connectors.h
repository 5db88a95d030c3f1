// SsoConnectorService: the business rules of dashboard SSO connectors: one
// connector per domain per account, public mailbox domains refused, enabling
// only once the domain is verified and while no other account has it enabled.
// Verification itself is asynchronous (domain/domain_verifier.h).
//
// Thread-safety: every change runs in one write transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/model.h"
#include "store/store.h"
#include "store/unit_of_work.h"

namespace cfiam {
// Only referenced here; its header pulls in Asio (domain/domain_verifier.h).
class DomainVerifier;
struct VerificationTarget;
}  // namespace cfiam

namespace cfiam {

class SsoConnectorService {
 public:
  // Each connector may hold a verification check; the cap bounds that work.
  static constexpr std::size_t kMaxConnectorsPerAccount = 100;

  // `blocked_domains`: normalized domains refused in addition to the built-in
  // public mailbox providers.
  SsoConnectorService(store::Store& store, DomainVerifier& verifier,
                      std::vector<std::string> blocked_domains)
      : store_(store), verifier_(verifier), blocked_(std::move(blocked_domains)) {}

  // Throws 400 (naming email_domain) for an invalid or public domain or when
  // the account already has kMaxConnectorsPerAccount connectors, 409 when the
  // account already has a connector for it.
  SsoConnector Create(store::UnitOfWork& unit, const std::string& account_id,
                      const std::string& email_domain, bool begin_verification,
                      bool use_fedramp_language);
  std::vector<SsoConnector> List(store::Tx& tx, const std::string& account_id);
  // Throws 404 when absent.
  SsoConnector Get(store::Tx& tx, const std::string& account_id, const std::string& id);
  // Throws 404; 400 when enabling an unverified connector; 409 when enabling
  // a domain another account has enabled.
  SsoConnector Update(store::UnitOfWork& unit, const std::string& account_id, const std::string& id,
                      std::optional<bool> enabled, std::optional<bool> use_fedramp_language);
  // Throws 404 when absent.
  void Delete(store::UnitOfWork& unit, const std::string& account_id, const std::string& id);
  // Sets "pending" and (re)starts the DNS check, on this node (it takes the
  // check's lease). Throws 404 when absent. Checks pending at start-up are
  // resumed by the verifier's sweep.
  void BeginVerification(store::UnitOfWork& unit, const std::string& account_id,
                         const std::string& id);

 private:
  static VerificationTarget TargetOf(const SsoConnector& c);

  store::Store& store_;
  DomainVerifier& verifier_;
  std::vector<std::string> blocked_;
};

}  // namespace cfiam
