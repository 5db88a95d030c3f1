// DomainVerifier: proves control of an SSO connector's email domain by
// looking for its verification code in the domain's DNS TXT records.
//
// It owns one thread running its own io_context, where the DNS client
// (dns/txt_resolver.h) and the retry timers live, so request threads never
// wait on DNS. A check makes up to `attempts` lookups, `interval` apart; a
// TXT record equal to the code makes the connector "verified", running out of
// attempts makes it "failed". The outcome is written to the store only, and
// only if the connector's verification generation is still the one checked
// (a newer begin_verification, or a delete, supersedes it). That write runs on
// a second thread of its own: waiting for the store's writer lock must never
// hold up the lookups and timers of the other checks.
//
// Once per cluster: each check runs under the lease "sso:<connector id>"
// (store/leases.h), held by one node. The node that began the check takes it
// in the same transaction (Claim); the holder renews its leases every fifth of the lease
// time and gives a lease up when its check ends. On every node a sweep, at
// the same pace (and once at start-up), claims the pending connectors whose
// lease is absent or expired and checks them: a check whose node died is
// taken over within the lease time plus one sweep. A holder that loses its
// lease (another node took it after it expired) or finds the connector
// deleted or begun again elsewhere abandons its check. The lease work runs on
// a third thread, so a slow store holds up neither lookups nor outcomes.
//
// Thread-safety: Start, Cancel and Stop may be called from any thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "dns/txt_resolver.h"
#include "store/leases.h"
#include "store/store.h"

namespace cfiam {

struct VerifierOptions {
  dns::ResolverOptions resolver;
  std::chrono::milliseconds interval{30000};  // between lookups of one check
  int attempts = 10;                          // lookups before "failed"
  std::string node_id;                        // the lease holder (util/node_id.h)
  std::chrono::milliseconds lease_time{30000};
};

struct VerificationTarget {
  std::string connector_id;
  std::string domain;
  std::string code;
  std::int64_t generation = 0;
};

class DomainVerifier {
 public:
  DomainVerifier(store::Store& store, VerifierOptions options);
  ~DomainVerifier();  // Stop()s
  DomainVerifier(const DomainVerifier&) = delete;
  DomainVerifier& operator=(const DomainVerifier&) = delete;

  // Takes the connector's lease in `tx`, the transaction that makes it
  // pending (so no other node's sweep ever sees it unheld); Start() it once
  // `tx` committed.
  void Claim(store::Tx& tx, const std::string& connector_id) const;
  // Drops the connector's lease in `tx`, the transaction that deletes it.
  void Unclaim(store::Tx& tx, const std::string& connector_id) const;
  // Starts checking `target`, replacing any check of the same connector.
  void Start(VerificationTarget target);
  // Abandons the connector's check, if any (e.g. it was deleted).
  void Cancel(const std::string& connector_id);
  // Abandons every check, finishes the outcomes already found, gives up its
  // leases and joins the threads; idempotent. Pending connectors stay
  // "pending" in the store; another node's sweep (or this one's at the next
  // start-up) resumes them.
  void Stop();

  const VerifierOptions& options() const { return options_; }

 private:
  class Check;
  // Verifier thread: starts (or replaces) a check; abandons one.
  void StartCheck(VerificationTarget target);
  void CancelCheck(const std::string& connector_id, std::int64_t generation);
  // Called on the verifier thread: hands a check's outcome to the writer.
  void Record(const VerificationTarget& target, const char* status);
  void Write(const VerificationTarget& target, const char* status);
  // Lease thread: renews the leases held, drops those lost or superseded,
  // and claims the pending connectors nobody holds.
  void Maintain();
  void ReleaseLease(const std::string& connector_id, std::int64_t generation);
  void ArmTick();

  store::Store& store_;
  VerifierOptions options_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  dns::TxtResolver resolver_;
  // Only touched on the verifier thread.
  std::unordered_map<std::string, std::weak_ptr<Check>> active_;
  boost::asio::steady_timer tick_;  // the lease pace
  store::Leases leases_;
  // Only touched on the lease thread: connector id -> generation checked.
  std::unordered_map<std::string, std::int64_t> held_;
  std::uint64_t sweeps_ = 0;  // lease thread only
  std::thread thread_;
  boost::asio::thread_pool writer_{1};  // store writes of outcomes, in order
  boost::asio::thread_pool lease_{1};   // lease work, in order
};

}  // namespace cfiam
