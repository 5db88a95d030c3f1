// The authorization matrix, generated from the server's own route table
// (`cfiam routes`), so a route added later is covered without editing this file.
//
// For every `account` route and every API-token permission group the server
// serves (src/auth/permission_keys.cpp), an account-A token holding only that
// group must be allowed exactly when the group grants the route's key; a token
// whose allow is cancelled by a deny on the same group is refused; tokens of
// unrelated groups are refused; and every token of A sees account B as absent.
// `account_any`, `tenant_admin`, `authenticated` and `token_verify` routes
// are checked with the rules of src/auth/authorizer.cpp and the dispatcher.
//
// Not covered here: members acting through roles, member policies or user
// groups, and pending vs accepted members. Those need a credential of a
// non-admin user, and the server has no API that issues one (the only user
// credential is the bootstrap one, which makes its user a tenant admin, who
// bypasses every check). tests/unit/authorizer_test.cpp covers them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const BIN = process.env.CFIAM_BIN ?? 'build/asan/cfiam';
const ROUTES = JSON.parse(execFileSync(BIN, ['routes'], { encoding: 'utf8' }));

const ADMIN_ROLE = '05784afa30c1afe1440e79d9351c7430';
const MISSING = 'f'.repeat(32);
const UNRELATED = ['Workers Scripts Read', 'Workers Scripts Write'];

// Which permission keys each served token permission group grants: the
// contract of src/auth/permission_keys.cpp, written out independently.
const SETTINGS_READ = [
  '#organization:read',
  'com.cloudflare.api.account.member.list',
  'com.cloudflare.api.account.member.read',
  'com.cloudflare.api.iam.permission-group.list',
  'com.cloudflare.api.iam.permission-group.read',
  'com.cloudflare.api.iam.resource-group.list',
  'com.cloudflare.api.iam.resource-group.read',
];
const SETTINGS_WRITE = [
  ...SETTINGS_READ,
  '#organization:edit',
  'com.cloudflare.api.account.member.create',
  'com.cloudflare.api.account.member.update',
  'com.cloudflare.api.account.member.delete',
  'com.cloudflare.api.iam.resource-group.create',
  'com.cloudflare.api.iam.resource-group.update',
  'com.cloudflare.api.iam.resource-group.delete',
];
const GROUP_KEYS = {
  'Account Settings Read': SETTINGS_READ,
  'Account Settings Write': SETTINGS_WRITE,
  'SCIM Provisioning': SETTINGS_WRITE,
  'Billing Read': ['#billing:read'],
  'Billing Write': ['#billing:read', '#billing:edit'],
  'Account API Tokens Read': ['com.cloudflare.api.account.token.list', 'com.cloudflare.api.account.token.read'],
  'Account API Tokens Write': ['com.cloudflare.api.account.token.*'],
  'SSO Connector Read': ['com.cloudflare.api.account.sso-connector.read'],
  'SSO Connector Write': ['com.cloudflare.api.account.sso-connector.read', 'com.cloudflare.api.account.sso-connector.edit'],
};
const SERVED = Object.keys(GROUP_KEYS);

function keyCovers(granted, required) {
  if (granted === required) return true;
  if (granted.endsWith('.*')) {
    const prefix = granted.slice(0, -1);
    return required.length > prefix.length && required.startsWith(prefix);
  }
  return false;
}
const grants = (group, key) => (GROUP_KEYS[group] ?? []).some((k) => keyCovers(k, key));

// What an authorized call to each route sends, and the status it must get
// then. Mutations send invalid bodies or name a missing object, so the matrix
// never changes the fixtures: the status proves authorization passed and the
// handler ran. The tenant admin (allowed everywhere) must get the same status.
// `query` is appended to the path for routes with required query parameters.
const PROBES = {
  'PUT /accounts/{account_id}': { body: { name: '' }, status: 400, code: 1002 },
  'GET /accounts/{account_id}/roles': { status: 200 },
  'GET /accounts/{account_id}/roles/{role_id}': { status: 200 },
  'GET /accounts/{account_id}/tokens/permission_groups': { status: 200 },
  'GET /accounts/{account_id}/tokens': { status: 200 },
  'POST /accounts/{account_id}/tokens': { body: {}, status: 400, code: 1002 },
  'GET /accounts/{account_id}/tokens/{token_id}': { status: 200 },
  'PUT /accounts/{account_id}/tokens/{token_id}': { body: { name: '' }, status: 400, code: 1002 },
  'DELETE /accounts/{account_id}/tokens/{token_id}': { missing: 'token_id', status: 404, code: 1003 },
  'PUT /accounts/{account_id}/tokens/{token_id}/value': { body: { rotate: true }, status: 400, code: 1002 },
  'GET /accounts/{account_id}/subscriptions': { status: 200 },
  'POST /accounts/{account_id}/subscriptions': { body: {}, status: 400, code: 1002 },
  'GET /accounts/{account_id}/subscriptions/{subscription_identifier}': { status: 200 },
  'PUT /accounts/{account_id}/subscriptions/{subscription_identifier}': { body: {}, status: 400, code: 1002 },
  'DELETE /accounts/{account_id}/subscriptions/{subscription_identifier}': { missing: 'subscription_identifier', status: 404, code: 1003 },
  'GET /accounts/{account_id}/sso_connectors': { status: 200 },
  'POST /accounts/{account_id}/sso_connectors': { body: {}, status: 400, code: 1002 },
  'GET /accounts/{account_id}/sso_connectors/{sso_connector_id}': { status: 200 },
  'PATCH /accounts/{account_id}/sso_connectors/{sso_connector_id}': { body: { enabled: 'yes' }, status: 400, code: 1002 },
  'DELETE /accounts/{account_id}/sso_connectors/{sso_connector_id}': { missing: 'sso_connector_id', status: 404, code: 1003 },
  'POST /accounts/{account_id}/sso_connectors/{sso_connector_id}/begin_verification': { missing: 'sso_connector_id', status: 404, code: 1003 },
  'GET /accounts/{account_id}/members': { status: 200 },
  'POST /accounts/{account_id}/members': { body: {}, status: 400, code: 1002 },
  'GET /accounts/{account_id}/members/{member_id}': { status: 200 },
  'PUT /accounts/{account_id}/members/{member_id}': { body: { status: 'bogus' }, status: 400, code: 1002 },
  'DELETE /accounts/{account_id}/members/{member_id}': { missing: 'member_id', status: 404, code: 1003 },
  'GET /accounts/{account_id}/iam/resource_groups': { status: 200 },
  'POST /accounts/{account_id}/iam/resource_groups': { body: {}, status: 400, code: 1002 },
  'GET /accounts/{account_id}/iam/resource_groups/{resource_group_id}': { status: 200 },
  'PUT /accounts/{account_id}/iam/resource_groups/{resource_group_id}': { body: { name: '' }, status: 400, code: 1002 },
  'DELETE /accounts/{account_id}/iam/resource_groups/{resource_group_id}': { missing: 'resource_group_id', status: 404, code: 1003 },
  'GET /accounts/{account_id}/iam/user_groups': { status: 200 },
  'POST /accounts/{account_id}/iam/user_groups': { body: {}, status: 400, code: 1002 },
  'GET /accounts/{account_id}/iam/user_groups/{user_group_id}': { status: 200 },
  'PUT /accounts/{account_id}/iam/user_groups/{user_group_id}': { body: { name: '' }, status: 400, code: 1002 },
  'DELETE /accounts/{account_id}/iam/user_groups/{user_group_id}': { missing: 'user_group_id', status: 404, code: 1003 },
  'GET /accounts/{account_id}/iam/user_groups/{user_group_id}/members': { status: 200 },
  'POST /accounts/{account_id}/iam/user_groups/{user_group_id}/members': { body: {}, status: 400, code: 1002 },
  'PUT /accounts/{account_id}/iam/user_groups/{user_group_id}/members': { body: {}, status: 400, code: 1002 },
  'GET /accounts/{account_id}/iam/user_groups/{user_group_id}/members/{member_id}': { status: 200 },
  'GET /accounts/{account_id}/logs/audit': { query: '?since=2000-01-01&before=2100-01-01', status: 200 },
  'DELETE /accounts/{account_id}/iam/user_groups/{user_group_id}/members/{member_id}': { missing: 'member_id', status: 404, code: 1003 },
  // account_any
  'GET /accounts/{account_id}': { status: 200 },
  'GET /accounts/{account_id}/iam/permission_groups': { status: 200 },
  'GET /accounts/{account_id}/iam/permission_groups/{permission_group_id}': { status: 200 },
};

// A route the table above does not know yet still gets the matrix: reads are
// sent as they are, mutations with a missing object or an empty JSON body.
function probeFor(route) {
  const known = PROBES[`${route.method} ${route.path}`];
  if (known) return known;
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  if (route.method === 'GET') return { generic: true };
  if (route.method === 'DELETE' && params.length > 1) return { generic: true, missing: params.at(-1) };
  return { generic: true, body: {} };
}

const kindOf = (r) => r.access;
const accountRoutes = ROUTES.filter((r) => kindOf(r) === 'account');
const anyRoutes = ROUTES.filter((r) => kindOf(r) === 'account_any');

let srv;
let A;
let B;
const fixtures = {};  // account id -> { param name -> id }
const groupIds = {};  // permission group name -> id (account scope)
const tokens = {};    // label -> secret (all tokens of account A)

async function adminOk(method, path, body) {
  return expectOk(assert, await srv.call(method, path, { body }));
}

async function makeToken(account, name, policies) {
  const t = await adminOk('POST', `/accounts/${account}/tokens`, { name, policies });
  assert.equal(typeof t.value, 'string');
  return t;
}

const policy = (effect, account, ...names) => ({
  effect,
  permission_groups: names.map((n) => {
    assert.ok(groupIds[n], `no account-scoped permission group named ${n}`);
    return { id: groupIds[n] };
  }),
  resources: { [`com.cloudflare.api.account.${account}`]: '*' },
});

async function makeFixtures(account) {
  const f = { account_id: account, role_id: ADMIN_ROLE, permission_group_id: ADMIN_ROLE };
  const member = await adminOk('POST', `/accounts/${account}/members`,
    { email: `matrix-${account.slice(0, 8)}@example.com`, roles: [ADMIN_ROLE], status: 'accepted' });
  f.member_id = member.id;
  f.resource_group_id = (await adminOk('POST', `/accounts/${account}/iam/resource_groups`,
    { name: 'matrix', scope: { key: `com.cloudflare.api.account.${account}`, objects: [{ key: '*' }] } })).id;
  f.user_group_id = (await adminOk('POST', `/accounts/${account}/iam/user_groups`, { name: 'matrix' })).id;
  await adminOk('POST', `/accounts/${account}/iam/user_groups/${f.user_group_id}/members`, [{ id: member.id }]);
  f.subscription_identifier = (await adminOk('POST', `/accounts/${account}/subscriptions`,
    { rate_plan: { id: 'pro' } })).id;
  f.sso_connector_id = (await adminOk('POST', `/accounts/${account}/sso_connectors`,
    { email_domain: `matrix-${account.slice(0, 8)}.test`, begin_verification: false })).id;
  f.token_id = (await makeToken(account, 'matrix fixture', [policy('allow', account, 'Billing Read')])).id;
  return f;
}

// The concrete path of `route` in `account`, with that account's fixtures.
function pathOf(route, account, probe = {}) {
  return route.path.replace(/\{(\w+)\}/g, (_, name) => {
    if (name === probe.missing) return MISSING;
    const id = fixtures[account][name];
    assert.ok(id, `no fixture for path parameter {${name}} of ${route.method} ${route.path}`);
    return id;
  });
}

async function probe(route, account, token) {
  const p = probeFor(route);
  return srv.call(route.method, pathOf(route, account, p) + (p.query ?? ''), { body: p.body, token });
}

const label = (r) => `${r.method} ${r.path}`;

// An authorized call: the handler ran (exact status for known routes).
function expectAuthorized(res, route, who) {
  const p = probeFor(route);
  const where = `${label(route)} as ${who}: ${res.status} ${res.text}`;
  if (p.generic) {
    assert.ok(res.status < 500, where);
    assert.ok(!(res.status === 403 && res.body?.errors?.[0]?.code === 10000), where);
    return;
  }
  assert.equal(res.status, p.status, where);
  if (p.status === 200) {
    assert.equal(res.body?.success, true, where);
  } else {
    assert.equal(res.body?.errors?.[0]?.code, p.code, where);
    // A missing object, not a hidden account.
    assert.notEqual(res.body.errors[0].message, 'Account not found', where);
  }
}

function expectForbidden(res, route, who) {
  const where = `${label(route)} as ${who}: ${res.status} ${res.text}`;
  assert.equal(res.status, 403, where);
  assert.equal(res.body?.success, false, where);
  assert.equal(res.body.result, null, where);
  assert.equal(res.body.errors[0].code, 10000, where);
}

// The account is invisible: byte-for-byte what a nonexistent account answers.
let absentAnswer;
function expectAbsent(res, route, who) {
  const where = `${label(route)} as ${who}: ${res.status} ${res.text}`;
  assert.equal(res.status, 404, where);
  assert.deepEqual(res.body, absentAnswer, where);
}

before(async () => {
  srv = await startServer({
    // No SSO verification lookup ever leaves the machine: nothing listens there.
    args: ['--dns-resolver', '127.0.0.1:9', '--dns-timeout', '100', '--sso-verify-attempts', '1'],
  });
  A = (await adminOk('POST', '/accounts', { name: 'Matrix A' })).id;
  B = (await adminOk('POST', '/accounts', { name: 'Matrix B' })).id;
  for (const g of await adminOk('GET', `/accounts/${A}/tokens/permission_groups?per_page=50`)) {
    if (g.scopes.includes('com.cloudflare.api.account')) groupIds[g.name] ??= g.id;
  }
  fixtures[A] = await makeFixtures(A);
  fixtures[B] = await makeFixtures(B);
  fixtures[MISSING] = { ...fixtures[B], account_id: MISSING };
  for (const name of [...SERVED, ...UNRELATED]) {
    tokens[`allow ${name}`] = (await makeToken(A, `allow ${name}`, [policy('allow', A, name)])).value;
  }
  for (const name of SERVED) {
    tokens[`allow+deny ${name}`] = (await makeToken(A, `allow+deny ${name}`,
      [policy('allow', A, name), policy('deny', A, name)])).value;
  }
  tokens.unrelated = (await makeToken(A, 'unrelated', [policy('allow', A, ...UNRELATED)])).value;
  tokens['deny only'] = (await makeToken(A, 'deny only', [policy('deny', A, 'Account Settings Read')])).value;
  const absent = await srv.call('GET', `/accounts/${MISSING}`, { token: tokens['allow Account Settings Read'] });
  expectError(assert, absent, 404, 1003);
  absentAnswer = absent.body;
});

after(() => stopAndCheck(assert, srv));

test('the route table is the one this matrix expects', () => {
  assert.ok(ROUTES.length > 0);
  for (const r of ROUTES) {
    assert.ok(['authenticated', 'tenant_admin', 'account', 'account_any', 'token_verify', 'user'].includes(r.access),
      `${label(r)}: unknown access ${r.access}`);
    if (r.access === 'account' || r.access === 'user') assert.ok(r.permission, `${label(r)} has no permission key`);
  }
  // Every account route has an exact probe (a new route falls back to a weaker generic one).
  const unknown = [...accountRoutes, ...anyRoutes].filter((r) => !PROBES[label(r)]).map(label);
  assert.deepEqual(unknown, [], 'routes without an exact probe in PROBES');
  for (const name of [...SERVED, ...UNRELATED]) assert.ok(groupIds[name], `catalog lacks ${name}`);
});

test('every account route key is granted by some served permission group', () => {
  const gaps = accountRoutes.filter((r) => !SERVED.some((g) => grants(g, r.permission)))
    .map((r) => `${label(r)} needs ${r.permission}`);
  assert.deepEqual(gaps, [], 'no API-token permission group grants these keys');
});

test('the tenant admin gets the probe status on every account route (the probes are valid)', async () => {
  for (const r of [...accountRoutes, ...anyRoutes]) {
    expectAuthorized(await probe(r, A), r, 'tenant admin');
  }
});

for (const route of accountRoutes) {
  const sufficient = SERVED.filter((g) => grants(g, route.permission));
  const insufficient = SERVED.filter((g) => !grants(g, route.permission));

  test(`${label(route)} [${route.permission}]`, async (t) => {
    assert.ok(sufficient.length > 0, `no served permission group grants ${route.permission}`);

    await t.test(`allowed with exactly one sufficient group: ${sufficient.join(', ')}`, async () => {
      for (const g of sufficient) expectAuthorized(await probe(route, A, tokens[`allow ${g}`]), route, `allow ${g}`);
    });

    await t.test('403 10000 for every served group that does not grant the key', async () => {
      for (const g of insufficient) expectForbidden(await probe(route, A, tokens[`allow ${g}`]), route, `allow ${g}`);
    });

    await t.test('403 10000 for tokens of unrelated groups only', async () => {
      for (const g of UNRELATED) expectForbidden(await probe(route, A, tokens[`allow ${g}`]), route, `allow ${g}`);
      expectForbidden(await probe(route, A, tokens.unrelated), route, 'unrelated');
      expectForbidden(await probe(route, A, tokens['deny only']), route, 'deny only');
    });

    await t.test('403 10000 when a deny on the same group cancels the allow', async () => {
      for (const g of sufficient) {
        expectForbidden(await probe(route, A, tokens[`allow+deny ${g}`]), route, `allow+deny ${g}`);
      }
    });

    await t.test('account B is absent to every token of A (404, same answer as no account)', async () => {
      for (const g of sufficient) {
        const res = await probe(route, B, tokens[`allow ${g}`]);
        expectAbsent(res, route, `allow ${g} in B`);
        expectAbsent(await probe(route, MISSING, tokens[`allow ${g}`]), route, `allow ${g} in a missing account`);
      }
      expectAbsent(await probe(route, B, tokens.unrelated), route, 'unrelated in B');
      expectAbsent(await probe(route, B, tokens['deny only']), route, 'deny only in B');
    });
  });
}

for (const route of anyRoutes) {
  test(`${label(route)} [account_any]`, async () => {
    // Any allow grant in A suffices, whatever its group.
    for (const name of [...SERVED, ...UNRELATED]) {
      expectAuthorized(await probe(route, A, tokens[`allow ${name}`]), route, `allow ${name}`);
    }
    expectAuthorized(await probe(route, A, tokens.unrelated), route, 'unrelated');
    // A token whose only policy is a deny holds no grant at all.
    expectForbidden(await probe(route, A, tokens['deny only']), route, 'deny only');
    for (const name of [...SERVED, ...UNRELATED]) {
      expectAbsent(await probe(route, B, tokens[`allow ${name}`]), route, `allow ${name} in B`);
    }
    expectAbsent(await probe(route, B, tokens['deny only']), route, 'deny only in B');
  });
}

test('tenant_admin routes refuse every account token with 403 10000', async () => {
  const admin = ROUTES.filter((r) => r.access === 'tenant_admin');
  assert.ok(admin.length > 0);
  for (const r of admin) {
    for (const tok of [tokens['allow Account Settings Write'], tokens['allow SCIM Provisioning'], tokens.unrelated]) {
      for (const account of [A, B]) {
        const path = r.path.replace('{account_id}', account);
        const body = r.method === 'POST' ? { name: 'Not Allowed' } : undefined;
        expectError(assert, await srv.call(r.method, path, { body, token: tok }), 403, 10000);
      }
    }
  }
  // Nothing happened: both accounts are still there and no account was made.
  const list = expectOk(assert, await srv.call('GET', '/accounts?per_page=50'));
  assert.deepEqual(list.map((a) => a.name).sort(), ['Matrix A', 'Matrix B']);
});

test('GET /accounts with an account token is 400 1001; memberships belong to users (403 10000)', async () => {
  for (const tok of [tokens['allow Account Settings Read'], tokens.unrelated, tokens['deny only']]) {
    expectError(assert, await srv.call('GET', '/accounts', { token: tok }), 400, 1001);
  }
  const authenticated = ROUTES.filter((r) => r.access === 'user' && r.path.startsWith('/memberships'));
  assert.equal(authenticated.length, 4);
  const tok = tokens['allow Account Settings Write'];
  for (const r of authenticated) {
    const path = r.path.replace('{membership_id}', fixtures[A].member_id);
    const body = r.method === 'PUT' ? { status: 'accepted' } : undefined;
    expectError(assert, await srv.call(r.method, path, { body, token: tok }), 403, 10000);
  }
  // The token could not have left or accepted anything: the member is unchanged.
  const m = expectOk(assert, await srv.call('GET', `/accounts/${A}/members/${fixtures[A].member_id}`));
  assert.equal(m.status, 'accepted');
});

test('token_verify: every A token verifies in A (200, message 10000) and is invalid in B (401 1000)', async () => {
  const route = ROUTES.find((r) => r.access === 'token_verify');
  assert.equal(label(route), 'GET /accounts/{account_id}/tokens/verify');
  for (const [name, tok] of Object.entries(tokens)) {
    const res = await srv.call('GET', `/accounts/${A}/tokens/verify`, { token: tok });
    const v = expectOk(assert, res);
    assert.match(v.id, /^[0-9a-f]{32}$/, name);
    assert.equal(v.status, 'active', name);
    assert.deepEqual(res.body.messages.map((m) => m.code), [10000], name);
    expectError(assert, await srv.call('GET', `/accounts/${B}/tokens/verify`, { token: tok }), 401, 1000);
    expectError(assert, await srv.call('GET', `/accounts/${MISSING}/tokens/verify`, { token: tok }), 401, 1000);
  }
  // The bootstrap user token is not an account token.
  expectError(assert, await srv.call('GET', `/accounts/${A}/tokens/verify`), 401, 1000);
});

test('a token cannot mint a token with more than it holds', async () => {
  const writer = tokens['allow Account API Tokens Write'];
  const base = `/accounts/${A}/tokens`;
  // Within its own grant: fine.
  const ok = expectOk(assert, await srv.call('POST', base, { token: writer,
    body: { name: 'minted read', policies: [policy('allow', A, 'Account API Tokens Read')] } }));
  assert.equal(typeof ok.value, 'string');
  expectOk(assert, await srv.call('GET', base, { token: ok.value }));
  // Beyond it: refused, and nothing is stored.
  const before = expectOk(assert, await srv.call('GET', `${base}?per_page=50`)).length;
  for (const g of ['Billing Read', 'Account Settings Read', 'SSO Connector Write']) {
    expectError(assert, await srv.call('POST', base, { token: writer,
      body: { name: `escalate ${g}`, policies: [policy('allow', A, g)] } }), 403, 10000);
  }
  // Raising an existing token is refused the same way.
  expectError(assert, await srv.call('PUT', `${base}/${ok.id}`, { token: writer,
    body: { policies: [policy('allow', A, 'Billing Write')] } }), 403, 10000);
  assert.equal(expectOk(assert, await srv.call('GET', `${base}?per_page=50`)).length, before);
  // A deny-only token is not a grant, so any token may add denies.
  expectOk(assert, await srv.call('POST', base, { token: writer,
    body: { name: 'deny billing', policies: [policy('deny', A, 'Billing Write')] } }));
  // Another account's resources cannot be named in A's tokens.
  expectError(assert, await srv.call('POST', base, { token: writer,
    body: { name: 'cross', policies: [policy('allow', B, 'Account API Tokens Read')] } }), 400, 1002);
  expectOk(assert, await srv.call('DELETE', `${base}/${ok.id}`, { token: writer }));
});

test('delete routes really delete for a minimal token (run last; fixtures made here)', async () => {
  const del = accountRoutes.filter((r) => r.method === 'DELETE');
  assert.ok(del.length >= 6);
  for (const route of del) {
    const group = SERVED.find((g) => grants(g, route.permission));
    const tok = tokens[`allow ${group}`];
    // Fresh objects in A for this route, so deleting them costs nothing.
    const fresh = { ...fixtures[A] };
    const tag = route.path.split('/').filter((s) => !s.startsWith('{')).join('-');
    switch (label(route)) {
      case 'DELETE /accounts/{account_id}/tokens/{token_id}':
        fresh.token_id = (await makeToken(A, `gone ${tag}`, [policy('allow', A, 'Billing Read')])).id;
        break;
      case 'DELETE /accounts/{account_id}/subscriptions/{subscription_identifier}':
        fresh.subscription_identifier = (await adminOk('POST', `/accounts/${A}/subscriptions`, { rate_plan: { id: 'pro' } })).id;
        break;
      case 'DELETE /accounts/{account_id}/sso_connectors/{sso_connector_id}':
        fresh.sso_connector_id = (await adminOk('POST', `/accounts/${A}/sso_connectors`,
          { email_domain: 'gone.test', begin_verification: false })).id;
        break;
      case 'DELETE /accounts/{account_id}/members/{member_id}':
        fresh.member_id = (await adminOk('POST', `/accounts/${A}/members`, { email: 'gone@example.com', roles: [ADMIN_ROLE] })).id;
        break;
      case 'DELETE /accounts/{account_id}/iam/resource_groups/{resource_group_id}':
        fresh.resource_group_id = (await adminOk('POST', `/accounts/${A}/iam/resource_groups`,
          { name: 'gone', scope: { key: `com.cloudflare.api.account.${A}`, objects: [{ key: '*' }] } })).id;
        break;
      case 'DELETE /accounts/{account_id}/iam/user_groups/{user_group_id}':
        fresh.user_group_id = (await adminOk('POST', `/accounts/${A}/iam/user_groups`, { name: 'gone' })).id;
        break;
      case 'DELETE /accounts/{account_id}/iam/user_groups/{user_group_id}/members/{member_id}':
        // The fixture member leaves the fixture group; it is the last check to use it.
        break;
      default:
        assert.fail(`no delete fixture for ${label(route)}`);
    }
    const path = route.path.replace(/\{(\w+)\}/g, (_, n) => fresh[n]);
    // The same path in B is absent to this token.
    expectAbsent(await srv.call('DELETE', path.replace(A, B), { token: tok }), route, `${group} in B`);
    expectOk(assert, await srv.call('DELETE', path, { token: tok }));
    expectError(assert, await srv.call('DELETE', path, { token: tok }), 404, 1003);
  }
});
