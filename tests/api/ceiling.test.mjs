// The ceiling rule (src/auth/ceiling.h): no caller creates, changes or
// obtains a credential or grant beyond what it holds, in that account, at
// that moment. Also the invariants the rules and the authorizer agree on,
// revocation of requests already in flight, and who may write into an
// account's audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';
import { ROLE, PG, accountToken, allowGroups, userClient } from '../lib/iam.mjs';

let srv;
let acc;
let other;
let wholeAccount;
let zoneOnly;

const day = (n) => new Date(Date.now() + n * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
const WINDOW = `since=${day(-1)}&before=${day(2)}`;
const ZONE = `com.cloudflare.api.account.zone.${'a'.repeat(32)}`;

before(async () => {
  srv = await startServer({ env: { CFIAM_TEST_HOOKS: '1' } });
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Ceiling' } })).id;
  other = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Bystander' } })).id;
  wholeAccount = expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/resource_groups`, {
    body: { name: 'whole', scope: { key: `com.cloudflare.api.account.${acc}`, objects: [{ key: '*' }] } } })).id;
  zoneOnly = expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/resource_groups`, {
    body: { name: 'one zone', scope: { key: `com.cloudflare.api.account.${acc}`, objects: [{ key: ZONE }] } } })).id;
});
after(() => stopAndCheck(assert, srv));

// The audit entry a response wrote (by its cf-ray), or undefined.
async function entryOf(account, res) {
  const ray = res.headers.get('cf-ray');
  const list = expectOk(assert, await srv.call('GET', `/accounts/${account}/logs/audit?${WINDOW}&raw_cf_ray_id=${encodeURIComponent(ray)}`));
  return list[0];
}

function expectCeiling(res, permission) {
  expectError(assert, res, 403, 10000);
  if (permission) assert.match(res.body.errors[0].message, permission instanceof RegExp ? permission : new RegExp(permission.replace(/[#.*]/g, '\\$&')), res.text);
}

test('roll and update: a Tokens Write token cannot roll or change a broader token; it may delete it', async () => {
  const writer = await accountToken(srv, acc, [PG.tokensWrite]);
  const broad = await accountToken(srv, acc, [PG.settingsWrite, PG.billingWrite]);
  const rolled = await srv.call('PUT', `/accounts/${acc}/tokens/${broad.id}/value`, { token: writer.value, body: {} });
  expectCeiling(rolled, /permission #(organization|billing):(read|edit)/);
  // The broad token's secret is unchanged: it still works, and no new one was handed out.
  expectOk(assert, await srv.call('PUT', `/accounts/${acc}`, { token: broad.value, body: { name: 'Ceiling' } }));
  const entry = await entryOf(acc, rolled);
  assert.equal(entry.action.result, 'failure');
  assert.equal(entry.raw.status_code, 403);
  expectCeiling(await srv.call('PUT', `/accounts/${acc}/tokens/${broad.id}`, { token: writer.value, body: { name: 'renamed' } }));
  expectCeiling(await srv.call('PUT', `/accounts/${acc}/tokens/${broad.id}`, { token: writer.value, body: { status: 'disabled' } }));
  assert.equal(expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/${broad.id}`)).name, 'fixture');
  // A token within the writer's own grants can be rolled and updated.
  const narrow = await accountToken(srv, acc, [PG.tokensRead]);
  const secret = expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${narrow.id}/value`, { token: writer.value, body: {} }));
  expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens`, { token: secret }));
  expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${narrow.id}`, { token: writer.value, body: { name: 'ok' } }));
  // Revocation only narrows: deleting the broader token is allowed.
  expectOk(assert, await srv.call('DELETE', `/accounts/${acc}/tokens/${broad.id}`, { token: writer.value }));
  expectError(assert, await srv.call('PUT', `/accounts/${acc}`, { token: broad.value, body: { name: 'x' } }), 403, 9109);
});

test('conditions: a token makes only tokens inside its own window and address range', async () => {
  const notBefore = day(-1);
  const expires = day(1);
  const caller = await accountToken(srv, acc, [PG.tokensWrite], {
    not_before: notBefore, expires_on: expires,
    condition: { request_ip: { in: ['127.0.0.0/8'], not_in: ['127.0.0.2/32'] } } });
  const make = (extra) => srv.call('POST', `/accounts/${acc}/tokens`, { token: caller.value, body: {
    name: 'child', policies: [allowGroups(acc, PG.tokensRead)], ...extra } });
  const bound = { request_ip: { in: ['127.0.0.0/16'], not_in: ['127.0.0.2/32'] } };

  expectCeiling(await make({ condition: bound }), 'expires_on');  // eternal
  expectCeiling(await make({ condition: bound, expires_on: day(3) }), 'expires_on');  // outlives the caller
  expectCeiling(await make({ condition: bound, expires_on: expires, not_before: day(-2) }), 'not_before');
  expectCeiling(await make({ expires_on: expires }), 'request_ip');  // unbound
  expectCeiling(await make({ expires_on: expires, condition: { request_ip: { in: ['0.0.0.0/0'] } } }), 'request_ip');
  expectCeiling(await make({ expires_on: expires, condition: { request_ip: { in: ['127.0.0.0/16'] } } }), '127.0.0.2');
  expectCeiling(await make({ expires_on: expires, condition: { request_ip: { in: ['::1/128'] } } }), 'request_ip');

  expectOk(assert, await make({ expires_on: expires, condition: bound }));
  expectOk(assert, await make({ expires_on: day(0.5), not_before: notBefore, condition: bound }));
  // A range that cannot reach the caller's excluded address needs no not_in.
  expectOk(assert, await make({ expires_on: expires, condition: { request_ip: { in: ['127.0.1.0/24'] } } }));

  // Update and roll apply the same bounds to the token being changed.
  const unbound = await accountToken(srv, acc, [PG.tokensRead]);
  expectCeiling(await srv.call('PUT', `/accounts/${acc}/tokens/${unbound.id}/value`, { token: caller.value, body: {} }), 'expires_on');
  expectCeiling(await srv.call('PUT', `/accounts/${acc}/tokens/${unbound.id}`, { token: caller.value, body: { name: 'x' } }), 'expires_on');
  expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens`, { token: unbound.value }));
});

test('members: roles and policies given must be within the caller; so is accepting a pending one', async () => {
  await userClient(srv, 'existing@example.com');
  const settings = await accountToken(srv, acc, [PG.settingsWrite]);
  const add = (body) => srv.call('POST', `/accounts/${acc}/members`, { token: settings.value, body });
  expectCeiling(await add({ email: 'existing@example.com', status: 'accepted', roles: [ROLE.superAdmin] }), 'role Super Administrator');
  expectCeiling(await add({ email: 'existing@example.com', roles: [ROLE.admin] }), 'role Administrator');
  expectCeiling(await add({ email: 'existing@example.com', policies: [
    { access: 'allow', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: zoneOnly }] }] }));
  const members = expectOk(assert, await srv.call('GET', `/accounts/${acc}/members?per_page=50`));
  assert.ok(!members.some((m) => m.user.email === 'existing@example.com'), 'nothing was added');

  // Within the token's grants (organization read): allowed, and a deny policy only narrows.
  const viewer = expectOk(assert, await add({ email: 'existing@example.com', roles: [ROLE.auditViewer] }));
  expectOk(assert, await add({ email: 'denied@example.com', policies: [
    { access: 'deny', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: wholeAccount }] }] }));
  expectCeiling(await srv.call('PUT', `/accounts/${acc}/members/${viewer.id}`, { token: settings.value, body: { roles: [{ id: ROLE.superAdmin }] } }));
  // An administrator's pending invitation cannot be turned into an accepted member by the token.
  const invited = expectOk(assert, await srv.call('POST', `/accounts/${acc}/members`, { body: { email: 'invited@example.com', roles: [ROLE.admin] } }));
  expectCeiling(await srv.call('PUT', `/accounts/${acc}/members/${invited.id}`, { token: settings.value, body: { status: 'accepted' } }));
  assert.equal(expectOk(assert, await srv.call('GET', `/accounts/${acc}/members/${invited.id}`)).status, 'pending');
});

test('user groups: policies given, and members added (joining grants them), must be within the caller', async () => {
  const settings = await accountToken(srv, acc, [PG.settingsWrite]);
  const sa = [{ access: 'allow', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: wholeAccount }] }];
  const base = `/accounts/${acc}/iam/user_groups`;
  expectCeiling(await srv.call('POST', base, { token: settings.value, body: { name: 'escalate', policies: sa } }), 'Super Administrator');
  const mine = expectOk(assert, await srv.call('POST', base, { token: settings.value, body: { name: 'viewers', policies: [
    { access: 'allow', permission_groups: [{ id: ROLE.auditViewer }], resource_groups: [{ id: wholeAccount }] }] } }));
  expectCeiling(await srv.call('PUT', `${base}/${mine.id}`, { token: settings.value, body: { name: 'viewers', policies: sa } }));

  const admins = expectOk(assert, await srv.call('POST', base, { body: { name: 'admins', policies: sa } }));
  const m = expectOk(assert, await srv.call('POST', `/accounts/${acc}/members`, { body: { email: 'joiner@example.com', roles: [ROLE.auditViewer], status: 'accepted' } }));
  expectCeiling(await srv.call('POST', `${base}/${admins.id}/members`, { token: settings.value, body: [{ id: m.id }] }));
  expectCeiling(await srv.call('PUT', `${base}/${admins.id}/members`, { token: settings.value, body: [{ id: m.id }] }));
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}/${admins.id}/members`)), []);
  expectOk(assert, await srv.call('POST', `${base}/${mine.id}/members`, { token: settings.value, body: [{ id: m.id }] }));
  // Removing a member narrows: allowed whatever the group grants.
  expectOk(assert, await srv.call('POST', `${base}/${admins.id}/members`, { body: [{ id: m.id }] }));
  expectOk(assert, await srv.call('DELETE', `${base}/${admins.id}/members/${m.id}`, { token: settings.value }));
});

test('the last effective Super Administrator is judged as the authorizer judges', async () => {
  const id = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Keep One' } })).id;
  const zoneRg = expectOk(assert, await srv.call('POST', `/accounts/${id}/iam/resource_groups`, {
    body: { name: 'zone', scope: { key: `com.cloudflare.api.account.${id}`, objects: [{ key: ZONE }] } } })).id;
  const wholeRg = expectOk(assert, await srv.call('POST', `/accounts/${id}/iam/resource_groups`, {
    body: { name: 'whole', scope: { key: `com.cloudflare.api.account.${id}`, objects: [{ key: '*' }] } } })).id;
  const creator = expectOk(assert, await srv.call('GET', `/accounts/${id}/members`))[0];
  // Zone-scoped Super Administrator, and one whose role a deny policy cancels: neither counts.
  expectOk(assert, await srv.call('POST', `/accounts/${id}/members`, { body: { email: 'zoned@example.com', status: 'accepted',
    policies: [{ access: 'allow', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: zoneRg }] }] } }));
  expectOk(assert, await srv.call('POST', `/accounts/${id}/members`, { body: { email: 'denied@example.com', status: 'accepted',
    policies: [{ access: 'allow', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: wholeRg }] },
      { access: 'deny', permission_groups: [{ id: ROLE.billing }], resource_groups: [{ id: wholeRg }] }] } }));
  expectError(assert, await srv.call('DELETE', `/accounts/${id}/members/${creator.id}`), 409, 1004);
  expectError(assert, await srv.call('PUT', `/accounts/${id}/members/${creator.id}`, { body: { roles: [{ id: ROLE.admin }] } }), 409, 1004);
  // An effective one elsewhere (through a user group) lets the creator go.
  const real = expectOk(assert, await srv.call('POST', `/accounts/${id}/members`, { body: { email: 'real@example.com', status: 'accepted', roles: [ROLE.readOnly] } }));
  const group = expectOk(assert, await srv.call('POST', `/accounts/${id}/iam/user_groups`, { body: { name: 'owners',
    policies: [{ access: 'allow', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: wholeRg }] }] } }));
  expectOk(assert, await srv.call('POST', `/accounts/${id}/iam/user_groups/${group.id}/members`, { body: [{ id: real.id }] }));
  expectOk(assert, await srv.call('DELETE', `/accounts/${id}/members/${creator.id}`));
});

test('group and resource-group changes cannot take the last effective Super Administrator away', async () => {
  const id = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Keep One Too' } })).id;
  const rg = expectOk(assert, await srv.call('POST', `/accounts/${id}/iam/resource_groups`, {
    body: { name: 'whole', scope: { key: `com.cloudflare.api.account.${id}`, objects: [{ key: '*' }] } } }));
  const creator = expectOk(assert, await srv.call('GET', `/accounts/${id}/members`))[0];
  const owner = expectOk(assert, await srv.call('POST', `/accounts/${id}/members`, { body: { email: 'owner@example.com', status: 'accepted', roles: [ROLE.readOnly] } }));
  const sa = [{ access: 'allow', permission_groups: [{ id: ROLE.superAdmin }], resource_groups: [{ id: rg.id }] }];
  const owners = expectOk(assert, await srv.call('POST', `/accounts/${id}/iam/user_groups`, { body: { name: 'owners', policies: sa } }));
  const base = `/accounts/${id}/iam/user_groups`;
  expectOk(assert, await srv.call('POST', `${base}/${owners.id}/members`, { body: [{ id: owner.id }] }));
  expectOk(assert, await srv.call('DELETE', `/accounts/${id}/members/${creator.id}`));  // the group's member holds it
  // Now every way of taking it away through the group is refused, and nothing changes.
  expectError(assert, await srv.call('DELETE', `${base}/${owners.id}`), 409, 1004);
  expectError(assert, await srv.call('DELETE', `${base}/${owners.id}/members/${owner.id}`), 409, 1004);
  expectError(assert, await srv.call('PUT', `${base}/${owners.id}/members`, { body: [] }), 409, 1004);
  expectError(assert, await srv.call('PUT', `${base}/${owners.id}`, { body: { name: 'owners', policies: [
    { access: 'allow', permission_groups: [{ id: ROLE.admin }], resource_groups: [{ id: rg.id }] }] } }), 409, 1004);
  const deny = expectOk(assert, await srv.call('POST', `${base}`, { body: { name: 'deny', policies: [
    { access: 'deny', permission_groups: [{ id: ROLE.billing }], resource_groups: [{ id: rg.id }] }] } }));
  expectError(assert, await srv.call('POST', `${base}/${deny.id}/members`, { body: [{ id: owner.id }] }), 409, 1004);
  expectError(assert, await srv.call('PUT', `/accounts/${id}/iam/resource_groups/${rg.id}`, { body: {
    name: 'whole', scope: { key: `com.cloudflare.api.account.${id}`, objects: [{ key: ZONE }] } } }), 409, 1004);
  const members = expectOk(assert, await srv.call('GET', `${base}/${owners.id}/members`));
  assert.deepEqual(members.map((m) => m.id), [owner.id]);
  // The owner still holds it: it can act as Super Administrator.
  const key = await userClient(srv, 'owner@example.com');
  expectOk(assert, await key('PUT', `/accounts/${id}`, { body: { name: 'Kept' } }));
});

test('revocation holds for a change already in flight (token deleted, disabled or narrowed; member demoted)', async () => {
  const paused = (token, email, headers = {}) => srv.call('POST', `/accounts/${acc}/members`, {
    token, headers: { 'cfiam-test-pause-ms': '1500', ...headers }, body: { email, roles: [ROLE.auditViewer] } });
  const revocations = [
    ['deleted', (t) => srv.call('DELETE', `/accounts/${acc}/tokens/${t.id}`), 9109],
    ['disabled', (t) => srv.call('PUT', `/accounts/${acc}/tokens/${t.id}`, { body: { status: 'disabled' } }), 9109],
    ['narrowed', (t) => srv.call('PUT', `/accounts/${acc}/tokens/${t.id}`, { body: { policies: [allowGroups(acc, PG.settingsRead)] } }), 10000],
  ];
  for (const [how, revoke, code] of revocations) {
    const t = await accountToken(srv, acc, [PG.settingsWrite]);
    const email = `inflight-${how}@example.com`;
    const pending = paused(t.value, email);
    await new Promise((r) => setTimeout(r, 300));  // it has authenticated and is paused
    expectOk(assert, await revoke(t));
    expectError(assert, await pending, 403, code);
    const members = expectOk(assert, await srv.call('GET', `/accounts/${acc}/members?per_page=50`));
    assert.ok(!members.some((m) => m.user.email === email), `${how}: the change did not happen`);
  }
  const carol = await userClient(srv, 'carol-inflight@example.com');
  const m = expectOk(assert, await srv.call('POST', `/accounts/${acc}/members`, { body: { email: 'carol-inflight@example.com', roles: [ROLE.admin], status: 'accepted' } }));
  const pending = carol('POST', `/accounts/${acc}/members`, { headers: { 'cfiam-test-pause-ms': '1500' }, body: { email: 'by-carol@example.com', roles: [ROLE.auditViewer] } });
  await new Promise((r) => setTimeout(r, 300));
  expectOk(assert, await srv.call('PUT', `/accounts/${acc}/members/${m.id}`, { body: { roles: [{ id: ROLE.auditViewer }] } }));
  expectError(assert, await pending, 403, 10000);
});

test('a refused change is recorded only where the caller holds a grant; header values are bounded', async () => {
  const outsider = await accountToken(srv, other, [PG.billingRead]);
  const before = expectOk(assert, await srv.call('GET', `/accounts/${acc}/logs/audit?${WINDOW}&limit=1000`)).length;
  for (let i = 0; i < 5; i++) {
    expectError(assert, await srv.call('POST', `/accounts/${acc}/members`, {
      token: outsider.value, headers: { 'User-Agent': 'spoofed admin console' }, body: { email: 'x@example.com', roles: [ROLE.admin] } }), 404);
  }
  const after = expectOk(assert, await srv.call('GET', `/accounts/${acc}/logs/audit?${WINDOW}&limit=1000`));
  assert.equal(after.length, before, 'the outsider wrote nothing into the account log');
  assert.ok(!after.some((e) => e.raw.user_agent === 'spoofed admin console'));

  // A caller with a grant in the account is recorded, with its User-Agent cut to 512 bytes.
  const insider = await accountToken(srv, acc, [PG.workersRead]);
  const longAgent = 'agent/'.repeat(2000);
  const res = await srv.call('POST', `/accounts/${acc}/members`, { token: insider.value, headers: { 'User-Agent': longAgent }, body: { email: 'y@example.com', roles: [ROLE.admin] } });
  expectError(assert, res, 403, 10000);
  const e = await entryOf(acc, res);
  assert.equal(e.action.result, 'failure');
  assert.equal(e.raw.user_agent, longAgent.slice(0, 512));
  // Bytes that are not UTF-8 (fetch sends 'é' as the single octet 0xE9) are replaced, still within the bound.
  const latin = await srv.call('POST', `/accounts/${acc}/members`, { token: insider.value, headers: { 'User-Agent': 'é'.repeat(2000) }, body: { email: 'y@example.com', roles: [ROLE.admin] } });
  assert.equal((await entryOf(acc, latin)).raw.user_agent, '?'.repeat(512));
});
