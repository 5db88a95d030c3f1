#!/usr/bin/env bash
# One more command: a three-node cfiam cluster on this machine, for trying it
# out. Starts
#   - PostgreSQL 15 from Debian's packages (initdb --locale=C in a directory
#     of its own, 127.0.0.1:5433, never a system service),
#   - three cfiam nodes on one database of it (127.0.0.1:8788-8790, each with
#     a --data-dir of its own and the same bootstrap token),
#   - nginx (Debian nginx-light) balancing round robin on 127.0.0.1:8787,
# prints how to call it, and stops all of it on Ctrl-C.
#
#   scripts/cluster.sh [cfiam serve arguments...]
#
# Environment: CFIAM_CLUSTER_DIR keeps the data there (PostgreSQL's included;
# a later start finds it again; default: a temp dir removed on exit);
# CFIAM_BOOTSTRAP_TOKEN (default: a new random one, printed);
# CFIAM_CLUSTER_PORT (nginx, default 8787; the nodes take the next three);
# CFIAM_CLUSTER_PG_PORT (default 5433). The balancer's configuration is the
# one tests/lib/cluster.mjs writes for the cluster tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
BIN="$PWD/build/release/cfiam"
PG_BIN="${CFIAM_PG_BIN:-/usr/lib/postgresql/15/bin}"
LB_PORT="${CFIAM_CLUSTER_PORT:-8787}"
PG_PORT="${CFIAM_CLUSTER_PG_PORT:-5433}"
NODES=(1 2 3)

if [ -n "${CFIAM_CLUSTER_DIR:-}" ]; then
  mkdir -p "$CFIAM_CLUSTER_DIR"
  DIR="$(cd "$CFIAM_CLUSTER_DIR" && pwd)"
  KEEP=1
else
  DIR="$(mktemp -d /tmp/cfiam-cluster-XXXXXX)"
  KEEP=0
fi

# PostgreSQL refuses to run as root: as root its binaries run as nobody (and
# nginx's worker does too), so they must be able to reach the directory.
AS_PG=()
if [ "$(id -u)" -eq 0 ]; then
  AS_PG=(runuser -u nobody --)
  chmod 755 "$DIR"
fi
pg() { "${AS_PG[@]}" "$PG_BIN/$1" "${@:2}"; }

# Each node may open up to POOL connections: 2 per worker thread + 4, as
# cfiam's default, at least 36. PostgreSQL gets room for three nodes, psql
# and a few spare.
threads=$(nproc)
POOL=$((8 * threads + 4))
[ "$POOL" -ge 36 ] || POOL=36
MAX_CONNECTIONS=$((3 * POOL + 20))

PIDS=()
stopping=0
cleanup() {
  [ "$stopping" -eq 0 ] || return 0
  stopping=1
  trap - INT TERM EXIT
  echo >&2
  echo "cluster: stopping" >&2
  [ -z "${NGINX_PID:-}" ] || kill -QUIT "$NGINX_PID" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}" ${NGINX_PID:+"$NGINX_PID"}; do wait "$pid" 2>/dev/null || true; done
  if [ -f "$DIR/pg/data/postmaster.pid" ]; then
    pg pg_ctl stop -D "$DIR/pg/data" -m fast -w >/dev/null 2>&1 || true
  fi
  if [ "$KEEP" -eq 0 ]; then rm -rf "$DIR"; else echo "cluster: data kept in $DIR" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL -------------------------------------------------------------
if [ ! -f "$DIR/pg/data/PG_VERSION" ]; then
  mkdir -p "$DIR/pg"
  [ "${#AS_PG[@]}" -eq 0 ] || chown nobody: "$DIR/pg"
  chmod 700 "$DIR/pg"
  # C collation: text sorts by bytes, as in SQLite (docs/cluster.md).
  pg initdb -D "$DIR/pg/data" -U postgres -A trust -E UTF8 --locale=C >"$DIR/pg/initdb.log"
fi
pg pg_ctl start -w -t 60 -D "$DIR/pg/data" -l "$DIR/pg/log" \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $DIR/pg -c max_connections=$MAX_CONNECTIONS" >/dev/null
psql_pg() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -tAc "$1" "${@:2}"; }
[ -n "$(psql_pg "SELECT 1 FROM pg_database WHERE datname = 'cfiam'")" ] ||
  psql_pg "CREATE DATABASE cfiam TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C' ENCODING 'UTF8'" >/dev/null
STORE="postgres://postgres@127.0.0.1:$PG_PORT/cfiam"

# --- cfiam nodes --------------------------------------------------------------
if [ -z "${CFIAM_BOOTSTRAP_TOKEN:-}" ]; then
  if [ -f "$DIR/bootstrap-token" ]; then
    CFIAM_BOOTSTRAP_TOKEN=$(cat "$DIR/bootstrap-token")
  else
    CFIAM_BOOTSTRAP_TOKEN="cluster-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  fi
fi
(umask 077 && printf '%s' "$CFIAM_BOOTSTRAP_TOKEN" >"$DIR/bootstrap-token")
export CFIAM_BOOTSTRAP_TOKEN

wait_healthy() {
  for _ in $(seq 300); do
    curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "cluster: node on port $1 did not start; its log:" >&2
  tail -20 "$3" >&2
  exit 1
}

# One after the other: the first applies the migrations and makes the
# bootstrap user and token; the others find them.
for n in "${NODES[@]}"; do
  port=$((LB_PORT + n))
  mkdir -p "$DIR/node$n"
  "$BIN" serve --listen "127.0.0.1:$port" --data-dir "$DIR/node$n" --store "$STORE" \
    --store-pool "$POOL" "$@" 2>"$DIR/node$n/log" &
  PIDS+=($!)
  wait_healthy "$port" "$!" "$DIR/node$n/log"
done

# --- nginx --------------------------------------------------------------------
# Round robin; a node that refuses the connection is skipped (the request goes
# to the next one) and left out for 2 s. A POST that reached a node that then
# died is not resent (it may have committed): the client gets a 502.
mkdir -p "$DIR/nginx/tmp"
{
  echo "worker_processes 1;"
  echo "daemon off;"
  echo "pid $DIR/nginx/nginx.pid;"
  echo "error_log $DIR/nginx/error.log warn;"
  echo "events { worker_connections 4096; }"
  echo "http {"
  echo "  access_log off;"
  for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $DIR/nginx/tmp/$t;"; done
  echo "  upstream cfiam {"
  for n in "${NODES[@]}"; do echo "    server 127.0.0.1:$((LB_PORT + n)) max_fails=1 fail_timeout=2s;"; done
  echo "    keepalive 64;"
  echo "  }"
  cat <<CONF
  server {
    listen 127.0.0.1:$LB_PORT;
    client_max_body_size 2m;
    location / {
      proxy_pass http://cfiam;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 60s;
    }
  }
}
CONF
} >"$DIR/nginx/nginx.conf"
nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx" -e "$DIR/nginx/error.log" &
NGINX_PID=$!
wait_healthy "$LB_PORT" "$NGINX_PID" "$DIR/nginx/error.log"

cat <<EOF

cfiam cluster: 3 nodes on PostgreSQL 15, nginx round robin in front.

  balancer   http://127.0.0.1:$LB_PORT/client/v4
  nodes      $(for n in "${NODES[@]}"; do printf 'http://127.0.0.1:%s ' $((LB_PORT + n)); done)(logs in $DIR/node*/log)
  store      $STORE
  token      $CFIAM_BOOTSTRAP_TOKEN

  curl -H "Authorization: Bearer $CFIAM_BOOTSTRAP_TOKEN" http://127.0.0.1:$LB_PORT/client/v4/user/tokens/verify
  curl -H "Authorization: Bearer $CFIAM_BOOTSTRAP_TOKEN" -H 'Content-Type: application/json' \\
       -d '{"name":"Demo"}' http://127.0.0.1:$LB_PORT/client/v4/accounts
  psql $STORE

Any node answers for all: a change acknowledged by one is enforced by the
others within 1 s; send the response's cf-iam-seq back as cf-iam-min-seq to
read your own write on another node at once. Ctrl-C stops everything.
EOF

# Until Ctrl-C (a node dying on its own does not stop the others).
while :; do sleep 1; done
