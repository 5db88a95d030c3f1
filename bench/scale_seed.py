#!/usr/bin/env python3
"""Seeds N account tokens into a stopped cfiam's SQLite file (bench/scale.sh).

    scale_seed.py DB N SAMPLE_FILE TEMPLATE_TOKEN_ID

Accounts: ceil(N / 450), so none reaches the 500-token cap and a create still
fits. Each token gets a real random secret whose SHA-256 hex digest is stored
as the server stores it, and the template token's stored policies rewritten
for its account with a fresh policy id (as a create over the API leaves it).
Writes "account_id secret" lines for a random sample of at most 100,000
tokens to SAMPLE_FILE (wrk picks from them per request).
"""
import base64
import hashlib
import os
import random
import sqlite3
import sys
import time

db_path, n, sample_path, template_id = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
per_account = 450
accounts = max(1, -(-n // per_account))
con = sqlite3.connect(db_path)
con.execute("PRAGMA synchronous=OFF")
template_account, policies, condition = con.execute(
    "SELECT account_id, policies_json, condition_json FROM tokens WHERE id = ?",
    (template_id,)).fetchone()
template_policy_id = policies.split('"id":"', 1)[1][:32]
now = int(time.time() * 1_000_000)
account_ids = [os.urandom(16).hex() for _ in range(accounts)]
con.execute("BEGIN")
con.executemany(
    "INSERT INTO accounts (id, name, type, created_on) VALUES (?, ?, 'standard', ?)",
    [(a, f"Scale {i}", now + i) for i, a in enumerate(account_ids)])
account_policies = [policies.replace(template_account, a) for a in account_ids]
sample = set(random.sample(range(n), min(n, 100_000)))
urandom, sha256, b64 = os.urandom, hashlib.sha256, base64.urlsafe_b64encode
with open(sample_path, "w") as out:
    batch = []
    for i in range(n):
        a = i % accounts
        secret = b64(urandom(30)).decode()
        pol = account_policies[a].replace(template_policy_id, urandom(16).hex())
        batch.append((urandom(16).hex(), account_ids[a], f"scale-{i}",
                      sha256(secret.encode()).hexdigest(), now, now, pol, condition))
        if i in sample:
            out.write(f"{account_ids[a]} {secret}\n")
        if len(batch) == 50_000 or i == n - 1:
            con.executemany(
                "INSERT INTO tokens (id, owner_kind, user_id, account_id, name, secret_digest, "
                "status, not_before, expires_on, issued_on, modified_on, "
                "policies_json, condition_json) VALUES (?, 'account', NULL, ?, ?, ?, 'active', "
                "NULL, NULL, ?, ?, ?, ?)", batch)
            batch = []
con.commit()
con.close()
print(accounts)
