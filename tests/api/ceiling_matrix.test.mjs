// The ceiling section of the authorization matrix, generated from the
// server's route table (`cfiam routes`): every grant-giving route (a change
// route that makes or changes an account or user token, a member, a user
// group or a group's member set) is tried by callers holding X giving Y. Y beyond X (a key, a
// role, a policy, a validity window or an address range the caller does not
// hold) must be refused with 403 10000 and change nothing; Y within X must be
// allowed. A grant-giving route added later without a case here fails the
// first test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, expectError, expectOk, stopAndCheck, BIN } from '../lib/harness.mjs';
import { ROLE, PG, accountToken, allowGroups } from '../lib/iam.mjs';

const ROUTES = JSON.parse(execFileSync(BIN, ['routes'], { encoding: 'utf8' }));
const label = (r) => `${r.method} ${r.path}`;
const GRANT_GIVING = ROUTES.filter((r) => r.audit && r.method !== 'DELETE' &&
  /^(\/accounts\/\{account_id\}\/(tokens|members|iam\/user_groups)|\/user\/tokens)(\/|$)/.test(r.path));
// User-scope group that lets a user token manage its user's tokens.
const API_TOKENS_WRITE = '686d18d5ac6c441c867cbf6771e58a0a';

let srv;
let acc;
let rg;
let me; // the tenant admin's user id
const day = (n) => new Date(Date.now() + n * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
const policy = (role) => [{ access: 'allow', permission_groups: [{ id: role }], resource_groups: [{ id: rg }] }];
let counter = 0;
const unique = (prefix) => `${prefix}-${++counter}`;

before(async () => {
  srv = await startServer();
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Ceiling Matrix' } })).id;
  me = expectOk(assert, await srv.call('GET', '/user')).id;
  rg = expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/resource_groups`, {
    body: { name: 'whole', scope: { key: `com.cloudflare.api.account.${acc}`, objects: [{ key: '*' }] } } })).id;
});
after(() => stopAndCheck(assert, srv));

// Callers: X as token permission groups (and, for conditions, a window and range).
const TOKEN_WRITER = [PG.tokensWrite, PG.settingsRead];
const BOUND = { expires_on: day(1), condition: { request_ip: { in: ['127.0.0.0/8'] } } };
const SETTINGS_WRITER = [PG.settingsWrite];

async function member(role) {
  return expectOk(assert, await srv.call('POST', `/accounts/${acc}/members`, {
    body: { email: `${unique('m')}@example.com`, roles: [role], status: 'accepted' } }));
}
async function group(role) {
  return expectOk(assert, await srv.call('POST', `/accounts/${acc}/iam/user_groups`, {
    body: { name: unique('g'), policies: policy(role) } }));
}
const tokenBody = (groups, extra = {}) => ({ name: unique('t'), policies: [allowGroups(acc, ...groups)], ...extra });
// A user token of the tenant admin holding `groups` in the account; a caller
// also holds API Tokens Write on its user so it may manage user tokens.
async function userToken(groups, extra = {}, caller = false) {
  const policies = [allowGroups(acc, ...groups)];
  if (caller) policies.push({ effect: 'allow', permission_groups: [{ id: API_TOKENS_WRITE }], resources: { [`com.cloudflare.api.user.${me}`]: '*' } });
  return expectOk(assert, await srv.call('POST', '/user/tokens', { body: { name: unique('u'), policies, ...extra } }));
}

// Per route: cases of [what, caller groups, caller extra, () => {path params, body}, allowed?].
// The setup function runs as the tenant admin and returns the request to try.
const CASES = {
  'POST /accounts/{account_id}/tokens': [
    ['a key beyond', TOKEN_WRITER, {}, async () => ({ body: tokenBody([PG.billingRead]) }), false],
    ['keys within', TOKEN_WRITER, {}, async () => ({ body: tokenBody([PG.settingsRead]) }), true],
    ['an eternal token from an expiring one', TOKEN_WRITER, BOUND, async () => ({ body: tokenBody([PG.settingsRead], { condition: BOUND.condition }) }), false],
    ['a wider range', TOKEN_WRITER, BOUND, async () => ({ body: tokenBody([PG.settingsRead], { expires_on: BOUND.expires_on }) }), false],
    ['window and range within', TOKEN_WRITER, BOUND, async () => ({ body: tokenBody([PG.settingsRead], BOUND) }), true],
  ],
  'PUT /accounts/{account_id}/tokens/{token_id}': [
    ['a token holding a key beyond', TOKEN_WRITER, {}, async () => ({ token_id: (await accountToken(srv, acc, [PG.billingRead])).id, body: { name: 'x' } }), false],
    ['giving a key beyond', TOKEN_WRITER, {}, async () => ({ token_id: (await accountToken(srv, acc, [PG.settingsRead])).id, body: { policies: [allowGroups(acc, PG.billingRead)] } }), false],
    ['within', TOKEN_WRITER, {}, async () => ({ token_id: (await accountToken(srv, acc, [PG.settingsRead])).id, body: { name: 'x' } }), true],
    ['an unbound token from a bound one', TOKEN_WRITER, BOUND, async () => ({ token_id: (await accountToken(srv, acc, [PG.settingsRead])).id, body: { name: 'x' } }), false],
    ['bound within', TOKEN_WRITER, BOUND, async () => ({ token_id: (await accountToken(srv, acc, [PG.settingsRead], BOUND)).id, body: { name: 'x' } }), true],
  ],
  'PUT /accounts/{account_id}/tokens/{token_id}/value': [
    ['a token holding a key beyond', TOKEN_WRITER, {}, async () => ({ token_id: (await accountToken(srv, acc, [PG.billingWrite])).id, body: {} }), false],
    ['within', TOKEN_WRITER, {}, async () => ({ token_id: (await accountToken(srv, acc, [PG.settingsRead])).id, body: {} }), true],
    ['an unbound token from a bound one', TOKEN_WRITER, BOUND, async () => ({ token_id: (await accountToken(srv, acc, [PG.settingsRead])).id, body: {} }), false],
    ['bound within', TOKEN_WRITER, BOUND, async () => ({ token_id: (await accountToken(srv, acc, [PG.settingsRead], BOUND)).id, body: {} }), true],
  ],
  'POST /user/tokens': [
    ['a key beyond', TOKEN_WRITER, {}, async () => ({ body: tokenBody([PG.billingRead]) }), false],
    ['keys within', TOKEN_WRITER, {}, async () => ({ body: tokenBody([PG.settingsRead]) }), true],
    ['an eternal token from an expiring one', TOKEN_WRITER, BOUND, async () => ({ body: tokenBody([PG.settingsRead], { condition: BOUND.condition }) }), false],
    ['a wider range', TOKEN_WRITER, BOUND, async () => ({ body: tokenBody([PG.settingsRead], { expires_on: BOUND.expires_on }) }), false],
    ['window and range within', TOKEN_WRITER, BOUND, async () => ({ body: tokenBody([PG.settingsRead], BOUND) }), true],
  ],
  'PUT /user/tokens/{token_id}': [
    ['a token holding a key beyond', TOKEN_WRITER, {}, async () => ({ token_id: (await userToken([PG.billingRead])).id, body: { name: 'x' } }), false],
    ['giving a key beyond', TOKEN_WRITER, {}, async () => ({ token_id: (await userToken([PG.settingsRead])).id, body: { policies: [allowGroups(acc, PG.billingRead)] } }), false],
    ['within', TOKEN_WRITER, {}, async () => ({ token_id: (await userToken([PG.settingsRead])).id, body: { name: 'x' } }), true],
    ['an unbound token from a bound one', TOKEN_WRITER, BOUND, async () => ({ token_id: (await userToken([PG.settingsRead])).id, body: { name: 'x' } }), false],
    ['bound within', TOKEN_WRITER, BOUND, async () => ({ token_id: (await userToken([PG.settingsRead], BOUND)).id, body: { name: 'x' } }), true],
  ],
  'PUT /user/tokens/{token_id}/value': [
    ['a token holding a key beyond', TOKEN_WRITER, {}, async () => ({ token_id: (await userToken([PG.billingWrite])).id, body: {} }), false],
    ['the full-rights bootstrap token', TOKEN_WRITER, {}, async () => ({ token_id: (await all('/user/tokens')).find((t) => t.name === 'bootstrap').id, body: {} }), false],
    ['within', TOKEN_WRITER, {}, async () => ({ token_id: (await userToken([PG.settingsRead])).id, body: {} }), true],
    ['an unbound token from a bound one', TOKEN_WRITER, BOUND, async () => ({ token_id: (await userToken([PG.settingsRead])).id, body: {} }), false],
    ['bound within', TOKEN_WRITER, BOUND, async () => ({ token_id: (await userToken([PG.settingsRead], BOUND)).id, body: {} }), true],
  ],
  'POST /accounts/{account_id}/members': [
    ['a role beyond', SETTINGS_WRITER, {}, async () => ({ body: { email: `${unique('n')}@example.com`, roles: [ROLE.admin] } }), false],
    ['a policy beyond', SETTINGS_WRITER, {}, async () => ({ body: { email: `${unique('n')}@example.com`, policies: policy(ROLE.superAdmin) } }), false],
    ['a role within', SETTINGS_WRITER, {}, async () => ({ body: { email: `${unique('n')}@example.com`, roles: [ROLE.auditViewer] } }), true],
    ['a policy within', SETTINGS_WRITER, {}, async () => ({ body: { email: `${unique('n')}@example.com`, policies: policy(ROLE.auditViewer) } }), true],
  ],
  'PUT /accounts/{account_id}/members/{member_id}': [
    ['a role beyond', SETTINGS_WRITER, {}, async () => ({ member_id: (await member(ROLE.auditViewer)).id, body: { roles: [{ id: ROLE.billing }] } }), false],
    ['a role within', SETTINGS_WRITER, {}, async () => ({ member_id: (await member(ROLE.readOnly)).id, body: { roles: [{ id: ROLE.auditViewer }] } }), true],
  ],
  'POST /accounts/{account_id}/iam/user_groups': [
    ['a policy beyond', SETTINGS_WRITER, {}, async () => ({ body: { name: unique('g'), policies: policy(ROLE.billing) } }), false],
    ['a policy within', SETTINGS_WRITER, {}, async () => ({ body: { name: unique('g'), policies: policy(ROLE.auditViewer) } }), true],
  ],
  'PUT /accounts/{account_id}/iam/user_groups/{user_group_id}': [
    ['a policy beyond', SETTINGS_WRITER, {}, async () => ({ user_group_id: (await group(ROLE.auditViewer)).id, body: { name: unique('g'), policies: policy(ROLE.admin) } }), false],
    ['a policy within', SETTINGS_WRITER, {}, async () => ({ user_group_id: (await group(ROLE.auditViewer)).id, body: { name: unique('g'), policies: policy(ROLE.auditViewer) } }), true],
  ],
  'POST /accounts/{account_id}/iam/user_groups/{user_group_id}/members': [
    ['joining a group beyond', SETTINGS_WRITER, {}, async () => ({ user_group_id: (await group(ROLE.superAdmin)).id, body: [{ id: (await member(ROLE.auditViewer)).id }] }), false],
    ['joining a group within', SETTINGS_WRITER, {}, async () => ({ user_group_id: (await group(ROLE.auditViewer)).id, body: [{ id: (await member(ROLE.auditViewer)).id }] }), true],
  ],
  'PUT /accounts/{account_id}/iam/user_groups/{user_group_id}/members': [
    ['joining a group beyond', SETTINGS_WRITER, {}, async () => ({ user_group_id: (await group(ROLE.billing)).id, body: [{ id: (await member(ROLE.auditViewer)).id }] }), false],
    ['joining a group within', SETTINGS_WRITER, {}, async () => ({ user_group_id: (await group(ROLE.auditViewer)).id, body: [{ id: (await member(ROLE.auditViewer)).id }] }), true],
  ],
};

test('every grant-giving route of the route table has ceiling cases', () => {
  assert.ok(GRANT_GIVING.length >= 9, `only ${GRANT_GIVING.length} grant-giving routes found`);
  assert.deepEqual(GRANT_GIVING.map(label).filter((l) => !CASES[l]), []);
});

for (const route of GRANT_GIVING) {
  test(`${label(route)}: beyond the caller is refused and changes nothing; within is allowed`, async (t) => {
    for (const [what, groups, extra, setup, allowed] of CASES[label(route)] ?? []) {
      await t.test(`${allowed ? 'allowed' : 'refused'}: ${what}`, async () => {
        const caller = route.path.startsWith('/user/')
          ? await userToken(groups, extra, true)
          : await accountToken(srv, acc, groups, extra);
        const req = await setup();
        const path = route.path.replace('{account_id}', acc).replace(/\{(\w+)\}/g, (_, p) => req[p]);
        const before = await snapshot();
        const res = await srv.call(route.method, path, { token: caller.value, body: req.body });
        if (allowed) {
          expectOk(assert, res);
        } else {
          expectError(assert, res, 403, 10000);
          assert.deepEqual(await snapshot(), before, 'a refused change changes nothing');
        }
      });
    }
  });
}

// What the ceiling guards, as the tenant admin sees it (volatile fields dropped).
async function snapshot() {
  const tokens = (await all(`/accounts/${acc}/tokens`)).map(({ last_used_on, ...t }) => t);
  const userTokens = (await all('/user/tokens')).map(({ last_used_on, ...t }) => t);
  const members = await all(`/accounts/${acc}/members`);
  const groups = await all(`/accounts/${acc}/iam/user_groups`);
  const groupMembers = [];
  for (const g of groups) groupMembers.push(await all(`/accounts/${acc}/iam/user_groups/${g.id}/members`));
  return { tokens, userTokens, members, groups, groupMembers };
}

// Every page of a page-paginated list.
async function all(path) {
  const items = [];
  for (let page = 1; ; page++) {
    const res = await srv.call('GET', `${path}?per_page=50&page=${page}`);
    items.push(...expectOk(assert, res));
    if (page >= res.body.result_info.total_pages) return items;
  }
}
