// Memberships: the invitee's side. The invitee acts with a global API key
// made by `cfiam admin api-key` against the running server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';
import { userClient } from '../lib/iam.mjs';

const ADMIN = '05784afa30c1afe1440e79d9351c7430';

let srv;
let bob;  // bob's client: call(method, path, opts)
const accounts = [];
const invites = [];

before(async () => {
  srv = await startServer();
  for (let i = 0; i < 6; i++) {
    const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: `Invite ${i}` } }));
    accounts.push(acc);
    invites.push(expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/members`, {
      body: { email: 'bob@example.com', roles: [ADMIN] } })));
  }
  bob = await userClient(srv, 'bob@example.com');
});
after(() => stopAndCheck(assert, srv));

test('the invitee lists its memberships with account names, pages and status filter', async () => {
  const p1 = await bob('GET', '/memberships?per_page=5');
  const items = expectOk(assert, p1);
  assert.equal(items.length, 5);
  assert.deepEqual(p1.body.result_info, { page: 1, per_page: 5, count: 5, total_count: 6, total_pages: 2 });
  const p2 = expectOk(assert, await bob('GET', '/memberships?per_page=5&page=2'));
  const all = [...items, ...p2];
  assert.deepEqual(all.map((m) => m.id).sort(), invites.map((m) => m.id).sort());
  const one = all.find((m) => m.id === invites[0].id);
  assert.equal(one.status, 'pending');
  assert.equal(one.account.id, accounts[0].id);
  assert.equal(one.account.name, 'Invite 0');
  assert.deepEqual(one.roles, ['Administrator']);
  assert.equal(one.permissions.organization.read, true);
  assert.equal(one.permissions.billing.write, false);
  assert.deepEqual(expectOk(assert, await bob('GET', '/memberships?status=accepted')), []);
  assert.equal(expectOk(assert, await bob('GET', '/memberships?status=pending&per_page=50')).length, 6);
  expectError(assert, await bob('GET', '/memberships?status=maybe'), 400);
  // The admin sees only its own (accepted, owner) memberships.
  const mine = expectOk(assert, await srv.call('GET', '/memberships?per_page=50'));
  assert.equal(mine.length, 6);
  assert.ok(mine.every((m) => m.status === 'accepted' && !invites.some((i) => i.id === m.id)));
});

test('only the invited user may read, accept or leave a membership', async () => {
  const id = invites[1].id;
  expectError(assert, await srv.call('GET', `/memberships/${id}`), 404, 1003);
  expectError(assert, await srv.call('PUT', `/memberships/${id}`, { body: { status: 'accepted' } }), 404);
  expectError(assert, await srv.call('DELETE', `/memberships/${id}`), 404);
  expectError(assert, await srv.call('GET', `/memberships/${id}`, { token: null }), 400, 9106);
  assert.equal(expectOk(assert, await bob('GET', `/memberships/${id}`)).status, 'pending');
});

test('accept and reject change the member status the account admin sees', async () => {
  const accepted = expectOk(assert, await bob('PUT', `/memberships/${invites[2].id}`, { body: { status: 'accepted' } }));
  assert.equal(accepted.status, 'accepted');
  assert.equal(accepted.account.id, accounts[2].id);
  const seen = expectOk(assert, await srv.call('GET', `/accounts/${accounts[2].id}/members/${invites[2].id}`));
  assert.equal(seen.status, 'accepted');
  const rejected = expectOk(assert, await bob('PUT', `/memberships/${invites[3].id}`, { body: { status: 'rejected' } }));
  assert.equal(rejected.status, 'rejected');
  const list = expectOk(assert, await srv.call('GET', `/accounts/${accounts[3].id}/members?status=rejected`));
  assert.deepEqual(list.map((m) => m.id), [invites[3].id]);
  for (const body of [{}, { status: 'pending' }, { status: 1 }]) {
    const res = await bob('PUT', `/memberships/${invites[4].id}`, { body });
    expectError(assert, res, 400, 1002);
    assert.equal(res.body.errors[0].source.pointer, '/status');
  }
});

test('leaving removes the member; the last super admin cannot leave', async () => {
  const id = invites[5].id;
  assert.deepEqual(expectOk(assert, await bob('DELETE', `/memberships/${id}`)), { id });
  expectError(assert, await bob('GET', `/memberships/${id}`), 404);
  expectError(assert, await srv.call('GET', `/accounts/${accounts[5].id}/members/${id}`), 404);
  const own = expectOk(assert, await srv.call('GET', '/memberships?per_page=50'))
    .find((m) => m.account.id === accounts[5].id);
  const res = await srv.call('DELETE', `/memberships/${own.id}`);
  expectError(assert, res, 409, 1004);
  assert.match(res.body.errors[0].message, /Super Administrator/);
});
