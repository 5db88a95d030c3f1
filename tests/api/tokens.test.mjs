// Account-owned API tokens over plain HTTP: validation, secrets shown once,
// usability rules (status, time window, IP conditions), roll, verify,
// last_used_on, limits and the creator bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const G = {
  settingsRead: 'c1fde68c7bcc44588cbb6ddbc16d6480',
  billingRead: '7cf72faf220841aabcfdfab81c43c4f6',
  billingWrite: '6c80e02421494afc9ae14414ed442632',
  tokensRead: 'eb56a6953c034b9d97dd838155666f06',
  tokensWrite: '5bc3f8b21c554832afc660159ab75fa4',
  workersRead: '1a71c399035b4950a1bd1466bbe4f420',
};

let srv;
let acc;
let other;
before(async () => {
  srv = await startServer();
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Token Home' } })).id;
  other = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Token Other' } })).id;
});
after(() => stopAndCheck(assert, srv));

const resources = (id = acc) => ({ [`com.cloudflare.api.account.${id}`]: '*' });
const allow = (...groups) => ({ effect: 'allow', permission_groups: groups.map((id) => ({ id })), resources: resources() });

async function createToken(body, as) {
  const res = await srv.call('POST', `/accounts/${acc}/tokens`, { body: { name: 't', policies: [allow(G.settingsRead)], ...body }, token: as });
  return res;
}

test('create returns the secret once; reads never show it; only the digest is stored', async () => {
  const created = expectOk(assert, await createToken({ name: 'once', policies: [allow(G.billingRead, G.settingsRead)] }));
  assert.match(created.id, /^[0-9a-f]{32}$/);
  assert.equal(typeof created.value, 'string');
  assert.ok(created.value.length >= 40, created.value);
  assert.equal(created.status, 'active');
  assert.equal(created.policies.length, 1);
  assert.match(created.policies[0].id, /^[0-9a-f]{32}$/);
  assert.deepEqual(created.policies[0].permission_groups.map((g) => g.name), ['Billing Read', 'Account Settings Read']);
  assert.deepEqual(created.policies[0].resources, resources());
  for (const field of ['issued_on', 'modified_on']) assert.ok(!Number.isNaN(Date.parse(created[field])));

  const got = expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/${created.id}`));
  assert.equal(got.value, undefined);
  const { value, ...rest } = created;
  assert.deepEqual(got, rest);
  const list = await srv.call('GET', `/accounts/${acc}/tokens?per_page=50`);
  assert.ok(!list.text.includes(value), 'secret leaked in list');
  assert.ok(!srv.stderr().includes(value), 'secret leaked in the log');
  // The secret works as a Bearer credential for what it grants.
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: value }));
});

test('create validates name, policies, resources and groups, naming the field', async () => {
  const cases = [
    [{ name: '' }, '/name'],
    [{ name: 'x'.repeat(121) }, '/name'],
    [{ policies: [] }, '/policies'],
    [{ policies: 'all' }, '/policies'],
    [{ policies: [{ ...allow(G.billingRead), effect: 'maybe' }] }, '/policies/0/effect'],
    [{ policies: [{ ...allow(), permission_groups: [] }] }, '/policies/0/permission_groups'],
    [{ policies: [allow('0'.repeat(32))] }, '/policies/0/permission_groups/0/id'],
    [{ policies: [{ ...allow(G.billingRead), resources: {} }] }, '/policies/0/resources'],
    [{ policies: [{ ...allow(G.billingRead), resources: resources(other) }] }, `/policies/0/resources/com/cloudflare/api/account/${other}`],
    [{ policies: [{ ...allow(G.billingRead), resources: { 'com.cloudflare.api.account.*': '*' } }] }, '/policies/0/resources/com/cloudflare/api/account/*'],
    [{ condition: { request_ip: { in: ['10.0.0.0/33'] } } }, '/condition/request_ip/in/0'],
    [{ condition: { 'request.ip': { not_in: ['nope'] } } }, '/condition/request/ip/not_in/0'],
    [{ not_before: 'yesterday' }, '/not_before'],
    [{ not_before: '2030-01-02T00:00:00Z', expires_on: '2030-01-01T00:00:00Z' }, '/expires_on'],
  ];
  for (const [body, pointer] of cases) {
    const res = await createToken(body);
    expectError(assert, res, 400);
    assert.equal(res.body.errors[0].source?.pointer, pointer, JSON.stringify(body));
  }
  const unknown = await createToken({ policies: [allow('0'.repeat(32))] });
  assert.match(unknown.body.errors[0].message, /0{32}/);
});

test('request_ip prefixes beyond /32 or /128, or too large for an int, are 400', async () => {
  // These used to wrap when narrowed: /4294967304 was read as /8, /4294967392 (2^32 + 96) as /0.
  for (const cidr of ['10.0.0.0/4294967304', '::ffff:0.0.0.0/4294967392', '2001:db8::/129', '::/999999999999']) {
    const res = await createToken({ condition: { request_ip: { in: [cidr] } } });
    expectError(assert, res, 400, 1002);
    assert.equal(res.body.errors[0].source?.pointer, '/condition/request_ip/in/0', cidr);
  }
});

test('list pages and orders; get/delete of unknown or foreign ids are 404', async () => {
  const home = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Paging Tokens' } })).id;
  const ids = [];
  for (let i = 0; i < 7; i++) {
    ids.push(expectOk(assert, await srv.call('POST', `/accounts/${home}/tokens`, {
      body: { name: `p${i}`, policies: [{ ...allow(G.billingRead), resources: resources(home) }] } })).id);
  }
  const p1 = await srv.call('GET', `/accounts/${home}/tokens?per_page=5`);
  assert.deepEqual(p1.body.result_info, { page: 1, per_page: 5, count: 5, total_count: 7, total_pages: 2 });
  const p2 = await srv.call('GET', `/accounts/${home}/tokens?per_page=5&page=2`);
  assert.deepEqual([...p1.body.result, ...p2.body.result].map((t) => t.id), ids);
  const desc = await srv.call('GET', `/accounts/${home}/tokens?per_page=50&direction=desc`);
  assert.deepEqual(desc.body.result.map((t) => t.id), [...ids].reverse());
  expectError(assert, await srv.call('GET', `/accounts/${acc}/tokens/${ids[0]}`), 404);
  expectError(assert, await srv.call('DELETE', `/accounts/${acc}/tokens/${ids[0]}`), 404);
  expectError(assert, await srv.call('GET', `/accounts/${home}/tokens/${'0'.repeat(32)}`), 404);
});

test('disabled, expired and not-yet-valid tokens are refused with 9109', async () => {
  const t = expectOk(assert, await createToken({}));
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: t.value }));
  const disabled = expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${t.id}`, { body: { name: 't', status: 'disabled', policies: t.policies } }));
  assert.equal(disabled.status, 'disabled');
  expectError(assert, await srv.call('GET', `/accounts/${acc}`, { token: t.value }), 403, 9109);
  expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${t.id}`, { body: { status: 'active' } }));
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: t.value }));

  const past = new Date(Date.now() - 60000).toISOString();
  const expired = expectOk(assert, await createToken({ expires_on: past }));
  assert.equal(expired.status, 'expired');
  expectError(assert, await srv.call('GET', `/accounts/${acc}`, { token: expired.value }), 403, 9109);

  const future = new Date(Date.now() + 3600000).toISOString();
  const early = expectOk(assert, await createToken({ not_before: future }));
  // The same instant, in RFC 3339 UTC (the server writes the shortest exact fraction).
  assert.match(early.not_before, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/);
  assert.equal(Date.parse(early.not_before), Date.parse(future));
  expectError(assert, await srv.call('GET', `/accounts/${acc}`, { token: early.value }), 403, 9109);

  const soon = expectOk(assert, await createToken({ expires_on: new Date(Date.now() + 1500).toISOString() }));
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: soon.value }));
  await new Promise((r) => setTimeout(r, 1700));
  expectError(assert, await srv.call('GET', `/accounts/${acc}`, { token: soon.value }), 403, 9109);
  assert.equal(expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/${soon.id}`)).status, 'expired');
});

test('request_ip conditions: in, not_in, both wire spellings, IPv4-mapped loopback', async () => {
  const outside = expectOk(assert, await createToken({ condition: { request_ip: { in: ['10.0.0.0/8', '2001:db8::/32'] } } }));
  assert.deepEqual(outside.condition, { request_ip: { in: ['10.0.0.0/8', '2001:db8::/32'] } });
  const res = await srv.call('GET', `/accounts/${acc}`, { token: outside.value });
  expectError(assert, res, 403, 9109);
  assert.equal(res.body.errors[0].message, 'Cannot use the access token from location: 127.0.0.1');

  const inside = expectOk(assert, await createToken({ condition: { 'request.ip': { in: ['127.0.0.0/8'] } } }));
  assert.deepEqual(inside.condition, { request_ip: { in: ['127.0.0.0/8'] } });
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: inside.value }));

  const excluded = expectOk(assert, await createToken({ condition: { request_ip: { in: ['127.0.0.0/8'], not_in: ['::ffff:127.0.0.1'] } } }));
  expectError(assert, await srv.call('GET', `/accounts/${acc}`, { token: excluded.value }), 403, 9109);

  // Updating the condition takes effect at once.
  expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${excluded.id}`, { body: { condition: null } }));
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: excluded.value }));
});

test('roll replaces the secret at once; delete revokes', async () => {
  const t = expectOk(assert, await createToken({}));
  const rolled = await srv.call('PUT', `/accounts/${acc}/tokens/${t.id}/value`, { body: {} });
  const secret = expectOk(assert, rolled);
  assert.equal(typeof secret, 'string');
  assert.notEqual(secret, t.value);
  expectError(assert, await srv.call('GET', `/accounts/${acc}`, { token: t.value }), 403, 9109);
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: secret }));
  // No body at all, as the SDK sends it.
  const again = expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${t.id}/value`));
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: again }));
  expectError(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${t.id}/value`, { body: { value: 'mine' } }), 400);

  assert.deepEqual(expectOk(assert, await srv.call('DELETE', `/accounts/${acc}/tokens/${t.id}`)), { id: t.id });
  expectError(assert, await srv.call('GET', `/accounts/${acc}`, { token: again }), 403, 9109);
});

test('verify answers for the token itself', async () => {
  const t = expectOk(assert, await createToken({ expires_on: '2099-01-01T00:00:00Z' }));
  const res = await srv.call('GET', `/accounts/${acc}/tokens/verify`, { token: t.value });
  assert.deepEqual(expectOk(assert, res), { id: t.id, status: 'active', expires_on: '2099-01-01T00:00:00Z' });
  assert.deepEqual(res.body.messages, [{ code: 10000, message: 'This API Token is valid and active' }]);
  expectError(assert, await srv.call('GET', `/accounts/${other}/tokens/verify`, { token: t.value }), 401, 1000);
  expectError(assert, await srv.call('GET', `/accounts/${acc}/tokens/verify`), 401, 1000);  // a user token
  expectError(assert, await srv.call('GET', `/accounts/${acc}/tokens/verify`, { token: 'nope' }), 401, 1000);
  expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${t.id}`, { body: { status: 'disabled' } }));
  expectError(assert, await srv.call('GET', `/accounts/${acc}/tokens/verify`, { token: t.value }), 401, 1000);
  expectError(assert, await srv.call('GET', `/accounts/${acc}/tokens/verify`, { token: null }), 400, 9106);
});

// The verify answer is written as text (its hot path skips the JSON tree):
// the exact bytes, member order included, with both optional times.
test('verify answers with the exact envelope text', async () => {
  const t = expectOk(assert, await createToken({ not_before: '2020-01-02T03:04:05Z', expires_on: '2099-01-01T00:00:00Z' }));
  const res = await srv.call('GET', `/accounts/${acc}/tokens/verify`, { token: t.value });
  assert.equal(res.status, 200);
  assert.equal(res.text, '{"success":true,"errors":[],"messages":[{"code":10000,"message":"This API Token is valid and active"}],' +
    `"result":{"id":"${t.id}","status":"active","not_before":"2020-01-02T03:04:05Z","expires_on":"2099-01-01T00:00:00Z"}}`);
  const plain = expectOk(assert, await createToken({}));
  const res2 = await srv.call('GET', `/accounts/${acc}/tokens/verify`, { token: plain.value });
  assert.equal(res2.text, '{"success":true,"errors":[],"messages":[{"code":10000,"message":"This API Token is valid and active"}],' +
    `"result":{"id":"${plain.id}","status":"active"}}`);
});

test('a token cannot grant more than its creator holds', async () => {
  const creator = expectOk(assert, await createToken({ policies: [allow(G.tokensWrite)] }));
  const res = await srv.call('POST', `/accounts/${acc}/tokens`, { token: creator.value, body: { name: 'escalate', policies: [allow(G.billingWrite)] } });
  expectError(assert, res, 403, 10000);
  // Within its own grants it may create (and deny policies never widen anything).
  expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { token: creator.value,
    body: { name: 'ok', policies: [allow(G.tokensRead), { ...allow(G.billingWrite), effect: 'deny' }] } }));
  const reader = expectOk(assert, await createToken({ policies: [allow(G.tokensRead)] }));
  expectError(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { token: reader.value, body: { name: 'x', policies: [allow(G.tokensRead)] } }), 403, 10000);
  expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens`, { token: reader.value }));
  // An update may not widen either.
  expectError(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${reader.id}`, { token: creator.value, body: { policies: [allow(G.billingRead)] } }), 403, 10000);
});

test('last_used_on is visible at once and survives a restart', async () => {
  const s2 = await startServer();
  const a = expectOk(assert, await s2.call('POST', '/accounts', { body: { name: 'Used' } })).id;
  const t = expectOk(assert, await s2.call('POST', `/accounts/${a}/tokens`, { body: { name: 'u', policies: [{ ...allow(G.settingsRead), resources: resources(a) }] } }));
  assert.equal(t.last_used_on, undefined);
  const before = Date.now();
  expectOk(assert, await s2.call('GET', `/accounts/${a}`, { token: t.value }));
  const seen = expectOk(assert, await s2.call('GET', `/accounts/${a}/tokens/${t.id}`)).last_used_on;
  assert.ok(Date.parse(seen) >= before - 1000, seen);
  assert.equal((await s2.stop()).code, 0);
  const s3 = await startServer({ dataDir: s2.dataDir, token: s2.token });
  try {
    assert.equal(expectOk(assert, await s3.call('GET', `/accounts/${a}/tokens/${t.id}`)).last_used_on, seen);
  } finally {
    assert.equal((await s3.stop()).code, 0);
    s3.cleanup();
  }
});

test('at most 500 tokens per account', async () => {
  const a = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Full' } })).id;
  const body = { name: 'bulk', policies: [{ ...allow(G.billingRead), resources: resources(a) }] };
  for (let i = 0; i < 500; i += 25) {
    const batch = await Promise.all(Array.from({ length: 25 }, () => srv.call('POST', `/accounts/${a}/tokens`, { body })));
    for (const r of batch) expectOk(assert, r);
  }
  expectError(assert, await srv.call('POST', `/accounts/${a}/tokens`, { body }), 400);
  assert.equal((await srv.call('GET', `/accounts/${a}/tokens`)).body.result_info.total_count, 500);
});

test('token permission groups: account-level catalog with name and scope filters', async () => {
  const all = expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/permission_groups`));
  assert.equal(all.length, 307);
  assert.ok(all.every((g) => !g.scopes.includes('com.cloudflare.api.user')));
  const byName = expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/permission_groups?name=Account%20Settings%20Write`));
  assert.deepEqual(byName, [{ id: '1af1fa2adc104452b74a9a3364202f20', name: 'Account Settings Write', scopes: ['com.cloudflare.api.account'] }]);
  const encodedTwice = expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/permission_groups?name=Account%2520Settings%2520Write`));
  assert.deepEqual(encodedTwice, byName);
  const zones = expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/permission_groups?scope=com.cloudflare.api.account.zone`));
  assert.ok(zones.length > 10 && zones.every((g) => g.scopes.includes('com.cloudflare.api.account.zone')));
  assert.deepEqual(expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/permission_groups?name=Nope`)), []);
});
