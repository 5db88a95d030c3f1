// PostgreSQL stopped for 5 s (`pg_ctl stop -m fast`, then started again on
// the same port and data) under write and read load on three nodes: while it
// is away every node answers 503 envelopes (never a 500, a crash or a hang),
// they recover by themselves once it is back, and nothing acknowledged is
// lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { expectError, expectOk } from '../lib/harness.mjs';
import { ROLE, PG, allowGroups } from '../lib/iam.mjs';
import { auditEntries, checkNothingLost, startCluster, until } from '../lib/cluster.mjs';
import { memberWrites, sleep } from '../lib/load.mjs';

// Longer than this is a hang: the slowest answer a client may wait for while
// the store is away (the 1 s staleness bound, a connect attempt, ASan).
const HANG_MS = 5000;

let cluster;
before(async () => { cluster = await startCluster(); });
after(async () => {
  if (!cluster) return;
  const statuses = await cluster.stop();
  for (const [i, s] of statuses.entries()) assert.equal(s.code, 0, `node ${i + 1} exited ${JSON.stringify(s)}`);
});

// Reads on every node in a loop until stop(): a page of the account's
// members (a store read) and a token verify (in-memory state).
function reads(account, secret) {
  const results = [];
  let on = true;
  const t0 = performance.now();
  const loop = async (node) => {
    while (on) {
      let at = performance.now() - t0;
      const a = await cluster.callNode(node, 'GET', `/accounts/${account}/members?per_page=5`);
      results.push({ node, at, what: 'members', ...a });
      at = performance.now() - t0;
      const v = await cluster.callNode(node, 'GET', `/accounts/${account}/tokens/verify`, { token: secret });
      results.push({ node, at, what: 'verify', ...v });
      await sleep(20);
    }
  };
  const loops = [0, 1, 2].map(loop);
  return { results, async stop() { on = false; await Promise.all(loops); return results; } };
}

test('PostgreSQL stopped for 5 s under load: 503 envelopes, recovery, nothing acknowledged lost', async (t) => {
  const account = expectOk(assert, await cluster.callNode(0, 'POST', '/accounts', { body: { name: 'Outage' } })).id;
  const token = expectOk(assert, await cluster.callNode(0, 'POST', `/accounts/${account}/tokens`, {
    body: { name: 'reader', policies: [allowGroups(account, PG.settingsRead)] } }));
  for (let node = 0; node < 3; node++) {
    const seen = await until(async () => (await cluster.callNode(node, 'GET', `/accounts/${account}/tokens/verify`,
      { token: token.value })).status === 200, 1000);
    assert.ok(seen.value, `node ${node + 1} did not see the new token`);
  }

  const t0 = performance.now();
  const writes = memberWrites(cluster.call, account, { workers: 4, role: ROLE.admin });
  const reading = reads(account, token.value);
  await sleep(1000);
  const downAt = performance.now() - t0;
  cluster.pg.pause();
  await sleep(5000);
  cluster.pg.resume();
  const upAt = performance.now() - t0;
  // Recovery by themselves: each node writes again within 10 s.
  for (let node = 0; node < 3; node++) {
    const back = await until(async () => (await cluster.callNode(node, 'POST', `/accounts/${account}/members`,
      { body: { email: `load-back-${node}@example.com`, roles: [ROLE.admin] } })).status === 200, 10000, 100);
    assert.ok(back.value, `node ${node + 1} did not recover within 10 s of PostgreSQL's restart`);
  }
  const recoveredAt = performance.now() - t0;
  await sleep(500);
  const written = await writes.stop();
  const read = await reading.stop();
  t.diagnostic(`store down at ${Math.round(downAt)} ms, up at ${Math.round(upAt)} ms, ` +
    `every node writing again at ${Math.round(recoveredAt)} ms`);

  // No node died.
  for (const [i, n] of cluster.nodes.entries()) assert.equal(n.proc.exitCode, null, `node ${i + 1} exited:\n${n.stderr()}`);
  const all = [...written.map((r) => ({ ...r, what: 'write' })), ...read];
  // Every answer is a 200 or a 503 envelope; none took longer than HANG_MS.
  const bad = all.filter((r) => r.status !== 200 && r.status !== 503);
  const byStatus = {};
  for (const r of bad) byStatus[`${r.what} ${r.status}`] = (byStatus[`${r.what} ${r.status}`] ?? 0) + 1;
  assert.deepEqual(bad.slice(0, 5).map((r) => `${r.what} at ${Math.round(r.at)} ms: ${r.status} ${r.text}`), [],
    `${bad.length} answers neither 200 nor 503: ${JSON.stringify(byStatus)}`);
  for (const r of all.filter((x) => x.status === 503)) expectError(assert, r, 503);
  // A request that needed the unreachable store says so and when to come
  // back; the staleness bound's 503 (same code) answers the others.
  for (const r of all.filter((x) => x.status === 503)) assert.equal(r.body.errors[0].code, 10503, r.text);
  const unreachable = all.filter((r) => r.status === 503 && /store is unavailable/.test(r.body.errors[0].message));
  assert.ok(unreachable.length > 0, 'no 503 said the store is unreachable');
  for (const r of unreachable) assert.equal(r.headers.get('retry-after'), '1');
  const slow = all.filter((r) => r.ms > HANG_MS);
  assert.deepEqual(slow.map((r) => `${r.what} at ${Math.round(r.at)} ms took ${Math.round(r.ms)} ms`), []);
  // The outage was seen (so the figures above mean something): writes and
  // store reads were refused while the store was away.
  const refused = (what) => all.filter((r) => r.what === what && r.status === 503).length;
  assert.ok(refused('write') > 0 && refused('members') > 0, 'no request saw the store away');
  const counts = ['write', 'members', 'verify'].map((w) =>
    `${w}: ${all.filter((r) => r.what === w && r.status === 200).length} ok / ${refused(w)} 503`);
  t.diagnostic(counts.join(', '));
  // The 1 s bound: a node that cannot confirm it is caught up for longer
  // refuses rather than authorize on stale state (the token might have been
  // revoked on a node that can still reach the store). Half a second of slack
  // for the request's own path.
  const stale = read.filter((r) => r.what === 'verify' && r.at > downAt + 1500 && r.at + r.ms < upAt &&
    r.status === 200);
  assert.deepEqual(stale.slice(0, 5).map((r) => `node ${r.node + 1} verified at ${Math.round(r.at)} ms`), [],
    `${stale.length} verifies authorized on state older than 1 s while the store was away`);
  // Everything works again after recovery.
  for (const w of ['write', 'members', 'verify']) {
    assert.ok(all.some((r) => r.what === w && r.status === 200 && r.at > recoveredAt), `no ${w} succeeded after recovery`);
  }

  const acked = written.filter((r) => r.status === 200);
  checkNothingLost(assert, cluster, account, acked, await auditEntries(cluster.call, account));
});
