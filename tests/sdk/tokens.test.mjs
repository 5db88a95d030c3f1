// accounts.tokens.* of the official `cloudflare` SDK against the real binary:
// the token lifecycle, auto-pagination, rolling, the permission group catalog,
// what a client built on a created token may and may not do, and the
// X-Auth-Email + X-Auth-Key credential of the bootstrap user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Cloudflare from 'cloudflare';
import { startServer, stopAndCheck } from '../lib/harness.mjs';

const EMAIL = 'sdk-keys@example.com';
const API_KEY = randomBytes(19).toString('hex').slice(0, 37);

let srv;
let client;
let account;
let other;
const groups = {};  // name -> account-scoped permission group id

// Clients never pick up credentials from the environment.
const tokenClient = (apiToken) => new Cloudflare({
  apiToken, apiEmail: null, apiKey: null, baseURL: srv.base, maxRetries: 0 });

const allow = (acc, ...names) => ({
  effect: 'allow',
  permission_groups: names.map((n) => ({ id: groups[n] })),
  resources: { [`com.cloudflare.api.account.${acc}`]: '*' },
});

// Asserts `promise` rejects with the SDK error class, HTTP status and first error code.
async function rejectsWith(promise, Cls, status, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Cls, `${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, status, err.message);
    assert.equal(err.errors?.[0]?.code, code, err.message);
    return true;
  });
}

before(async () => {
  srv = await startServer({ email: EMAIL, env: { CFIAM_BOOTSTRAP_API_KEY: API_KEY } });
  client = tokenClient(srv.token);
  account = (await client.accounts.create({ name: 'SDK Tokens', type: 'standard' })).id;
  other = (await client.accounts.create({ name: 'SDK Tokens Other', type: 'standard' })).id;
  for await (const g of client.accounts.tokens.permissionGroups.list({ account_id: account })) {
    if (g.scopes.includes('com.cloudflare.api.account')) groups[g.name] ??= g.id;
  }
});
after(() => stopAndCheck(assert, srv));

test('permissionGroups.list: account-level catalog, name and scope filters', async () => {
  const all = [];
  for await (const g of client.accounts.tokens.permissionGroups.list({ account_id: account })) all.push(g);
  assert.ok(all.length > 100, `${all.length} groups`);
  for (const g of all) {
    assert.match(g.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(Object.keys(g).sort(), ['id', 'name', 'scopes']);
    assert.ok(g.scopes.some((s) => s !== 'com.cloudflare.api.user'), `${g.name} is user-level only`);
  }
  for (const name of ['Billing Read', 'Account API Tokens Write', 'Account Settings Read', 'SSO Connector Write']) {
    assert.match(groups[name] ?? '', /^[0-9a-f]{32}$/, name);
  }
  // User-level groups are not offered to account tokens.
  assert.equal(all.find((g) => g.name === 'API Tokens Read'), undefined);

  const byName = (await client.accounts.tokens.permissionGroups.list({ account_id: account, name: 'Billing Read' })).result;
  assert.deepEqual(byName.map((g) => [g.id, g.name]), [[groups['Billing Read'], 'Billing Read']]);
  // The SDK documents the filters as URL-encoded values: encoded once more they still match.
  const encoded = (await client.accounts.tokens.permissionGroups.list({
    account_id: account, name: encodeURIComponent('Billing Read') })).result;
  assert.deepEqual(encoded, byName);

  const zone = (await client.accounts.tokens.permissionGroups.list({
    account_id: account, scope: 'com.cloudflare.api.account.zone' })).result;
  assert.ok(zone.length > 0);
  assert.ok(zone.length < all.length);
  for (const g of zone) assert.ok(g.scopes.includes('com.cloudflare.api.account.zone'), g.name);
  const both = (await client.accounts.tokens.permissionGroups.list({
    account_id: account, name: 'Billing Read', scope: 'com.cloudflare.api.account.zone' })).result;
  assert.deepEqual(both, []);
  assert.deepEqual((await client.accounts.tokens.permissionGroups.list({
    account_id: account, name: 'No Such Group' })).result, []);
});

test('create, get, update, delete; the secret is shown once', async () => {
  const created = await client.accounts.tokens.create({
    account_id: account, name: 'SDK lifecycle', policies: [allow(account, 'Billing Read')],
    condition: { request_ip: { in: ['127.0.0.0/8', '::1/128'] } },
    expires_on: '2099-01-01T00:00:00Z',
  });
  assert.match(created.id, /^[0-9a-f]{32}$/);
  assert.equal(typeof created.value, 'string');
  assert.ok(created.value.length >= 40);
  assert.equal(created.name, 'SDK lifecycle');
  assert.equal(created.status, 'active');
  assert.equal(created.policies.length, 1);
  assert.equal(created.policies[0].effect, 'allow');
  assert.deepEqual(created.policies[0].permission_groups, [{
    id: groups['Billing Read'], name: 'Billing Read', meta: { key: 'scopes', value: 'com.cloudflare.api.account' },
  }]);
  assert.deepEqual(created.policies[0].resources, { [`com.cloudflare.api.account.${account}`]: '*' });
  assert.deepEqual(created.condition, { request_ip: { in: ['127.0.0.0/8', '::1/128'] } });
  assert.equal(Date.parse(created.expires_on), Date.parse('2099-01-01T00:00:00Z'));

  const got = await client.accounts.tokens.get(created.id, { account_id: account });
  assert.equal(got.value, undefined);
  const { value, ...rest } = created;
  assert.deepEqual({ ...got, last_used_on: undefined }, { ...rest, last_used_on: undefined });

  const updated = await client.accounts.tokens.update(created.id, {
    account_id: account, name: 'SDK lifecycle renamed', policies: [allow(account, 'Billing Write')],
    status: 'active' });
  assert.equal(updated.name, 'SDK lifecycle renamed');
  assert.deepEqual(updated.policies[0].permission_groups.map((g) => g.name), ['Billing Write']);
  assert.deepEqual(updated.condition, created.condition);

  // Disabling makes the secret unusable; enabling restores it.
  const own = tokenClient(value);
  assert.equal((await own.accounts.tokens.verify({ account_id: account })).id, created.id);
  await client.accounts.tokens.update(created.id, { account_id: account, name: 'SDK lifecycle renamed',
    policies: [allow(account, 'Billing Write')], status: 'disabled' });
  await rejectsWith(own.accounts.tokens.verify({ account_id: account }), Cloudflare.AuthenticationError, 401, 1000);
  await rejectsWith(own.accounts.subscriptions.get({ account_id: account }), Cloudflare.PermissionDeniedError, 403, 9109);
  await client.accounts.tokens.update(created.id, { account_id: account, name: 'SDK lifecycle renamed',
    policies: [allow(account, 'Billing Write')], status: 'active' });
  assert.equal((await own.accounts.tokens.verify({ account_id: account })).status, 'active');

  // Another account does not see it.
  await rejectsWith(client.accounts.tokens.get(created.id, { account_id: other }), Cloudflare.NotFoundError, 404, 1003);

  assert.deepEqual(await client.accounts.tokens.delete(created.id, { account_id: account }), { id: created.id });
  await rejectsWith(client.accounts.tokens.get(created.id, { account_id: account }), Cloudflare.NotFoundError, 404, 1003);
  await rejectsWith(client.accounts.tokens.delete(created.id, { account_id: account }), Cloudflare.NotFoundError, 404, 1003);
  await rejectsWith(own.accounts.tokens.verify({ account_id: account }), Cloudflare.AuthenticationError, 401, 1000);
});

test('create validates: bad policies are 400 1002, a window in the past or future is unusable', async () => {
  await rejectsWith(client.accounts.tokens.create({ account_id: account, name: 'no policies', policies: [] }),
    Cloudflare.BadRequestError, 400, 1002);
  await rejectsWith(client.accounts.tokens.create({ account_id: account, name: 'unknown group', policies: [{
    effect: 'allow', permission_groups: [{ id: 'e'.repeat(32) }],
    resources: { [`com.cloudflare.api.account.${account}`]: '*' } }] }), Cloudflare.BadRequestError, 400, 1002);
  await rejectsWith(client.accounts.tokens.create({ account_id: account, name: 'other account',
    policies: [allow(other, 'Billing Read')] }), Cloudflare.BadRequestError, 400, 1002);

  const future = await client.accounts.tokens.create({ account_id: account, name: 'not yet',
    policies: [allow(account, 'Billing Read')], not_before: '2099-01-01T00:00:00Z' });
  await rejectsWith(tokenClient(future.value).accounts.tokens.verify({ account_id: account }),
    Cloudflare.AuthenticationError, 401, 1000);
  const past = await client.accounts.tokens.create({ account_id: account, name: 'expired',
    policies: [allow(account, 'Billing Read')], expires_on: '2020-01-01T00:00:00Z' });
  assert.equal(past.status, 'expired');
  await rejectsWith(tokenClient(past.value).accounts.tokens.verify({ account_id: account }),
    Cloudflare.AuthenticationError, 401, 1000);
  const elsewhere = await client.accounts.tokens.create({ account_id: account, name: 'elsewhere',
    policies: [allow(account, 'Billing Read')], condition: { request_ip: { in: ['192.0.2.0/24'] } } });
  await rejectsWith(tokenClient(elsewhere.value).accounts.tokens.verify({ account_id: account }),
    Cloudflare.AuthenticationError, 401, 1000);
  for (const t of [future, past, elsewhere]) await client.accounts.tokens.delete(t.id, { account_id: account });
});

test('list auto-paginates over several pages of 5', async () => {
  const acc = (await client.accounts.create({ name: 'SDK Token Pages' })).id;
  const made = [];
  for (let i = 0; i < 12; i++) {
    made.push((await client.accounts.tokens.create({ account_id: acc, name: `page ${String(i).padStart(2, '0')}`,
      policies: [allow(acc, 'Billing Read')] })).id);
  }
  const first = await client.accounts.tokens.list({ account_id: acc, per_page: 5 });
  assert.equal(first.result.length, 5);
  assert.deepEqual(first.result.map((t) => t.id), made.slice(0, 5));
  assert.equal(first.hasNextPage(), true);
  for (const t of first.result) assert.equal(t.value, undefined);

  assert.deepEqual(first.result_info, { page: 1, per_page: 5, count: 5, total_count: 12, total_pages: 3 });

  // The SDK pages on until a page comes back empty.
  const seen = [];
  const sizes = [];
  for await (const page of first.iterPages()) {
    sizes.push(page.result.length);
    seen.push(...page.result.map((t) => t.id));
  }
  assert.deepEqual(sizes, [5, 5, 2, 0]);
  assert.deepEqual(seen, made);

  const all = [];
  for await (const t of client.accounts.tokens.list({ account_id: acc, per_page: 5 })) all.push(t.name);
  assert.deepEqual(all, made.map((_, i) => `page ${String(i).padStart(2, '0')}`));
  const desc = [];
  for await (const t of client.accounts.tokens.list({ account_id: acc, per_page: 5, direction: 'desc' })) desc.push(t.id);
  assert.deepEqual(desc, [...made].reverse());
  // Tokens of another account are not listed here.
  const mine = [];
  for await (const t of client.accounts.tokens.list({ account_id: account, per_page: 50 })) mine.push(t.id);
  assert.ok(made.every((id) => !mine.includes(id)));
});

test('value.update rolls the secret: the old one stops working, the new one works', async () => {
  const t = await client.accounts.tokens.create({ account_id: account, name: 'SDK roll',
    policies: [allow(account, 'Billing Read')] });
  const old = tokenClient(t.value);
  assert.equal((await old.accounts.tokens.verify({ account_id: account })).id, t.id);
  const secret = await client.accounts.tokens.value.update(t.id, { account_id: account });
  assert.equal(typeof secret, 'string');
  assert.notEqual(secret, t.value);
  await rejectsWith(old.accounts.tokens.verify({ account_id: account }), Cloudflare.AuthenticationError, 401, 1000);
  await rejectsWith(old.accounts.subscriptions.get({ account_id: account }), Cloudflare.PermissionDeniedError, 403, 9109);
  const rolled = tokenClient(secret);
  const v = await rolled.accounts.tokens.verify({ account_id: account });
  assert.deepEqual({ id: v.id, status: v.status }, { id: t.id, status: 'active' });
  // Same token otherwise.
  const after = await client.accounts.tokens.get(t.id, { account_id: account });
  assert.equal(after.name, 'SDK roll');
  assert.deepEqual(after.policies, t.policies);
  // Rolling another account's token id through this account is a 404.
  await rejectsWith(client.accounts.tokens.value.update(t.id, { account_id: other }),
    Cloudflare.NotFoundError, 404, 1003);
  await client.accounts.tokens.delete(t.id, { account_id: account });
});

test('a Billing Read token: lists subscriptions, nothing more', async () => {
  const sub = await client.accounts.subscriptions.create({ account_id: account, rate_plan: { id: 'pro' } });
  const t = await client.accounts.tokens.create({ account_id: account, name: 'SDK billing reader',
    policies: [allow(account, 'Billing Read')] });
  const billing = tokenClient(t.value);

  const subs = [];
  for await (const s of billing.accounts.subscriptions.get({ account_id: account })) subs.push(s.id);
  assert.ok(subs.includes(sub.id));
  assert.equal((await billing.accounts.subscriptions.getByIdentifier(sub.id, { account_id: account })).id, sub.id);
  // Reading the account itself needs only some grant in it.
  assert.equal((await billing.accounts.get({ account_id: account })).name, 'SDK Tokens');
  const v = await billing.accounts.tokens.verify({ account_id: account });
  assert.deepEqual({ id: v.id, status: v.status }, { id: t.id, status: 'active' });

  await rejectsWith(billing.accounts.subscriptions.create({ account_id: account, rate_plan: { id: 'pro' } }),
    Cloudflare.PermissionDeniedError, 403, 10000);
  await rejectsWith(billing.accounts.subscriptions.delete(sub.id, { account_id: account }),
    Cloudflare.PermissionDeniedError, 403, 10000);
  await rejectsWith(billing.accounts.members.list({ account_id: account }), Cloudflare.PermissionDeniedError, 403, 10000);
  await rejectsWith(billing.accounts.tokens.list({ account_id: account }), Cloudflare.PermissionDeniedError, 403, 10000);
  await rejectsWith(billing.accounts.tokens.create({ account_id: account, name: 'escalate',
    policies: [allow(account, 'Billing Read')] }), Cloudflare.PermissionDeniedError, 403, 10000);
  await rejectsWith(billing.accounts.update({ account_id: account, id: account, name: 'Hijacked' }),
    Cloudflare.PermissionDeniedError, 403, 10000);
  await rejectsWith(billing.accounts.list(), Cloudflare.BadRequestError, 400, 1001);
  await rejectsWith(billing.accounts.create({ name: 'Not mine', type: 'standard' }), Cloudflare.PermissionDeniedError, 403, 10000);
  // The other account does not exist for it.
  await rejectsWith(billing.accounts.subscriptions.get({ account_id: other }), Cloudflare.NotFoundError, 404, 1003);
  await rejectsWith(billing.accounts.get({ account_id: other }), Cloudflare.NotFoundError, 404, 1003);
  await rejectsWith(billing.accounts.tokens.verify({ account_id: other }), Cloudflare.AuthenticationError, 401, 1000);

  // Nothing it tried happened.
  assert.equal((await client.accounts.get({ account_id: account })).name, 'SDK Tokens');
  assert.equal((await client.accounts.subscriptions.getByIdentifier(sub.id, { account_id: account })).id, sub.id);
  await client.accounts.tokens.delete(t.id, { account_id: account });
});

test('an Account API Tokens Write token manages tokens within its own grant', async () => {
  const t = await client.accounts.tokens.create({ account_id: account, name: 'SDK token admin',
    policies: [allow(account, 'Account API Tokens Write')] });
  const admin = tokenClient(t.value);
  const minted = await admin.accounts.tokens.create({ account_id: account, name: 'minted',
    policies: [allow(account, 'Account API Tokens Read')] });
  const reader = tokenClient(minted.value);
  const listed = [];
  for await (const x of reader.accounts.tokens.list({ account_id: account, per_page: 5 })) listed.push(x.id);
  assert.ok(listed.includes(t.id) && listed.includes(minted.id));
  await rejectsWith(reader.accounts.tokens.delete(t.id, { account_id: account }), Cloudflare.PermissionDeniedError, 403, 10000);
  await rejectsWith(admin.accounts.tokens.create({ account_id: account, name: 'too much',
    policies: [allow(account, 'Billing Read')] }), Cloudflare.PermissionDeniedError, 403, 10000);
  // It can roll and delete the token it made.
  const secret = await admin.accounts.tokens.value.update(minted.id, { account_id: account });
  await rejectsWith(reader.accounts.tokens.verify({ account_id: account }), Cloudflare.AuthenticationError, 401, 1000);
  assert.equal((await tokenClient(secret).accounts.tokens.verify({ account_id: account })).id, minted.id);
  assert.deepEqual(await admin.accounts.tokens.delete(minted.id, { account_id: account }), { id: minted.id });
  await client.accounts.tokens.delete(t.id, { account_id: account });
});

test('apiEmail + apiKey: the bootstrap user creates and reads accounts; a wrong key is refused', async () => {
  const keyed = new Cloudflare({ apiEmail: EMAIL, apiKey: API_KEY, apiToken: null, baseURL: srv.base, maxRetries: 0 });
  const acc = await keyed.accounts.create({ name: 'SDK Keyed', type: 'enterprise' });
  assert.match(acc.id, /^[0-9a-f]{32}$/);
  assert.equal(acc.type, 'enterprise');
  assert.deepEqual(await keyed.accounts.get({ account_id: acc.id }), acc);
  assert.deepEqual(await client.accounts.get({ account_id: acc.id }), acc);
  // The email is compared case-insensitively, the key exactly.
  const upper = new Cloudflare({ apiEmail: EMAIL.toUpperCase(), apiKey: API_KEY, apiToken: null, baseURL: srv.base, maxRetries: 0 });
  assert.equal((await upper.accounts.get({ account_id: acc.id })).id, acc.id);

  const wrongKey = new Cloudflare({ apiEmail: EMAIL, apiKey: `${API_KEY.slice(0, -1)}${API_KEY.at(-1) === '0' ? '1' : '0'}`,
    apiToken: null, baseURL: srv.base, maxRetries: 0 });
  await rejectsWith(wrongKey.accounts.get({ account_id: acc.id }), Cloudflare.PermissionDeniedError, 403, 9109);
  await rejectsWith(wrongKey.accounts.create({ name: 'Nope', type: 'standard' }), Cloudflare.PermissionDeniedError, 403, 9109);
  const wrongEmail = new Cloudflare({ apiEmail: 'someone@example.com', apiKey: API_KEY, apiToken: null,
    baseURL: srv.base, maxRetries: 0 });
  await rejectsWith(wrongEmail.accounts.get({ account_id: acc.id }), Cloudflare.PermissionDeniedError, 403, 9109);
  // The key is not a bearer token.
  await rejectsWith(tokenClient(API_KEY).accounts.get({ account_id: acc.id }), Cloudflare.PermissionDeniedError, 403, 9109);
  const names = [];
  for await (const a of keyed.accounts.list()) names.push(a.name);
  assert.ok(names.includes('SDK Keyed'));
  assert.ok(!names.includes('Nope'));
});
