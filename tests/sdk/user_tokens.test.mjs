// user.tokens.* of the official `cloudflare` SDK against the real binary:
// the user-owned token lifecycle, auto-pagination, rolling, verification and
// the permission group catalog of every scope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { startServer, stopAndCheck } from '../lib/harness.mjs';

let srv;
let client;
let me;
let account;
const groups = {}; // name -> id, every scope

const tokenClient = (apiToken) => new Cloudflare({
  apiToken, apiEmail: null, apiKey: null, baseURL: srv.base, maxRetries: 0 });

before(async () => {
  srv = await startServer({ email: 'sdk-user-tokens@example.com' });
  client = tokenClient(srv.token);
  me = (await client.user.get()).id;
  account = (await client.accounts.create({ name: 'User Tokens', type: 'standard' })).id;
  for await (const g of client.user.tokens.permissionGroups.list()) groups[g.name] ??= g.id;
});
after(() => stopAndCheck(assert, srv));

const onAccount = (...names) => ({
  effect: 'allow',
  permission_groups: names.map((n) => ({ id: groups[n] })),
  resources: { [`com.cloudflare.api.account.${account}`]: '*' },
});
const onMe = (...names) => ({
  effect: 'allow',
  permission_groups: names.map((n) => ({ id: groups[n] })),
  resources: { [`com.cloudflare.api.user.${me}`]: '*' },
});

test('permissionGroups.list: groups of every scope, user scope included; filters', async () => {
  const all = [];
  for await (const g of client.user.tokens.permissionGroups.list()) all.push(g);
  assert.ok(all.length > 300, `${all.length} groups`);
  assert.ok(all.some((g) => g.scopes.includes('com.cloudflare.api.user')));
  assert.ok(all.some((g) => g.scopes.includes('com.cloudflare.api.account')));
  for (const name of ['API Tokens Read', 'API Tokens Write', 'User Details Read', 'Billing Read']) {
    assert.ok(groups[name], name);
  }
  const userOnly = [];
  for await (const g of client.user.tokens.permissionGroups.list({ scope: 'com.cloudflare.api.user' })) userOnly.push(g);
  assert.ok(userOnly.length >= 6);
  assert.ok(userOnly.every((g) => g.scopes.includes('com.cloudflare.api.user')));
  const named = [];
  for await (const g of client.user.tokens.permissionGroups.list({ name: 'API Tokens Write' })) named.push(g);
  assert.deepEqual(named.map((g) => g.name), ['API Tokens Write']);
});

test('create, get, update, value.update (roll), verify, delete', async () => {
  const created = await client.user.tokens.create({
    name: 'terraform', policies: [onAccount('Billing Read'), onMe('API Tokens Read')],
    condition: { request_ip: { in: ['127.0.0.0/8'] } },
    expires_on: new Date(Date.now() + 86400000).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  assert.match(created.id, /^[0-9a-f]{32}$/);
  assert.equal(created.name, 'terraform');
  assert.equal(created.status, 'active');
  assert.ok(typeof created.value === 'string' && created.value.length >= 20);
  assert.equal(created.policies.length, 2);
  assert.deepEqual(created.condition, { request_ip: { in: ['127.0.0.0/8'] } });

  const got = await client.user.tokens.get(created.id);
  assert.equal(got.value, undefined, 'the secret is shown once');
  assert.equal(got.name, 'terraform');

  const own = tokenClient(created.value);
  const verified = await own.user.tokens.verify();
  assert.equal(verified.id, created.id);
  assert.equal(verified.status, 'active');
  assert.ok(verified.expires_on);

  const updated = await client.user.tokens.update(created.id, {
    name: 'terraform-2', policies: got.policies.map(({ id, ...p }) => p), status: 'disabled' });
  assert.equal(updated.name, 'terraform-2');
  assert.equal(updated.status, 'disabled');
  await assert.rejects(own.user.tokens.verify(), (e) => e.status === 401 && e.errors[0].code === 1000);
  await client.user.tokens.update(created.id, { name: 'terraform-2', policies: got.policies, status: 'active' });
  assert.equal((await own.user.tokens.verify()).id, created.id);

  const rolled = await client.user.tokens.value.update(created.id);
  assert.equal(typeof rolled, 'string');
  assert.notEqual(rolled, created.value);
  await assert.rejects(own.user.tokens.verify(), (e) => e.status === 401);
  assert.equal((await tokenClient(rolled).user.tokens.verify()).id, created.id);

  const deleted = await client.user.tokens.delete(created.id);
  assert.deepEqual(deleted, { id: created.id });
  await assert.rejects(client.user.tokens.get(created.id), (e) => e.status === 404);
  await assert.rejects(tokenClient(rolled).user.tokens.verify(), (e) => e.status === 401);
});

test('list: auto-pagination over every token, both directions', async () => {
  const ids = [];
  for (let i = 0; i < 12; i++) {
    ids.push((await client.user.tokens.create({ name: `bulk-${i}`, policies: [onMe('User Details Read')] })).id);
  }
  const seen = [];
  for await (const t of client.user.tokens.list({ per_page: 5 })) seen.push(t);
  for (const id of ids) assert.ok(seen.some((t) => t.id === id), id);
  assert.ok(seen.every((t) => t.value === undefined));
  assert.equal(new Set(seen.map((t) => t.id)).size, seen.length, 'no duplicates across pages');
  const page = await client.user.tokens.list({ per_page: 5, direction: 'desc' });
  assert.equal(page.result.length, 5);
  assert.equal(page.result[0].id, ids[ids.length - 1]);
  for (const id of ids) await client.user.tokens.delete(id);
});

test('a token made with API Tokens Write manages its user tokens, within its own rights', async () => {
  const manager = await client.user.tokens.create({
    name: 'manager', policies: [onMe('API Tokens Write'), onAccount('Billing Read')] });
  const m = tokenClient(manager.value);
  const child = await m.user.tokens.create({ name: 'child', policies: [onAccount('Billing Read')] });
  assert.equal((await tokenClient(child.value).user.tokens.verify()).id, child.id);
  await assert.rejects(
    m.user.tokens.create({ name: 'greedy', policies: [onAccount('Account Settings Write')] }),
    (e) => e.status === 403 && e.errors[0].code === 10000);
  const listed = [];
  for await (const t of m.user.tokens.list()) listed.push(t.id);
  assert.ok(listed.includes(child.id) && listed.includes(manager.id));
  await m.user.tokens.delete(child.id);
  await client.user.tokens.delete(manager.id);
});
