// DomainVerifier: a check's outcome waits for the store's writer lock on a
// thread of its own, so the DNS thread keeps serving the other checks.
#include "domain/domain_verifier.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "store/migrations.h"
#include "store/store.h"
#include "util/random.h"

namespace cfiam {
namespace {

// A "DNS server" that never answers and counts the queries naming `label`.
class SilentDns {
 public:
  explicit SilentDns(std::string label) : label_(std::move(label)) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    timeval tv{0, 20000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] {
      char buf[512];
      while (!stop_) {
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n > 0 &&
            std::string(buf, static_cast<std::size_t>(n)).find(label_) != std::string::npos) {
          ++hits_;
        }
      }
    });
  }
  ~SilentDns() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  unsigned short port() const { return port_; }
  int hits() const { return hits_; }

 private:
  std::string label_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> hits_{0};
  std::thread thread_;
};

TEST(DomainVerifier, OutcomesWaitingForTheWriterLockDoNotStallOtherChecks) {
  const auto dir = std::filesystem::temp_directory_path() / ("cfiam-dv-" + RandomHex(8));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "t.db").string();
  store::ApplyMigrations(*store::OpenSqlite(path));
  {
    store::Store store(store::OpenSqlite(path));
    SilentDns dns("later-check");
    VerifierOptions opt;
    opt.resolver.server = {boost::asio::ip::make_address("127.0.0.1"), dns.port()};
    opt.resolver.timeout = std::chrono::milliseconds(20);
    opt.resolver.tries = 1;
    opt.interval = std::chrono::milliseconds(20);
    opt.attempts = 2;
    DomainVerifier verifier(store, opt);
    {
      auto held = store.Write();  // the writer lock, held by "a slow commit"
      // This check fails after two unanswered lookups and must then record
      // "failed", which waits for the lock.
      verifier.Start({"c1", "first-check.test", "code", 1});
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      // Meanwhile another check must still get its lookups out.
      verifier.Start({"c2", "later-check.test", "code", 1});
      for (int i = 0; i < 100 && dns.hits() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      EXPECT_GT(dns.hits(), 0) << "the DNS thread is blocked on the writer lock";
    }  // releases the lock: the outcomes are written
    verifier.Stop();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cfiam
