// cfiam: the command line. `cfiam serve` runs the server; `cfiam --help`.
#include <atomic>
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
#include "store/leases.h"
#include "store/migrations.h"
#include "store/postgres/pg_listener.h"
#include "store/sqlite/snapshot.h"
#include "store/store.h"
#include "store/store_url.h"
#include "util/api_error.h"
#include "util/large_alloc.h"
#include "util/node_id.h"
#include "util/options.h"
#include "util/periodic.h"
#include "util/text.h"

namespace {

// The commands; the serve options follow, generated from their table.
constexpr const char* kCommands = R"(cfiam — a self-hostable Cloudflare Accounts and IAM API server

Usage:
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
  cfiam routes          print the route table as JSON (method, path, access, permission,
                        audit, resource, paging)
  cfiam --help | --version

serve options; each also read from its environment variable (a flag wins over it):
)";

constexpr const char* kUsageTail = R"(
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
  std::string listen;
  std::string data_dir;
  std::string store;
  long long store_pool = 0;  // 0: 2 x worker threads + 4
  long long threads = 0;     // 0: one per core
  long long max_connections = 0;
  long long request_timeout = 0;
  long long idle_timeout = 0;
  std::optional<std::string> dns_resolver;  // default: /etc/resolv.conf
  long long dns_timeout_ms = 0;
  long long verify_interval_ms = 0;
  long long verify_attempts = 0;
  long long lease_time_ms = 0;
  std::string blocked_domains;  // comma-separated
  cfiam::audit::Age audit_retention;
  cfiam::audit::Age audit_prune_interval;
  std::optional<std::string> metrics_listen;  // default: /metrics on the main listener
  cfiam::obs::log::Format log_format = cfiam::obs::log::Format::kText;
  cfiam::obs::log::Level log_level = cfiam::obs::log::Level::kInfo;
  std::optional<std::string> seed;  // seed file loaded at start-up
  std::string node_id;              // empty: hostname-pid
  long long change_poll_ms = 0;
  long long list_cache_mib = 0;
  cfiam::auth::RateLimitPolicy rate_limit;  // off
  // Edge limits and TLS.
  long long max_connections_per_ip = 0;
  long long max_buffered_bodies_mib = 0;
  std::string tls_cert;
  std::string tls_key;
};

// A --node-id: printable in a log line and an audit entry without quoting.
std::optional<std::string> ParseNodeId(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  for (char ch : s) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == ':' ||
                    ch == '@';
    if (!ok) return std::nullopt;
  }
  return std::string(s);
}

// Every serve option, once: flag, variable, metavariable, default, help and
// how its value is read into `c`. Defaults live here (the struct's are
// overwritten by Parse) so the help cannot disagree with them.
std::vector<cfiam::options::Option> ServeOptions(ServeConfig& c) {
  namespace opt = cfiam::options;
  namespace log = cfiam::obs::log;
  constexpr long long kDay = 86400000;
  return {
      {"--listen", "CFIAM_LISTEN", "HOST:PORT", "127.0.0.1:8787",
       "address to listen on (IPv6 as [::1]:8787; port 0 picks a free port)", opt::Text(c.listen)},
      {"--data-dir", "CFIAM_DATA_DIR", "DIR", "./data", "where the SQLite database lives",
       opt::Text(c.data_dir)},
      {"--threads", "CFIAM_THREADS", "N", "", "I/O threads (default: number of cores)",
       opt::Number(c.threads, 1, 256)},
      {"--store", "CFIAM_STORE", "sqlite|URL", "sqlite",
       "where the data lives: sqlite (the file in --data-dir) or PostgreSQL\n"
       "as postgres://user[:password]@host:port/db (also postgresql://, or\n"
       "libpq's key=value form; docs/cluster.md)",
       opt::Text(c.store)},
      {"--store-pool", "CFIAM_STORE_POOL", "N", "",
       "PostgreSQL connections at most (default: 2 x worker threads + 4)",
       opt::Number(c.store_pool, 1, 1000)},
      {"--list-cache-mib", "CFIAM_LIST_CACHE_MIB", "MIB", "32",
       "memory for rendered list pages (members, account and user tokens),\n"
       "reused while the store is unchanged; 0 renders every page",
       opt::Number(c.list_cache_mib, 0, 1 << 20)},
      {"--max-connections", "CFIAM_MAX_CONNECTIONS", "N", "4096",
       "open connections before new ones get 503; lowered to fit the\n"
       "descriptor limit (RLIMIT_NOFILE)",
       opt::Number(c.max_connections, 1, 1000000)},
      {"--request-timeout", "CFIAM_REQUEST_TIMEOUT", "S", "30",
       "seconds to receive a whole request", opt::Number(c.request_timeout, 1, 3600)},
      {"--idle-timeout", "CFIAM_IDLE_TIMEOUT", "S", "60",
       "seconds an idle keep-alive connection stays open", opt::Number(c.idle_timeout, 1, 3600)},
      {"--seed", "CFIAM_SEED", "FILE", "",
       "load this seed file (accounts, users, members, groups, tokens with\n"
       "fixed ids and secrets; docs/emulator.md) at start-up",
       opt::OptionalText(c.seed)},

      {"--max-connections-per-ip", "CFIAM_MAX_CONNECTIONS_PER_IP", "N", "256",
       "open connections from one client address before new ones get 503",
       opt::Number(c.max_connections_per_ip, 1, 1000000), "Edge limits and TLS"},
      {"--max-buffered-bodies", "CFIAM_MAX_BUFFERED_BODIES", "MIB", "256",
       "request bodies held in memory at once, across all connections,\n"
       "before new ones get 503",
       opt::Number(c.max_buffered_bodies_mib, 1, 1 << 20)},
      {"--tls-cert", "CFIAM_TLS_CERT", "FILE", "",
       "PEM certificate chain; with --tls-key the listener serves HTTPS\n"
       "only; SIGHUP reloads both for new connections",
       opt::Text(c.tls_cert)},
      {"--tls-key", "CFIAM_TLS_KEY", "FILE", "", "PEM private key of --tls-cert",
       opt::Text(c.tls_key)},

      {"--dns-resolver", "CFIAM_DNS_RESOLVER", "HOST:PORT", "",
       "DNS server to ask (IPv6 as [::1]:53; default: the first\n"
       "nameserver of /etc/resolv.conf)",
       opt::OptionalText(c.dns_resolver), "SSO connector domain verification (DNS TXT lookups)"},
      {"--dns-timeout", "CFIAM_DNS_TIMEOUT", "MS", "2000",
       "per-try UDP timeout in milliseconds; 2 tries per lookup",
       opt::Number(c.dns_timeout_ms, 10, 60000)},
      {"--sso-verify-interval", "CFIAM_SSO_VERIFY_INTERVAL", "MS", "30000",
       "milliseconds between lookups of one verification",
       opt::Number(c.verify_interval_ms, 10, kDay)},
      {"--sso-verify-attempts", "CFIAM_SSO_VERIFY_ATTEMPTS", "N", "10",
       "lookups before a verification is \"failed\"", opt::Number(c.verify_attempts, 1, 1000)},
      {"--sso-blocked-domains", "CFIAM_SSO_BLOCKED_DOMAINS", "LIST", "",
       "comma-separated email domains refused for SSO connectors,\n"
       "on top of the built-in public mailbox providers",
       opt::Text(c.blocked_domains)},

      {"--audit-retention", "CFIAM_AUDIT_RETENTION", "AGE", "18mo",
       "entries older than this are deleted in the background; AGE is a\n"
       "whole number and a unit: s, m (minutes), h, d, w, mo (calendar\n"
       "months) or y, e.g. 90s, 12h, 30d, 18mo, 1y",
       opt::Parsed(c.audit_retention, cfiam::audit::ParseAge,
                   "an age like 90s, 12h, 30d, 18mo or 1y"),
       "Audit log retention"},
      {"--audit-prune-interval", "CFIAM_AUDIT_PRUNE_INTERVAL", "AGE", "10m",
       "how often the pruner runs",
       opt::Parsed(c.audit_prune_interval, cfiam::audit::ParseAge,
                   "an age like 90s, 12h, 30d, 18mo or 1y")},

      {"--lease-time", "CFIAM_LEASE_TIME", "MS", "30000",
       "milliseconds a node holds a background job (an SSO check, the\n"
       "audit pruner, the change-log pruner) without renewing it; when\n"
       "the node dies another takes the job over after this long\n"
       "(docs/cluster.md)",
       opt::Number(c.lease_time_ms, 100, kDay), "Cluster (several nodes on one PostgreSQL)"},

      {"--metrics-listen", "CFIAM_METRICS_LISTEN", "HOST:PORT", "",
       "serve GET /metrics (and /readyz) on this separate listener only\n"
       "(default: GET /metrics on the main listener, no credentials)",
       opt::OptionalText(c.metrics_listen), "Operations"},
      {"--log-format", "CFIAM_LOG_FORMAT", "text|json", "text",
       "stderr lines as text or one JSON object each",
       opt::Parsed(c.log_format, log::ParseFormat, "text or json")},
      {"--log-level", "CFIAM_LOG_LEVEL", "L", "info",
       "debug, info, warn or error (access lines are info)",
       opt::Parsed(c.log_level, log::ParseLevel, "debug, info, warn or error")},
      {"--node-id", "CFIAM_NODE_ID", "ID", "",
       "names this node on every log line and in the audit entries it\n"
       "writes (raw.node_id); 1 to 64 letters, digits or . _ - : @\n"
       "(default: hostname-pid)",
       opt::Parsed(c.node_id, ParseNodeId, "1 to 64 letters, digits or . _ - : @")},
      {"--change-poll-interval", "CFIAM_CHANGE_POLL_INTERVAL", "MS", "200",
       "milliseconds between reads of the change log for changes other\n"
       "nodes or processes made (on PostgreSQL LISTEN/NOTIFY brings them\n"
       "sooner; the poll is what a lost notification waits for)",
       opt::Number(c.change_poll_ms, 10, 60000)},
      {"--rate-limit", "CFIAM_RATE_LIMIT", "N/WINDOW", "off",
       "at most N requests per WINDOW per credential owner (a user, or the\n"
       "account of an account token); beyond it 429 971 with Retry-After\n"
       "until the window ends. WINDOW is a number and s, m or h;\n"
       "Cloudflare's global limit is 1200/5m",
       opt::Parsed(c.rate_limit, cfiam::auth::ParseRateLimit,
                   "off or requests/window, e.g. 1200/5m or 3/2s")},
  };
}

std::string UsageText() {
  ServeConfig unused;
  const auto table = ServeOptions(unused);
  std::string text(kCommands);
  const std::string_view serve = "  cfiam serve ";
  text.insert(text.find("  cfiam admin"),
              std::string(serve) + cfiam::options::Synopsis(table, serve.size(), 96) + "\n");
  return text + cfiam::options::Help(table) + kUsageTail;
}

std::optional<std::string> Env(const char* name) { return cfiam::options::Getenv(name); }

[[noreturn]] void Usage(const std::string& error) {
  std::cerr << "cfiam: " << error << "\n\n" << UsageText();
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

// The pruner sleeps a fixed number of milliseconds between passes.
std::chrono::milliseconds PruneInterval(const cfiam::audit::Age& age) {
  if (age.months != 0) return std::chrono::hours(24 * 30 * age.months);
  return std::chrono::milliseconds(age.micros / 1000);
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
  v.lease_time = std::chrono::milliseconds(cfg.lease_time_ms);
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
  namespace opt = cfiam::options;
  std::string email;
  std::string data_dir;
  std::string store_text;
  try {
    opt::Parse({{"--email", "", "E", "", "", opt::Text(email)},
                {"--data-dir", "CFIAM_DATA_DIR", "DIR", "./data", "", opt::Text(data_dir)},
                {"--store", "CFIAM_STORE", "sqlite|URL", "sqlite", "", opt::Text(store_text)}},
               argc, argv, 3, opt::Getenv);
  } catch (const opt::UsageError& e) {
    Usage(e.what());
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
  try {
    cfiam::options::Parse(ServeOptions(cfg), argc, argv, 2, cfiam::options::Getenv);
  } catch (const cfiam::options::UsageError& e) {
    Usage(e.what());
  }
  if (cfg.tls_cert.empty() != cfg.tls_key.empty()) Usage("--tls-cert and --tls-key go together");
  if (cfg.node_id.empty()) cfg.node_id = cfiam::DefaultNodeId();
  cfiam::http::ServerOptions options;
  if (!SplitListen(cfg.listen, options.host, options.port)) Usage("bad --listen " + cfg.listen);
  options.io_threads = cfg.threads ? static_cast<unsigned>(cfg.threads)
                                   : std::max(1u, std::thread::hardware_concurrency());
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

  // This process's name among the nodes serving one store: the holder of the
  // leases of the background jobs it runs (store/leases.h).
  const std::string node_id = cfg.node_id;
  const std::chrono::milliseconds lease_time(cfg.lease_time_ms);
  cfiam::VerifierOptions verifier_options = VerifierConfig(cfg);
  verifier_options.node_id = node_id;
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
  logger.set_node(cfg.node_id);
  log::Install(&logger);
  struct Uninstall {
    ~Uninstall() { log::Install(nullptr); }
  } uninstall;
  const cfiam::store::StoreUrl store_url = ParseStoreFlag(cfg.store);
  log::Lifecycle("starting", {{"version", CFIAM_VERSION},
                              {"data_dir", cfg.data_dir},
                              {"store", store_url.display},
                              {"node_id", cfg.node_id}});

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
  // Never destroyed: at a million tokens, freeing the snapshot entry by entry
  // would be most of the shutdown, and the process is ending anyway. (A
  // static pointer keeps it reachable, so leak checkers stay quiet.)
  static cfiam::auth::Directory* const kept_directory = new cfiam::auth::Directory;
  cfiam::auth::Directory& directory = *kept_directory;
  cfiam::auth::ChangeFeed feed(store, directory, catalog);
  cfiam::DeferHugePages();  // promoted once the server answers (huge_pages below)
  feed.Load();

  // Declared after the store and before the services: it is destroyed
  // (its thread joined) before the store it writes to.
  cfiam::DomainVerifier verifier(store, verifier_options);
  cfiam::api::Services services(store, directory, feed, catalog, verifier, std::move(blocked));
  services.node_id = cfg.node_id;
  feed.on_token_erased = [&services](const std::string& id) { services.last_used.Forget(id); };
  services.rate_limiter.Configure(cfg.rate_limit);
  services.list_pages.set_max_bytes(static_cast<std::size_t>(cfg.list_cache_mib) << 20);
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
  observer_options.readiness = [&store, &feed]() -> std::optional<std::string> {
    try {
      store.Probe();
    } catch (const std::exception& e) {
      return std::string("store: ") + e.what();
    }
    // The 1 s bound (api/dispatcher.cpp): a node that cannot confirm its
    // authorization state current would refuse requests with 503.
    constexpr cfiam::Micros kStaleLimit = 1'000'000;
    if (!feed.ConfirmedWithin(kStaleLimit / 2) && !feed.Confirm(kStaleLimit / 4) &&
        !feed.ConfirmedWithin(kStaleLimit)) {
      return "change log: not confirmed current for " +
             std::to_string(feed.ConfirmationAge() / 1000) + " ms";
    }
    return std::nullopt;
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
  // SQLite: change requests run on a queue of their own, a batch at a time
  // (api/change_queue.h); its answers go out through the server, so it stops
  // (running what is queued) before the server is destroyed.
  if (store_url.engine == cfiam::store::StoreUrl::Engine::kSqlite) {
    dispatcher.StartChangeQueue();
    observer.set_submit(
        [&](cfiam::http::Request& r, const cfiam::http::Server::MakeCompletion& make_done) {
          return dispatcher.Submit(r, make_done);
        });
    server.SetSubmit(
        [&](cfiam::http::Request& r, const cfiam::http::Server::MakeCompletion& make_done) {
          return observer.Submit(r, make_done);
        });
  }
  struct StopChangeQueue {
    cfiam::api::Dispatcher& dispatcher;
    ~StopChangeQueue() { dispatcher.StopChangeQueue(); }
  } stop_change_queue{dispatcher};
  cfiam::obs::metrics::SetGauge(
      "cfiam_http_open_connections", "Open client connections.",
      [&server] { return static_cast<double>(server.OpenConnections()); });
  cfiam::obs::metrics::SetGauge(
      "cfiam_change_feed_confirmation_age_seconds",
      "Seconds since the authorization state was last confirmed current (a read of the change "
      "log); above 1 the node refuses requests with 503.",
      [&feed] { return static_cast<double>(feed.ConfirmationAge()) / 1e6; });
  struct RemoveGauge {
    ~RemoveGauge() {
      cfiam::obs::metrics::SetGauge("cfiam_http_open_connections", "", {});
      cfiam::obs::metrics::SetGauge("cfiam_change_feed_confirmation_age_seconds", "", {});
    }
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
  // last_used_on is recorded in memory on every use; a pass every 2 s writes
  // what is due (auth/last_used.h), and the stop below writes the rest.
  cfiam::Periodic flusher(std::chrono::seconds(2), [&] {
    try {
      services.last_used.Flush(store);
    } catch (const std::exception& e) {
      log::Error("last_used flush failed", {{"error", e.what()}});
    }
  });
  // Changes other processes commit (`cfiam admin api-key`, other nodes)
  // reach the authorization state through the change log too: poll it, and
  // prune what was applied long ago (a request's own change is applied
  // before its response, so this is only for the others). Each pass also
  // confirms the state current (the 1 s bound). An outage is logged when it
  // begins and ends, not on every pass.
  // Pruning is cluster work: once a second, under the "change-log-prune"
  // lease, on the one node that holds it.
  cfiam::store::Leases leases(store);
  // Held for at least three passes, so a holder whose pass runs late keeps it.
  cfiam::store::LeasedJob prune_job(leases, "change-log-prune", node_id,
                                    std::max(lease_time, std::chrono::milliseconds(3000)));
  const int polls_per_prune = std::max(1, static_cast<int>(1000 / cfg.change_poll_ms));
  int polls = 0;
  bool poll_failing = false;  // the poller's thread only
  cfiam::Periodic change_poller(std::chrono::milliseconds(cfg.change_poll_ms), [&] {
    try {
      feed.CatchUp();
      if (poll_failing) log::Info("change log readable again");
      poll_failing = false;
      if (++polls % polls_per_prune == 0 && prune_job.Hold()) {
        // Up to 10 chunks a pass: keeps up with 10,000 changes a second.
        for (int i = 0; i < 10 && feed.Prune(/*keep=*/10000, /*limit=*/1000) == 1000; ++i) {
        }
      }
    } catch (const std::exception& e) {
      if (!poll_failing) log::Error("change log poll failed", {{"error", e.what()}});
      poll_failing = true;
    }
  });
  // PostgreSQL: other nodes' changes arrive by notification, within
  // milliseconds, on a connection of the listener's own.
  std::optional<cfiam::store::pg::ChangeListener> listener;
  if (store_url.engine == cfiam::store::StoreUrl::Engine::kPostgres) {
    listener.emplace(store_url.conninfo, "cfiam-listener " + cfg.node_id,
                     [&feed](std::int64_t seq) {
                       // This node's own changes were applied before their answer.
                       if (seq >= 0 && seq <= feed.applied()) return;
                       try {
                         feed.CatchUp();
                       } catch (const std::exception& e) {
                         log::Warn("change notification not applied yet (the poller retries)",
                                   {{"error", e.what()}});
                       }
                     });
  }
  // Retention: each pass deletes in small chunks, one write transaction each,
  // so request writes interleave with it.
  // Cluster work too: the node holding the "audit-retention" lease runs the
  // passes and keeps it from pass to pass (for two intervals, at least the
  // lease time); the others skip theirs.
  const cfiam::audit::Age retention = cfg.audit_retention;
  const std::chrono::milliseconds prune_interval = PruneInterval(cfg.audit_prune_interval);
  cfiam::store::LeasedJob retention_job(leases, "audit-retention", node_id,
                                        std::max(lease_time, 2 * prune_interval));
  cfiam::Periodic pruner(prune_interval, [&] {
    try {
      if (!retention_job.Hold()) return;
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
  // The snapshot's memory into huge pages, off the start-up path (see
  // util/large_alloc.h); a shutdown stops the pass.
  std::atomic<bool> stopping{false};
  std::thread huge_pages([&stopping] {
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t bytes = cfiam::PromoteDeferredHugePages(&stopping);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    if (bytes > 0) {
      log::Info("authorization state moved to huge pages",
                {{"mib", static_cast<std::int64_t>(bytes >> 20)},
                 {"ms", static_cast<std::int64_t>(ms.count())}});
    }
  });
  server.Run();
  dispatcher.StopChangeQueue();  // drained: whatever is left gets its answer
  stopping = true;
  huge_pages.join();
  if (metrics_server) {
    metrics_server->Stop();
    metrics_thread.join();
  }
  if (listener) listener->Stop();
  flusher.Stop();
  pruner.Stop();
  change_poller.Stop();
  // Another node takes these jobs up at its next pass, not a lease time later.
  retention_job.Release();
  prune_job.Release();
  services.last_used.Flush(store, cfiam::NowMicros(), /*all=*/true);
  verifier.Stop();
  log::Lifecycle("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage("missing command");
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << UsageText();
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
