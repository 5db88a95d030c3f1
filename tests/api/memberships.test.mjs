// Memberships: the invitee's side. A second user credential comes from a
// restart of the same data directory with another bootstrap email and token
// (the only way to mint a user token before the token API exists).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, newToken, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const ADMIN = '05784afa30c1afe1440e79d9351c7430';

let srv;
let adminToken;
let bobToken;
const accounts = [];
const invites = [];

before(async () => {
  const first = await startServer();
  adminToken = first.token;
  for (let i = 0; i < 6; i++) {
    const acc = expectOk(assert, await first.call('POST', '/accounts', { body: { name: `Invite ${i}` } }));
    accounts.push(acc);
    invites.push(expectOk(assert, await first.call('POST', `/accounts/${acc.id}/members`, {
      body: { email: 'bob@example.com', roles: [ADMIN] } })));
  }
  assert.equal((await first.stop()).code, 0, first.stderr());
  bobToken = newToken();
  srv = await startServer({ dataDir: first.dataDir, token: bobToken, email: 'bob@example.com' });
});
after(() => stopAndCheck(assert, srv));

test('the invitee lists its memberships with account names, pages and status filter', async () => {
  const p1 = await srv.call('GET', '/memberships?per_page=5', { token: bobToken });
  const items = expectOk(assert, p1);
  assert.equal(items.length, 5);
  assert.deepEqual(p1.body.result_info, { page: 1, per_page: 5, count: 5, total_count: 6, total_pages: 2 });
  const p2 = expectOk(assert, await srv.call('GET', '/memberships?per_page=5&page=2', { token: bobToken }));
  const all = [...items, ...p2];
  assert.deepEqual(all.map((m) => m.id).sort(), invites.map((m) => m.id).sort());
  const one = all.find((m) => m.id === invites[0].id);
  assert.equal(one.status, 'pending');
  assert.equal(one.account.id, accounts[0].id);
  assert.equal(one.account.name, 'Invite 0');
  assert.deepEqual(one.roles, ['Administrator']);
  assert.equal(one.permissions.organization.read, true);
  assert.equal(one.permissions.billing.write, false);
  assert.deepEqual(expectOk(assert, await srv.call('GET', '/memberships?status=accepted', { token: bobToken })), []);
  assert.equal(expectOk(assert, await srv.call('GET', '/memberships?status=pending&per_page=50', { token: bobToken })).length, 6);
  expectError(assert, await srv.call('GET', '/memberships?status=maybe', { token: bobToken }), 400);
  // The admin sees only its own (accepted, owner) memberships.
  const mine = expectOk(assert, await srv.call('GET', '/memberships?per_page=50', { token: adminToken }));
  assert.equal(mine.length, 6);
  assert.ok(mine.every((m) => m.status === 'accepted' && !invites.some((i) => i.id === m.id)));
});

test('only the invited user may read, accept or leave a membership', async () => {
  const id = invites[1].id;
  expectError(assert, await srv.call('GET', `/memberships/${id}`, { token: adminToken }), 404, 1003);
  expectError(assert, await srv.call('PUT', `/memberships/${id}`, { token: adminToken, body: { status: 'accepted' } }), 404);
  expectError(assert, await srv.call('DELETE', `/memberships/${id}`, { token: adminToken }), 404);
  expectError(assert, await srv.call('GET', `/memberships/${id}`, { token: null }), 400, 9106);
  assert.equal(expectOk(assert, await srv.call('GET', `/memberships/${id}`, { token: bobToken })).status, 'pending');
});

test('accept and reject change the member status the account admin sees', async () => {
  const accepted = expectOk(assert, await srv.call('PUT', `/memberships/${invites[2].id}`, {
    token: bobToken, body: { status: 'accepted' } }));
  assert.equal(accepted.status, 'accepted');
  assert.equal(accepted.account.id, accounts[2].id);
  const seen = expectOk(assert, await srv.call('GET', `/accounts/${accounts[2].id}/members/${invites[2].id}`, { token: adminToken }));
  assert.equal(seen.status, 'accepted');
  const rejected = expectOk(assert, await srv.call('PUT', `/memberships/${invites[3].id}`, {
    token: bobToken, body: { status: 'rejected' } }));
  assert.equal(rejected.status, 'rejected');
  const list = expectOk(assert, await srv.call('GET', `/accounts/${accounts[3].id}/members?status=rejected`, { token: adminToken }));
  assert.deepEqual(list.map((m) => m.id), [invites[3].id]);
  for (const body of [{}, { status: 'pending' }, { status: 1 }]) {
    const res = await srv.call('PUT', `/memberships/${invites[4].id}`, { token: bobToken, body });
    expectError(assert, res, 400, 1002);
    assert.equal(res.body.errors[0].source.pointer, '/status');
  }
});

test('leaving removes the member; the last super admin cannot leave', async () => {
  const id = invites[5].id;
  assert.deepEqual(expectOk(assert, await srv.call('DELETE', `/memberships/${id}`, { token: bobToken })), { id });
  expectError(assert, await srv.call('GET', `/memberships/${id}`, { token: bobToken }), 404);
  expectError(assert, await srv.call('GET', `/accounts/${accounts[5].id}/members/${id}`, { token: adminToken }), 404);
  const own = expectOk(assert, await srv.call('GET', '/memberships?per_page=50', { token: adminToken }))
    .find((m) => m.account.id === accounts[5].id);
  const res = await srv.call('DELETE', `/memberships/${own.id}`, { token: adminToken });
  expectError(assert, res, 409, 1004);
  assert.match(res.body.errors[0].message, /Super Administrator/);
});
