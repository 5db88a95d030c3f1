// Accounts over plain HTTP: every operation and its errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(() => stopAndCheck(assert, srv));

test('create renders the account and makes the creator a super admin member', async () => {
  const res = await srv.call('POST', '/accounts', { body: { name: 'Create Me', type: 'enterprise' } });
  const acc = expectOk(assert, res);
  assert.match(acc.id, /^[0-9a-f]{32}$/);
  assert.equal(acc.name, 'Create Me');
  assert.equal(acc.type, 'enterprise');
  assert.deepEqual(acc.settings, { enforce_twofactor: false });
  assert.ok(!Number.isNaN(Date.parse(acc.created_on)));
  assert.match(res.headers.get('cf-ray'), /^[0-9a-f]{16}-/);
  const got = expectOk(assert, await srv.call('GET', `/accounts/${acc.id}`));
  assert.deepEqual(got, acc);
});

test('create defaults type to standard and trims the name', async () => {
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: '  Padded  ' } }));
  assert.equal(acc.type, 'standard');
  assert.equal(acc.name, 'Padded');
});

test('create validates fields and names them', async () => {
  const cases = [
    [{}, '/name'],
    [{ name: '' }, '/name'],
    [{ name: '   ' }, '/name'],
    [{ name: 42 }, '/name'],
    [{ name: 'x'.repeat(101) }, '/name'],
    [{ name: 'ok', type: 'premium' }, '/type'],
    [{ name: 'ok', unit: 'abc' }, '/unit'],
  ];
  for (const [body, pointer] of cases) {
    const res = await srv.call('POST', '/accounts', { body });
    expectError(assert, res, 400);
    assert.equal(res.body.errors[0].source?.pointer, pointer, JSON.stringify(body));
  }
  expectError(assert, await srv.call('POST', '/accounts', { body: ['name'] }), 400);
});

test('malformed JSON, non-JSON bodies and missing bodies are 400s', async () => {
  expectError(assert, await srv.call('POST', '/accounts', {
    raw: '{"name": ', headers: { 'Content-Type': 'application/json' } }), 400, 6007);
  expectError(assert, await srv.call('POST', '/accounts', {
    raw: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 400, 9207);
  expectError(assert, await srv.call('POST', '/accounts', {
    raw: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    headers: { 'Content-Type': 'application/json' } }), 400, 6007);
  expectError(assert, await srv.call('POST', '/accounts'), 400);
});

test('list pages, filters by name and orders by direction', async () => {
  const names = ['Page A', 'Page B', 'Page C', 'Page D', 'Page E', 'Page F', 'Page G'];
  for (const name of names) await srv.call('POST', '/accounts', { body: { name } });
  const p1 = await srv.call('GET', '/accounts?name=page&per_page=5&page=1');
  expectOk(assert, p1);
  assert.deepEqual(p1.body.result.map((a) => a.name), names.slice(0, 5));
  assert.deepEqual(p1.body.result_info, { page: 1, per_page: 5, count: 5, total_count: 7, total_pages: 2 });
  const p2 = await srv.call('GET', '/accounts?name=page&per_page=5&page=2');
  assert.deepEqual(p2.body.result.map((a) => a.name), names.slice(5));
  assert.equal(p2.body.result_info.count, 2);
  const past = await srv.call('GET', '/accounts?name=page&per_page=5&page=9');
  assert.deepEqual(past.body.result, []);
  assert.equal(past.body.result_info.total_count, 7);
  const desc = await srv.call('GET', '/accounts?name=Page&direction=desc&per_page=50');
  assert.deepEqual(desc.body.result.map((a) => a.name), [...names].reverse());
  // per_page is clamped into 5..50
  assert.equal((await srv.call('GET', '/accounts?per_page=1')).body.result_info.per_page, 5);
  assert.equal((await srv.call('GET', '/accounts?per_page=500')).body.result_info.per_page, 50);
  // LIKE metacharacters match literally
  assert.equal((await srv.call('GET', '/accounts?name=%25')).body.result_info.total_count, 0);
});

test('bad pagination and enum query values are 400s', async () => {
  expectError(assert, await srv.call('GET', '/accounts?page=abc'), 400);
  expectError(assert, await srv.call('GET', '/accounts?per_page=1e999'), 400);
  expectError(assert, await srv.call('GET', '/accounts?per_page='), 400);
  expectError(assert, await srv.call('GET', '/accounts?direction=sideways'), 400);
});

test('update changes name, settings and managed_by; validates the email', async () => {
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Before' } }));
  const upd = expectOk(assert, await srv.call('PUT', `/accounts/${acc.id}`, {
    body: { id: acc.id, name: 'After', type: 'standard',
      settings: { enforce_twofactor: true, abuse_contact_email: 'abuse@example.com' },
      managed_by: { parent_org_id: 'f267e341f3dd4697bd3b9f71dd96247f', parent_org_name: 'Org' } },
  }));
  assert.equal(upd.name, 'After');
  assert.deepEqual(upd.settings, { enforce_twofactor: true, abuse_contact_email: 'abuse@example.com' });
  assert.deepEqual(upd.managed_by, { parent_org_id: 'f267e341f3dd4697bd3b9f71dd96247f', parent_org_name: 'Org' });
  assert.deepEqual(expectOk(assert, await srv.call('GET', `/accounts/${acc.id}`)), upd);
  // the tenant admin may change the type
  assert.equal(expectOk(assert, await srv.call('PUT', `/accounts/${acc.id}`, {
    body: { name: 'After', type: 'enterprise' } })).type, 'enterprise');

  const bad = await srv.call('PUT', `/accounts/${acc.id}`, {
    body: { name: 'After', settings: { abuse_contact_email: 'not-an-email' } } });
  expectError(assert, bad, 400);
  assert.equal(bad.body.errors[0].source.pointer, '/settings/abuse_contact_email');
  expectError(assert, await srv.call('PUT', `/accounts/${acc.id}`, {
    body: { name: 'After', settings: { enforce_twofactor: 'yes' } } }), 400);
  expectError(assert, await srv.call('PUT', `/accounts/${acc.id}`, {
    body: { id: '0'.repeat(32), name: 'x' } }), 400);
  expectError(assert, await srv.call('PUT', `/accounts/${'0'.repeat(32)}`, { body: { name: 'x' } }), 404);
});

// GET /accounts/{id} writes its result as text, PUT through the JSON tree:
// the two must give the same bytes, and a GET right after a PUT sees it.
test('GET answers the bytes PUT rendered, escapes included, and every update at once', async () => {
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Bytes' } }));
  for (const body of [
    { name: 'Quote " back\\ slash / caf\u00e9 \u20ac' },
    { name: 'Org', settings: { enforce_twofactor: true, abuse_contact_email: 'abuse@example.com' },
      managed_by: { parent_org_id: 'f267e341f3dd4697bd3b9f71dd96247f' } },
    { name: 'Org 2', managed_by: { parent_org_name: 'Parent "P"' } },
  ]) {
    const put = await srv.call('PUT', `/accounts/${acc.id}`, { body });
    expectOk(assert, put);
    const got = await srv.call('GET', `/accounts/${acc.id}`);
    assert.equal(got.text, put.text);
  }
});

test('delete removes the account and answers {id}', async () => {
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Doomed' } }));
  assert.deepEqual(expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}`)), { id: acc.id });
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}`), 404);
  expectError(assert, await srv.call('DELETE', `/accounts/${acc.id}`), 404);
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/roles`), 404);
});

test('unknown and malformed ids are 404 with the no-route codes', async () => {
  expectError(assert, await srv.call('GET', `/accounts/${'a'.repeat(32)}`), 404);
  for (const id of ['abc', 'A'.repeat(32), 'g'.repeat(32), '%2e%2e', 'a'.repeat(33)]) {
    const res = await srv.call('GET', `/accounts/${id}`);
    expectError(assert, res, 404, 7003);
    assert.equal(res.body.errors[1].code, 7000);
  }
});

// On PostgreSQL concurrent writes to one row lose serialization conflicts;
// the dispatcher runs such a change again, so none surfaces as an error.
test('concurrent changes to one account all succeed, and the last name sticks', async () => {
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Busy' } }));
  const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 3
    ? srv.call('PUT', `/accounts/${acc.id}`, { body: { name: `Busy ${i}` } })
    : srv.call('POST', `/accounts/${acc.id}/iam/user_groups`, { body: { name: `group ${i}` } }))));
  for (const res of results) expectOk(assert, res);
  const name = expectOk(assert, await srv.call('GET', `/accounts/${acc.id}`)).name;
  assert.match(name, /^Busy \d+$/);
  const groups = expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/iam/user_groups?per_page=50`));
  assert.equal(groups.length, 8);
});
