// Three nodes on one PostgreSQL database behind nginx (tests/lib/cluster.mjs):
// what one node acknowledges, the others enforce within 1 s; paging through
// the balancer walks every entry once while other nodes write; invariants
// hold across nodes under concurrency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { expectError, expectOk } from '../lib/harness.mjs';
import { ROLE, PG, allowGroups, apiKeyFor } from '../lib/iam.mjs';
import { startCluster, until } from '../lib/cluster.mjs';

let cluster;
let sdk;
let account;
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

before(async () => {
  cluster = await startCluster();
  sdk = new Cloudflare({ apiToken: cluster.token, apiEmail: null, apiKey: null,
    baseURL: cluster.base, maxRetries: 0 });
  account = expectOk(assert, await cluster.callNode(0, 'POST', '/accounts', { body: { name: 'Cluster' } })).id;
  await seenEverywhere(account);
});

// Waits (at most the 1 s bound) until every node knows account `acc`.
async function seenEverywhere(acc) {
  for (let node = 0; node < 3; node++) {
    const seen = await until(async () => (await cluster.callNode(node, 'GET', `/accounts/${acc}`)).status === 200, 1000);
    assert.ok(seen.value, `node ${node + 1} did not see account ${acc} within 1 s`);
  }
}

after(async () => {
  if (!cluster) return;
  const statuses = await cluster.stop();
  for (const [i, s] of statuses.entries()) assert.equal(s.code, 0, `node ${i} exited ${JSON.stringify(s)}`);
});

async function accountToken(node, name) {
  const res = await cluster.callNode(node, 'POST', `/accounts/${account}/tokens`, {
    body: { name, policies: [allowGroups(account, PG.settingsRead)] } });
  return { token: expectOk(assert, res), seq: res.headers.get('cf-iam-seq') };
}

const verifyAt = (node, secret, headers = {}) =>
  cluster.callNode(node, 'GET', `/accounts/${account}/tokens/verify`, { token: secret, headers });

test('the balancer answers from every node in turn', async () => {
  // The first account exists everywhere; the nodes answer alike through nginx.
  for (let i = 0; i < 6; i++) {
    const res = await cluster.call('GET', `/accounts/${account}`);
    assert.equal(expectOk(assert, res).id, account);
  }
  for (let i = 0; i < 3; i++) expectOk(assert, await cluster.callNode(i, 'GET', '/user/tokens/verify'));
});

test('a token created via node 1 verifies at nodes 2 and 3', async () => {
  const { token, seq } = await accountToken(0, 'made on node 1');
  assert.match(seq ?? '', /^\d+$/);
  // Read-your-writes: with the creating response's cf-iam-seq the other
  // nodes answer only once they have applied it: at once, not eventually.
  for (const node of [1, 2]) {
    const res = await verifyAt(node, token.value, { 'cf-iam-min-seq': seq });
    assert.equal(expectOk(assert, res).status, 'active');
    assert.ok(Number(res.headers.get('cf-iam-seq')) >= Number(seq));
  }
  // Without the header it verifies too, within the 1 s bound.
  const other = (await accountToken(0, 'made on node 1, no seq')).token;
  for (const node of [1, 2]) {
    const { value, ms } = await until(async () => (await verifyAt(node, other.value)).status === 200, 1000);
    assert.ok(value, `node ${node + 1} did not verify a token made on node 1 within ${ms} ms`);
  }
});

test('a token deleted via node 2 is refused by node 3 within 1 s', async () => {
  const { token, seq } = await accountToken(1, 'deleted on node 2');
  expectOk(assert, await verifyAt(2, token.value, { 'cf-iam-min-seq': seq }));
  expectOk(assert, await cluster.callNode(1, 'DELETE', `/accounts/${account}/tokens/${token.id}`));
  const { value, ms } = await until(async () => (await verifyAt(2, token.value)).status === 401, 1000);
  assert.ok(value, `node 3 still accepted a token deleted on node 2 after ${Math.round(ms)} ms`);
  expectError(assert, await verifyAt(2, token.value), 401);
  // Node 2 itself refuses it at once (before it acknowledged the delete).
  expectError(assert, await verifyAt(1, token.value), 401);
});

test('a member removed on node 1 loses access on node 3 within 1 s', async () => {
  const email = 'leaving@example.com';
  // `cfiam admin api-key` writes the user and its key to the shared store.
  const key = apiKeyFor(cluster.nodes[0], email);
  const asUser = { 'X-Auth-Email': email, 'X-Auth-Key': key };
  const member = expectOk(assert, await cluster.callNode(0, 'POST', `/accounts/${account}/members`, {
    body: { email, roles: [ROLE.admin], status: 'accepted' } }));
  const reads = (node) => cluster.callNode(node, 'GET', `/accounts/${account}`, { token: null, headers: asUser });
  const granted = await until(async () => (await reads(2)).status === 200, 3000);
  assert.ok(granted.value, `node 3 never let the new member in: ${(await reads(2)).text}`);

  expectOk(assert, await cluster.callNode(0, 'DELETE', `/accounts/${account}/members/${member.id}`));
  const { value, ms } = await until(async () => (await reads(2)).status !== 200, 1000);
  assert.ok(value, `node 3 still let a removed member in after ${Math.round(ms)} ms`);
  // Not a member any more: the account is not found, as for any stranger.
  expectError(assert, await reads(2), 404, 1003);
  expectError(assert, await reads(0), 404, 1003);
});

test('concurrent creates of one user group name on three nodes: exactly one succeeds', async () => {
  for (let round = 0; round < 8; round++) {
    const name = `race ${round}`;
    const results = await Promise.all([0, 1, 2].map((node) =>
      cluster.callNode(node, 'POST', `/accounts/${account}/iam/user_groups`, { body: { name } })));
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, results.map((r) => `${r.status} ${r.text}`).join('\n'));
    for (const r of results.filter((x) => x.status !== 200)) expectError(assert, r, 409);
  }
  const groups = cluster.rows(`SELECT name FROM user_groups WHERE account_id = '${account}' AND name LIKE 'race %'`);
  assert.equal(groups.length, 8);
});

test('SDK for await through the balancer walks members and audit entries exactly once while other nodes write', async () => {
  const acc = (await sdk.accounts.create({ name: 'Cluster walks' })).id;
  // Through a round-robin balancer the next call lands on another node,
  // which learns of the new account within the 1 s bound (the SDK cannot
  // send cf-iam-min-seq): wait for every node rather than race it.
  await seenEverywhere(acc);
  for (let i = 0; i < 24; i++) {
    await sdk.accounts.members.create({ account_id: acc, email: `before${i}@example.com`, roles: [ROLE.admin] });
  }
  const window = { account_id: acc, since: day(-1), before: day(2) };
  const existingMembers = [];
  for await (const m of sdk.accounts.members.list({ account_id: acc, per_page: 50 })) existingMembers.push(m.id);
  const existingEntries = [];
  for await (const e of sdk.accounts.logs.audit.list({ ...window, limit: 50 })) existingEntries.push(e.id);
  assert.equal(existingMembers.length, 25); // the creator and 24
  assert.equal(existingEntries.length, 25); // the account's creation and 24 invites

  // Writers on nodes 2 and 3 while a walk pages through the balancer.
  let written = 0;
  const writing = () => {
    let on = true;
    const writer = async (node) => {
      for (let i = 0; on; i++) {
        expectOk(assert, await cluster.callNode(node, 'POST', `/accounts/${acc}/members`, {
          body: { email: `during-${node}-${written}-${i}@example.com`, roles: [ROLE.admin] } }));
        written++;
      }
    };
    const writers = [writer(1), writer(2)];
    return async () => { on = false; await Promise.all(writers); };
  };
  const pause = () => new Promise((r) => setTimeout(r, 5));

  // Members page by number in creation order (the API's contract): new
  // members come after the end. The SDK walks to the first empty page, so
  // the writers stop once the walk has passed the members that existed.
  const members = [];
  let stop = writing();
  try {
    for await (const m of sdk.accounts.members.list({ account_id: acc, per_page: 3 })) {
      members.push(m.id);
      if (members.length === existingMembers.length) await stop();
      await pause();
    }
  } finally {
    await stop();
  }
  const duringMembers = written;
  assert.ok(duringMembers >= 4, `only ${duringMembers} writes happened during the members walk`);

  // Audit entries come newest first by cursor: the walk starts above the
  // entries that existed and continues below the new ones, small pages.
  const entries = [];
  stop = writing();
  try {
    for await (const e of sdk.accounts.logs.audit.list({ ...window, limit: 2 })) {
      entries.push(e.id);
      await pause();
    }
  } finally {
    await stop();
  }
  assert.ok(written - duringMembers >= 4, `only ${written - duringMembers} writes during the audit walk`);
  const once = (seen, existing, what) => {
    const counts = new Map();
    for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    assert.deepEqual(twice, [], `${what} seen twice`);
    const missed = existing.filter((id) => !counts.has(id));
    assert.deepEqual(missed, [], `${what} that existed at the start and were not seen`);
  };
  once(members, existingMembers, 'members');
  once(entries, existingEntries, 'audit entries');
});
