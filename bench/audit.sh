#!/usr/bin/env bash
# Benchmark: Audit Logs v2 queries over 1,000,000 entries of one account.
#
#   bench/audit.sh [entries=1000000] [duration=10s] [connections=1]
#   bench/audit.sh writes [duration=10s] [connections=16]
#
# The first form starts the release server once (so migrations run) and
# creates the account, stops it, seeds the entries straight into the SQLite
# file with the sqlite3 CLI (a million API writes would measure fsync, not the
# query), restarts, checks a page, and reports p50/p99 of
#   (a) a filtered page: action_type=create&actor_email=<one of 20 actors>&limit=100
#   (b) the first unfiltered page: limit=100
# with since/before covering all the data. One connection by default, so the
# figures are service latency, not queueing; pass more to load the server.
#
# The second form is the member-creation write throughput (see
# bench_member_writes below).
#
# Needs: build/release/cfiam (built by bench_start), wrk, sqlite3, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
# A port of its own: the shared default may be taken by another run's server.
BENCH_PORT="${BENCH_PORT:-$((20000 + RANDOM % 20000))}"
source bench/lib.sh

ADMIN_ROLE=05784afa30c1afe1440e79d9351c7430
DAY=$((86400 * 1000000))

new_account() {
  bench_call POST /accounts "{\"name\":\"$1\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])'
}

# Seeds $2 entries into account $1: 20 actors (16 users by token or API key,
# 4 account tokens without email), create/update/delete 5:3:2, 1 in 10 a
# failure, six products, spread evenly over the 30 days before now.
seed_entries() {
  local account=$1 entries=$2
  local now=$(($(date +%s) * 1000000))
  local start=$((now - 30 * DAY)) step=$((30 * DAY / entries))
  sqlite3 "$BENCH_DIR/cfiam.db" <<SQL
PRAGMA synchronous=OFF;
PRAGMA cache_size=-262144;
BEGIN;
CREATE TEMP TABLE actors (n INTEGER PRIMARY KEY, id TEXT, type TEXT, context TEXT, email TEXT,
                          token_id TEXT, token_name TEXT, ip TEXT);
WITH RECURSIVE a(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM a WHERE n < 19)
INSERT INTO actors
SELECT n, lower(hex(randomblob(16))),
       CASE WHEN n >= 16 THEN 'account' ELSE 'user' END,
       CASE WHEN n % 4 = 1 AND n < 16 THEN 'api_key' ELSE 'api_token' END,
       CASE WHEN n >= 16 THEN '' ELSE 'actor' || n || '@example.com' END,
       CASE WHEN n % 4 = 1 AND n < 16 THEN '' ELSE lower(hex(randomblob(16))) END,
       CASE WHEN n % 4 = 1 AND n < 16 THEN '' ELSE 'Token of actor ' || n END,
       '192.0.2.' || (n + 10)
FROM a;
CREATE TEMP TABLE products (n INTEGER PRIMARY KEY, product TEXT, path TEXT);
INSERT INTO products VALUES (0, 'members', 'members'), (1, 'tokens', 'tokens'),
  (2, 'subscriptions', 'subscriptions'), (3, 'user_groups', 'iam/user_groups'),
  (4, 'resource_groups', 'iam/resource_groups'), (5, 'sso_connectors', 'sso_connectors');
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < $entries - 1),
rows AS (
  SELECT i, lower(hex(randomblob(16))) AS id, $start + i * $step AS time,
         CASE WHEN i % 10 < 5 THEN 'create' WHEN i % 10 < 8 THEN 'update' ELSE 'delete' END AS type,
         (i * 7 + i / 13) % 20 AS actor, (i * 11 + i / 7) % 6 AS product,
         (i * 3 + i / 17) % 10 = 0 AS failed,
         lower(hex(randomblob(16))) AS resource
  FROM s)
INSERT INTO audit_log (account_id, time, id, account_name, action_type, action_result, actor_id,
  actor_type, actor_context, actor_email, actor_ip_address, actor_token_id, actor_token_name,
  raw_cf_ray_id, raw_method, raw_status_code, raw_uri, resource_id, resource_product,
  resource_type, resource_scope, zone_id, zone_name)
SELECT '$account', r.time, r.id, 'Audit Bench', r.type,
       CASE WHEN r.failed THEN 'failure' ELSE 'success' END,
       a.id, a.type, a.context, a.email, a.ip, a.token_id, a.token_name,
       lower(hex(randomblob(8))),
       CASE r.type WHEN 'create' THEN 'POST' WHEN 'update' THEN 'PUT' ELSE 'DELETE' END,
       CASE WHEN r.failed THEN 400 + (r.i % 5) ELSE 200 END,
       '/accounts/$account/' || p.path ||
         CASE r.type WHEN 'create' THEN '' ELSE '/' || r.resource END,
       r.resource, p.product, p.product, 'accounts', '', ''
FROM rows r JOIN actors a ON a.n = r.actor JOIN products p ON p.n = r.product;
INSERT INTO audit_details (id, action_description, raw_user_agent, resource_request,
  resource_response)
SELECT id,
       CASE action_type WHEN 'create' THEN 'Add ' WHEN 'update' THEN 'Update ' ELSE 'Delete ' END
         || resource_product,
       'cloudflare-typescript/7.3.0 node/20',
       '{"name":"bench ' || substr(id, 1, 8) || '","email":"someone@example.com"}',
       '{"id":"' || resource_id || '"}'
FROM audit_log
WHERE account_id = '$account' AND id NOT IN (SELECT id FROM audit_details);
COMMIT;
SQL
}

bench_queries() {
  local entries=${1:-1000000}
  BENCH_DURATION=${2:-$BENCH_DURATION}
  BENCH_CONNECTIONS=${3:-1}
  bench_start
  local account
  account=$(new_account "Audit Bench")
  bench_stop
  echo "seeding $entries audit entries into account $account ..." >&2
  local t0=$SECONDS
  seed_entries "$account" "$entries"
  echo "seeded in $((SECONDS - t0)) s ($(du -h "$BENCH_DIR/cfiam.db" | cut -f1) database)" >&2
  bench_start

  local since before base
  since=$(date -u -d '31 days ago' +%F)
  before=$(date -u -d 'tomorrow' +%F)
  base="/client/v4/accounts/$account/logs/audit?since=$since&before=$before"
  local filtered="$base&action_type=create&actor_email=actor3%40example.com&limit=100"
  local first="$base&limit=100"
  # A sanity check before measuring: full pages, every entry as filtered.
  bench_call GET "${filtered#/client/v4}" | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = d["result"]
assert d["success"] and len(r) == 100 and d["result_info"]["cursors"]["after"], d["result_info"]
assert all(e["action"]["type"] == "create" and e["actor"]["email"] == "actor3@example.com" for e in r)
'
  local auth=(-H "Authorization: Bearer $BENCH_TOKEN")
  echo "GET .../logs/audit over $entries entries; wrk $BENCH_CONNECTIONS connection(s), $BENCH_DURATION:"
  bench_wrk "(a) create by one actor, 100" "$filtered" "${auth[@]}"
  bench_wrk "(b) first page unfiltered, 100" "$first" "${auth[@]}"
  bench_wrk "(c) (a), direction=asc" "$filtered&direction=asc" "${auth[@]}"
}

# ---------------------------------------------------------------------------
# Member-creation write throughput (POST /accounts/{id}/members, a distinct
# email per request), for comparing with and without audit recording. Each
# wrk thread numbers its own requests, so every email is new and each request
# is a real create (user, member, role, and its audit entry once recorded).
bench_member_writes() {
  BENCH_DURATION=${1:-$BENCH_DURATION}
  BENCH_CONNECTIONS=${2:-16}
  bench_start
  local account
  account=$(new_account "Member Writes")
  local run
  run=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "POST /accounts/{id}/members, distinct emails; wrk $BENCH_CONNECTIONS connections, $BENCH_DURATION:"
  MEMBER_TOKEN=$BENCH_TOKEN MEMBER_ROLE=$ADMIN_ROLE MEMBER_RUN=$run \
    bench_wrk "member create" "/client/v4/accounts/$account/members" -s bench/member_create.lua
  local total
  total=$(bench_call GET "/accounts/$account/members?per_page=5" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result_info"]["total_count"])')
  echo "members created: $total (every non-2xx above is a failed create)"
  # Commit to in-memory authorization state (the change feed), from the
  # server's own histogram: the upper bound of the bucket holding p50 / p99.
  curl -fsS "http://127.0.0.1:$BENCH_PORT/metrics" | python3 -c '
import sys
b = [(float(l.split("le=\"")[1].split("\"")[0]), float(l.split()[-1]))
     for l in sys.stdin if l.startswith("cfiam_change_apply_duration_seconds_bucket")]
if not b or b[-1][1] == 0:
    print("apply latency: n/a (no cfiam_change_apply_duration_seconds)"); sys.exit()
n = b[-1][1]
q = lambda p: next(le for le, c in b if c >= p * n)
print("apply latency (commit to authorization state), %d changes: p50 <= %g ms, p99 <= %g ms"
      % (n, q(0.5) * 1e3, q(0.99) * 1e3))'
}
# ---------------------------------------------------------------------------

if [ "${1:-}" = writes ]; then
  shift
  bench_member_writes "$@"
else
  bench_queries "$@"
fi
