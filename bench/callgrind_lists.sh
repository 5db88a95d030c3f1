#!/usr/bin/env bash
# Instructions per request (valgrind callgrind) of list pages on a large
# account: members and account tokens, per_page=50, page 1 and page n/50.
#   bench/callgrind_lists.sh [n=10000] [requests=500] [connections=16]
# Seeds like bench/compare.sh (POST /_cfiam/seed: an account with n members,
# one role each, and an account with n account tokens) with the server running
# natively, then restarts it on the same data directory under callgrind with
# one I/O thread. Each page gets 50 warm-up requests, then the counters are
# zeroed, `requests` are sent (bench/fixed_count.py) and the counts dumped;
# the total covers every thread of the server. Load-independent (unlike wrk),
# so it runs on a shared machine. The pages are served from the rendered-page
# cache after the warm-up (the default --list-cache-mib); CFIAM_LIST_CACHE_MIB=0
# (read by the server) measures them rendered on every request.
# BENCH_BIN=path measures another binary;
# profiles are kept in $BENCH_OUT (default: a new /tmp/cfiam-callgrind-*).
cd "$(dirname "$0")/.."
source bench/callgrind_measure.sh
set -euo pipefail
n="${1:-10000}"
N="${2:-500}"
C="${3:-16}"
PORT="${BENCH_PORT:-$((20000 + RANDOM % 20000))}"
OUT="${BENCH_OUT:-$(mktemp -d /tmp/cfiam-callgrind-XXXXXX)}"
TOKEN="bench-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DATA="$(mktemp -d /tmp/cfiam-bench-XXXXXX)"
URL="http://127.0.0.1:${PORT}"
ROLE=05784afa30c1afe1440e79d9351c7430   # Administrator
GROUP=c1fde68c7bcc44588cbb6ddbc16d6480  # "Account Settings Read" (token policy)
BIN="${BENCH_BIN:-}"
if [ -z "$BIN" ]; then
  scripts/setup.sh release >/dev/null
  BIN=build/release/cfiam
fi
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT
wait_up() {
  for _ in $(seq 300); do
    curl -fs "$URL/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server did not start" >&2
  exit 1
}

# --- seed, natively --------------------------------------------------------
python3 bench/list_seed.py "$n" "$DATA" "$ROLE" "$GROUP"
read -r members_account tokens_account <"$DATA/ids"
CFIAM_BOOTSTRAP_TOKEN="$TOKEN" "$BIN" serve --listen "127.0.0.1:${PORT}" --data-dir "$DATA" \
  2>"$OUT/seed-server.log" &
PID=$!
wait_up
for f in "$DATA"/seed-*.json; do
  curl -fsS -o /dev/null -X POST "$URL/_cfiam/seed" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data-binary "@$f"
done
rm -f "$DATA"/seed-*.json
# The seed leaves ~30,000 change-log entries; the server prunes all but the
# newest 10,000, 10,000 a second. Done here, natively, or it lands in the
# first measured window under callgrind (~80k Ir per request of it).
for _ in $(seq 150); do
  [ "$(sqlite3 "$DATA/cfiam.db" 'SELECT count(*) FROM change_log')" -le 10000 ] && break
  sleep 0.2
done
kill "$PID"
wait "$PID" || true

# --- measure, under callgrind ----------------------------------------------
CFIAM_BOOTSTRAP_TOKEN="$TOKEN" valgrind --tool=callgrind --compress-strings=no --compress-pos=no \
  --callgrind-out-file="$OUT/callgrind.out.%p" \
  "$BIN" serve --listen "127.0.0.1:${PORT}" --data-dir "$DATA" --threads 1 \
  2>"$OUT/server.log" &
PID=$!
wait_up
echo "callgrind: n=${n}; ${N} requests per page over ${C} connections; profiles in ${OUT}"
CG_WIDTH=28
measure() { cg_measure "$1" "$2" "$3" 50 "Authorization: Bearer $TOKEN"; }
last=$(((n + 49) / 50))
measure "members page 1" members1 "/client/v4/accounts/$members_account/members?per_page=50"
measure "members page $last" members$last "/client/v4/accounts/$members_account/members?per_page=50&page=$last"
measure "tokens page 1" tokens1 "/client/v4/accounts/$tokens_account/tokens?per_page=50"
measure "tokens page $last" tokens$last "/client/v4/accounts/$tokens_account/tokens?per_page=50&page=$last"
