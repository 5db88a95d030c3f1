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
// Thread-safety: Start, Cancel and Stop may be called from any thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "dns/txt_resolver.h"
#include "store/store.h"

namespace cfiam {

struct VerifierOptions {
  dns::ResolverOptions resolver;
  std::chrono::milliseconds interval{30000};  // between lookups of one check
  int attempts = 10;                          // lookups before "failed"
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

  // Starts checking `target`, replacing any check of the same connector.
  void Start(VerificationTarget target);
  // Abandons the connector's check, if any (e.g. it was deleted).
  void Cancel(const std::string& connector_id);
  // Abandons every check, finishes the outcomes already found and joins the
  // threads; idempotent. Pending connectors stay "pending" in the store and
  // are resumed at the next start-up.
  void Stop();

  const VerifierOptions& options() const { return options_; }

 private:
  class Check;
  // Called on the verifier thread: hands a check's outcome to the writer.
  void Record(const VerificationTarget& target, const char* status);
  void Write(const VerificationTarget& target, const char* status);

  store::Store& store_;
  VerifierOptions options_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  dns::TxtResolver resolver_;
  // Only touched on the verifier thread.
  std::unordered_map<std::string, std::weak_ptr<Check>> active_;
  std::thread thread_;
  boost::asio::thread_pool writer_{1};  // store writes of outcomes, in order
};

}  // namespace cfiam
