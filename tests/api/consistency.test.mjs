// Read-your-writes: every answer carries cf-iam-seq (the change-log position
// it reflects); a request with cf-iam-min-seq waits, bounded, until the node
// has applied that position. Changes another process commits (here
// `cfiam admin api-key`) arrive through the same change log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectOk, expectError, stopAndCheck } from '../lib/harness.mjs';
import { apiKeyFor } from '../lib/iam.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(() => stopAndCheck(assert, srv));

const seqOf = (res) => {
  const v = res.headers.get('cf-iam-seq');
  assert.match(v ?? '', /^\d+$/, `cf-iam-seq missing or malformed: ${v}`);
  return Number(v);
};

test('every answer says which change-log position it reflects; a change advances it', async () => {
  const first = seqOf(await srv.call('GET', '/accounts'));
  seqOf(await srv.call('GET', '/accounts/0123456789abcdef0123456789abcdef'));  // 404
  seqOf(await srv.call('GET', '/accounts', { token: 'nope' }));  // refused credential
  const created = await srv.call('POST', '/accounts', { body: { name: 'Seq' } });
  expectOk(assert, created);
  const after = seqOf(created);
  assert.ok(after > first, `a change must advance the position: ${first} -> ${after}`);
  // The change's own answer already reflects it: reading at that position needs no wait.
  const t0 = Date.now();
  const res = await srv.call('GET', `/accounts/${created.body.result.id}`, {
    headers: { 'cf-iam-min-seq': String(after) } });
  expectOk(assert, res);
  assert.ok(seqOf(res) >= after);
  assert.ok(Date.now() - t0 < 500, 'an applied position must not wait');
});

test('a position the node has not reached is a bounded wait, then 503', async () => {
  const now = seqOf(await srv.call('GET', '/accounts'));
  const t0 = Date.now();
  const res = await srv.call('GET', '/accounts', { headers: { 'cf-iam-min-seq': String(now + 1000) } });
  const waited = Date.now() - t0;
  expectError(assert, res, 503, 10503);
  assert.match(res.body.errors[0].message, /cf-iam-min-seq/);
  assert.ok(waited >= 900 && waited < 5000, `waited ${waited} ms`);
});

test('a malformed cf-iam-min-seq is a 400', async () => {
  for (const bad of ['abc', '-1', '1.5', '99999999999999999999999']) {
    expectError(assert, await srv.call('GET', '/accounts', { headers: { 'cf-iam-min-seq': bad } }), 400, 6003);
  }
});

test("another process's change is readable at its position without polling", async () => {
  const beforeSeq = seqOf(await srv.call('GET', '/accounts'));
  const email = 'seq-cli@example.com';
  // Creates the user and its key in the store, from another process.
  const key = apiKeyFor(srv, email);
  const res = await srv.call('GET', '/memberships', {
    token: null,
    headers: { 'X-Auth-Email': email, 'X-Auth-Key': key, 'cf-iam-min-seq': String(beforeSeq + 1) },
  });
  expectOk(assert, res);
  assert.ok(seqOf(res) > beforeSeq);
});
