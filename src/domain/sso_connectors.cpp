#include "domain/sso_connectors.h"

#include "domain/domain_verifier.h"
#include "domain/email_domain.h"
#include "util/failure.h"
#include "util/random.h"

namespace cfiam {
namespace {

constexpr std::string_view kCodePrefix = "cloudflare_dashboard_sso=";

// 64 random bits in decimal: unguessable, and digits only, as Cloudflare's are.
std::string NewVerificationCode() {
  return std::string(kCodePrefix) + std::to_string(std::stoull(RandomHex(8), nullptr, 16));
}

}  // namespace

VerificationTarget SsoConnectorService::TargetOf(const SsoConnector& c) {
  return {c.id, c.email_domain, c.verification_code, c.verification_generation};
}

SsoConnector SsoConnectorService::Create(store::UnitOfWork& unit, const std::string& account_id,
                                         const std::string& email_domain, bool begin_verification,
                                         bool use_fedramp_language) {
  auto domain = NormalizeEmailDomain(email_domain);
  if (!domain) {
    throw Failure::Invalid("email_domain",
                           "must be a valid domain name (use the punycode form for IDNs)");
  }
  if (IsPublicMailboxDomain(*domain, blocked_)) {
    throw Failure::Invalid("email_domain",
                           "is a public mailbox provider; SSO needs a domain your organization "
                           "controls");
  }
  SsoConnector c;
  c.id = NewId();
  c.account_id = account_id;
  c.email_domain = *domain;
  c.use_fedramp_language = use_fedramp_language;
  c.verification_code = NewVerificationCode();
  c.verification_status = begin_verification ? "pending" : "awaiting";
  c.verification_generation = begin_verification ? 1 : 0;
  c.created_on = c.updated_on = NowMicros();
  {
    store::Tx& tx = unit.tx();
    if (store_.ListSsoConnectors(tx, account_id).size() >= kMaxConnectorsPerAccount) {
      throw Failure::Refused("An account may hold at most " +
                             std::to_string(kMaxConnectorsPerAccount) + " SSO connectors");
    }
    if (store_.HasSsoConnectorForDomain(tx, account_id, c.email_domain)) {
      throw Failure::Conflict("email_domain: this account already has an SSO connector for " +
                              c.email_domain);
    }
    store_.InsertSsoConnector(tx, c);
    if (begin_verification) verifier_.Claim(tx, c.id);
  }
  // The check starts once the connector is durable; it writes its outcome
  // in a transaction of its own.
  if (begin_verification) unit.AfterCommit([this, c] { verifier_.Start(TargetOf(c)); });
  return c;
}

std::vector<SsoConnector> SsoConnectorService::List(store::Tx& tx, const std::string& account_id) {
  return store_.ListSsoConnectors(tx, account_id);
}

SsoConnector SsoConnectorService::Get(store::Tx& tx, const std::string& account_id,
                                      const std::string& id) {
  auto c = store_.GetSsoConnector(tx, account_id, id);
  if (!c) throw Failure::NotFound("SSO connector");
  return *c;
}

SsoConnector SsoConnectorService::Update(store::UnitOfWork& unit, const std::string& account_id,
                                         const std::string& id, std::optional<bool> enabled,
                                         std::optional<bool> use_fedramp_language) {
  store::Tx& tx = unit.tx();
  auto c = store_.GetSsoConnector(tx, account_id, id);
  if (!c) throw Failure::NotFound("SSO connector");
  if (enabled && *enabled && !c->enabled) {
    if (c->verification_status != "verified") {
      throw Failure::Invalid("enabled", "the connector's email domain is " +
                                            c->verification_status +
                                            ", not verified; verify it before enabling");
    }
    if (store_.IsSsoDomainEnabledElsewhere(tx, account_id, c->email_domain)) {
      throw Failure::Conflict("enabled: another account already has SSO enabled for " +
                              c->email_domain);
    }
  }
  if (enabled) c->enabled = *enabled;
  if (use_fedramp_language) c->use_fedramp_language = *use_fedramp_language;
  c->updated_on = NowMicros();
  store_.UpdateSsoConnector(tx, *c);
  return *c;
}

void SsoConnectorService::Delete(store::UnitOfWork& unit, const std::string& account_id,
                                 const std::string& id) {
  store::Tx& tx = unit.tx();
  if (!store_.DeleteSsoConnector(tx, account_id, id)) throw Failure::NotFound("SSO connector");
  verifier_.Unclaim(tx, id);
  unit.AfterCommit([this, id] { verifier_.Cancel(id); });
}

void SsoConnectorService::BeginVerification(store::UnitOfWork& unit, const std::string& account_id,
                                            const std::string& id) {
  SsoConnector c;
  {
    store::Tx& tx = unit.tx();
    auto found = store_.GetSsoConnector(tx, account_id, id);
    if (!found) throw Failure::NotFound("SSO connector");
    c = std::move(*found);
    c.verification_status = "pending";
    ++c.verification_generation;
    c.updated_on = NowMicros();
    store_.UpdateSsoConnector(tx, c);
    verifier_.Claim(tx, c.id);
  }
  unit.AfterCommit([this, c] { verifier_.Start(TargetOf(c)); });
}

}  // namespace cfiam
