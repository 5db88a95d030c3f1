// --node-id (CFIAM_NODE_ID, default hostname-pid): names the node on every
// log line and in the audit entries it writes (raw.node_id), so a cluster's
// merged logs and its audit log say which node did what.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { startServer, stopAndCheck, expectOk, BIN } from '../lib/harness.mjs';

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function auditEntryOf(srv, account, res) {
  const ray = res.headers.get('cf-ray');
  const q = `since=${day(-1)}&before=${day(2)}&raw_cf_ray_id=${encodeURIComponent(ray)}`;
  const entries = expectOk(assert, await srv.call('GET', `/accounts/${account}/logs/audit?${q}`));
  assert.equal(entries.length, 1, JSON.stringify(entries));
  return entries[0];
}

test('--node-id is on every JSON log line and in the audit raw of the entries the node wrote', async () => {
  const srv = await startServer({ args: ['--node-id', 'node-a.1', '--log-format', 'json'] });
  try {
    const created = await srv.call('POST', '/accounts', { body: { name: 'Node' } });
    const account = expectOk(assert, created).id;
    const entry = await auditEntryOf(srv, account, created);
    assert.equal(entry.raw.node_id, 'node-a.1');
    assert.equal(entry.raw.method, 'POST');
    // A refused change is recorded by its node too.
    const refused = await srv.call('POST', `/accounts/${account}/tokens`, { body: { name: '' } });
    assert.equal(refused.status, 400, refused.text);
    assert.equal((await auditEntryOf(srv, account, refused)).raw.node_id, 'node-a.1');
    await sleep(100);  // the logger thread drains every 20 ms
  } finally {
    const { code } = await srv.stop();
    assert.equal(code, 0, srv.stderr());
    const lines = srv.stderr().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.msg === 'request'), 'no access line');
    assert.ok(lines.some((l) => l.msg === 'stopped'), 'no stop line');
    for (const l of lines) assert.equal(l.node, 'node-a.1', JSON.stringify(l));
    srv.cleanup();
  }
});

test('the default node id is hostname-pid, the last field of every text line; CFIAM_NODE_ID sets it', async () => {
  const srv = await startServer();
  const want = `${hostname()}-${srv.proc.pid}`;
  try {
    expectOk(assert, await srv.call('GET', '/accounts'));
    await sleep(100);
    const lines = srv.stderr().split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 3);
    for (const l of lines) assert.ok(l.endsWith(` node=${want}`), l);
  } finally {
    await stopAndCheck(assert, srv);
  }
  const env = await startServer({ env: { CFIAM_NODE_ID: 'from-env' } });
  try {
    assert.match(env.stderr(), /listening on .* node=from-env\n/);
  } finally {
    await stopAndCheck(assert, env);
  }
});

test('a --node-id that would need quoting or is too long is a usage error', () => {
  for (const bad of ['a b', 'x"y', 'n=1', '', 'é', 'a'.repeat(65)]) {
    const r = spawnSync(BIN, ['serve', '--node-id', bad], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${JSON.stringify(bad)}: ${r.stderr}`);
  }
});
