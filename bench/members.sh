#!/usr/bin/env bash
# Benchmark: GET /accounts/{id}/members?per_page=50 on an account with 10,000
# members. Starts the release server on 127.0.0.1 with a throw-away data
# directory, creates the account over the API, seeds the members straight into
# the SQLite file while the server is stopped (10,000 API calls would measure
# fsync, not the list), restarts, checks the count, then runs wrk.
#
#   bench/members.sh [members=10000] [duration=15s] [connections=16]
#
# Needs: build/release/cfiam (scripts/setup.sh release), wrk, sqlite3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
members="${1:-10000}"
duration="${2:-15s}"
connections="${3:-16}"
bin="${CFIAM_BIN:-build/release/cfiam}"
admin_role=05784afa30c1afe1440e79d9351c7430
port=$((20000 + RANDOM % 20000))
data=$(mktemp -d)
token=$(head -c 30 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

start() {
  CFIAM_BOOTSTRAP_TOKEN="$token" "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" \
    --threads "$(nproc)" 2>"$data/server.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; cat "$data/server.log" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=""; }

start
account=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"Bench"}' "http://127.0.0.1:$port/client/v4/accounts" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
stop

now=$(($(date +%s) * 1000000))
sqlite3 "$data/cfiam.db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $members)
INSERT INTO users (id, email, first_name, last_name, two_factor, tenant_admin, created_on)
SELECT lower(hex(randomblob(16))), 'bench' || i || '@example.com', 'First' || i, 'Last' || i, 0, 0,
       $now + i FROM n;
INSERT INTO members (id, account_id, user_id, status, created_on, user_email, user_first_name,
                     user_last_name)
SELECT lower(hex(randomblob(16))), '$account', id,
       CASE WHEN created_on % 3 = 0 THEN 'pending' ELSE 'accepted' END, created_on,
       email, first_name, last_name
FROM users WHERE email LIKE 'bench%';
-- The kept list sizes (store/list_counts.h) the server's own inserts maintain.
INSERT OR REPLACE INTO list_counts (owner_id, list, n)
SELECT account_id, 'members', COUNT(*) FROM members WHERE account_id = '$account' GROUP BY account_id;
INSERT OR REPLACE INTO list_counts (owner_id, list, n)
SELECT account_id, 'members:' || status, COUNT(*) FROM members WHERE account_id = '$account'
GROUP BY account_id, status;
INSERT INTO member_roles (member_id, role_id)
SELECT id, '$admin_role' FROM members WHERE account_id = '$account' AND user_id IN
  (SELECT id FROM users WHERE email LIKE 'bench%');
COMMIT;
SQL

start
url="http://127.0.0.1:$port/client/v4/accounts/$account/members?per_page=50"
total=$(curl -sf -H "Authorization: Bearer $token" "$url&page=7" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["result"])==50; print(d["result_info"]["total_count"])')
echo "account $account has $total members; wrk for $duration with $connections connections:"
wrk -t2 -c"$connections" -d"$duration" --latency -H "Authorization: Bearer $token" "$url"
echo "deep page:"
wrk -t2 -c"$connections" -d5s -H "Authorization: Bearer $token" "$url&page=200" | grep -E "Req/Sec|Requests/sec|Latency"
