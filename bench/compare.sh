#!/usr/bin/env bash
# Issue 15's table in one run: cfiam next to nginx serving the same bytes.
#
#   bench/compare.sh [n=10000]     (BENCH_DURATION=10s per row, BENCH_BIN=other build)
#
# Starts the release server (bench/lib.sh: pinned to core 0, one I/O thread,
# fresh data directory) and nginx (Debian nginx-light, one worker, also pinned
# to core 0, on loopback from a temp directory, serving each response cfiam
# gave as a static file the page cache keeps in memory); wrk runs pinned to
# core 1. Seeds, through POST /_cfiam/seed (the store's own inserts, so every
# build seeds the same way), an account with n members (users, one role each)
# and an account with n account tokens (one policy each), 1,000 per request
# (a body is capped at 1 MiB). Then prints, one line each:
#   - GET .../members?per_page=50, page 1 and page n/50, 16 connections
#   - GET .../tokens?per_page=50, page 1 and page n/50, 16 connections
#     (these four with the rendered-page cache warm: the default
#     --list-cache-mib; the same four again at the end, "cold", on the same
#     data with --list-cache-mib 0, so every request renders its page)
#   - GET .../tokens/verify and an authorized GET /accounts/{id} (account
#     token), 64 connections
#   each with nginx's req/s for the same bytes and the ratio;
#   - POST .../members (invite + its audit entry, durable), 16 connections,
#     distinct emails: writes/s counted from the members the account has after.
# Runs about 3 minutes and pins both cores: run it once, not in a loop.
# BENCH_ROWS=hot runs only the verify and GET /accounts/{id} rows (no seeding,
# no writes): about 4 x BENCH_DURATION.
#
# Needs: build/release/cfiam (scripts/setup.sh release), nginx-light, wrk, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PORT="${BENCH_PORT:-$((20000 + RANDOM % 20000))}"
source bench/lib.sh
n="${1:-10000}"
ROWS="${BENCH_ROWS:-all}"  # all | hot
case "$ROWS" in all | hot) ;; *)
  echo "BENCH_ROWS must be all or hot" >&2
  exit 2
  ;;
esac
[ "$ROWS" = all ] || n=0
NGINX_PORT=$((BENCH_PORT + 1))
NGINX_URL="http://127.0.0.1:${NGINX_PORT}"
ADMIN_ROLE=05784afa30c1afe1440e79d9351c7430
READ_GROUP=c1fde68c7bcc44588cbb6ddbc16d6480 # "Account Settings Read" (token policy)
command -v nginx >/dev/null || {
  echo "nginx is missing: scripts/setup.sh deps installs nginx-light" >&2
  exit 1
}

# --- seed -----------------------------------------------------------------
python3 bench/list_seed.py "$n" "$BENCH_DIR" "$ADMIN_ROLE" "$READ_GROUP"
read -r members_account tokens_account <"$BENCH_DIR/ids"

bench_start
for f in "$BENCH_DIR"/seed-*.json; do
  [ -e "$f" ] || continue # BENCH_ROWS=hot seeds nothing
  curl -fsS -o /dev/null -X POST "$BENCH_URL/_cfiam/seed" -H "Authorization: Bearer $BENCH_TOKEN" \
    -H 'Content-Type: application/json' --data-binary "@$f"
done
hot=$(bench_call POST /accounts '{"name":"Hot"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
secret=$(bench_call POST "/accounts/$hot/tokens" "{\"name\":\"hot\",\"policies\":[{\"effect\":\"allow\",\"permission_groups\":[{\"id\":\"$READ_GROUP\"}],\"resources\":{\"com.cloudflare.api.account.$hot\":\"*\"}}]}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])')

# --- nginx ----------------------------------------------------------------
mkdir -p "$BENCH_DIR/nginx/www" "$BENCH_DIR/nginx/tmp"
cat >"$BENCH_DIR/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $BENCH_DIR/nginx/nginx.pid;
error_log $BENCH_DIR/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $BENCH_DIR/nginx/tmp;
  proxy_temp_path $BENCH_DIR/nginx/tmp;
  fastcgi_temp_path $BENCH_DIR/nginx/tmp;
  uwsgi_temp_path $BENCH_DIR/nginx/tmp;
  scgi_temp_path $BENCH_DIR/nginx/tmp;
  open_file_cache max=64;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $BENCH_DIR/nginx/www;
    default_type application/json;
  }
}
CONF
"${SERVER_PIN[@]}" nginx -c "$BENCH_DIR/nginx/nginx.conf" -p "$BENCH_DIR/nginx" 2>"$BENCH_DIR/nginx/stderr" &
NGINX_PID=$!
trap 'kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null; kill $BENCH_PID 2>/dev/null; wait $BENCH_PID 2>/dev/null; rm -rf "$BENCH_DIR"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$NGINX_URL/" && break; sleep 0.1; done

# wrk_rps URL CONNECTIONS [wrk args] -> "req/s p50 p99 non-2xx"
wrk_rps() {
  local url=$1 connections=$2
  shift 2
  local out
  out=$("${WRK_PIN[@]}" wrk -t1 -c"$connections" -d"$BENCH_DURATION" --latency "$@" "$url")
  awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {e=$NF}
       END {printf "%s %s %s %s", r, p50, p99, (e == "" ? 0 : e)}' <<<"$out"
}

# row LABEL PATH CONNECTIONS AUTH: cfiam's figures, then nginx on the same bytes.
row() {
  local label=$1 path=$2 connections=$3 auth=$4 file
  file="r$(printf '%s' "$path" | cksum | cut -d' ' -f1).json"
  curl -fsS -H "Authorization: Bearer $auth" "$BENCH_URL/client/v4$path" >"$BENCH_DIR/nginx/www/$file"
  local bytes c x
  bytes=$(wc -c <"$BENCH_DIR/nginx/www/$file")
  read -r c_rps c_p50 c_p99 c_err <<<"$(wrk_rps "$BENCH_URL/client/v4$path" "$connections" -H "Authorization: Bearer $auth")"
  read -r x_rps x_p50 x_p99 _ <<<"$(wrk_rps "$NGINX_URL/$file" "$connections")"
  printf '%-34s %6s B %3s conn | cfiam %9s req/s p50 %-8s p99 %-8s non-2xx %-4s | nginx %9s req/s p99 %-8s | ratio %s\n' \
    "$label" "$bytes" "$connections" "$c_rps" "$c_p50" "$c_p99" "$c_err" "$x_rps" "$x_p99" \
    "$(awk -v a="$c_rps" -v b="$x_rps" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')"
}

last=$(((n + 49) / 50))
echo "cfiam: ${BENCH_BIN:-build/release/cfiam}; nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'); $(nproc) cores;" \
  "server+nginx pinned to core 0 (one I/O thread / one worker), wrk to core 1; ${BENCH_DURATION} per run"
if [ "$ROWS" = all ]; then
row "members page 1 (n=$n)" "/accounts/$members_account/members?per_page=50" 16 "$BENCH_TOKEN"
row "members page $last" "/accounts/$members_account/members?per_page=50&page=$last" 16 "$BENCH_TOKEN"
row "tokens page 1 (n=$n)" "/accounts/$tokens_account/tokens?per_page=50" 16 "$BENCH_TOKEN"
row "tokens page $last" "/accounts/$tokens_account/tokens?per_page=50&page=$last" 16 "$BENCH_TOKEN"
fi
row "tokens/verify" "/accounts/$hot/tokens/verify" 64 "$secret"
row "GET /accounts/{id} (account token)" "/accounts/$hot" 64 "$secret"

[ "$ROWS" = all ] || exit 0

# --- writes ---------------------------------------------------------------
writes=$(bench_call POST /accounts '{"name":"Writes"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
before=$(bench_call GET "/accounts/$writes/members?per_page=5" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["result_info"]["total_count"])')
read -r w_rps w_p50 w_p99 w_err <<<"$(MEMBER_TOKEN=$BENCH_TOKEN MEMBER_ROLE=$ADMIN_ROLE MEMBER_RUN=writes \
  wrk_rps "$BENCH_URL/client/v4/accounts/$writes/members" 16 -s bench/member_create.lua)"
created=$(bench_call GET "/accounts/$writes/members?per_page=5" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["result_info"]["total_count"] - '"$before"')')
secs=$(sed 's/s$//' <<<"$BENCH_DURATION")
printf '%-34s %16s | cfiam %9s req/s p50 %-8s p99 %-8s non-2xx %-4s | created %s = %s writes/s\n' \
  "member create + audit (durable)" "16 conn" "$w_rps" "$w_p50" "$w_p99" "$w_err" "$created" \
  "$(awk -v c="$created" -v s="$secs" 'BEGIN {printf "%.0f", c / s}')"

# --- the list rows again, rendering every page -----------------------------
bench_stop
bench_start --list-cache-mib 0
trap 'kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null; kill $BENCH_PID 2>/dev/null; wait $BENCH_PID 2>/dev/null; rm -rf "$BENCH_DIR"' EXIT
row "members page 1 cold (cache off)" "/accounts/$members_account/members?per_page=50" 16 "$BENCH_TOKEN"
row "members page $last cold" "/accounts/$members_account/members?per_page=50&page=$last" 16 "$BENCH_TOKEN"
row "tokens page 1 cold (cache off)" "/accounts/$tokens_account/tokens?per_page=50" 16 "$BENCH_TOKEN"
row "tokens page $last cold" "/accounts/$tokens_account/tokens?per_page=50&page=$last" 16 "$BENCH_TOKEN"
