// A change and its audit entry commit together: kill -9 during a write load,
// restart, and every acknowledged change has its entry, and every entry of a
// successful change names something that exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectOk } from '../lib/harness.mjs';

const ADMIN_ROLE = '05784afa30c1afe1440e79d9351c7430';
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

async function allEntries(srv, account, query) {
  const out = [];
  let cursor;
  for (;;) {
    const q = `since=${day(-1)}&before=${day(2)}&limit=1000&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await srv.call('GET', `/accounts/${account}/logs/audit?${q}`);
    assert.equal(res.status, 200, res.text);
    out.push(...res.body.result);
    cursor = res.body.result_info.cursor;
    if (!cursor) return out;
  }
}

test('kill -9 under concurrent member creation: changes and entries match exactly', async () => {
  const srv = await startServer();
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Crash Audit' } })).id;
  const initial = expectOk(assert, await srv.call('GET', `/accounts/${acc}/members?per_page=50`)).map((m) => m.id);
  const acked = new Map(); // member id -> cf-ray
  let stop = false;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      try {
        const res = await srv.call('POST', `/accounts/${acc}/members`, {
          body: { email: `crash-${w}-${i}@example.com`, roles: [ADMIN_ROLE] } });
        if (res.status === 200) acked.set(res.body.result.id, res.headers.get('cf-ray'));
      } catch { return; } // connection cut by the kill
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  await srv.kill9();
  stop = true;
  await Promise.all(writers);
  assert.ok(acked.size > 10, `only ${acked.size} writes acknowledged`);

  const again = await startServer({ dataDir: srv.dataDir, token: srv.token });
  try {
    const members = new Set();
    for (let page = 1; ; page++) {
      const res = expectOk(assert, await again.call('GET', `/accounts/${acc}/members?per_page=50&page=${page}`));
      for (const m of res) members.add(m.id);
      if (res.length < 50) break;
    }
    const entries = await allEntries(again, acc, 'action_type=create&resource_product=members');
    const byResource = new Map();
    for (const e of entries) {
      assert.equal(e.action.result, 'success', JSON.stringify(e));
      assert.ok(!byResource.has(e.resource.id), `two entries for ${e.resource.id}`);
      byResource.set(e.resource.id, e);
    }
    // Every acknowledged change exists and has its entry, with the ray it answered with.
    for (const [id, ray] of acked) {
      assert.ok(members.has(id), `acknowledged member ${id} lost`);
      assert.equal(byResource.get(id)?.raw.cf_ray_id, ray, `acknowledged member ${id} has no entry`);
    }
    // Every recorded creation happened, and every member added under load
    // (acknowledged or cut off in flight) has its entry.
    for (const id of byResource.keys()) assert.ok(members.has(id), `entry for a member that does not exist: ${id}`);
    for (const id of members) {
      assert.ok(byResource.has(id) || initial.includes(id), `member ${id} has no entry`);
    }
  } finally {
    assert.equal((await again.stop()).code, 0);
    again.cleanup();
  }
});
