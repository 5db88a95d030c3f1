// cfiam: the command line. `cfiam serve` runs the server; `cfiam --help`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/dispatcher.h"
#include "api/failure_map.h"
#include "api/observe.h"
#include "api/seed.h"
#include "api/services.h"
#include "audit/retention.h"
#include "auth/catalog.h"
#include "auth/change_feed.h"
#include "auth/directory.h"
#include "auth/rate_limit.h"
#include "dns/txt_resolver.h"
#include "domain/api_keys.h"
#include "domain/bootstrap.h"
#include "domain/domain_verifier.h"
#include "domain/email_domain.h"
#include "http/server.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "obs/observer.h"
#include "store/migrations.h"
#include "store/sqlite/snapshot.h"
#include "store/store.h"
#include "store/store_url.h"
#include "util/api_error.h"
#include "util/periodic.h"
#include "util/text.h"

namespace {

constexpr const char* kUsage = R"(cfiam — a self-hostable Cloudflare Accounts and IAM API server

Usage:
  cfiam serve [--listen HOST:PORT] [--data-dir DIR] [--threads N]
              [--store sqlite|URL] [--store-pool N]
              [--max-connections N] [--request-timeout S] [--idle-timeout S]
              [--dns-resolver HOST:PORT] [--dns-timeout MS]
              [--sso-verify-interval MS] [--sso-verify-attempts N]
              [--sso-blocked-domains LIST]
              [--audit-retention AGE] [--audit-prune-interval AGE]
              [--metrics-listen HOST:PORT] [--log-format text|json] [--log-level L]
              [--seed FILE]
              [--rate-limit N/WINDOW]
              [--max-connections-per-ip N] [--max-buffered-bodies MIB]
              [--tls-cert FILE --tls-key FILE]
  cfiam admin api-key --email E [--data-dir DIR] [--store sqlite|URL]
                        create or roll a user's global API key (X-Auth-Key) and print
                        it once; a running server picks it up within seconds
  cfiam admin snapshot FILE [--data-dir DIR]
                        write a consistent copy of the store to FILE, also while
                        the server is serving
  cfiam admin restore FILE [--data-dir DIR]
                        replace the store with the snapshot FILE (server stopped;
                        refused while a server uses the data directory; SQLite
                        only: on PostgreSQL use pg_dump and pg_restore)
  cfiam routes          print the route table as JSON (method, path, access, permission, audit)
  cfiam --help | --version

serve options (each also read from the environment):
  --listen HOST:PORT   address to listen on (CFIAM_LISTEN; default 127.0.0.1:8787;
                       IPv6 as [::1]:8787; port 0 picks a free port)
  --data-dir DIR       where the SQLite database lives (CFIAM_DATA_DIR; default ./data)
  --threads N          I/O threads (CFIAM_THREADS; default: number of cores)
  --store sqlite|URL   where the data lives (CFIAM_STORE): sqlite (default: the file in
                       --data-dir) or PostgreSQL as postgres://user[:password]@host:port/db
                       (also postgresql://, or libpq's key=value form; docs/cluster.md)
  --store-pool N       PostgreSQL connections at most (CFIAM_STORE_POOL; default 2 x worker
                       threads + 4, i.e. 8 x --threads + 4, at least 36)
  --max-connections N  open connections before new ones get 503 (CFIAM_MAX_CONNECTIONS; 4096;
                       lowered to fit the descriptor limit, RLIMIT_NOFILE)
  --request-timeout S  seconds to receive a whole request (CFIAM_REQUEST_TIMEOUT; 30)
  --idle-timeout S     seconds an idle keep-alive connection stays open (CFIAM_IDLE_TIMEOUT; 60)
  --seed FILE          load this seed file (accounts, users, members, groups, tokens with
                       fixed ids and secrets; docs/emulator.md) at start-up (CFIAM_SEED)

Edge limits and TLS (each also read from the environment):
  --max-connections-per-ip N  open connections from one client address before new ones
                       get 503 (CFIAM_MAX_CONNECTIONS_PER_IP; 256)
  --max-buffered-bodies MIB   request bodies held in memory at once, across all
                       connections, before new ones get 503 (CFIAM_MAX_BUFFERED_BODIES; 256)
  --tls-cert FILE      PEM certificate chain; with --tls-key the listener serves HTTPS only
                       (CFIAM_TLS_CERT); SIGHUP reloads both for new connections
  --tls-key FILE       PEM private key of --tls-cert (CFIAM_TLS_KEY)

SSO connector domain verification (DNS TXT lookups; each also from the environment):
  --dns-resolver HOST:PORT   DNS server to ask (CFIAM_DNS_RESOLVER; IPv6 as [::1]:53;
                             default: the first nameserver of /etc/resolv.conf)
  --dns-timeout MS           per-try UDP timeout in milliseconds; 2 tries per lookup
                             (CFIAM_DNS_TIMEOUT; default 2000)
  --sso-verify-interval MS   milliseconds between lookups of one verification
                             (CFIAM_SSO_VERIFY_INTERVAL; default 30000)
  --sso-verify-attempts N    lookups before a verification is "failed"
                             (CFIAM_SSO_VERIFY_ATTEMPTS; default 10)
  --sso-blocked-domains LIST comma-separated email domains refused for SSO connectors,
                             on top of the built-in public mailbox providers
                             (CFIAM_SSO_BLOCKED_DOMAINS)

Audit log retention (each also from the environment):
  --audit-retention AGE      entries older than this are deleted in the background
                             (CFIAM_AUDIT_RETENTION; default 18mo)
  --audit-prune-interval AGE how often the pruner runs (CFIAM_AUDIT_PRUNE_INTERVAL;
                             default 10m)
  AGE is a whole number and a unit: s, m (minutes), h, d, w, mo (calendar
  months) or y, e.g. 90s, 12h, 30d, 18mo, 1y.

Operations (each also from the environment):
  --metrics-listen HOST:PORT serve GET /metrics (and /readyz) on this separate listener
                             only (CFIAM_METRICS_LISTEN; default: GET /metrics on the
                             main listener, no credentials)
  --log-format text|json     stderr lines as text or one JSON object each
                             (CFIAM_LOG_FORMAT; default text)
  --log-level L              debug, info, warn or error (CFIAM_LOG_LEVEL; default info;
                             access lines are info)

Rate limit (also from the environment):
  --rate-limit N/WINDOW      at most N requests per WINDOW per credential owner (a user,
                             or the account of an account token); beyond it 429 971
                             with Retry-After until the window ends. WINDOW is a number
                             and s, m or h; Cloudflare's global limit is 1200/5m
                             (CFIAM_RATE_LIMIT; default off)

Bootstrap (environment):
  CFIAM_BOOTSTRAP_TOKEN    make this exact secret a valid API token of the bootstrap user
  CFIAM_BOOTSTRAP_EMAIL    the bootstrap tenant-admin user (default admin@example.com)
  CFIAM_BOOTSTRAP_API_KEY  make this the bootstrap user's global API key
On a fresh data directory without CFIAM_BOOTSTRAP_TOKEN a token is generated
and printed once on stderr.

The API is served under /client/v4; GET /healthz answers once the store is open,
GET /readyz once the store answers queries (503 otherwise).
)";

struct ServeConfig {
  std::string listen = "127.0.0.1:8787";
  std::string data_dir = "./data";
  std::string store = "sqlite";
  long long store_pool = 0;  // 0: 2 x worker threads + 4
  unsigned threads = 0;
  long long max_connections = 4096;
  long long request_timeout = 30;
  long long idle_timeout = 60;
  std::optional<std::string> dns_resolver;  // default: /etc/resolv.conf
  long long dns_timeout_ms = 2000;
  long long verify_interval_ms = 30000;
  long long verify_attempts = 10;
  std::string blocked_domains;  // comma-separated
  cfiam::audit::Age audit_retention{18, 0};
  cfiam::audit::Age audit_prune_interval{0, 600LL * 1000000};
  std::optional<std::string> metrics_listen;  // default: /metrics on the main listener
  cfiam::obs::log::Format log_format = cfiam::obs::log::Format::kText;
  cfiam::obs::log::Level log_level = cfiam::obs::log::Level::kInfo;
  std::optional<std::string> seed;          // seed file loaded at start-up
  cfiam::auth::RateLimitPolicy rate_limit;  // off
  // Edge limits and TLS.
  long long max_connections_per_ip = 256;
  long long max_buffered_bodies_mib = 256;
  std::string tls_cert;
  std::string tls_key;
};

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

[[noreturn]] void Usage(const std::string& error) {
  std::cerr << "cfiam: " << error << "\n\n" << kUsage;
  std::exit(2);
}

bool SplitListen(const std::string& listen, std::string& host, unsigned short& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  long long p = 0;
  if (!cfiam::ParseUint(listen.substr(colon + 1), p) || p > 65535) return false;
  port = static_cast<unsigned short>(p);
  return true;
}

long long ParseBounded(const std::string& name, const std::string& s, long long lo, long long hi) {
  long long n = 0;
  if (!cfiam::ParseUint(s, n) || n < lo || n > hi) {
    Usage(name + " takes a number from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return n;
}

cfiam::audit::Age ParseAgeFlag(const std::string& name, const std::string& s) {
  auto age = cfiam::audit::ParseAge(s);
  if (!age) Usage(name + " takes an age like 90s, 12h, 30d, 18mo or 1y");
  return *age;
}

cfiam::auth::RateLimitPolicy ParseRateLimitFlag(const std::string& name, const std::string& s) {
  auto policy = cfiam::auth::ParseRateLimit(s);
  if (!policy) Usage(name + " takes off or requests/window, e.g. 1200/5m or 3/2s");
  return *policy;
}

// The pruner sleeps a fixed number of milliseconds between passes.
std::chrono::milliseconds PruneInterval(const cfiam::audit::Age& age) {
  if (age.months != 0) return std::chrono::hours(24 * 30 * age.months);
  return std::chrono::milliseconds(age.micros / 1000);
}

cfiam::obs::log::Format ParseLogFormat(const std::string& s) {
  auto f = cfiam::obs::log::ParseFormat(s);
  if (!f) Usage("--log-format takes text or json");
  return *f;
}

cfiam::obs::log::Level ParseLogLevel(const std::string& s) {
  auto l = cfiam::obs::log::ParseLevel(s);
  if (!l) Usage("--log-level takes debug, info, warn or error");
  return *l;
}

unsigned ParseThreads(const std::string& s) {
  return static_cast<unsigned>(ParseBounded("--threads", s, 1, 256));
}

// Each blocked domain must be a valid domain; it is stored normalized.
std::vector<std::string> ParseBlockedDomains(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string item(cfiam::Trim(std::string_view(list).substr(start, comma - start)));
    start = comma + 1;
    if (item.empty()) continue;
    auto domain = cfiam::NormalizeEmailDomain(item);
    if (!domain) Usage("--sso-blocked-domains: not a domain name: " + item);
    out.push_back(*domain);
  }
  return out;
}

cfiam::VerifierOptions VerifierConfig(const ServeConfig& cfg) {
  cfiam::VerifierOptions v;
  if (cfg.dns_resolver) {
    auto ep = cfiam::dns::ParseResolverAddress(*cfg.dns_resolver);
    if (!ep) Usage("bad --dns-resolver " + *cfg.dns_resolver + " (want IP:PORT)");
    v.resolver.server = *ep;
  } else {
    v.resolver.server = cfiam::dns::SystemResolver("/etc/resolv.conf")
                            .value_or(boost::asio::ip::udp::endpoint(
                                boost::asio::ip::make_address("127.0.0.1"), 53));
  }
  v.resolver.timeout = std::chrono::milliseconds(cfg.dns_timeout_ms);
  v.interval = std::chrono::milliseconds(cfg.verify_interval_ms);
  v.attempts = static_cast<int>(cfg.verify_attempts);
  return v;
}

cfiam::store::StoreUrl ParseStoreFlag(const std::string& text) {
  try {
    return cfiam::store::ParseStoreUrl(text);
  } catch (const std::invalid_argument& e) {
    Usage(e.what());
  }
}

// The engine --store names: the data directory's SQLite file, or PostgreSQL
// with at most `pool` connections.
std::unique_ptr<cfiam::store::Db> OpenDb(const cfiam::store::StoreUrl& url,
                                         const std::string& data_dir, int pool) {
  if (url.engine == cfiam::store::StoreUrl::Engine::kPostgres) {
    return cfiam::store::OpenPostgres(url.conninfo, pool);
  }
  std::filesystem::create_directories(data_dir);
  return cfiam::store::OpenSqlite(data_dir + "/cfiam.db");
}

// Opens the store, applying migrations on a dedicated engine handle so the
// pool starts clean.
std::unique_ptr<cfiam::store::Store> OpenStore(const cfiam::store::StoreUrl& url,
                                               const std::string& data_dir, int pool) {
  cfiam::store::ApplyMigrations(*OpenDb(url, data_dir, 1));
  return std::make_unique<cfiam::store::Store>(OpenDb(url, data_dir, pool));
}

int AdminApiKey(int argc, char** argv) {
  std::string email;
  std::string data_dir = Env("CFIAM_DATA_DIR").value_or("./data");
  std::string store_text = Env("CFIAM_STORE").value_or("sqlite");
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Usage(arg + " needs a value");
    if (arg == "--email") {
      email = argv[++i];
    } else if (arg == "--data-dir") {
      data_dir = argv[++i];
    } else if (arg == "--store") {
      store_text = argv[++i];
    } else {
      Usage("unknown option " + arg);
    }
  }
  if (email.empty()) Usage("admin api-key needs --email");
  auto store = OpenStore(ParseStoreFlag(store_text), data_dir, 1);
  try {
    std::cout << cfiam::RollApiKey(*store, email) << std::endl;
  } catch (const cfiam::Failure& f) {
    std::cerr << "cfiam: " << cfiam::api::ToApiError(f).errors()[0].message << "\n";
    return 2;
  }
  return 0;
}

// `cfiam admin snapshot|restore FILE [--data-dir DIR]`.
int AdminSnapshotOrRestore(int argc, char** argv) {
  const std::string what = argv[2];
  std::string file;
  std::string data_dir = Env("CFIAM_DATA_DIR").value_or("./data");
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--data-dir" && i + 1 < argc) {
      data_dir = argv[++i];
    } else if (file.empty() && !arg.starts_with("--")) {
      file = arg;
    } else {
      Usage("unknown option " + arg);
    }
  }
  if (file.empty()) Usage("admin " + what + " needs a FILE");
  if (Env("CFIAM_STORE").value_or("sqlite") != "sqlite") {
    std::cerr << "cfiam: admin " << what
              << " copies the SQLite file; with CFIAM_STORE set to PostgreSQL use pg_dump and "
                 "pg_restore\n";
    return 2;
  }
  const std::string db = data_dir + "/cfiam.db";
  if (what == "snapshot") {
    cfiam::store::SnapshotSqlite(db, file);
    std::cerr << "cfiam: snapshot of " << data_dir << " written to " << file << std::endl;
    return 0;
  }
  cfiam::store::DataDirLock lock;
  if (!lock.TryLock(data_dir, cfiam::store::DataDirLock::Mode::kExclusive)) {
    std::cerr << "cfiam: " << data_dir
              << " is in use by a running server; stop it before restoring\n";
    return 1;
  }
  cfiam::store::RestoreSqlite(file, db);
  std::cerr << "cfiam: restored " << data_dir << " from " << file << std::endl;
  return 0;
}

int Serve(int argc, char** argv) {
  ServeConfig cfg;
  if (auto v = Env("CFIAM_LISTEN")) cfg.listen = *v;
  if (auto v = Env("CFIAM_DATA_DIR")) cfg.data_dir = *v;
  if (auto v = Env("CFIAM_THREADS")) cfg.threads = ParseThreads(*v);
  if (auto v = Env("CFIAM_STORE")) cfg.store = *v;
  if (auto v = Env("CFIAM_STORE_POOL")) cfg.store_pool = ParseBounded("--store-pool", *v, 1, 1000);
  if (auto v = Env("CFIAM_MAX_CONNECTIONS")) {
    cfg.max_connections = ParseBounded("--max-connections", *v, 1, 1000000);
  }
  if (auto v = Env("CFIAM_REQUEST_TIMEOUT")) {
    cfg.request_timeout = ParseBounded("--request-timeout", *v, 1, 3600);
  }
  if (auto v = Env("CFIAM_IDLE_TIMEOUT"))
    cfg.idle_timeout = ParseBounded("--idle-timeout", *v, 1, 3600);
  cfg.dns_resolver = Env("CFIAM_DNS_RESOLVER");
  constexpr long long kDay = 86400000;
  if (auto v = Env("CFIAM_DNS_TIMEOUT"))
    cfg.dns_timeout_ms = ParseBounded("CFIAM_DNS_TIMEOUT", *v, 10, 60000);
  if (auto v = Env("CFIAM_SSO_VERIFY_INTERVAL")) {
    cfg.verify_interval_ms = ParseBounded("CFIAM_SSO_VERIFY_INTERVAL", *v, 10, kDay);
  }
  if (auto v = Env("CFIAM_SSO_VERIFY_ATTEMPTS")) {
    cfg.verify_attempts = ParseBounded("CFIAM_SSO_VERIFY_ATTEMPTS", *v, 1, 1000);
  }
  if (auto v = Env("CFIAM_SSO_BLOCKED_DOMAINS")) cfg.blocked_domains = *v;
  if (auto v = Env("CFIAM_AUDIT_RETENTION")) {
    cfg.audit_retention = ParseAgeFlag("CFIAM_AUDIT_RETENTION", *v);
  }
  cfg.seed = Env("CFIAM_SEED");
  if (auto v = Env("CFIAM_AUDIT_PRUNE_INTERVAL")) {
    cfg.audit_prune_interval = ParseAgeFlag("CFIAM_AUDIT_PRUNE_INTERVAL", *v);
  }
  cfg.metrics_listen = Env("CFIAM_METRICS_LISTEN");
  if (auto v = Env("CFIAM_LOG_FORMAT")) cfg.log_format = ParseLogFormat(*v);
  if (auto v = Env("CFIAM_LOG_LEVEL")) cfg.log_level = ParseLogLevel(*v);
  if (auto v = Env("CFIAM_RATE_LIMIT")) cfg.rate_limit = ParseRateLimitFlag("CFIAM_RATE_LIMIT", *v);
  // Edge limits and TLS.
  if (auto v = Env("CFIAM_MAX_CONNECTIONS_PER_IP")) {
    cfg.max_connections_per_ip = ParseBounded("--max-connections-per-ip", *v, 1, 1000000);
  }
  if (auto v = Env("CFIAM_MAX_BUFFERED_BODIES")) {
    cfg.max_buffered_bodies_mib = ParseBounded("--max-buffered-bodies", *v, 1, 1 << 20);
  }
  if (auto v = Env("CFIAM_TLS_CERT")) cfg.tls_cert = *v;
  if (auto v = Env("CFIAM_TLS_KEY")) cfg.tls_key = *v;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--listen") {
      cfg.listen = value();
    } else if (arg == "--data-dir") {
      cfg.data_dir = value();
    } else if (arg == "--threads") {
      cfg.threads = ParseThreads(value());
    } else if (arg == "--store") {
      cfg.store = value();
    } else if (arg == "--store-pool") {
      cfg.store_pool = ParseBounded(arg, value(), 1, 1000);
    } else if (arg == "--max-connections") {
      cfg.max_connections = ParseBounded(arg, value(), 1, 1000000);
    } else if (arg == "--request-timeout") {
      cfg.request_timeout = ParseBounded(arg, value(), 1, 3600);
    } else if (arg == "--idle-timeout") {
      cfg.idle_timeout = ParseBounded(arg, value(), 1, 3600);
    } else if (arg == "--dns-resolver") {
      cfg.dns_resolver = value();
    } else if (arg == "--dns-timeout") {
      cfg.dns_timeout_ms = ParseBounded(arg, value(), 10, 60000);
    } else if (arg == "--sso-verify-interval") {
      cfg.verify_interval_ms = ParseBounded(arg, value(), 10, kDay);
    } else if (arg == "--sso-verify-attempts") {
      cfg.verify_attempts = ParseBounded(arg, value(), 1, 1000);
    } else if (arg == "--sso-blocked-domains") {
      cfg.blocked_domains = value();
    } else if (arg == "--audit-retention") {
      cfg.audit_retention = ParseAgeFlag(arg, value());
    } else if (arg == "--audit-prune-interval") {
      cfg.audit_prune_interval = ParseAgeFlag(arg, value());
    } else if (arg == "--metrics-listen") {
      cfg.metrics_listen = value();
    } else if (arg == "--log-format") {
      cfg.log_format = ParseLogFormat(value());
    } else if (arg == "--log-level") {
      cfg.log_level = ParseLogLevel(value());
    } else if (arg == "--seed") {
      cfg.seed = value();
    } else if (arg == "--rate-limit") {
      cfg.rate_limit = ParseRateLimitFlag(arg, value());
    } else if (arg == "--max-connections-per-ip") {
      cfg.max_connections_per_ip = ParseBounded(arg, value(), 1, 1000000);
    } else if (arg == "--max-buffered-bodies") {
      cfg.max_buffered_bodies_mib = ParseBounded(arg, value(), 1, 1 << 20);
    } else if (arg == "--tls-cert") {
      cfg.tls_cert = value();
    } else if (arg == "--tls-key") {
      cfg.tls_key = value();
    } else {
      Usage("unknown option " + arg);
    }
  }
  if (cfg.tls_cert.empty() != cfg.tls_key.empty()) Usage("--tls-cert and --tls-key go together");
  cfiam::http::ServerOptions options;
  if (!SplitListen(cfg.listen, options.host, options.port)) Usage("bad --listen " + cfg.listen);
  options.io_threads =
      cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  // Workers mostly wait: for the writer lock, or for their change's batch to
  // reach the disk. Enough of them lets one fsync carry many changes (group
  // commit) instead of capping a batch at a handful.
  options.worker_threads = std::max(16u, options.io_threads * 4);
  options.max_connections = static_cast<std::size_t>(cfg.max_connections);
  options.request_timeout = std::chrono::seconds(cfg.request_timeout);
  options.idle_timeout = std::chrono::seconds(cfg.idle_timeout);
  options.max_connections_per_ip = static_cast<std::size_t>(cfg.max_connections_per_ip);
  options.max_buffered_body_bytes = static_cast<std::size_t>(cfg.max_buffered_bodies_mib) << 20;
  options.tls_cert_file = cfg.tls_cert;
  options.tls_key_file = cfg.tls_key;

  const cfiam::VerifierOptions verifier_options = VerifierConfig(cfg);
  std::vector<std::string> blocked = ParseBlockedDomains(cfg.blocked_domains);
  cfiam::http::ServerOptions metrics_options;
  if (cfg.metrics_listen) {
    if (!SplitListen(*cfg.metrics_listen, metrics_options.host, metrics_options.port)) {
      Usage("bad --metrics-listen " + *cfg.metrics_listen);
    }
    metrics_options.io_threads = 1;
    metrics_options.worker_threads = 1;
    metrics_options.max_connections = 64;
  }

  // Stderr lines go through the logger's queue from here on; declared first,
  // so it is destroyed (and drained) last.
  namespace log = cfiam::obs::log;
  log::Logger logger(cfg.log_format, cfg.log_level, log::FdSink(2));
  log::Install(&logger);
  struct Uninstall {
    ~Uninstall() { log::Install(nullptr); }
  } uninstall;
  const cfiam::store::StoreUrl store_url = ParseStoreFlag(cfg.store);
  log::Lifecycle(
      "starting",
      {{"version", CFIAM_VERSION}, {"data_dir", cfg.data_dir}, {"store", store_url.display}});

  // Held while serving, so `cfiam admin restore` can tell the store is in use.
  cfiam::store::DataDirLock lock;
  if (store_url.engine == cfiam::store::StoreUrl::Engine::kSqlite) {
    std::filesystem::create_directories(cfg.data_dir);
    if (!lock.TryLock(cfg.data_dir, cfiam::store::DataDirLock::Mode::kShared)) {
      log::Error(cfg.data_dir + " is being restored; try again when it is done");
      return 1;
    }
  }
  // A worker may hold a change's transaction and read beside it (two
  // connections); background jobs hold a few more. A smaller pool can run
  // dry with every worker waiting for a second connection.
  const int pool =
      static_cast<int>(cfg.store_pool ? cfg.store_pool : 2 * options.worker_threads + 4);
  auto store_ptr = OpenStore(store_url, cfg.data_dir, pool);
  cfiam::store::Store& store = *store_ptr;
  const cfiam::auth::Catalog catalog;
  const auto boot =
      cfiam::Bootstrap(store, Env("CFIAM_BOOTSTRAP_EMAIL").value_or("admin@example.com"),
                       Env("CFIAM_BOOTSTRAP_TOKEN"), Env("CFIAM_BOOTSTRAP_API_KEY"));
  if (boot.generated_token) {
    // Printed once, on purpose: the one secret that ever reaches stderr.
    if (cfg.log_format == log::Format::kJson) {
      log::Warn("generated bootstrap API token (shown once; store it now)",
                {{"token", *boot.generated_token}});
    } else {
      logger.Flush();
      std::cerr << "cfiam: generated bootstrap API token (shown once; store it now):\n  "
                << *boot.generated_token << std::endl;
    }
  }
  if (cfg.seed) {
    try {
      const auto n = cfiam::api::SeedFromFile(store, catalog, *cfg.seed);
      log::Info("seeded " + std::to_string(n.accounts) + " accounts, " + std::to_string(n.users) +
                    " users, " + std::to_string(n.tokens) + " tokens from " + *cfg.seed,
                {{"file", *cfg.seed}});
    } catch (const cfiam::ApiError& e) {
      log::Error("seed " + *cfg.seed + " refused (nothing applied): " + e.errors()[0].message,
                 {{"file", *cfg.seed}});
      return 2;
    } catch (const cfiam::Failure& f) {
      log::Error("seed " + *cfg.seed +
                     " refused (nothing applied): " + cfiam::api::ToApiError(f).errors()[0].message,
                 {{"file", *cfg.seed}});
      return 2;
    }
  }
  // The in-memory authorization state: loaded once, then moved only by the
  // change log (auth/change_feed.h).
  cfiam::auth::Directory directory;
  cfiam::auth::ChangeFeed feed(store, directory, catalog);
  feed.Load();

  // Declared after the store and before the services: it is destroyed
  // (its thread joined) before the store it writes to.
  cfiam::DomainVerifier verifier(store, verifier_options);
  cfiam::api::Services services(store, directory, feed, catalog, verifier, std::move(blocked));
  feed.on_token_erased = [&services](const std::string& id) { services.last_used.Forget(id); };
  services.sso_connectors.ResumePending();
  services.rate_limiter.Configure(cfg.rate_limit);
  cfiam::api::Dispatcher dispatcher(services);
  // Tests only: lets a request pause before its unit of work (see dispatcher.h).
  if (const char* hooks = std::getenv("CFIAM_TEST_HOOKS");
      hooks && std::string_view(hooks) == "1") {
    dispatcher.TEST_EnablePauseHeader();
  }
  // Observability: /readyz, /metrics, request metrics and access lines wrap
  // the dispatcher (src/obs).
  cfiam::api::RegisterRouteMetrics();
  cfiam::obs::ObserverOptions observer_options;
  observer_options.serve_metrics = !cfg.metrics_listen;
  observer_options.readiness = [&store]() -> std::optional<std::string> {
    try {
      store.Probe();
      return std::nullopt;
    } catch (const std::exception& e) {
      return std::string("store: ") + e.what();
    }
  };
  cfiam::obs::Observer observer(
      observer_options, [&](cfiam::http::Request& r) { return dispatcher.Handle(r); },
      [&](cfiam::http::Request& r, cfiam::http::Response& res) {
        return dispatcher.HandleInline(r, res);
      },
      [&](cfiam::http::Request& r, cfiam::http::Response& res) {
        return dispatcher.RefuseBeforeBody(r, res);
      });
  cfiam::http::Server server(
      options, [&](cfiam::http::Request& r) { return observer.Handle(r); },
      [&](cfiam::http::Request& r, cfiam::http::Response& res) {
        return observer.HandleInline(r, res);
      },
      [&](cfiam::http::Request& r, cfiam::http::Response& res) {
        return observer.CheckHeader(r, res);
      });
  cfiam::obs::metrics::SetGauge(
      "cfiam_http_open_connections", "Open client connections.",
      [&server] { return static_cast<double>(server.OpenConnections()); });
  struct RemoveGauge {
    ~RemoveGauge() { cfiam::obs::metrics::SetGauge("cfiam_http_open_connections", "", {}); }
  } remove_gauge;
  // --metrics-listen: the operational endpoints on a listener of their own.
  std::optional<cfiam::obs::Observer> metrics_observer;
  std::optional<cfiam::http::Server> metrics_server;
  if (cfg.metrics_listen) {
    cfiam::obs::ObserverOptions o = observer_options;
    o.serve_metrics = true;
    metrics_observer.emplace(o, cfiam::obs::NotFound, nullptr, nullptr);
    metrics_server.emplace(
        metrics_options, [&](cfiam::http::Request& r) { return metrics_observer->Handle(r); },
        nullptr);
  }
  // last_used_on is recorded in memory on every use and persisted in batches
  // every 2 s.
  cfiam::Periodic flusher(std::chrono::seconds(2), [&] {
    try {
      services.last_used.Flush(store);
    } catch (const std::exception& e) {
      log::Error("last_used flush failed", {{"error", e.what()}});
    }
  });
  // Changes other processes commit (`cfiam admin api-key`) reach the
  // authorization state through the change log too: poll it, and prune what
  // was applied long ago (a request's own change is applied before its
  // response, so this is only for the others).
  cfiam::Periodic change_poller(std::chrono::milliseconds(200), [&feed] {
    try {
      feed.CatchUp();
      feed.Prune(/*keep=*/10000, /*limit=*/1000);
    } catch (const std::exception& e) {
      log::Error("change log poll failed", {{"error", e.what()}});
    }
  });
  // Retention: each pass deletes in small chunks, one write transaction each,
  // so request writes interleave with it.
  const cfiam::audit::Age retention = cfg.audit_retention;
  cfiam::Periodic pruner(PruneInterval(cfg.audit_prune_interval), [&store, retention] {
    try {
      const std::int64_t n =
          cfiam::audit::PruneAuditLog(store, retention.Before(cfiam::NowMicros()));
      if (n > 0) log::Info("audit retention pass", {{"deleted", n}});
    } catch (const std::exception& e) {
      log::Error("audit retention pass failed", {{"error", e.what()}});
    }
  });
  std::thread metrics_thread;
  if (metrics_server) {
    const unsigned short mport = metrics_server->Listen();
    const std::string address = metrics_options.host + ":" + std::to_string(mport);
    log::Lifecycle("metrics endpoint on " + address, {{"address", address}});
    metrics_thread = std::thread([&] { metrics_server->Run(); });
  }
  const unsigned short port = server.Listen();
  // Tests and scripts wait for "listening on HOST:PORT" (tests/lib/harness.mjs
  // takes the last ":digits" before a space): keep it so in both formats, with
  // the address as the last field.
  const std::string address =
      (cfg.tls_cert.empty() ? "" : "https://") + options.host + ":" + std::to_string(port);
  log::Lifecycle("listening on " + address,
                 {{"threads", static_cast<std::int64_t>(options.io_threads)},
                  {"data_dir", cfg.data_dir},
                  {"address", address}});
  server.Run();
  if (metrics_server) {
    metrics_server->Stop();
    metrics_thread.join();
  }
  flusher.Stop();
  pruner.Stop();
  services.last_used.Flush(store);
  verifier.Stop();
  log::Lifecycle("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage("missing command");
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "--version") {
    std::cout << "cfiam " << CFIAM_VERSION << "\n";
    return 0;
  }
  if (cmd == "admin") {
    const std::string sub = argc < 3 ? "" : argv[2];
    if (sub != "api-key" && sub != "snapshot" && sub != "restore") Usage("unknown admin command");
    try {
      return sub == "api-key" ? AdminApiKey(argc, argv) : AdminSnapshotOrRestore(argc, argv);
    } catch (const std::exception& e) {
      std::cerr << "cfiam: " << e.what() << "\n";
      return 1;
    }
  }
  if (cmd == "routes") {
    std::cout << cfiam::api::RouteTableJson() << "\n";
    return 0;
  }
  try {
    if (cmd == "serve") return Serve(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "cfiam: " << e.what() << "\n";
    return 1;
  }
  Usage("unknown command " + cmd);
}
