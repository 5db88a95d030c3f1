// `cfiam admin snapshot` while serving and `cfiam admin restore` into a fresh
// data directory give back the same state; restore refuses a data directory
// a server is using, and a file that is not a cfiam database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ON_POSTGRES, startServer, expectOk, stopAndCheck } from '../lib/harness.mjs';

// Snapshot and restore copy the SQLite file; on PostgreSQL backups are
// pg_dump's business (the command says so, tested below on both stores).
const SQLITE_ONLY = ON_POSTGRES && 'snapshot/restore copy the SQLite file, which a PostgreSQL store has not';

const admin = (...args) => spawnSync(BIN, ['admin', ...args], { encoding: 'utf8' });

async function listings(srv) {
  const out = { accounts: expectOk(assert, await srv.call('GET', '/accounts?per_page=50')) };
  for (const a of out.accounts) {
    for (const what of ['members', 'tokens', 'iam/user_groups', 'iam/resource_groups', 'subscriptions']) {
      const items = expectOk(assert, await srv.call('GET', `/accounts/${a.id}/${what}?per_page=50`));
      out[`${a.id} ${what}`] = items.map(({ last_used_on: _, ...rest }) => rest);
    }
  }
  return out;
}

test('snapshot while serving, restore into a fresh data directory: same listings, same secrets', { skip: SQLITE_ONLY }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfiam-snap-'));
  const file = join(dir, 'snap.db');
  const srv = await startServer();
  const secrets = [];
  for (let i = 0; i < 3; i++) {
    const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: `Snap ${i}` } })).id;
    expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/resource_groups`, {
      body: { name: 'all', scope: { key: `com.cloudflare.api.account.${acc}`, objects: [{ key: '*' }] } } }));
    const token = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, {
      body: { name: 't', policies: [{ effect: 'allow', permission_groups: [{ id: 'c1fde68c7bcc44588cbb6ddbc16d6480' }], resources: { [`com.cloudflare.api.account.${acc}`]: '*' } }] } }));
    secrets.push([acc, token.value]);
  }
  // Snapshot while the server is serving.
  const before = await listings(srv);
  const snap = admin('snapshot', file, '--data-dir', srv.dataDir);
  assert.equal(snap.status, 0, snap.stderr);
  expectOk(assert, await srv.call('GET', '/accounts'));
  // Restore is refused while the server uses the data directory.
  const busy = admin('restore', file, '--data-dir', srv.dataDir);
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /in use by a running server/);
  await stopAndCheck(assert, { ...srv, cleanup: () => {} });

  const fresh = join(dir, 'fresh');
  const restored = admin('restore', file, '--data-dir', fresh);
  assert.equal(restored.status, 0, restored.stderr);
  const again = await startServer({ dataDir: fresh, token: srv.token });
  try {
    assert.deepEqual(await listings(again), before);
    for (const [acc, value] of secrets) expectOk(assert, await again.call('GET', `/accounts/${acc}`, { token: value }));
  } finally {
    await stopAndCheck(assert, again);
    srv.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the online snapshot is consistent: restored, it holds a prefix of the concurrent writes', { skip: SQLITE_ONLY }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfiam-snap-'));
  const srv = await startServer();
  const names = Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, '0')}`);
  let snap;
  // Sequential creates, the snapshot taken half-way through.
  for (const [i, name] of names.entries()) {
    expectOk(assert, await srv.call('POST', '/accounts', { body: { name } }));
    if (i === 14) snap = admin('snapshot', join(dir, 's.db'), '--data-dir', srv.dataDir);
  }
  assert.equal(snap.status, 0, snap.stderr);
  await stopAndCheck(assert, srv);
  assert.equal(admin('restore', join(dir, 's.db'), '--data-dir', join(dir, 'r')).status, 0);
  const again = await startServer({ dataDir: join(dir, 'r'), token: srv.token });
  try {
    const got = expectOk(assert, await again.call('GET', '/accounts?per_page=50')).map((a) => a.name).sort();
    assert.deepEqual(got, names.slice(0, 15));
  } finally {
    await stopAndCheck(assert, again);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restore refuses a file that is not a cfiam database and leaves the store alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfiam-snap-'));
  try {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text'.repeat(100));
    const res = admin('restore', junk, '--data-dir', join(dir, 'd'));
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /cfiam: /);
    const missing = admin('restore', '--data-dir', join(dir, 'd'));
    assert.equal(missing.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot and restore refuse a PostgreSQL store and point at pg_dump', () => {
  for (const what of ['snapshot', 'restore']) {
    const r = spawnSync(BIN, ['admin', what, join(tmpdir(), 'never.db')], {
      encoding: 'utf8', env: { ...process.env, CFIAM_STORE: 'postgres://u:pw@127.0.0.1:1/db' } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /pg_dump/);
    assert.doesNotMatch(r.stderr, /pw/);
  }
});
