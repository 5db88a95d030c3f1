#!/usr/bin/env bash
# Instructions per request (valgrind callgrind) of GET /healthz, tokens/verify
# and GET /accounts/{id} with an account token: repeatable on a loaded machine,
# where wrk's requests/second are not.
#   bench/callgrind.sh [requests=10000] [connections=16]
# Each endpoint gets 1,000 warm-up requests, then the counters are zeroed,
# `requests` are sent (bench/fixed_count.py) and the counts dumped; the total
# covers every thread of the server (I/O thread, worker pool, flusher).
# Profiles are kept in $BENCH_OUT (default: a new /tmp/cfiam-callgrind-*) for
# callgrind_annotate. BENCH_BIN=path measures another binary.
# BENCH_NGINX=1 then counts nginx (nginx-light, one process, the configuration
# of bench/compare.sh) the same way, serving the bytes cfiam answered as static
# files, with the same request headers: the anchor for the counts above.
cd "$(dirname "$0")/.."
source bench/callgrind_measure.sh
set -euo pipefail
N="${1:-10000}"
C="${2:-16}"
PORT="${BENCH_PORT:-18998}"
OUT="${BENCH_OUT:-$(mktemp -d /tmp/cfiam-callgrind-XXXXXX)}"
TOKEN="bench-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DATA="$(mktemp -d /tmp/cfiam-bench-XXXXXX)"
URL="http://127.0.0.1:${PORT}"
BIN="${BENCH_BIN:-}"  # another binary instead of building build/release/cfiam
if [ -z "$BIN" ]; then
  scripts/setup.sh release >/dev/null
  BIN=build/release/cfiam
fi
# No string compression: each dump must be readable on its own.
CFIAM_BOOTSTRAP_TOKEN="$TOKEN" valgrind --tool=callgrind --compress-strings=no --compress-pos=no \
  --callgrind-out-file="$OUT/callgrind.out.%p" \
  "$BIN" serve --listen "127.0.0.1:${PORT}" --data-dir "$DATA" --threads 1 \
  2>"$OUT/server.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 300); do
  curl -fs "$URL/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
call() {
  curl -fsS -X "$1" "$URL/client/v4$2" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' ${3:+-d "$3"}
}
id=$(call POST /accounts '{"name":"Bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
secret=$(call POST "/accounts/$id/tokens" "{\"name\":\"bench\",\"policies\":[{\"effect\":\"allow\",\"permission_groups\":[{\"id\":\"c1fde68c7bcc44588cbb6ddbc16d6480\"}],\"resources\":{\"com.cloudflare.api.account.$id\":\"*\"}}]}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])')
echo "callgrind: ${N} requests per endpoint over ${C} connections; profiles in ${OUT}"
measure() {
  local label=$1 file=$2 path=$3
  shift 3
  cg_measure "$label" "$file" "$path" 1000 "$@"
}
measure "GET /healthz" healthz /healthz
measure "GET .../tokens/verify" verify "/client/v4/accounts/$id/tokens/verify" "Authorization: Bearer $secret"
measure "GET /accounts/{id} (account token)" account "/client/v4/accounts/$id" "Authorization: Bearer $secret"

[ "${BENCH_NGINX:-0}" = 1 ] || exit 0

# --- nginx on the same bytes ----------------------------------------------
NGINX_PORT=$((PORT + 1))
NGX="$OUT/nginx"
mkdir -p "$NGX/www" "$NGX/tmp"
curl -fsS "$URL/healthz" >"$NGX/www/healthz.json"
curl -fsS -H "Authorization: Bearer $secret" "$URL/client/v4/accounts/$id/tokens/verify" >"$NGX/www/verify.json"
curl -fsS -H "Authorization: Bearer $secret" "$URL/client/v4/accounts/$id" >"$NGX/www/account.json"
cat >"$NGX/nginx.conf" <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $NGX/tmp;
  proxy_temp_path $NGX/tmp;
  fastcgi_temp_path $NGX/tmp;
  uwsgi_temp_path $NGX/tmp;
  scgi_temp_path $NGX/tmp;
  open_file_cache max=64;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $NGX/www;
    default_type application/json;
  }
}
CONF
valgrind --tool=callgrind --compress-strings=no --compress-pos=no \
  --callgrind-out-file="$OUT/callgrind.out.%p" \
  nginx -c "$NGX/nginx.conf" -p "$NGX" 2>"$NGX/valgrind.log" &
NGINX_PID=$!
SERVER_PID=$PID
trap 'kill $NGINX_PID $SERVER_PID 2>/dev/null; wait $NGINX_PID $SERVER_PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do
  curl -fs -o /dev/null "http://127.0.0.1:${NGINX_PORT}/healthz.json" && break
  sleep 0.2
done
# measure() counts whatever PID and PORT name.
PID=$NGINX_PID
PORT=$NGINX_PORT
measure "nginx, the healthz bytes" nginx-healthz /healthz.json
measure "nginx, the verify bytes" nginx-verify /verify.json "Authorization: Bearer $secret"
measure "nginx, the account bytes" nginx-account /account.json "Authorization: Bearer $secret"
