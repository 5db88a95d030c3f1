#!/usr/bin/env bash
# Requests per second of an authorized GET /accounts/{id} next to /healthz,
# measured with wrk in one run against a release build on loopback.
#   bench/accounts.sh            (BENCH_DURATION=10s BENCH_CONNECTIONS=64 by default)
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_start
id=$(bench_call POST /accounts '{"name":"Bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
echo "wrk: ${BENCH_THREADS} thread(s), ${BENCH_CONNECTIONS} connections, ${BENCH_DURATION} each; $(nproc) cores; pinned: ${BENCH_PIN}"
bench_wrk "GET /healthz" /healthz
bench_wrk "GET /client/v4/accounts/{id}" "/client/v4/accounts/$id" -H "Authorization: Bearer $BENCH_TOKEN"
