#include "domain/domain_verifier.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>

#include "obs/log.h"
#include "util/clock.h"

namespace cfiam {
namespace net = boost::asio;

// One connector's check: lookup, wait, lookup, ... until verified or out of
// attempts. Kept alive by its pending handlers only.
class DomainVerifier::Check : public std::enable_shared_from_this<Check> {
 public:
  Check(DomainVerifier& v, VerificationTarget t) : v_(v), target_(std::move(t)), timer_(v.ioc_) {}

  void Lookup() {
    ++attempt_;
    auto self = shared_from_this();
    v_.resolver_.Lookup(target_.domain, [self](std::optional<std::vector<std::string>> records) {
      self->OnAnswer(records);
    });
  }

  std::int64_t generation() const { return target_.generation; }

  void Cancel() {
    cancelled_ = true;
    timer_.cancel();
  }

 private:
  void OnAnswer(const std::optional<std::vector<std::string>>& records) {
    if (cancelled_) return;
    if (records) {
      for (const std::string& txt : *records) {
        if (txt == target_.code) return Finish("verified");
      }
    }
    if (attempt_ >= v_.options_.attempts) return Finish("failed");
    auto self = shared_from_this();
    timer_.expires_after(v_.options_.interval);
    timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec && !self->cancelled_) self->Lookup();
    });
  }

  void Finish(const char* status) {
    v_.Record(target_, status);
    auto it = v_.active_.find(target_.connector_id);
    if (it != v_.active_.end() && it->second.lock().get() == this) v_.active_.erase(it);
  }

  DomainVerifier& v_;
  VerificationTarget target_;
  net::steady_timer timer_;
  int attempt_ = 0;
  bool cancelled_ = false;
};

DomainVerifier::DomainVerifier(store::Store& store, VerifierOptions options)
    : store_(store),
      options_(std::move(options)),
      work_(net::make_work_guard(ioc_)),
      resolver_(ioc_, options_.resolver),
      thread_([this] { ioc_.run(); }) {}

DomainVerifier::~DomainVerifier() { Stop(); }

void DomainVerifier::Start(VerificationTarget target) {
  net::post(ioc_, [this, target = std::move(target)]() mutable {
    if (auto old = active_[target.connector_id].lock()) {
      // Two begin_verification calls may post out of order; the newer
      // generation is the one whose result the store will accept, so an
      // older one must never displace it.
      if (old->generation() > target.generation) return;
      old->Cancel();
    }
    auto check = std::make_shared<Check>(*this, target);
    active_[target.connector_id] = check;
    check->Lookup();
  });
}

void DomainVerifier::Cancel(const std::string& connector_id) {
  net::post(ioc_, [this, connector_id] {
    auto it = active_.find(connector_id);
    if (it == active_.end()) return;
    if (auto check = it->second.lock()) check->Cancel();
    active_.erase(it);
  });
}

void DomainVerifier::Stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  ioc_.stop();
  thread_.join();
  writer_.join();
}

void DomainVerifier::Record(const VerificationTarget& target, const char* status) {
  net::post(writer_, [this, target, status] { Write(target, status); });
}

void DomainVerifier::Write(const VerificationTarget& target, const char* status) {
  // A store failure must not escape into the event loop: the connector then
  // stays "pending" and is checked again at the next start-up.
  try {
    store_.WriteRetrying([&](store::Tx& tx) {
      store_.SetSsoVerificationResult(tx, target.connector_id, target.generation, status,
                                      NowMicros());
    });
    obs::log::Info(
        "sso domain verification",
        {{"connector_id", target.connector_id}, {"domain", target.domain}, {"status", status}});
  } catch (const std::exception& e) {
    obs::log::Error(
        "could not record sso domain verification",
        {{"connector_id", target.connector_id}, {"status", status}, {"error", e.what()}});
  }
}

}  // namespace cfiam
