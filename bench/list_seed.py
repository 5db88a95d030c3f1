# The seed files of the list benchmarks (bench/compare.sh, bench/callgrind_lists.sh):
#   python3 bench/list_seed.py N OUT_DIR ROLE_ID PERMISSION_GROUP_ID
# writes OUT_DIR/seed-NNNN.json (`cfiam seed` files of 1,000 each: N users who
# are members of one account, a third pending, and N tokens of another) and
# OUT_DIR/ids ("<members account> <tokens account>").
import json, sys
n, out, role, group = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
h = lambda kind, i: f"{kind:02x}{i:030x}"
members_account, tokens_account = h(1, 1), h(1, 2)
for c in range(0, n, 1000):
    r = range(c, min(n, c + 1000))
    users = [{"id": h(2, i), "email": f"member{i}@bench.example", "first_name": f"First{i}",
              "last_name": f"Last{i}"} for i in r]
    members = [{"id": h(3, i), "user_id": h(2, i), "roles": [role],
                "status": "pending" if i % 3 == 0 else "accepted"} for i in r]
    tokens = [{"id": h(4, i), "name": f"token {i}", "value": f"bench-token-secret-{i:08d}",
               "policies": [{"effect": "allow", "permission_groups": [{"id": group}],
                             "resources": {f"com.cloudflare.api.account.{tokens_account}": "*"}}]}
              for i in r]
    with open(f"{out}/seed-{c // 1000:04d}.json", "w") as f:
        json.dump({"users": users,
                   "accounts": [{"id": members_account, "name": "Bench members", "members": members},
                                {"id": tokens_account, "name": "Bench tokens", "tokens": tokens}]}, f)
print(members_account, tokens_account, file=open(f"{out}/ids", "w"))
