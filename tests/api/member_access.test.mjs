// Users acting through their memberships, over HTTP with real credentials:
// global API keys made by `cfiam admin api-key` against a running server,
// roles, member policies and user-group policies, pending vs accepted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, expectError, expectOk, BIN, stopAndCheck } from '../lib/harness.mjs';
import { ROLE, userClient as iamUserClient } from '../lib/iam.mjs';

let srv;
let acc;
let rg;

const userClient = (email) => iamUserClient(srv, email);

before(async () => {
  srv = await startServer();
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Member Access' } })).id;
  rg = expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/resource_groups`, {
    body: { name: 'whole account', scope: { key: `com.cloudflare.api.account.${acc}`, objects: [{ key: '*' }] } } })).id;
});
after(() => stopAndCheck(assert, srv));

test('admin api-key: a wrong key or email is refused; rolling replaces the key', async () => {
  const call = await userClient('keyholder@example.com');
  expectOk(assert, await call('GET', '/memberships'));
  const wrong = await srv.call('GET', '/memberships', { token: null, headers: { 'X-Auth-Email': 'keyholder@example.com', 'X-Auth-Key': 'f'.repeat(37) } });
  expectError(assert, wrong, 403, 9109);
  const badEmail = await srv.call('GET', '/memberships', { token: null, headers: { 'X-Auth-Email': 'nope', 'X-Auth-Key': 'f'.repeat(37) } });
  expectError(assert, badEmail, 400, 6003);
  assert.equal(badEmail.body.errors[0].error_chain[0].code, 6102);
  const noKey = await srv.call('GET', '/memberships', { token: null, headers: { 'X-Auth-Email': 'keyholder@example.com' } });
  expectError(assert, noKey, 400, 6003);
  assert.equal(noKey.body.errors[0].error_chain[0].code, 6103);
  const fresh = await userClient('keyholder@example.com');  // rolls
  expectOk(assert, await fresh('GET', '/memberships'));
  expectError(assert, await call('GET', '/memberships'), 403, 9109);  // the old key is gone
  const bad = spawnSync(BIN, ['admin', 'api-key', '--email', 'not-an-email', ...srv.storeArgs], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});

test('via role: pending holds nothing, accepted holds the role, no more', async () => {
  const bob = await userClient('bob@example.com');
  expectError(assert, await bob('GET', `/accounts/${acc}`), 404);
  assert.deepEqual(expectOk(assert, await bob('GET', '/accounts')), []);
  const member = expectOk(assert, await srv.call('POST', `/accounts/${acc}/members`, { body: { email: 'bob@example.com', roles: [ROLE.readOnly] } }));
  assert.equal(member.status, 'pending');
  expectError(assert, await bob('GET', `/accounts/${acc}`), 404);
  expectError(assert, await bob('GET', `/accounts/${acc}/members`), 404);

  expectOk(assert, await bob('PUT', `/memberships/${member.id}`, { body: { status: 'accepted' } }));
  expectOk(assert, await bob('GET', `/accounts/${acc}`));
  assert.deepEqual(expectOk(assert, await bob('GET', '/accounts')).map((a) => a.id), [acc]);
  expectOk(assert, await bob('GET', `/accounts/${acc}/members`));
  expectOk(assert, await bob('GET', `/accounts/${acc}/roles`));
  expectError(assert, await bob('POST', `/accounts/${acc}/members`, { body: { email: 'x@example.com', roles: [ROLE.readOnly] } }), 403, 10000);
  expectError(assert, await bob('PUT', `/accounts/${acc}`, { body: { name: 'mine' } }), 403, 10000);
  expectError(assert, await bob('POST', `/accounts/${acc}/subscriptions`, { body: { rate_plan: { id: 'pro' } } }), 403, 10000);
  expectError(assert, await bob('POST', '/accounts', { body: { name: 'nope' } }), 403, 10000);
  // Promotion takes effect at once.
  expectOk(assert, await srv.call('PUT', `/accounts/${acc}/members/${member.id}`, { body: { roles: [{ id: ROLE.superAdmin }] } }));
  expectOk(assert, await bob('PUT', `/accounts/${acc}`, { body: { name: 'Member Access' } }));
  // An accepted invitation cannot be answered again (leaving is DELETE).
  expectError(assert, await bob('PUT', `/memberships/${member.id}`, { body: { status: 'rejected' } }), 409, 1004);
  // The administrator rejecting the member removes everything again, and the
  // invitee cannot turn a rejected membership back into an accepted one.
  expectOk(assert, await srv.call('PUT', `/accounts/${acc}/members/${member.id}`, { body: { status: 'rejected' } }));
  expectError(assert, await bob('GET', `/accounts/${acc}`), 404);
  expectError(assert, await bob('PUT', `/memberships/${member.id}`, { body: { status: 'accepted' } }), 409, 1004);
  expectError(assert, await bob('GET', `/accounts/${acc}`), 404);
});

test('via member policy scoped by a resource group', async () => {
  const carol = await userClient('carol@example.com');
  const member = expectOk(assert, await srv.call('POST', `/accounts/${acc}/members`, { body: {
    email: 'carol@example.com', status: 'accepted',
    policies: [{ access: 'allow', permission_groups: [{ id: ROLE.admin }], resource_groups: [{ id: rg }] }] } }));
  expectOk(assert, await carol('GET', `/accounts/${acc}/members`));
  expectOk(assert, await carol('GET', `/accounts/${acc}/subscriptions`));  // Administrator reads billing
  expectError(assert, await carol('PUT', `/accounts/${acc}`, { body: { name: 'x' } }), 403, 10000);
  expectError(assert, await carol('POST', `/accounts/${acc}/subscriptions`, { body: { rate_plan: { id: 'pro' } } }), 403, 10000);
  expectOk(assert, await srv.call('DELETE', `/accounts/${acc}/members/${member.id}`));
  expectError(assert, await carol('GET', `/accounts/${acc}`), 404);
});

test('via user group: group allows add to the role; a group deny beats every allow', async () => {
  const dave = await userClient('dave@example.com');
  const member = expectOk(assert, await srv.call('POST', `/accounts/${acc}/members`, { body: { email: 'dave@example.com', roles: [ROLE.readOnly], status: 'accepted' } }));
  expectError(assert, await dave('PUT', `/accounts/${acc}`, { body: { name: 'Member Access' } }), 403, 10000);

  const writers = expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/user_groups`, { body: {
    name: 'writers', policies: [{ access: 'allow', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: rg }] }] } }));
  expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/user_groups/${writers.id}/members`, { body: [{ id: member.id }] }));
  expectOk(assert, await dave('PUT', `/accounts/${acc}`, { body: { name: 'Member Access' } }));

  const blocked = expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/user_groups`, { body: {
    name: 'blocked', policies: [{ access: 'deny', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: rg }] }] } }));
  expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/user_groups/${blocked.id}/members`, { body: [{ id: member.id }] }));
  expectError(assert, await dave('GET', `/accounts/${acc}/members`), 403, 10000);
  expectError(assert, await dave('PUT', `/accounts/${acc}`, { body: { name: 'Member Access' } }), 403, 10000);
  // Leaving the deny group restores the grants at once.
  expectOk(assert, await srv.call('DELETE', `/accounts/${acc}/iam/user_groups/${blocked.id}/members/${member.id}`));
  expectOk(assert, await dave('GET', `/accounts/${acc}/members`));
});
