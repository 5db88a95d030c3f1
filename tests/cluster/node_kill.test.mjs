// kill -9 of one node under write load through nginx: every acknowledged
// write is there afterwards with its audit entry, and the other nodes keep
// serving. A POST that was in flight on the dying node may or may not have
// committed (nginx does not resend it; the client sees a 502), but if it did,
// its audit entry committed with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { expectOk } from '../lib/harness.mjs';
import { ROLE } from '../lib/iam.mjs';
import { auditEntries, checkNothingLost, startCluster, until } from '../lib/cluster.mjs';
import { memberWrites, sleep } from '../lib/load.mjs';

let cluster;
before(async () => { cluster = await startCluster(); });
after(async () => {
  if (!cluster) return;
  const statuses = await cluster.stop();
  assert.equal(statuses[1].signal, 'SIGKILL');
  for (const i of [0, 2]) assert.equal(statuses[i].code, 0, `node ${i + 1} exited ${JSON.stringify(statuses[i])}`);
});

test('kill -9 of one node under write load through nginx', async (t) => {
  const account = expectOk(assert, await cluster.callNode(0, 'POST', '/accounts', { body: { name: 'Kill' } })).id;
  for (let node = 0; node < 3; node++) {
    assert.ok((await until(async () => (await cluster.callNode(node, 'GET', `/accounts/${account}`)).status === 200, 1000)).value);
  }
  const load = memberWrites(cluster.call, account, { workers: 6, role: ROLE.admin });
  await sleep(1500);
  const killedAt = load.elapsed();
  await cluster.nodes[1].kill9();
  await sleep(2500);
  const results = await load.stop();

  const acked = results.filter((r) => r.status === 200);
  const before = acked.filter((r) => r.at + r.ms < killedAt);
  const after = acked.filter((r) => r.at > killedAt + 100);
  assert.ok(before.length >= 6, `only ${before.length} writes acknowledged before the kill`);
  assert.ok(after.length >= 6, `only ${after.length} writes acknowledged after the kill: the others stopped serving`);
  // What was not acknowledged: nginx's 502 for a POST that had reached the
  // dying node. Never a 500 from a node, never a refused connection, and
  // never a conflict: the account's writes take turns (docs/cluster.md).
  const failed = results.filter((r) => r.status !== 200);
  for (const r of failed) assert.equal(r.status, 502, `${r.status} ${r.text}`);
  assert.ok(failed.length <= 6 * 2, `${failed.length} writes failed: ${failed.map((r) => r.at).join(' ')}`);

  // The surviving nodes serve, directly and through the balancer.
  for (const node of [0, 2]) expectOk(assert, await cluster.callNode(node, 'GET', `/accounts/${account}`));
  for (let i = 0; i < 4; i++) expectOk(assert, await cluster.call('GET', `/accounts/${account}/members?per_page=1`));

  t.diagnostic(`${acked.length} acknowledged (${before.length} before the kill, ${after.length} after), ` +
    `${failed.length} answered 502`);
  const stored = checkNothingLost(assert, cluster, account, acked, await auditEntries(cluster.call, account));
  assert.ok(stored.size >= acked.length && stored.size <= acked.length + failed.length,
    `${stored.size} members stored for ${acked.length} acknowledged and ${failed.length} failed`);
});
