#!/usr/bin/env bash
# POST /_cfiam/reset on a populated store: seeds OBJECTS objects (default
# 10000) with POST /_cfiam/seed (100 accounts per request: a request body is
# capped at 1 MiB), then times the reset (3 rounds of seed + reset). An object is an account, a user, a member, an account token, a
# resource group or a user group; 10 per account (3 users, 3 members, 2
# tokens, 1 resource group and the account itself), so 10000 = 1000 accounts.
#   bench/reset.sh [objects=10000]
cd "$(dirname "$0")/.."
source bench/lib.sh
objects="${1:-10000}"
accounts=$((objects / 10))
python3 - "$accounts" "$BENCH_DIR" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
h = lambda kind, i, j=0: f"{kind:02x}{i:022x}{j:08x}"
users, accounts = [], []
for i in range(n):
    a = h(1, i)
    members, tokens = [], []
    for j in range(3):
        u = h(2, i, j)
        users.append({"id": u, "email": f"u{i}-{j}@bench.example"})
        members.append({"id": h(3, i, j), "user_id": u, "roles": ["05784afa30c1afe1440e79d9351c7430"]})
    for j in range(2):
        tokens.append({"id": h(4, i, j), "name": f"t{j}", "value": f"bench-secret-{i}-{j}-0123456789",
                       "policies": [{"effect": "allow",
                                     "permission_groups": [{"id": "c1fde68c7bcc44588cbb6ddbc16d6480"}],
                                     "resources": {f"com.cloudflare.api.account.{a}": "*"}}]})
    accounts.append({"id": a, "name": f"Bench {i}", "members": members, "tokens": tokens,
                     "resource_groups": [{"id": h(5, i), "name": "all",
                                          "scope": {"key": f"com.cloudflare.api.account.{a}",
                                                    "objects": [{"key": "*"}]}}]})
for c in range(0, n, 100):
    with open(f"{out}/seed-{c // 100:04d}.json", "w") as f:
        json.dump({"users": users[3 * c:3 * (c + 100)], "accounts": accounts[c:c + 100]}, f)
PY
bench_start
emu() {
  curl -fsS -o /dev/null -w '%{time_total}' -X POST "$BENCH_URL/_cfiam/$1" \
    -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' ${2:+--data-binary "@$2"}
}
echo "objects: $((accounts * 10)) ($accounts accounts); $(nproc) cores; pinned: ${BENCH_PIN}"
for round in 1 2 3; do
  seed_s=0
  for f in "$BENCH_DIR"/seed-*.json; do
    seed_s=$(awk -v a="$seed_s" -v b="$(emu seed "$f")" 'BEGIN {print a + b}')
  done
  reset_s=$(emu reset)
  printf 'round %d: seed %6.3f s   reset %6.3f s\n' "$round" "$seed_s" "$reset_s"
done
