// Change requests on the change queue (SQLite; api/change_queue.h): one
// thread runs the changes it has, each in its own unit of work released
// into one held batch, commits the batch with one fsync, applies it to the
// in-memory state, and only then answers. What must hold however the
// requests fall into batches:
//  - every answer is its own request's (status, body, audit entry);
//  - a change sees the changes batched before it (a second create of the
//    same email in the same batch is a 409, not a constraint error);
//  - a refused change takes no other change of its batch with it;
//  - every acknowledged change is durable, visible to the next read and
//    already applied to authorization (a token made in a batch works at once);
//  - batches carry more than one change (fewer commits than changes).
// On PostgreSQL changes run on the workers (no queue); the same answers hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck, ON_POSTGRES } from '../lib/harness.mjs';

const ADMIN = '05784afa30c1afe1440e79d9351c7430';
const SETTINGS_READ = 'c1fde68c7bcc44588cbb6ddbc16d6480'; // Account Settings Read

function metric(text, name) {
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}
async function commits(srv) {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  return {
    commits: metric(text, 'cfiam_store_commit_batch_size_count'),
    changes: metric(text, 'cfiam_store_commit_batch_size_sum'),
  };
}

test('concurrent changes share batches; each answer, entry and effect is its own', async () => {
  const srv = await startServer();
  try {
    const account = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Queue Co' } })).id;
    const before = await commits(srv);
    // 64 creates at once: most valid, every 8th names an unknown role (400),
    // and eight share one email (one 200, seven 409), all in flight together.
    const kinds = [];
    const calls = [];
    for (let i = 0; i < 64; i++) {
      let kind = 'ok';
      let body = { email: `q${i}@queue.example`, roles: [ADMIN] };
      if (i % 8 === 3) {
        kind = 'bad role';
        body = { email: `bad${i}@queue.example`, roles: ['f'.repeat(32)] };
      } else if (i % 8 === 5) {
        kind = 'same email';
        body = { email: 'same@queue.example', roles: [ADMIN] };
      }
      kinds.push({ kind, email: body.email });
      calls.push(srv.call('POST', `/accounts/${account}/members`, { body }));
    }
    const answers = await Promise.all(calls);
    let sameCreated = 0;
    const created = new Map();
    answers.forEach((res, i) => {
      const { kind, email } = kinds[i];
      if (kind === 'bad role') return expectError(assert, res, 400);
      if (kind === 'same email' && res.status === 409) return expectError(assert, res, 409, 1004);
      const m = expectOk(assert, res);
      assert.equal(m.user.email, email, 'an answer is its own request\'s');
      if (kind === 'same email') sameCreated++;
      created.set(m.id, { email, ray: res.headers.get('cf-ray') });
    });
    assert.equal(sameCreated, 1, 'one of the creates of the same email wins, the others see it');
    assert.equal(created.size, 56 - 7);

    // Durable and visible: every acknowledged member is listed, nothing else.
    const listed = expectOk(assert, await srv.call('GET', `/accounts/${account}/members?per_page=100`));
    const emails = new Set(listed.map((m) => m.user.email));
    for (const { email } of created.values()) assert.ok(emails.has(email), `${email} listed`);
    for (const { kind, email } of kinds) {
      if (kind === 'bad role') assert.ok(!emails.has(email), `${email} was refused, not listed`);
    }
    // Each change's audit entry carries its own request (ray) and outcome.
    const rows = srv.storeRows(
      `SELECT raw_cf_ray_id AS ray, raw_status_code AS status FROM audit_log WHERE account_id = '${account}' AND raw_uri LIKE '%/members'`);
    const byRay = new Map(rows.map((r) => [r.ray, Number(r.status)]));
    answers.forEach((res) => {
      assert.equal(byRay.get(res.headers.get('cf-ray')), res.status, 'the entry of each request records its status');
    });

    if (!ON_POSTGRES) {
      const after = await commits(srv);
      const changes = after.changes - before.changes;
      const batches = after.commits - before.commits;
      // Every request above wrote (a success, or a refusal's failure entry).
      assert.ok(changes >= 64, `${changes} changes committed`);
      assert.ok(batches < changes, `${batches} commits carried ${changes} changes: some batch held several`);
    }
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('a token made in a batch authenticates at once; a revocation in a batch holds at once', async () => {
  const srv = await startServer();
  try {
    const account = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Queue Tokens' } })).id;
    const policy = [{
      effect: 'allow',
      permission_groups: [{ id: SETTINGS_READ }],
      resources: { [`com.cloudflare.api.account.${account}`]: '*' },
    }];
    // Made together (so, usually, in one batch), then each used at once.
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      srv.call('POST', `/accounts/${account}/tokens`, { body: { name: `t${i}`, policies: policy } })));
    const tokens = made.map((res) => expectOk(assert, res));
    const used = await Promise.all(tokens.map((t) =>
      srv.call('GET', `/accounts/${account}`, { token: t.value })));
    used.forEach((res) => expectOk(assert, res));
    // Revoked together with creates of other members, then refused at once.
    const revokes = tokens.slice(0, 6).map((t) => srv.call('DELETE', `/accounts/${account}/tokens/${t.id}`));
    const creates = Array.from({ length: 6 }, (_, i) => srv.call('POST', `/accounts/${account}/members`,
      { body: { email: `r${i}@queue.example`, roles: [ADMIN] } }));
    (await Promise.all([...revokes, ...creates])).forEach((res) => expectOk(assert, res));
    const after = await Promise.all(tokens.map((t) => srv.call('GET', `/accounts/${account}`, { token: t.value })));
    after.forEach((res, i) => {
      if (i < 6) expectError(assert, res, 403, 9109); // Cloudflare's answer to a deleted token
      else expectOk(assert, res);
    });
  } finally {
    await stopAndCheck(assert, srv);
  }
});
