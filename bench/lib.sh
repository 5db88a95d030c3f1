# Shared by the bench scripts: start a release server on loopback with a fresh
# data directory and a known token; stop it on exit.
# Usage: source bench/lib.sh; bench_start; ...; (trap stops it)
set -euo pipefail
BENCH_PORT="${BENCH_PORT:-18999}"
BENCH_TOKEN="bench-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BENCH_DIR="$(mktemp -d /tmp/cfiam-bench-XXXXXX)"
BENCH_URL="http://127.0.0.1:${BENCH_PORT}"
BENCH_DURATION="${BENCH_DURATION:-10s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-64}"
BENCH_THREADS="${BENCH_THREADS:-1}"
# On a 2-core machine, wrk and the server otherwise fight over both cores and
# the figures swing by 50% between runs: pin the server to core 0 (one I/O
# thread) and wrk to core 1. BENCH_PIN=0 turns this off.
BENCH_PIN="${BENCH_PIN:-1}"
if [ "$BENCH_PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  SERVER_PIN=(taskset -c 0)
  WRK_PIN=(taskset -c 1)
  SERVER_THREADS=(--threads 1)
else
  SERVER_PIN=()
  WRK_PIN=()
  SERVER_THREADS=()
fi

# BENCH_BIN runs another binary instead of building build/release/cfiam (to
# compare two builds in the same conditions).
bench_start() {
  local bin="${BENCH_BIN:-}"
  if [ -z "$bin" ]; then
    scripts/setup.sh release >/dev/null
    bin=build/release/cfiam
  fi
  CFIAM_BOOTSTRAP_TOKEN="$BENCH_TOKEN" "${SERVER_PIN[@]}" "$bin" serve \
    --listen "127.0.0.1:${BENCH_PORT}" --data-dir "$BENCH_DIR" "${SERVER_THREADS[@]}" "$@" \
    2>"$BENCH_DIR/server.log" &
  BENCH_PID=$!
  trap 'kill $BENCH_PID 2>/dev/null; wait $BENCH_PID 2>/dev/null; rm -rf "$BENCH_DIR"' EXIT
  for _ in $(seq 100); do
    curl -fs "$BENCH_URL/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start" >&2
  cat "$BENCH_DIR/server.log" >&2
  exit 1
}

# bench_call METHOD PATH [JSON] -> response body
bench_call() {
  curl -fsS -X "$1" "$BENCH_URL/client/v4$2" -H "Authorization: Bearer $BENCH_TOKEN" \
    -H 'Content-Type: application/json' ${3:+-d "$3"}
}

# bench_wrk LABEL PATH [extra wrk args] -> prints "LABEL  <req/s>  p50 p99"
bench_wrk() {
  local label=$1 path=$2
  shift 2
  local out
  out=$("${WRK_PIN[@]}" wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"$BENCH_DURATION" --latency "$@" "$BENCH_URL$path")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-32s %10s req/s   p50 %-8s p99 %-8s non-2xx %s\n' "$label" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
