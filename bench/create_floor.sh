#!/usr/bin/env bash
# Where a durable member create's CPU goes, and how far the schema can move
# it: the evidence for issue 15's "10,000 creates/s on one core" row.
#
#   bench/create_floor.sh [rounds=3] [duration=5s] [connections=16]
#
# Each round starts the release server twice, each time on a fresh data
# directory (core 0, one I/O thread; wrk on core 1; bench/lib.sh), and runs
# member creates with distinct emails (bench/member_create.lua) for
# `duration`:
#   shipped   the schema as it is;
#   no-order  the same, with the eight member list-order indexes dropped
#             (by sqlite3 on the bench's own file while the server runs). It
#             bounds what taking list order out of SQLite could save. It is
#             NOT a configuration to run: list pages then sort the account.
# The two alternate within a round, so a machine that slows down mid-run
# slows both.
#
# Per run it prints creates/s, the server's CPU per create (user and
# system, /proc/PID/stat), how busy its core was, and the bytes it wrote
# per create (/proc/PID/io wchar: WAL frames and checkpoints). Then it times
# the disk's flush alone (a 64 KiB write and fdatasync, the size of a
# batch's WAL frames, 200 times in the data directory's file system) and
# prints the budget. One writer runs a batch and then commits it, and the
# commit returns after the flush; a client has one create in flight, so a
# batch holds at most one create per connection, and with all of them in
# it nothing is left to run while the disk flushes. So with C connections,
# R creates/s needs about
#   C x (CPU per create) + flush <= C / R
# (about: the I/O thread can parse a request that arrives during a flush),
# i.e. at 16 connections and 10,000/s, CPU per create <= (1.6 ms - flush) / 16.
#
# Needs: build/release/cfiam (scripts/setup.sh release), sqlite3, wrk, curl,
# python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PORT="${BENCH_PORT:-$((20000 + RANDOM % 20000))}"
source bench/lib.sh
ROUNDS="${1:-3}"
BENCH_DURATION="${2:-5s}"
BENCH_CONNECTIONS="${3:-16}"
ADMIN_ROLE=05784afa30c1afe1440e79d9351c7430
TICK=$(getconf CLK_TCK)
LIST_ORDER_INDEXES="members_account_email members_account_first members_account_last
  members_account_status members_status_created members_status_email members_status_first
  members_status_last"

# A fresh server: stop the last one and empty the data directory.
fresh_server() {
  bench_stop
  rm -rf "${BENCH_DIR:?}"/*
  bench_start
}

# Fields of the server's /proc files: "utime stime wchar".
server_counters() {
  local stat io
  stat=$(awk '{print $14, $15}' "/proc/$BENCH_PID/stat")
  io=$(awk '/^wchar/ {print $2}' "/proc/$BENCH_PID/io")
  echo "$stat $io"
}

# run_variant NAME: one run; prints its line and appends it to $RESULTS.
run_variant() {
  local name=$1
  fresh_server
  local account
  account=$(bench_call POST /accounts '{"name":"Create Floor"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
  if [ "$name" = no-order ]; then
    local sql="" index
    for index in $LIST_ORDER_INDEXES; do sql+="DROP INDEX $index;"; done
    sqlite3 "$BENCH_DIR/cfiam.db" "$sql"
  fi
  local before after out
  before=$(server_counters)
  local t0 t1
  t0=$(date +%s.%N)
  out=$(MEMBER_TOKEN=$BENCH_TOKEN MEMBER_ROLE=$ADMIN_ROLE \
    MEMBER_RUN=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    "${WRK_PIN[@]}" wrk -t1 -c"$BENCH_CONNECTIONS" -d"$BENCH_DURATION" --latency \
    -s bench/member_create.lua "$BENCH_URL/client/v4/accounts/$account/members")
  t1=$(date +%s.%N)
  after=$(server_counters)
  local created
  created=$(bench_call GET "/accounts/$account/members?per_page=5" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result_info"]["total_count"])')
  local line
  line=$(python3 - "$name" "$created" "$t0" "$t1" "$TICK" "$before" "$after" "$out" <<'PY'
import sys
name, created, t0, t1, tick = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
b = [int(x) for x in sys.argv[6].split()]
a = [int(x) for x in sys.argv[7].split()]
wrk = sys.argv[8]
requests = int(next(l.split()[0] for l in wrk.splitlines() if "requests in" in l))
non2xx = next((l.split()[-1] for l in wrk.splitlines() if "Non-2xx" in l), "0")
p99 = next(l.split()[1] for l in wrk.splitlines() if l.strip().startswith("99%"))
rps = float(next(l.split()[1] for l in wrk.splitlines() if l.startswith("Requests/sec")))
user = (a[0] - b[0]) / tick * 1e6 / max(created, 1)
system = (a[1] - b[1]) / tick * 1e6 / max(created, 1)
busy = (a[0] + a[1] - b[0] - b[1]) / tick / (t1 - t0)
wrote = (a[2] - b[2]) / max(created, 1) / 1024
print(f"{name:<9} {rps:8.0f} creates/s  p99 {p99:<8} cpu/create {user + system:5.0f} us "
      f"(user {user:3.0f}, system {system:3.0f})  core busy {busy:4.2f}  "
      f"written {wrote:5.1f} KiB/create  members after {created} ({requests} answered in time, non-2xx {non2xx})")
PY
  )
  echo "$line"
  RESULTS+="$line"$'\n'
}

RESULTS=""
bench_start
echo "member creates, $BENCH_CONNECTIONS connections, $BENCH_DURATION per run, $ROUNDS rounds:"
for _ in $(seq "$ROUNDS"); do
  run_variant shipped
  run_variant no-order
done
flush_us=$(python3 - "$BENCH_DIR/flush-probe" <<'PY'
import os, statistics, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block, times = os.urandom(65536), []
for _ in range(200):
    t = time.perf_counter()
    os.write(fd, block)
    os.fdatasync(fd)
    times.append(time.perf_counter() - t)
os.close(fd)
os.unlink(sys.argv[1])
print(round(statistics.median(times) * 1e6))
PY
)
echo "flush (64 KiB write + fdatasync, median of 200): $flush_us us"
python3 -c '
import sys, statistics
connections, flush = int(sys.argv[1]), float(sys.argv[2])
rows = {}
for line in sys.stdin:
    f = line.split()
    if not f:
        continue
    rows.setdefault(f[0], []).append((float(f[1]), float(f[6])))
def med(name, i):
    return statistics.median(r[i] for r in rows[name])
s_rps, s_cpu = med("shipped", 0), med("shipped", 1)
n_rps, n_cpu = med("no-order", 0), med("no-order", 1)
print(f"median: shipped {s_rps:.0f}/s at {s_cpu:.0f} us/create; no-order {n_rps:.0f}/s at "
      f"{n_cpu:.0f} us/create ({n_rps / s_rps:.2f}x)")
budget = (connections / 10000 * 1e6 - flush) / connections
print(f"10,000/s at {connections} connections: {connections} x cpu + {flush:.0f} us flush <~ "
      f"{connections / 10000 * 1e6:.0f} us, so cpu/create <~ {budget:.0f} us; shipped is "
      f"{s_cpu / budget:.2f}x that, no-order {n_cpu / budget:.2f}x")
' "$BENCH_CONNECTIONS" "$flush_us" <<<"$RESULTS"
