#!/usr/bin/env bash
# Instructions per durable member create (valgrind callgrind), and how many
# of them SQLite executes: what bench/create_floor.sh's CPU per create is
# made of, counted so a loaded machine does not move it.
#
#   bench/callgrind_creates.sh [creates=1000] [connections=16]
#
# Runs twice, each time on a fresh data directory: with the schema as
# shipped, and with the eight member list-order indexes dropped (by sqlite3,
# before the warm-up; as in create_floor.sh, a bound, not a configuration).
# Each run sends 200 warm-up creates, zeroes the counters, sends `creates`
# more over `connections` keep-alive connections (distinct emails, one role
# each), dumps the counts and prints
#   - Ir per create over every thread of the server (user space only: the
#     kernel's writes, flushes and TCP are not counted);
#   - SQLite's share: the inclusive count of sqlite3_step (every statement,
#     COMMIT included) over the total.
# Profiles are kept in $BENCH_OUT (default: a new /tmp/cfiam-callgrind-*)
# for callgrind_annotate. BENCH_BIN=path measures another binary.
# Takes a few minutes.
cd "$(dirname "$0")/.."
set -euo pipefail
N="${1:-1000}"
C="${2:-16}"
OUT="${BENCH_OUT:-$(mktemp -d /tmp/cfiam-callgrind-XXXXXX)}"
BIN="${BENCH_BIN:-}"
if [ -z "$BIN" ]; then
  scripts/setup.sh release >/dev/null
  BIN=build/release/cfiam
fi
ADMIN_ROLE=05784afa30c1afe1440e79d9351c7430
LIST_ORDER_INDEXES="members_account_email members_account_first members_account_last
  members_account_status members_status_created members_status_email members_status_first
  members_status_last"

# creates URL TOKEN ACCOUNT N C PREFIX: N member creates over C connections;
# prints the status counts.
creates() {
  python3 - "$@" "$ADMIN_ROLE" <<'PY'
import http.client, json, sys, threading
url, token, account, n, c, prefix, role = sys.argv[1:8]
n, c = int(n), int(c)
host, port = url.removeprefix("http://").split(":")
lock, next_index, statuses = threading.Lock(), [0], {}
def work():
    conn = http.client.HTTPConnection(host, int(port))
    while True:
        with lock:
            if next_index[0] >= n:
                return
            i = next_index[0]
            next_index[0] += 1
        body = json.dumps({"email": f"{prefix}-{i}@bench.example",
                           "roles": [role]})
        conn.request("POST", f"/client/v4/accounts/{account}/members", body,
                     {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        with lock:
            statuses[response.status] = statuses.get(response.status, 0) + 1
threads = [threading.Thread(target=work) for _ in range(c)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
PY
}

# run NAME: one server under callgrind; prints its line.
run() {
  local name=$1
  local port=$((20000 + RANDOM % 20000))
  local url="http://127.0.0.1:$port"
  local token
  token="bench-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  local data
  data=$(mktemp -d /tmp/cfiam-bench-XXXXXX)
  CFIAM_BOOTSTRAP_TOKEN="$token" valgrind --tool=callgrind --compress-strings=no \
    --compress-pos=no --callgrind-out-file="$OUT/callgrind.out.%p" \
    "$BIN" serve --listen "127.0.0.1:$port" --data-dir "$data" --threads 1 \
    2>"$OUT/server-$name.log" &
  local pid=$!
  # shellcheck disable=SC2064  # this run's values, now
  trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf '$data'" EXIT
  for _ in $(seq 300); do
    curl -fs "$url/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  local account
  account=$(curl -fsS -X POST "$url/client/v4/accounts" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"name":"Create Count"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
  if [ "$name" = no-order ]; then
    local sql="" index
    for index in $LIST_ORDER_INDEXES; do sql+="DROP INDEX $index;"; done
    sqlite3 "$data/cfiam.db" "$sql"
  fi
  creates "$url" "$token" "$account" 200 "$C" warm >/dev/null
  callgrind_control --zero "$pid" >/dev/null 2>&1
  local statuses
  statuses=$(creates "$url" "$token" "$account" "$N" "$C" counted)
  callgrind_control --dump="creates-$name" "$pid" >/dev/null 2>&1
  local f=""
  for _ in $(seq 100); do
    f=$(grep -l "^desc: Trigger: dump creates-$name\$" "$OUT"/callgrind.out.* 2>/dev/null | head -1) &&
      [ -n "$f" ] && break
    sleep 0.1
  done
  mv "$f" "$OUT/creates-$name.out"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
  trap - EXIT
  local total sqlite
  total=$(awk '/^summary:/ {print $2; exit}' "$OUT/creates-$name.out")
  sqlite=$(callgrind_annotate --inclusive=yes --threshold=100 "$OUT/creates-$name.out" 2>/dev/null |
    awk '/:sqlite3_step / && !n {gsub(",", "", $1); n = $1} END {print n + 0}')
  printf '%-9s %7d Ir/create   SQLite (sqlite3_step) %7d = %2d%%   (%s)\n' "$name" \
    $((total / N)) $((${sqlite:-0} / N)) $((100 * ${sqlite:-0} / total)) "$statuses"
}

echo "callgrind: $N member creates over $C connections per run; profiles in $OUT"
run shipped
run no-order
