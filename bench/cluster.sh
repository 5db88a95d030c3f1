#!/usr/bin/env bash
# Issue 12's cluster figures in one run, on one machine:
#
#   bench/cluster.sh [revocations=200]   (BENCH_DURATION=10s per wrk/pgbench run,
#                                          BENCH_BIN=other build)
#
# Starts a PostgreSQL 15 of its own (initdb --locale=C in a temp dir, a
# loopback port, durable defaults: fsync and synchronous_commit on), three
# release cfiam nodes on one database of it and nginx round robin in front
# (the configuration of scripts/cluster.sh), then prints:
#   - member creates (invite + its audit entry, distinct emails) through the
#     balancer with 16 and 64 wrk connections, as writes/s counted in the
#     database afterwards; beside each, pgbench on the same server with the
#     same client count running a transaction that inserts a member-like row
#     and an audit-like row (the anchor: what the database itself sustains for
#     comparable rows, without HTTP, JSON, authorization or cfiam's indexes);
#   - tokens/verify (account token) req/s per node, and through the balancer;
#   - revocation propagation, node 1 -> node 2: delete a token on node 1,
#     poll verify on node 2 until refused (bench/cluster_propagation.mjs),
#     p50/p90/p99/max over `revocations` rounds.
# Nothing is pinned: the nodes, PostgreSQL, nginx and the load share the
# machine's cores, so on a small machine the figures are the whole system's.
# Takes about 2-3 minutes.
#
# Needs: build/release/cfiam (scripts/setup.sh release), postgresql-15
# (pgbench), nginx-light, wrk, curl, node.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-200}"
DURATION="${BENCH_DURATION:-10s}"
BASE_PORT="${BENCH_PORT:-$((20000 + RANDOM % 20000))}"
PG_PORT=$((BASE_PORT + 10))
LB_PORT=$BASE_PORT
PG_BIN="${CFIAM_PG_BIN:-/usr/lib/postgresql/15/bin}"
ADMIN_ROLE=05784afa30c1afe1440e79d9351c7430
SETTINGS_READ=c1fde68c7bcc44588cbb6ddbc16d6480
TOKEN="bench-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DIR="$(mktemp -d /tmp/cfiam-bench-cluster-XXXXXX)"
BIN="${BENCH_BIN:-}"
if [ -z "$BIN" ]; then
  scripts/setup.sh release >/dev/null
  BIN=build/release/cfiam
fi
for tool in nginx wrk pgbench node; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/setup.sh deps)" >&2; exit 1; }
done

AS_PG=()
if [ "$(id -u)" -eq 0 ]; then
  AS_PG=(runuser -u nobody --)
  chmod 755 "$DIR"
  mkdir -p "$DIR/pg"
  chown nobody: "$DIR/pg"
fi
pg() { "${AS_PG[@]}" "$PG_BIN/$1" "${@:2}"; }
PIDS=()
cleanup() {
  [ -z "${NGINX_PID:-}" ] || kill -QUIT "$NGINX_PID" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}" ${NGINX_PID:+"$NGINX_PID"}; do wait "$pid" 2>/dev/null || true; done
  pg pg_ctl stop -D "$DIR/pg/data" -m immediate -w >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

# --- PostgreSQL, nodes, nginx --------------------------------------------------
pg initdb -D "$DIR/pg/data" -U postgres -A trust -E UTF8 --locale=C >/dev/null
pg pg_ctl start -w -t 60 -D "$DIR/pg/data" -l "$DIR/pg/log" \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $DIR/pg -c max_connections=300" >/dev/null
psql_db() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${2:-cfiam}" -v ON_ERROR_STOP=1 -tAc "$1"; }
psql_db "CREATE DATABASE cfiam" postgres >/dev/null
STORE="postgres://postgres@127.0.0.1:$PG_PORT/cfiam"

for n in 1 2 3; do
  mkdir -p "$DIR/node$n"
  CFIAM_BOOTSTRAP_TOKEN="$TOKEN" CFIAM_LOG_LEVEL=warn "$BIN" serve --listen "127.0.0.1:$((BASE_PORT + n))" \
    --data-dir "$DIR/node$n" --store "$STORE" --store-pool 80 2>"$DIR/node$n/log" &
  PIDS+=($!)
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$((BASE_PORT + n))/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
done
mkdir -p "$DIR/nginx/tmp"
cat >"$DIR/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $DIR/nginx/tmp/body;
  proxy_temp_path $DIR/nginx/tmp/proxy;
  fastcgi_temp_path $DIR/nginx/tmp/fastcgi;
  uwsgi_temp_path $DIR/nginx/tmp/uwsgi;
  scgi_temp_path $DIR/nginx/tmp/scgi;
  upstream cfiam {
    server 127.0.0.1:$((BASE_PORT + 1)) max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$((BASE_PORT + 2)) max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$((BASE_PORT + 3)) max_fails=1 fail_timeout=2s;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://cfiam;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout;
      proxy_connect_timeout 1s;
    }
  }
}
CONF
nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx" -e "$DIR/nginx/error.log" &
NGINX_PID=$!
LB="http://127.0.0.1:$LB_PORT"
for _ in $(seq 100); do curl -fs "$LB/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

node_url() { echo "http://127.0.0.1:$((BASE_PORT + $1))"; }
call() { # call URL METHOD PATH [JSON]
  curl -fsS -X "$2" "$1/client/v4$3" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' ${4:+-d "$4"}
}
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
# The account, made on node 1 and waited for on the others.
account=$(call "$(node_url 1)" POST /accounts '{"name":"Bench cluster"}' | json '["result"]["id"]')
for n in 2 3; do
  for _ in $(seq 100); do call "$(node_url "$n")" GET "/accounts/$account" >/dev/null 2>&1 && break; sleep 0.02; done
done

# wrk_run URL CONNECTIONS [args] -> "req/s p50 p99 non-2xx"
wrk_run() {
  local url=$1 c=$2
  shift 2
  wrk -t2 -c"$c" -d"$DURATION" --latency "$@" "$url" |
    awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {e=$NF}
         END {printf "%s %s %s %s", r, p50, p99, (e == "" ? 0 : e)}'
}
secs=${DURATION%s}
echo "cfiam: $BIN; PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'); nginx $(nginx -v 2>&1 | sed 's/.*nginx\///');" \
  "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $DURATION per run, nothing pinned"

# --- member creates beside pgbench --------------------------------------------
# The anchor's tables: a member-like row (with its user's email, unique per
# account) and an audit-like row (the audit_log's columns and keys).
psql_db "CREATE TABLE bench_members (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, email TEXT NOT NULL,
  status TEXT NOT NULL, created_on BIGINT NOT NULL, UNIQUE (account_id, email));
CREATE TABLE bench_audit (account_id TEXT NOT NULL, time BIGINT NOT NULL, id TEXT NOT NULL UNIQUE,
  account_name TEXT NOT NULL, action_type TEXT NOT NULL, action_result TEXT NOT NULL, actor_id TEXT NOT NULL,
  actor_email TEXT NOT NULL, actor_ip_address TEXT NOT NULL, raw_cf_ray_id TEXT NOT NULL,
  raw_method TEXT NOT NULL, raw_status_code INTEGER NOT NULL, raw_uri TEXT NOT NULL,
  resource_id TEXT NOT NULL, resource_product TEXT NOT NULL, resource_type TEXT NOT NULL,
  PRIMARY KEY (account_id, time, id));
CREATE INDEX bench_audit_time ON bench_audit (time);" >/dev/null
cat >"$DIR/anchor.sql" <<'SQL'
\set n random(1, 1000000000)
BEGIN;
INSERT INTO bench_members VALUES (md5(:client_id || '-' || :n || random()::text), 'acct',
  'w-' || :client_id || '-' || :n || '-' || random()::text || '@bench.example', 'pending',
  (extract(epoch from clock_timestamp()) * 1000000)::bigint);
INSERT INTO bench_audit VALUES ('acct', (extract(epoch from clock_timestamp()) * 1000000)::bigint,
  md5(random()::text), 'Bench cluster', 'create', 'success', md5('actor'), 'admin@example.com',
  '127.0.0.1', md5(random()::text), 'POST', 200, '/client/v4/accounts/acct/members',
  md5(random()::text), 'members', 'account.member');
COMMIT;
SQL
members() { call "$LB" GET "/accounts/$account/members?per_page=1" | json '["result_info"]["total_count"]'; }
for c in 16 64; do
  before=$(members)
  read -r rps p50 p99 err <<<"$(MEMBER_TOKEN=$TOKEN MEMBER_ROLE=$ADMIN_ROLE MEMBER_RUN="c$c" \
    wrk_run "$LB/client/v4/accounts/$account/members" "$c" -s bench/member_create.lua)"
  created=$(($(members) - before))
  pgb=$(PGPASSWORD= pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -c "$c" -j 2 -T "$secs" \
    -f "$DIR/anchor.sql" cfiam 2>/dev/null)
  tps=$(awk '/^tps/ {print $3; exit}' <<<"$pgb")
  lat=$(awk '/latency average/ {print $4 " " $5}' <<<"$pgb")
  printf 'member create via nginx, %2d conn: %6s writes/s (created %s in %s; wrk p50 %s p99 %s non-2xx %s) | pgbench anchor %2d clients: %8.0f tps (avg %s) | ratio %s\n' \
    "$c" "$(awk -v n="$created" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')" "$created" "$DURATION" \
    "$p50" "$p99" "$err" "$c" "$tps" "$lat" \
    "$(awk -v n="$created" -v s="$secs" -v t="$tps" 'BEGIN {printf "%.3f", (t > 0 ? n / s / t : 0)}')"
done

# --- verify per node ----------------------------------------------------------
secret=$(call "$(node_url 1)" POST "/accounts/$account/tokens" \
  "{\"name\":\"verify\",\"policies\":[{\"effect\":\"allow\",\"permission_groups\":[{\"id\":\"$SETTINGS_READ\"}],\"resources\":{\"com.cloudflare.api.account.$account\":\"*\"}}]}" |
  json '["result"]["value"]')
sleep 1 # the other nodes learn of it within the 1 s bound
for n in 1 2 3; do
  read -r rps p50 p99 err <<<"$(wrk_run "$(node_url "$n")/client/v4/accounts/$account/tokens/verify" 64 -H "Authorization: Bearer $secret")"
  printf 'tokens/verify node %d, 64 conn:            %9s req/s p50 %-8s p99 %-8s non-2xx %s\n' "$n" "$rps" "$p50" "$p99" "$err"
done
read -r rps p50 p99 err <<<"$(wrk_run "$LB/client/v4/accounts/$account/tokens/verify" 64 -H "Authorization: Bearer $secret")"
printf 'tokens/verify via nginx, 64 conn:         %9s req/s p50 %-8s p99 %-8s non-2xx %s\n' "$rps" "$p50" "$p99" "$err"

# --- revocation propagation -----------------------------------------------------
read -r p50 p90 p99 max count <<<"$(node bench/cluster_propagation.mjs "$(node_url 1)" "$(node_url 2)" "$TOKEN" "$account" "$rounds")"
printf 'revocation node 1 -> node 2 (%s rounds):  p50 %s ms  p90 %s ms  p99 %s ms  max %s ms\n' "$count" "$p50" "$p90" "$p99" "$max"
