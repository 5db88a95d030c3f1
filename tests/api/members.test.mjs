// Account members over plain HTTP: both create forms, list filters and
// ordering, updates, removal, and the last-super-admin rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const SUPER_ADMIN = '33666b9c79b9a5273fc7344ff42f953d';
const ADMIN = '05784afa30c1afe1440e79d9351c7430';

let srv;
before(async () => { srv = await startServer(); });
after(() => stopAndCheck(assert, srv));

async function newAccount(name = 'Members') {
  return expectOk(assert, await srv.call('POST', '/accounts', { body: { name } }));
}

async function addMember(acc, body) {
  return srv.call('POST', `/accounts/${acc.id}/members`, { body });
}

async function resourceGroup(acc, name = 'all', objects = [{ key: '*' }]) {
  return expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/iam/resource_groups`, {
    body: { name, scope: { key: `com.cloudflare.api.account.${acc.id}`, objects } } }));
}

test('the creator is an accepted super admin member', async () => {
  const acc = await newAccount();
  const list = await srv.call('GET', `/accounts/${acc.id}/members`);
  const members = expectOk(assert, list);
  assert.equal(members.length, 1);
  assert.equal(members[0].email, 'admin@example.com');
  assert.equal(members[0].status, 'accepted');
  assert.deepEqual(members[0].roles.map((r) => r.id), [SUPER_ADMIN]);
  assert.equal(members[0].roles[0].permissions.organization.write, true);
  assert.deepEqual(members[0].policies, []);
  assert.deepEqual(Object.keys(members[0].user).sort(),
    ['email', 'first_name', 'id', 'last_name', 'two_factor_authentication_enabled']);
  assert.deepEqual(list.body.result_info, { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 });
});

test('add with roles: email normalized, user created, pending by default', async () => {
  const acc = await newAccount();
  const m = expectOk(assert, await addMember(acc, { email: '  New.User@Example.COM ', roles: [ADMIN] }));
  assert.match(m.id, /^[0-9a-f]{32}$/);
  assert.equal(m.email, 'new.user@example.com');
  assert.equal(m.status, 'pending');
  assert.equal(m.user.email, 'new.user@example.com');
  assert.match(m.user.id, /^[0-9a-f]{32}$/);
  assert.equal(m.user.two_factor_authentication_enabled, false);
  assert.deepEqual(m.roles.map((r) => r.name), ['Administrator']);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/members/${m.id}`)), m);
  // The same user in a second account is the same user.
  const acc2 = await newAccount('Other');
  const m2 = expectOk(assert, await addMember(acc2, { email: 'new.user@example.com', roles: [ADMIN], status: 'accepted' }));
  assert.equal(m2.user.id, m.user.id);
  assert.equal(m2.status, 'accepted');
  assert.notEqual(m2.id, m.id);
});

test('add with policies expands permission and resource groups', async () => {
  const acc = await newAccount();
  const rg = await resourceGroup(acc);
  const m = expectOk(assert, await addMember(acc, { email: 'pol@example.com', policies: [
    { access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] },
    { access: 'deny', permission_groups: [{ id: SUPER_ADMIN }], resource_groups: [{ id: rg.id }] },
  ] }));
  assert.deepEqual(m.roles, []);
  assert.equal(m.policies.length, 2);
  const [p0, p1] = m.policies;
  assert.match(p0.id, /^[0-9a-f]{32}$/);
  assert.notEqual(p0.id, p1.id);
  assert.equal(p0.access, 'allow');
  assert.equal(p1.access, 'deny');
  assert.deepEqual(p0.permission_groups, [{ id: ADMIN, name: 'Administrator', meta: { key: 'label', value: 'administrator' } }]);
  assert.deepEqual(p0.resource_groups, [{ id: rg.id, name: 'all', meta: rg.meta,
    scope: [{ key: `com.cloudflare.api.account.${acc.id}`, objects: [{ key: '*' }] }] }]);
  const got = expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/members/${m.id}`));
  assert.deepEqual(got.policies, m.policies);
});

test('add validates email, roles, policies and status, naming the field', async () => {
  const acc = await newAccount();
  const other = await newAccount('Elsewhere');
  const foreignRg = await resourceGroup(other);
  const unknown = 'f'.repeat(32);
  const cases = [
    [{ roles: [ADMIN] }, '/email'],
    [{ email: 'nope', roles: [ADMIN] }, '/email'],
    [{ email: `${'a'.repeat(80)}@example.com`, roles: [ADMIN] }, '/email'],
    [{ email: 'a@example.com' }, '/roles'],
    [{ email: 'a@example.com', roles: [unknown] }, '/roles[0]'],
    [{ email: 'a@example.com', roles: 'admin' }, '/roles'],
    [{ email: 'a@example.com', roles: [ADMIN], status: 'rejected' }, '/status'],
    [{ email: 'a@example.com', policies: [{ access: 'maybe', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: foreignRg.id }] }] }, '/policies[0]/access'],
    [{ email: 'a@example.com', policies: [{ access: 'allow', permission_groups: [{ id: unknown }], resource_groups: [{ id: foreignRg.id }] }] }, '/policies[0]/permission_groups[0]/id'],
    [{ email: 'a@example.com', policies: [{ access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: foreignRg.id }] }] }, '/policies[0]/resource_groups[0]/id'],
    [{ email: 'a@example.com', policies: [{ access: 'allow', permission_groups: [], resource_groups: [{ id: foreignRg.id }] }] }, '/policies[0]/permission_groups'],
  ];
  for (const [body, pointer] of cases) {
    const res = await addMember(acc, body);
    expectError(assert, res, 400, 1002);
    assert.equal(res.body.errors[0].source?.pointer, pointer, JSON.stringify(body));
  }
  const res = await addMember(acc, { email: 'a@example.com', roles: [unknown] });
  assert.match(res.body.errors[0].message, new RegExp(unknown));
  // Nothing was added by the failures.
  assert.equal((await srv.call('GET', `/accounts/${acc.id}/members`)).body.result_info.total_count, 1);
});

test('the same email twice in one account is a 409', async () => {
  const acc = await newAccount();
  expectOk(assert, await addMember(acc, { email: 'twice@example.com', roles: [ADMIN] }));
  const res = await addMember(acc, { email: 'TWICE@example.com ', roles: [ADMIN] });
  expectError(assert, res, 409, 1004);
  assert.match(res.body.errors[0].message, /already exists/);
  expectError(assert, await addMember(acc, { email: 'admin@example.com', roles: [ADMIN] }), 409);
  assert.equal((await srv.call('GET', `/accounts/${acc.id}/members`)).body.result_info.total_count, 2);
});

test('list pages, filters by status and orders by email and status', async () => {
  const acc = await newAccount();
  const emails = ['m1@example.com', 'm2@example.com', 'm3@example.com', 'm4@example.com',
    'm5@example.com', 'm6@example.com'];
  for (const [i, email] of emails.entries()) {
    expectOk(assert, await addMember(acc, { email, roles: [ADMIN], status: i % 2 ? 'accepted' : 'pending' }));
  }
  const all = [...emails, 'admin@example.com'].sort();
  const p1 = await srv.call('GET', `/accounts/${acc.id}/members?order=user.email&per_page=5`);
  assert.deepEqual(expectOk(assert, p1).map((m) => m.email), all.slice(0, 5));
  assert.deepEqual(p1.body.result_info, { page: 1, per_page: 5, count: 5, total_count: 7, total_pages: 2 });
  const p2 = await srv.call('GET', `/accounts/${acc.id}/members?order=user.email&per_page=5&page=2`);
  assert.deepEqual(expectOk(assert, p2).map((m) => m.email), all.slice(5));
  const desc = await srv.call('GET', `/accounts/${acc.id}/members?order=user.email&direction=desc`);
  assert.deepEqual(expectOk(assert, desc).map((m) => m.email), [...all].reverse());
  const pending = expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/members?status=pending`));
  assert.deepEqual(pending.map((m) => m.email).sort(), ['m1@example.com', 'm3@example.com', 'm5@example.com']);
  assert.ok(pending.every((m) => m.status === 'pending'));
  const rejected = await srv.call('GET', `/accounts/${acc.id}/members?status=rejected`);
  assert.deepEqual(expectOk(assert, rejected), []);
  const byStatus = expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/members?order=status&direction=desc`));
  assert.deepEqual(byStatus.map((m) => m.status), ['pending', 'pending', 'pending', 'accepted', 'accepted', 'accepted', 'accepted']);
  for (const order of ['user.first_name', 'user.last_name']) {
    expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/members?order=${order}`));
  }
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/members?order=email`), 400);
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/members?status=gone`), 400);
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/members?direction=up`), 400);
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/members?page=x`), 400);
});

test('update replaces roles (role objects), policies and status', async () => {
  const acc = await newAccount();
  const rg = await resourceGroup(acc);
  const m = expectOk(assert, await addMember(acc, { email: 'upd@example.com', roles: [ADMIN] }));
  const url = `/accounts/${acc.id}/members/${m.id}`;
  const roles = expectOk(assert, await srv.call('PUT', url, {
    body: { roles: [{ id: SUPER_ADMIN, name: 'ignored', permissions: {} }], status: 'accepted' } }));
  assert.deepEqual(roles.roles.map((r) => r.id), [SUPER_ADMIN]);
  assert.equal(roles.status, 'accepted');
  const pol = expectOk(assert, await srv.call('PUT', url, {
    body: { policies: [{ access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }] } }));
  assert.equal(pol.policies.length, 1);
  assert.equal(pol.policies[0].permission_groups[0].id, ADMIN);
  assert.deepEqual(pol.roles.map((r) => r.id), [SUPER_ADMIN]);
  assert.deepEqual(expectOk(assert, await srv.call('GET', url)), pol);

  expectError(assert, await srv.call('PUT', url, { body: { roles: [{ id: 'f'.repeat(32) }] } }), 400);
  expectError(assert, await srv.call('PUT', url, { body: { roles: [{}] } }), 400);
  expectError(assert, await srv.call('PUT', url, { body: { status: 'gone' } }), 400);
  expectError(assert, await srv.call('PUT', url, { body: [] }), 400);
  expectError(assert, await srv.call('PUT', `/accounts/${acc.id}/members/${'0'.repeat(32)}`, { body: { roles: [] } }), 404);
});

test('delete answers {id}; members of another account are 404', async () => {
  const acc = await newAccount();
  const other = await newAccount('Other');
  const m = expectOk(assert, await addMember(acc, { email: 'gone@example.com', roles: [ADMIN] }));
  expectError(assert, await srv.call('GET', `/accounts/${other.id}/members/${m.id}`), 404, 1003);
  expectError(assert, await srv.call('DELETE', `/accounts/${other.id}/members/${m.id}`), 404);
  assert.deepEqual(expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}/members/${m.id}`)), { id: m.id });
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/members/${m.id}`), 404);
  expectError(assert, await srv.call('DELETE', `/accounts/${acc.id}/members/${m.id}`), 404);
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/members/xyz`), 404, 7003);
});

test('the last accepted super admin cannot be removed or demoted', async () => {
  const acc = await newAccount();
  const owner = expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/members`))[0];
  const url = `/accounts/${acc.id}/members/${owner.id}`;
  let res = await srv.call('DELETE', url);
  expectError(assert, res, 409, 1004);
  assert.match(res.body.errors[0].message, /Super Administrator/);
  expectError(assert, await srv.call('PUT', url, { body: { roles: [ADMIN] } }), 409);
  expectError(assert, await srv.call('PUT', url, { body: { status: 'pending' } }), 409);
  // A pending super admin does not count.
  const pending = expectOk(assert, await addMember(acc, { email: 'sa2@example.com', roles: [SUPER_ADMIN] }));
  expectError(assert, await srv.call('DELETE', url), 409);
  // Once a second super admin is accepted, the first may go.
  expectOk(assert, await srv.call('PUT', `/accounts/${acc.id}/members/${pending.id}`, { body: { status: 'accepted' } }));
  expectOk(assert, await srv.call('PUT', url, { body: { roles: [ADMIN] } }));
  res = await srv.call('DELETE', `/accounts/${acc.id}/members/${pending.id}`);
  expectError(assert, res, 409);
  expectOk(assert, await srv.call('DELETE', url));
});

test('deleting an account removes its members', async () => {
  const acc = await newAccount();
  expectOk(assert, await addMember(acc, { email: 'cascade@example.com', roles: [ADMIN] }));
  expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}`));
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/members`), 404);
});
