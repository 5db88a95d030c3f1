// User-owned tokens over HTTP: a user token acts for its user within its
// policies (the intersection), the ceiling on what a caller may create,
// change or roll, conditions, cross-user isolation and the verify 401s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, expectError, expectOk, BIN, stopAndCheck } from '../lib/harness.mjs';

const BILLING_ROLE = '298ce8e7a2ba08b9d18ce0a32bb458ee'; // billing read+write, nothing else
let srv;
let X; // account where user B is a Billing member
let Y; // account B is not in
let admin; // the bootstrap user's id
const G = {}; // permission group name -> id
let bob; // { id, call } : user B by its API key

const iso = (offsetMs) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, 'Z');
const allowOn = (resource, ...names) => ({
  effect: 'allow', permission_groups: names.map((n) => ({ id: G[n] })), resources: { [resource]: '*' } });
const acct = (id) => `com.cloudflare.api.account.${id}`;
const usr = (id) => `com.cloudflare.api.user.${id}`;

async function keyUser(email) {
  const out = spawnSync(BIN, ['admin', 'api-key', '--email', email, ...srv.storeArgs], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const key = out.stdout.trim();
  const call = (method, path, opts = {}) => srv.call(method, path, {
    ...opts, token: null, headers: { 'X-Auth-Email': email, 'X-Auth-Key': key, ...(opts.headers ?? {}) } });
  for (let i = 0; i < 50; i++) {
    const res = await call('GET', '/user');
    if (res.status === 200) return { id: res.body.result.id, call };
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`API key of ${email} never became valid`);
}

// Creates a user token through `call` (a key client or a token) and returns it.
async function userToken(call, body) {
  return expectOk(assert, await call('POST', '/user/tokens', { body }));
}
const asToken = (value) => (method, path, opts = {}) => srv.call(method, path, { ...opts, token: value });
const asAdmin = (method, path, opts = {}) => srv.call(method, path, opts);

before(async () => {
  srv = await startServer({ email: 'root@example.com' });
  admin = expectOk(assert, await srv.call('GET', '/user')).id;
  for (const g of expectOk(assert, await srv.call('GET', '/user/tokens/permission_groups'))) G[g.name] ??= g.id;
  X = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'X' } })).id;
  Y = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Y' } })).id;
  bob = await keyUser('bob@example.com');
  const m = expectOk(assert, await srv.call('POST', `/accounts/${X}/members`, { body: { email: 'bob@example.com', roles: [BILLING_ROLE] } }));
  expectOk(assert, await bob.call('PUT', `/memberships/${m.id}`, { body: { status: 'accepted' } }));
});
after(() => stopAndCheck(assert, srv));

test('verify: an account token on /user/tokens/verify and a user token on /accounts/{id}/tokens/verify are 401 1000', async () => {
  const accTok = expectOk(assert, await srv.call('POST', `/accounts/${X}/tokens`, {
    body: { name: 'acct', policies: [allowOn(acct(X), 'Billing Read')] } }));
  expectError(assert, await srv.call('GET', '/user/tokens/verify', { token: accTok.value }), 401, 1000);
  expectOk(assert, await srv.call('GET', `/accounts/${X}/tokens/verify`, { token: accTok.value }));
  expectError(assert, await srv.call('GET', `/accounts/${X}/tokens/verify`), 401, 1000);
  const v = await srv.call('GET', '/user/tokens/verify');
  expectOk(assert, v);
  assert.equal(v.body.messages[0].code, 10000);
  expectError(assert, await bob.call('GET', '/user/tokens/verify'), 401, 1000);
  expectError(assert, await srv.call('GET', '/user/tokens/verify', { token: 'no-such-token' }), 401, 1000);
  // Account tokens have no user: every user route refuses them.
  for (const [method, path] of [['GET', '/user'], ['PATCH', '/user'], ['GET', '/user/tokens'], ['POST', '/user/tokens'], ['GET', '/user/tokens/permission_groups'], ['GET', '/memberships']]) {
    expectError(assert, await srv.call(method, path, { token: accTok.value, body: method === 'GET' ? undefined : {} }), 403, 10000);
  }
});

test('isolation: user A cannot see or touch user B\'s tokens (404); each lists only its own', async () => {
  const bTok = await userToken(bob.call, { name: 'bob-1', policies: [allowOn(usr(bob.id), 'User Details Read')] });
  for (const [method, path, body] of [
    ['GET', `/user/tokens/${bTok.id}`], ['PUT', `/user/tokens/${bTok.id}`, { name: 'stolen', policies: [allowOn(usr(bob.id), 'User Details Read')] }],
    ['PUT', `/user/tokens/${bTok.id}/value`, {}], ['DELETE', `/user/tokens/${bTok.id}`]]) {
    expectError(assert, await srv.call(method, path, { body }), 404, 1003);
  }
  const mine = expectOk(assert, await srv.call('GET', '/user/tokens?per_page=50'));
  assert.ok(!mine.some((t) => t.id === bTok.id));
  const bobs = expectOk(assert, await bob.call('GET', '/user/tokens'));
  assert.deepEqual(bobs.map((t) => t.id), [bTok.id]);
  // B's own token (with API Tokens Write) manages B's tokens but not A's.
  const bMgr = await userToken(bob.call, { name: 'bob-mgr', policies: [allowOn(usr(bob.id), 'API Tokens Write')] });
  const adminTokens = expectOk(assert, await srv.call('GET', '/user/tokens?per_page=50'));
  expectError(assert, await asToken(bMgr.value)('GET', `/user/tokens/${adminTokens[0].id}`), 404, 1003);
  expectOk(assert, await asToken(bMgr.value)('GET', `/user/tokens/${bTok.id}`));
  expectOk(assert, await bob.call('DELETE', `/user/tokens/${bTok.id}`));
  expectError(assert, await asToken(bTok.value)('GET', '/user/tokens/verify'), 401, 1000);
  // A user resource must be the caller's own user.
  const other = await bob.call('POST', '/user/tokens', { body: { name: 'x', policies: [allowOn(usr(admin), 'User Details Read')] } });
  expectError(assert, other, 400, 1002);
});

test('a user token limited to one account\'s Billing Read can do nothing else', async () => {
  const t = await userToken(asAdmin, { name: 'billing-x', policies: [allowOn(acct(X), 'Billing Read')] });
  const call = asToken(t.value);
  expectOk(assert, await call('GET', `/accounts/${X}`));
  expectOk(assert, await call('GET', `/accounts/${X}/subscriptions`));
  const listed = expectOk(assert, await call('GET', '/accounts'));
  assert.deepEqual(listed.map((a) => a.id), [X], 'lists only the account its policy names');
  expectError(assert, await call('POST', `/accounts/${X}/subscriptions`, { body: { rate_plan: { id: 'pro' } } }), 403, 10000);
  expectError(assert, await call('PUT', `/accounts/${X}`, { body: { name: 'Hacked' } }), 403, 10000);
  expectError(assert, await call('GET', `/accounts/${X}/members`), 403, 10000);
  expectError(assert, await call('GET', `/accounts/${X}/tokens`), 403, 10000);
  expectError(assert, await call('POST', `/accounts/${X}/tokens`, { body: { name: 'n', policies: [allowOn(acct(X), 'Billing Read')] } }), 403, 10000);
  expectError(assert, await call('GET', `/accounts/${Y}`), 404);
  expectError(assert, await call('GET', `/accounts/${Y}/subscriptions`), 404);
  expectError(assert, await call('POST', '/accounts', { body: { name: 'New' } }), 403, 10000);
  expectError(assert, await call('DELETE', `/accounts/${Y}`), 403, 10000);
  expectError(assert, await call('GET', '/user'), 403, 10000);
  expectError(assert, await call('PATCH', '/user', { body: { first_name: 'Eve' } }), 403, 10000);
  expectError(assert, await call('GET', '/user/tokens'), 403, 10000);
  expectError(assert, await call('POST', '/user/tokens', { body: { name: 'n', policies: [allowOn(acct(X), 'Billing Read')] } }), 403, 10000);
  expectError(assert, await call('GET', '/memberships'), 403, 10000);
  expectOk(assert, await call('GET', '/user/tokens/verify'));
  assert.equal(expectOk(assert, await srv.call('GET', `/accounts/${X}`)).name, 'X', 'nothing changed');
});

test('ceiling: a user token cannot hold more than its user (API key caller)', async () => {
  // Bob is a Billing member of X only.
  await userToken(bob.call, { name: 'ok', policies: [allowOn(acct(X), 'Billing Write')] });
  expectError(assert, await bob.call('POST', '/user/tokens', { body: { name: 'n', policies: [allowOn(acct(X), 'Account Settings Write')] } }), 403, 10000);
  expectError(assert, await bob.call('POST', '/user/tokens', { body: { name: 'n', policies: [allowOn(acct(Y), 'Billing Read')] } }), 403, 10000);
  // A wildcard needs the key in every account Bob is in: Billing yes, Settings Write no.
  await userToken(bob.call, { name: 'all-billing', policies: [allowOn('com.cloudflare.api.account.*', 'Billing Write')] });
  expectError(assert, await bob.call('POST', '/user/tokens', { body: { name: 'n', policies: [allowOn('com.cloudflare.api.account.*', 'Account Settings Write')] } }), 403, 10000);
  // Updating to more than the user holds is refused too, and changes nothing.
  const t = await userToken(bob.call, { name: 'upd', policies: [allowOn(acct(X), 'Billing Read')] });
  expectError(assert, await bob.call('PUT', `/user/tokens/${t.id}`, { body: { name: 'upd', policies: [allowOn(acct(X), 'Account Settings Write')] } }), 403, 10000);
  assert.equal(expectOk(assert, await bob.call('GET', `/user/tokens/${t.id}`)).policies[0].permission_groups[0].name, 'Billing Read');
});

test('ceiling: a token caller cannot exceed its own policies, window or request_ip', async () => {
  const expires = iso(3600_000);
  const caller = await userToken(asAdmin, {
    name: 'caller', expires_on: expires, not_before: iso(-60_000),
    condition: { request_ip: { in: ['127.0.0.0/8'], not_in: ['127.0.0.2/32'] } },
    policies: [allowOn(usr(admin), 'API Tokens Write'), allowOn(acct(X), 'Billing Read')] });
  const call = asToken(caller.value);
  const base = { condition: { request_ip: { in: ['127.0.0.0/8'], not_in: ['127.0.0.0/30'] } }, expires_on: expires };
  const ok = await userToken(call, { ...base, name: 'child', policies: [allowOn(acct(X), 'Billing Read')] });
  assert.ok(ok.value);
  const refused = async (body, why) => {
    const res = await call('POST', '/user/tokens', { body: { name: 'n', policies: [allowOn(acct(X), 'Billing Read')], ...base, ...body } });
    expectError(assert, res, 403, 10000);
    assert.ok(res.body.errors[0].message, why);
  };
  await refused({ policies: [allowOn(acct(X), 'Billing Write')] }, 'more than the caller token');
  await refused({ policies: [allowOn(acct(Y), 'Billing Read')] }, 'another account');
  await refused({ policies: [allowOn('com.cloudflare.api.account.*', 'Billing Read')] }, 'a wildcard the caller lacks');
  await refused({ policies: [allowOn(usr(admin), 'User Details Read')] }, 'a user group the caller lacks');
  await refused({ expires_on: undefined }, 'no expiry outlives the caller');
  await refused({ expires_on: iso(7200_000) }, 'expires after the caller');
  await refused({ not_before: iso(-3600_000) }, 'starts before the caller');
  await refused({ condition: undefined }, 'no ip condition is wider');
  await refused({ condition: { request_ip: { in: ['10.0.0.0/8'] } } }, 'outside the caller ranges');
  await refused({ condition: { request_ip: { in: ['127.0.0.0/8'] } } }, 'admits 127.0.0.2');
  // Roll: the caller may not obtain the secret of a token bigger than itself.
  const big = await userToken(asAdmin, { name: 'big', policies: [allowOn(acct(X), 'Account Settings Write')] });
  expectError(assert, await call('PUT', `/user/tokens/${big.id}/value`, { body: {} }), 403, 10000);
  // Nor change it, even to narrow it: updating needs holding all it holds.
  expectError(assert, await call('PUT', `/user/tokens/${big.id}`, { body: { name: 'big', policies: [allowOn(acct(X), 'Billing Read')], ...base } }), 403, 10000);
  expectOk(assert, await call('DELETE', `/user/tokens/${big.id}`), 'revoking only narrows');
  const boot = expectOk(assert, await srv.call('GET', '/user/tokens?per_page=50')).find((t) => t.name === 'bootstrap');
  expectError(assert, await call('PUT', `/user/tokens/${boot.id}/value`, { body: {} }), 403, 10000);
  expectOk(assert, await srv.call('GET', '/user/tokens/verify'), 'the bootstrap secret still works');
  assert.equal(typeof expectOk(assert, await call('PUT', `/user/tokens/${ok.id}/value`, { body: {} })), 'string');
  // Update: the same bounds apply.
  expectError(assert, await call('PUT', `/user/tokens/${ok.id}`, { body: { name: 'child', policies: [allowOn(acct(X), 'Billing Write')], ...base } }), 403, 10000);
});

test('conditions: request_ip, not_before and expires_on are enforced on use', async () => {
  const far = await userToken(asAdmin, { name: 'far', condition: { request_ip: { in: ['10.0.0.0/8'] } }, policies: [allowOn(acct(X), 'Billing Read')] });
  const res = await asToken(far.value)('GET', `/accounts/${X}`);
  expectError(assert, res, 403, 9109);
  assert.match(res.body.errors[0].message, /Cannot use the access token from location: 127\.0\.0\.1/);
  expectError(assert, await asToken(far.value)('GET', '/user/tokens/verify'), 401, 1000);
  const later = await userToken(asAdmin, { name: 'later', not_before: iso(3600_000), policies: [allowOn(acct(X), 'Billing Read')] });
  expectError(assert, await asToken(later.value)('GET', `/accounts/${X}`), 403, 9109);
  const soon = await userToken(asAdmin, { name: 'soon', expires_on: iso(2000), policies: [allowOn(acct(X), 'Billing Read')] });
  expectOk(assert, await asToken(soon.value)('GET', `/accounts/${X}`));
  await new Promise((r) => setTimeout(r, 2500));
  expectError(assert, await asToken(soon.value)('GET', `/accounts/${X}`), 403, 9109);
  expectError(assert, await asToken(soon.value)('GET', '/user/tokens/verify'), 401, 1000);
  assert.equal(expectOk(assert, await srv.call('GET', `/user/tokens/${soon.id}`)).status, 'expired');
});

test('quota: a user holds at most 50 tokens', async () => {
  const carol = await keyUser('carol@example.com');
  for (let i = 0; i < 50; i++) {
    await userToken(carol.call, { name: `c${i}`, policies: [allowOn(usr(carol.id), 'User Details Read')] });
  }
  expectError(assert, await carol.call('POST', '/user/tokens', { body: { name: 'c50', policies: [allowOn(usr(carol.id), 'User Details Read')] } }), 400, 1002);
  assert.equal(expectOk(assert, await carol.call('GET', '/user/tokens?per_page=5')).length, 5);
});

test('PATCH /user: bad fields are 400 with source.pointer', async () => {
  const res = await srv.call('PATCH', '/user', { body: { telephone: 'x'.repeat(21) } });
  expectError(assert, res, 400, 1002);
  assert.equal(res.body.errors[0].source?.pointer, '/telephone');
  expectError(assert, await srv.call('PATCH', '/user', { body: { country: 7 } }), 400, 1002);
  expectError(assert, await srv.call('PATCH', '/user', { body: [] }), 400);
});
