#!/usr/bin/env bash
# The authentication + authorization hot path: requests per second of
# GET /accounts/{id}/tokens/verify and an authorized GET /accounts/{id}, both
# with an account-owned token, next to /healthz, in one wrk run each.
#   bench/tokens.sh            (BENCH_DURATION=10s BENCH_CONNECTIONS=64 by default)
cd "$(dirname "$0")/.."
source bench/lib.sh
bench_start
id=$(bench_call POST /accounts '{"name":"Bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
secret=$(bench_call POST "/accounts/$id/tokens" "{\"name\":\"bench\",\"policies\":[{\"effect\":\"allow\",\"permission_groups\":[{\"id\":\"c1fde68c7bcc44588cbb6ddbc16d6480\"}],\"resources\":{\"com.cloudflare.api.account.$id\":\"*\"}}]}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])')
echo "wrk: ${BENCH_THREADS} thread(s), ${BENCH_CONNECTIONS} connections, ${BENCH_DURATION} each; $(nproc) cores; pinned: ${BENCH_PIN}"
bench_wrk "GET /healthz" /healthz
bench_wrk "GET .../tokens/verify" "/client/v4/accounts/$id/tokens/verify" -H "Authorization: Bearer $secret"
bench_wrk "GET /accounts/{id} (account token)" "/client/v4/accounts/$id" -H "Authorization: Bearer $secret"
bench_wrk "GET /accounts/{id} (tenant admin)" "/client/v4/accounts/$id" -H "Authorization: Bearer $BENCH_TOKEN"
