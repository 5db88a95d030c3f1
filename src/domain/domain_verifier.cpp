#include "domain/domain_verifier.h"

#include <algorithm>
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

namespace {

std::string LeaseName(const std::string& connector_id) { return "sso:" + connector_id; }

}  // namespace

DomainVerifier::DomainVerifier(store::Store& store, VerifierOptions options)
    : store_(store),
      options_(std::move(options)),
      work_(net::make_work_guard(ioc_)),
      resolver_(ioc_, options_.resolver),
      tick_(ioc_),
      leases_(store),
      thread_([this] { ioc_.run(); }) {
  // The first sweep at once: it resumes the checks pending at start-up.
  net::post(lease_, [this] { Maintain(); });
  net::post(ioc_, [this] { ArmTick(); });
}

DomainVerifier::~DomainVerifier() { Stop(); }

void DomainVerifier::Claim(store::Tx& tx, const std::string& connector_id) const {
  store::Leases::TakeIn(tx, store_.dialect(), LeaseName(connector_id), options_.node_id,
                        options_.lease_time);
}

void DomainVerifier::Unclaim(store::Tx& tx, const std::string& connector_id) const {
  store::Leases::DropIn(tx, LeaseName(connector_id));
}

void DomainVerifier::Start(VerificationTarget target) {
  // The lookups start at once; the lease thread then records the lease as
  // held (Claim took it), or takes it when nobody did. When another node
  // holds it, that node began a newer generation since: this check yields.
  net::post(lease_, [this, target] {
    const std::string name = LeaseName(target.connector_id);
    try {
      const auto lease = leases_.Get(name);
      if ((lease && lease->holder == options_.node_id) ||
          leases_.Acquire(name, options_.node_id, options_.lease_time)) {
        held_[target.connector_id] = target.generation;
        return;
      }
    } catch (const std::exception& e) {
      // The check goes on unheld (a sweep elsewhere may also take it up:
      // a second lookup series, harmless, outcomes are per generation).
      obs::log::Warn("could not take sso verification lease",
                     {{"connector_id", target.connector_id}, {"error", e.what()}});
      return;
    }
    net::post(ioc_, [this, id = target.connector_id, generation = target.generation] {
      CancelCheck(id, generation);
    });
  });
  net::post(ioc_, [this, target = std::move(target)]() mutable { StartCheck(std::move(target)); });
}

void DomainVerifier::StartCheck(VerificationTarget target) {
  if (auto old = active_[target.connector_id].lock()) {
    // Already checking this generation (a sweep and a Start may both ask).
    if (old->generation() == target.generation) return;
    // Two begin_verification calls may post out of order; the newer
    // generation is the one whose result the store will accept, so an
    // older one must never displace it.
    if (old->generation() > target.generation) return;
    old->Cancel();
  }
  auto check = std::make_shared<Check>(*this, target);
  active_[target.connector_id] = check;
  check->Lookup();
}

void DomainVerifier::Cancel(const std::string& connector_id) {
  net::post(lease_, [this, connector_id] { ReleaseLease(connector_id, -1); });
  net::post(ioc_, [this, connector_id] { CancelCheck(connector_id, -1); });
}

void DomainVerifier::CancelCheck(const std::string& connector_id, std::int64_t generation) {
  auto it = active_.find(connector_id);
  if (it == active_.end()) return;
  auto check = it->second.lock();
  // -1: whatever generation; else only that one (a newer check stays).
  if (check && generation >= 0 && check->generation() != generation) return;
  if (check) check->Cancel();
  active_.erase(it);
}

void DomainVerifier::Stop() {
  if (!thread_.joinable()) return;
  tick_.cancel();
  work_.reset();
  ioc_.stop();
  thread_.join();
  writer_.join();
  // Gives up the leases of the checks just abandoned, so another node's
  // sweep (or the next start-up) resumes them at once rather than after
  // the lease time.
  net::post(lease_, [this] {
    for (const auto& [id, generation] : held_) {
      try {
        leases_.Release(LeaseName(id), options_.node_id);
      } catch (const std::exception&) {
        break;  // the store is gone: the leases expire by themselves
      }
    }
    held_.clear();
  });
  lease_.join();
}

void DomainVerifier::ArmTick() {
  const auto pace = std::max(std::chrono::milliseconds(10), options_.lease_time / 5);
  tick_.expires_after(pace);
  tick_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    net::post(lease_, [this] { Maintain(); });
    ArmTick();
  });
}

void DomainVerifier::Maintain() {
  try {
    if (!held_.empty()) {
      // Renew what this node holds (one statement); a lease missing from
      // the answer was taken by another node after it expired.
      const auto still = leases_.RenewAll("sso:", options_.node_id, options_.lease_time);
      std::unordered_map<std::string, std::int64_t> current;
      {
        auto tx = store_.Read();
        for (const SsoConnector& c : store_.ListPendingSsoConnectors(*tx)) {
          current.emplace(c.id, c.verification_generation);
        }
      }
      for (auto it = held_.begin(); it != held_.end();) {
        const std::string& id = it->first;
        const bool kept = std::find(still.begin(), still.end(), LeaseName(id)) != still.end();
        const auto now = current.find(id);
        // Deleted, finished or begun again (maybe on another node) since.
        const bool superseded = now == current.end() || now->second != it->second;
        if (kept && !superseded) {
          ++it;
          continue;
        }
        if (kept) leases_.Release(LeaseName(id), options_.node_id);
        net::post(ioc_, [this, id, generation = it->second] { CancelCheck(id, generation); });
        it = held_.erase(it);
      }
    }
    // Now and then, the leases their holders never gave up and nobody
    // needs any more.
    if (++sweeps_ % 50 == 1) {
      store_.WriteRetrying([this](store::Tx& tx) { store_.DropOrphanSsoLeases(tx); });
    }
    std::vector<SsoConnector> unheld;
    {
      auto tx = store_.Read();
      unheld = store_.ListUnleasedPendingSsoConnectors(*tx);
    }
    for (const SsoConnector& c : unheld) {
      if (held_.contains(c.id)) continue;
      if (!leases_.Acquire(LeaseName(c.id), options_.node_id, options_.lease_time)) continue;
      held_[c.id] = c.verification_generation;
      obs::log::Info("sso domain verification claimed",
                     {{"connector_id", c.id}, {"domain", c.email_domain}});
      VerificationTarget target{c.id, c.email_domain, c.verification_code,
                                c.verification_generation};
      net::post(ioc_,
                [this, target = std::move(target)]() mutable { StartCheck(std::move(target)); });
    }
  } catch (const std::exception& e) {
    // The next tick tries again; leases not renewed meanwhile may expire.
    obs::log::Error("sso verification lease pass failed", {{"error", e.what()}});
  }
}

void DomainVerifier::ReleaseLease(const std::string& connector_id, std::int64_t generation) {
  auto it = held_.find(connector_id);
  if (it == held_.end()) return;
  // A finished check of an older generation leaves the newer one's lease.
  if (generation >= 0 && it->second != generation) return;
  held_.erase(it);
  try {
    leases_.Release(LeaseName(connector_id), options_.node_id);
  } catch (const std::exception& e) {
    obs::log::Warn("could not release sso verification lease",
                   {{"connector_id", connector_id}, {"error", e.what()}});
  }
}

void DomainVerifier::Record(const VerificationTarget& target, const char* status) {
  net::post(writer_, [this, target, status] { Write(target, status); });
}

void DomainVerifier::Write(const VerificationTarget& target, const char* status) {
  // A store failure must not escape into the event loop: the connector then
  // stays "pending", its lease is given up (or expires) and a sweep checks
  // it again.
  try {
    bool recorded = false;
    store_.WriteRetrying([&](store::Tx& tx) {
      recorded = store_.SetSsoVerificationResult(tx, target.connector_id, target.generation, status,
                                                 NowMicros());
    });
    if (recorded) {
      obs::log::Info(
          "sso domain verification",
          {{"connector_id", target.connector_id}, {"domain", target.domain}, {"status", status}});
    }
  } catch (const std::exception& e) {
    obs::log::Error(
        "could not record sso domain verification",
        {{"connector_id", target.connector_id}, {"status", status}, {"error", e.what()}});
  }
  net::post(lease_, [this, id = target.connector_id, generation = target.generation] {
    ReleaseLease(id, generation);
  });
}

}  // namespace cfiam
