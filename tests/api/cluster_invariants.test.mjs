// Invariants across nodes (issue 12): two cfiam nodes on one PostgreSQL
// database race to break each rule at once. The database enforces them
// (constraints, serializable transactions retried), not an in-process lock,
// so exactly the allowed number of racers win and the others get 4xx, never
// a 5xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ON_POSTGRES, startServer, expectOk, stopAndCheck } from '../lib/harness.mjs';
import { ROLE, PG, allowGroups } from '../lib/iam.mjs';

const skip = !ON_POSTGRES && 'two nodes on one database (runs under api_postgres)';

let n1;
let n2;
before(async () => {
  if (skip) return;
  n1 = await startServer();
  n2 = await startServer({ sameStoreAs: n1 });
});
after(async () => {
  if (skip) return;
  await stopAndCheck(assert, n2);
  await stopAndCheck(assert, n1);
});

const nodes = () => [n1, n2];
// An account made on node 1, once node 2 has applied it (read-your-writes:
// cf-iam-min-seq), so both nodes race on the same state.
async function newAccount(name) {
  const res = await n1.call('POST', '/accounts', { body: { name } });
  const id = expectOk(assert, res).id;
  const seq = res.headers.get('cf-iam-seq');
  expectOk(assert, await n2.call('GET', `/accounts/${id}`, { headers: { 'cf-iam-min-seq': seq } }));
  return id;
}
// Waits until `node` has applied what `res` (from the other node) reflects.
async function seen(res, node) {
  expectOk(assert, await node.call('GET', '/user', { headers: { 'cf-iam-min-seq': res.headers.get('cf-iam-seq') } }));
}
// Statuses of responses; every one a 200 or a 4xx.
function tally(responses) {
  for (const r of responses) assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status}: ${r.text}`);
  return { ok: responses.filter((r) => r.status === 200).length, refused: responses.filter((r) => r.status !== 200) };
}

test('two nodes: the 500-token cap holds when both create the last ones at once', { skip }, async () => {
  const a = await newAccount('Cap race');
  const body = { name: 'bulk', policies: [allowGroups(a, PG.billingRead)] };
  for (let i = 0; i < 490; i += 35) {
    const batch = await Promise.all(Array.from({ length: Math.min(35, 490 - i) },
      (_, k) => nodes()[k % 2].call('POST', `/accounts/${a}/tokens`, { body })));
    for (const r of batch) expectOk(assert, r);
  }
  const race = await Promise.all(Array.from({ length: 30 },
    (_, k) => nodes()[k % 2].call('POST', `/accounts/${a}/tokens`, { body })));
  const { ok, refused } = tally(race);
  assert.equal(ok, 10);
  for (const r of refused) assert.equal(r.status, 400, r.text);
  const count = n2.storeRows(`SELECT count(*) AS n FROM tokens WHERE account_id = '${a}'`)[0].n;
  assert.equal(Number(count), 500);
  assert.equal((await n2.call('GET', `/accounts/${a}/tokens`)).body.result_info.total_count, 500);
});

test('two nodes: one of two Super Administrators removing each other at once stays', { skip }, async () => {
  for (let round = 0; round < 5; ++round) {
    const a = await newAccount(`SA race ${round}`);
    const owner = expectOk(assert, await n1.call('GET', `/accounts/${a}/members`))[0];
    const added = await n1.call('POST', `/accounts/${a}/members`, {
      body: { email: `sa${round}@example.com`, roles: [ROLE.superAdmin] } });
    const second = expectOk(assert, added);
    await seen(added, n2);
    await seen(await n2.call('PUT', `/accounts/${a}/members/${second.id}`, { body: { status: 'accepted' } }), n1);
    const race = await Promise.all([
      n1.call('DELETE', `/accounts/${a}/members/${owner.id}`),
      n2.call('DELETE', `/accounts/${a}/members/${second.id}`),
    ]);
    const { ok, refused } = tally(race);
    assert.equal(ok, 1, race.map((r) => r.text).join('\n'));
    assert.equal(refused[0].status, 409, refused[0].text);
    const left = n2.storeRows(`SELECT count(*) AS n FROM members WHERE account_id = '${a}'`)[0].n;
    assert.equal(Number(left), 1);
  }
});

test('two nodes: same-named user groups created at once: exactly one', { skip }, async () => {
  const a = await newAccount('Name race');
  for (let round = 0; round < 3; ++round) {
    const groups = tally(await Promise.all(Array.from({ length: 6 }, (_, k) =>
      nodes()[k % 2].call('POST', `/accounts/${a}/iam/user_groups`, {
        body: { name: `team ${round}` } }))));
    assert.equal(groups.ok, 1);
    for (const r of groups.refused) assert.equal(r.status, 409, r.text);
  }
  const listed = expectOk(assert, await n2.call('GET', `/accounts/${a}/iam/user_groups?per_page=50`));
  assert.equal(listed.length, 3);
});

test('two nodes: concurrent changes of one account take turns, none is refused as a conflict', { skip }, async () => {
  // Every member create updates the account's kept counts; under SERIALIZABLE
  // racing creates would conflict and retry until some ran out of retries
  // (409 1004). Changes of one account wait for each other instead.
  const a = await newAccount('Busy account');
  const started = performance.now();
  const creates = await Promise.all(Array.from({ length: 96 }, (_, k) =>
    nodes()[k % 2].call('POST', `/accounts/${a}/members`, { body: { email: `busy${k}@example.com`, roles: [ROLE.admin] } })));
  const elapsed = performance.now() - started;
  for (const r of creates) expectOk(assert, r);
  const count = n1.storeRows(`SELECT count(*) AS n FROM members WHERE account_id = '${a}'`)[0].n;
  assert.equal(Number(count), 97);
  console.log(`96 concurrent member creates in one account on two nodes: ${Math.round(elapsed)} ms`);
});
