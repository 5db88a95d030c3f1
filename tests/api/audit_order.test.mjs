// The audit log's global order on PostgreSQL (docs/audit.md "Ordering and
// cursors"): several nodes write entries at once, each with its own clock, yet
// time order must be commit order, or an ascending walk that has passed time T
// would never see an entry with an earlier time that commits after it. The
// writers here are plain SQL sessions standing in for nodes: one whose clock
// is behind and commits slowly, one whose clock is ahead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ON_POSTGRES, startServer, expectOk, stopAndCheck } from '../lib/harness.mjs';
import { psql } from '../lib/postgres.mjs';

const skip = !ON_POSTGRES && 'the order across several writers is PostgreSQL\'s (runs under api_postgres); SQLite has one writer';

let srv;
let acc;
before(async () => {
  if (skip) return;
  srv = await startServer();
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Audit Order' } })).id;
});
after(() => srv && stopAndCheck(assert, srv));

// One audit_log row as a node would insert it, with the node's idea of the time.
function insertSql(id, time) {
  return `INSERT INTO audit_log (account_id, time, id, account_name, action_type, action_result,
    actor_id, actor_type, actor_context, actor_email, actor_ip_address, actor_token_id,
    actor_token_name, raw_cf_ray_id, raw_method, raw_status_code, raw_uri, resource_id,
    resource_product, resource_type, resource_scope, zone_id, zone_name)
    VALUES ('${acc}', ${time}, '${id}', 'Audit Order', 'update', 'success', 'u', 'user', 'api_token',
      '', '127.0.0.1', '', '', '', 'PATCH', 200, '/x', '${acc}', 'accounts', 'account', 'accounts',
      '', '');
    INSERT INTO audit_details (id, action_description, raw_user_agent, resource_request,
      resource_response) VALUES ('${id}', '', '', '{}', '{}');`;
}

// Runs SQL in its own session; resolves to what it printed when it ends.
function session(sql) {
  const { port, db } = srv.postgres;
  const p = spawn('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db,
    '-v', 'ON_ERROR_STOP=1', '-qtAc', sql], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (c) => { out += c; });
  p.stderr.on('data', (c) => { err += c; });
  return new Promise((resolve, reject) => p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err)))));
}

// SQL that prints the database's clock (µs) under a label, and its reader.
// The sessions' exit order as node sees it says nothing of their commit order
// (two processes ending within a millisecond may be reaped either way round),
// so the order is read from the database's own clock, inside the sessions.
const stamp = (label) => `SELECT '${label}=' || (extract(epoch FROM clock_timestamp()) * 1e6)::bigint;`;
const stampOf = (out, label) => {
  const m = new RegExp(`${label}=(\\d+)`).exec(out);
  assert.ok(m, `no ${label} stamp in ${JSON.stringify(out)}`);
  return Number(m[1]);
};

const timeOf = (id) => Number(srv.storeRows(`SELECT time FROM audit_log WHERE id = '${id}'`)[0].time);
const maxTime = () => Number(srv.storeRows('SELECT max(time) AS t FROM audit_log')[0].t);

test('an entry committed after another gets a later time, whatever its writer\'s clock said', { skip }, async () => {
  const now = Date.now() * 1000;
  // Node A: its clock says `now`; it commits a second later.
  const slow = session(`BEGIN; ${insertSql('a'.repeat(32), now)} SELECT pg_sleep(1); ${stamp('acommit')} COMMIT;`);
  await new Promise((r) => setTimeout(r, 300));
  // Node B: its clock is ahead by a minute... and another's is behind.
  const ahead = session(`BEGIN; ${stamp('bstart')} ${insertSql('b'.repeat(32), now + 60e6)} ${stamp('binserted')} COMMIT;`);
  const [aOut, bOut] = await Promise.all([slow, ahead]);
  // B's insert waited for A's commit (the order lock), so it committed second...
  const aCommit = stampOf(aOut, 'acommit');
  const bStart = stampOf(bOut, 'bstart');
  const bInserted = stampOf(bOut, 'binserted');
  assert.ok(bStart < aCommit, `B began at ${bStart}, after A committed at ${aCommit}: nothing raced`);
  assert.ok(bInserted >= aCommit, `B's insert finished at ${bInserted}, before A committed at ${aCommit}`);
  // ...and its time is after A's.
  assert.ok(timeOf('b'.repeat(32)) > timeOf('a'.repeat(32)));

  // A writer whose clock is behind everything committed so far.
  await session(`BEGIN; ${insertSql('c'.repeat(32), now - 3600e6)} COMMIT;`);
  const c = timeOf('c'.repeat(32));
  assert.ok(c > now + 60e6, `a late clock's entry was stored at ${c}, behind entries already visible`);
  assert.equal(c, maxTime());
});

test('an ascending walk through the API sees the entries in commit order, each once', { skip }, async () => {
  // Changes through the API interleaved with a writer whose clock is an hour behind.
  const ids = [];
  for (let i = 0; i < 4; ++i) {
    expectOk(assert, await srv.call('PUT', `/accounts/${acc}`, { body: { name: `Audit Order ${i}` } }));
    const id = `${i}`.repeat(32);
    await session(`BEGIN; ${insertSql(id, Date.now() * 1000 - 3600e6)} COMMIT;`);
    ids.push(id);
  }
  const since = new Date(Date.now() - 2 * 3600e3).toISOString();
  const before = new Date(Date.now() + 3 * 3600e3).toISOString();
  const seen = [];
  let cursor = '';
  for (let n = 0; n < 100; ++n) {
    const res = await srv.call('GET', `/accounts/${acc}/logs/audit?since=${since}&before=${before}&direction=asc&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200, res.text);
    seen.push(...res.body.result.map((e) => e.id));
    cursor = res.body.result_info?.cursor;
    if (!cursor) break;
  }
  assert.equal(new Set(seen).size, seen.length, 'an entry was seen twice');
  // Each late-clock entry comes right after the API change that preceded it.
  const positions = ids.map((id) => seen.indexOf(id));
  assert.ok(positions.every((p) => p > 0), `missing: ${JSON.stringify(positions)}`);
  for (let i = 1; i < positions.length; ++i) assert.ok(positions[i] > positions[i - 1]);
  for (const p of positions) {
    const prev = seen[p - 1];
    assert.ok(!ids.includes(prev), 'two late-clock entries with no change between them');
  }
});
