#!/usr/bin/env bash
# Server CPU time (user + system, every thread, from /proc/PID/stat) per
# request of tokens/verify and an authorized GET /accounts/{id}, for one or
# more cfiam binaries and then nginx serving the same bytes (the configuration
# of bench/compare.sh, one process), under the same offered load:
#   bench/cpu_per_request.sh [requests=200000] [connections=64] [BIN...]
# (BIN defaults to build/release/cfiam, built first.) Nothing is pinned and
# the client (bench/fixed_count.py) does not saturate the server, so this is
# CPU cost at equal load, kernel share included, not peak throughput; it
# repeats within a few percent on a machine busy with other work, where wrk's
# requests/second do not. Each server runs with one I/O thread.
cd "$(dirname "$0")/.."
N="${1:-200000}"
C="${2:-64}"
shift $(($# < 2 ? $# : 2))
if [ $# -eq 0 ]; then
  scripts/setup.sh release >/dev/null
  set -- build/release/cfiam
fi
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
run() { # label pid port path [hdr]
  local label=$1 pid=$2 port=$3 path=$4; shift 4
  python3 bench/fixed_count.py 127.0.0.1 $port "$path" 2000 $C "$@" >/dev/null
  local a b t0 t1
  a=$(cpu $pid); t0=$(date +%s.%N)
  python3 bench/fixed_count.py 127.0.0.1 $port "$path" $N $C "$@" >/dev/null
  b=$(cpu $pid); t1=$(date +%s.%N)
  awk -v l="$label" -v a=$a -v b=$b -v n=$N -v tk=$tick -v t0=$t0 -v t1=$t1 'BEGIN {printf "%-40s %6.2f us CPU/request (%d requests, %.1f s)\n", l, (b-a)/tk/n*1e6, n, t1-t0}'
}
NG=$(mktemp -d /tmp/cfiam-cpu-XXXXXX); mkdir -p $NG/www $NG/tmp
PIDS=()
trap 'kill ${PIDS[@]} 2>/dev/null; wait 2>/dev/null; rm -rf $NG' EXIT
port=18950
for BIN in "$@"; do
  port=$((port+2))
  TOKEN="bench-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  DATA=$(mktemp -d $NG/data-XXXX)
  CFIAM_BOOTSTRAP_TOKEN="$TOKEN" $BIN serve --listen 127.0.0.1:$port --data-dir $DATA --threads 1 2>$DATA/log &
  P=$!; PIDS+=($P)
  for _ in $(seq 100); do curl -fs http://127.0.0.1:$port/healthz >/dev/null 2>&1 && break; sleep 0.1; done
  call() { curl -fsS -X "$1" "http://127.0.0.1:$port/client/v4$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
  id=$(call POST /accounts '{"name":"Bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
  secret=$(call POST "/accounts/$id/tokens" "{\"name\":\"bench\",\"policies\":[{\"effect\":\"allow\",\"permission_groups\":[{\"id\":\"c1fde68c7bcc44588cbb6ddbc16d6480\"}],\"resources\":{\"com.cloudflare.api.account.$id\":\"*\"}}]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])')
  curl -fsS -H "Authorization: Bearer $secret" http://127.0.0.1:$port/client/v4/accounts/$id/tokens/verify > $NG/www/verify.json
  curl -fsS -H "Authorization: Bearer $secret" http://127.0.0.1:$port/client/v4/accounts/$id > $NG/www/account.json
  run "$BIN verify" $P $port /client/v4/accounts/$id/tokens/verify "Authorization: Bearer $secret"
  run "$BIN GET account" $P $port /client/v4/accounts/$id "Authorization: Bearer $secret"
  kill $P; wait $P 2>/dev/null || true
done
cat > $NG/nginx.conf <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $NG/tmp; proxy_temp_path $NG/tmp; fastcgi_temp_path $NG/tmp; uwsgi_temp_path $NG/tmp; scgi_temp_path $NG/tmp;
  open_file_cache max=64; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  server { listen 127.0.0.1:18949; root $NG/www; default_type application/json; }
}
CONF
nginx -c $NG/nginx.conf -p $NG 2>/dev/null &
P=$!; PIDS+=($P); sleep 0.5
run "nginx verify bytes" $P 18949 /verify.json "Authorization: Bearer $secret"
run "nginx account bytes" $P 18949 /account.json "Authorization: Bearer $secret"
