// Audit recording over HTTP: every change route writes exactly one entry with
// the right actor, result and status; refused changes are failures; reads and
// anonymous requests write nothing; no secret ever appears in an entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { startServer, expectError, expectOk, BIN, stopAndCheck } from '../lib/harness.mjs';
import { freeUdpPort, startDnsmasq } from '../lib/dns.mjs';

const PG = {
  settingsWrite: '1af1fa2adc104452b74a9a3364202f20',
  settingsRead: 'c1fde68c7bcc44588cbb6ddbc16d6480',
  tokensWrite: '5bc3f8b21c554832afc660159ab75fa4',
  workersRead: '1a71c399035b4950a1bd1466bbe4f420',
};
const ADMIN_ROLE = '05784afa30c1afe1440e79d9351c7430';
const AUDIT_VIEWER_ROLE = '9dfa4d1b73034f70ad896bf1c26d78f3';
const ROUTES = JSON.parse(execFileSync(BIN, ['routes'], { encoding: 'utf8' }));
const CHANGE_ROUTES = ROUTES.filter((r) => r.audit);

let srv;
let dns;
let acc;
const secrets = []; // every secret the server handed out

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const WINDOW = `since=${day(-1)}&before=${day(2)}`;

// Every entry of `account` matching `query`, newest first, across pages.
async function entries(account, query = '', token) {
  const out = [];
  let cursor;
  for (;;) {
    const q = `${WINDOW}&limit=1000${query ? `&${query}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await srv.call('GET', `/accounts/${account}/logs/audit?${q}`, { token });
    assert.equal(res.status, 200, res.text);
    out.push(...res.body.result);
    cursor = res.body.result_info.cursor;
    if (!cursor) return out;
  }
}

// The one entry a response's cf-ray produced.
async function entryOf(account, res) {
  const ray = res.headers.get('cf-ray');
  const found = await entries(account, `raw_cf_ray_id=${encodeURIComponent(ray)}`);
  assert.equal(found.length, 1, `expected one entry for ${ray}, got ${JSON.stringify(found)}`);
  return found[0];
}

function apiKeyFor(email) {
  const out = spawnSync(BIN, ['admin', 'api-key', '--email', email, ...srv.storeArgs], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const key = out.stdout.trim();
  secrets.push(key);
  return key;
}

async function keyClient(email) {
  const key = apiKeyFor(email);
  const call = (method, path, opts = {}) => srv.call(method, path, {
    ...opts, token: null, headers: { 'X-Auth-Email': email, 'X-Auth-Key': key, ...(opts.headers ?? {}) } });
  for (let i = 0; i < 50; i++) {
    if ((await call('GET', '/memberships')).status === 200) return call;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`API key of ${email} never became valid`);
}

async function accountToken(account, groups, name = 'robot') {
  const t = expectOk(assert, await srv.call('POST', `/accounts/${account}/tokens`, {
    body: {
      name,
      policies: [{ effect: 'allow', permission_groups: groups.map((id) => ({ id })),
        resources: { [`com.cloudflare.api.account.${account}`]: '*' } }],
    },
  }));
  secrets.push(t.value);
  return t;
}

before(async () => {
  const port = await freeUdpPort();
  dns = await startDnsmasq(port, []);
  srv = await startServer({
    email: 'root@example.com',
    args: ['--dns-resolver', `127.0.0.1:${port}`, '--sso-verify-interval', '100',
      '--sso-verify-attempts', '1', '--dns-timeout', '200'],
  });
  secrets.push(srv.token);
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Audited' } })).id;
});
after(async () => {
  await dns.stop();
  await stopAndCheck(assert, srv);
});

test('creating an account is recorded under the new account, by the bootstrap user token', async () => {
  const res = await srv.call('POST', '/accounts', { body: { name: 'Fresh Co' }, headers: { 'User-Agent': 'audit-test/1.0' } });
  const id = expectOk(assert, res).id;
  const e = await entryOf(id, res);
  assert.equal(e.account.id, id);
  assert.equal(e.account.name, 'Fresh Co');
  assert.deepEqual(e.action.type, 'create');
  assert.equal(e.action.description, 'Create Account');
  assert.equal(e.action.result, 'success');
  assert.match(e.action.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.equal(e.actor.type, 'user');
  assert.equal(e.actor.context, 'api_token');
  assert.equal(e.actor.email, 'root@example.com');
  assert.match(e.actor.id, /^[0-9a-f]{32}$/);
  assert.ok(e.actor.token_id, 'a user token names itself');
  assert.equal(e.actor.ip_address, '127.0.0.1');
  assert.equal(e.raw.method, 'POST');
  assert.equal(e.raw.status_code, 200);
  assert.equal(e.raw.uri, '/accounts');
  assert.equal(e.raw.cf_ray_id, res.headers.get('cf-ray'));
  assert.equal(e.raw.user_agent, 'audit-test/1.0');
  assert.equal(e.resource.id, id);
  assert.equal(e.resource.product, 'accounts');
  assert.equal(e.resource.scope, 'accounts');
  assert.deepEqual(e.resource.request, { name: 'Fresh Co' });
  assert.equal(e.resource.response.name, 'Fresh Co');
});

test('an account token acts as the account; a global API key as its user', async () => {
  const tok = await accountToken(acc, [PG.settingsWrite], 'ci-robot');
  // A role within the token's own grants (the ceiling refuses any wider one).
  const res = await srv.call('POST', `/accounts/${acc}/members`, {
    token: tok.value, body: { email: 'hired@example.com', roles: [AUDIT_VIEWER_ROLE] } });
  const member = expectOk(assert, res);
  const e = await entryOf(acc, res);
  assert.equal(e.actor.type, 'account');
  assert.equal(e.actor.id, acc);
  assert.equal(e.actor.context, 'api_token');
  assert.equal(e.actor.token_id, tok.id);
  assert.equal(e.actor.token_name, 'ci-robot');
  assert.equal(e.actor.email, undefined);
  assert.equal(e.action.description, 'Add Member');
  assert.equal(e.resource.product, 'members');
  assert.equal(e.resource.id, member.id);
  assert.deepEqual(e.resource.response, member, 'the entry keeps the member as answered');
  assert.equal(e.account.name, 'Audited');

  const root = await keyClient('root@example.com');
  const upd = await root('PUT', `/accounts/${acc}`, { body: { name: 'Audited Inc' } });
  expectOk(assert, upd);
  const u = await entryOf(acc, upd);
  assert.equal(u.actor.type, 'user');
  assert.equal(u.actor.context, 'api_key');
  assert.equal(u.actor.email, 'root@example.com');
  assert.equal(u.actor.token_id, undefined);
  assert.equal(u.action.type, 'update');
  assert.equal(u.account.name, 'Audited Inc', 'an account update is logged under its new name');
});

test('refused changes are recorded as failures with their status; nothing changes', async () => {
  const weak = await accountToken(acc, [PG.workersRead], 'weak');
  const denied = await srv.call('POST', `/accounts/${acc}/members`, {
    token: weak.value, body: { email: 'sneaky@example.com', roles: [ADMIN_ROLE] } });
  expectError(assert, denied, 403, 10000);
  const d = await entryOf(acc, denied);
  assert.equal(d.action.result, 'failure');
  assert.equal(d.raw.status_code, 403);
  assert.equal(d.actor.token_name, 'weak');
  assert.equal(d.resource.response.errors[0].code, 10000);

  const invalid = await srv.call('POST', `/accounts/${acc}/iam/user_groups`, { body: { name: '' } });
  expectError(assert, invalid, 400);
  const i = await entryOf(acc, invalid);
  assert.equal(i.action.result, 'failure');
  assert.equal(i.raw.status_code, 400);
  assert.equal(i.action.type, 'create');

  const malformed = await srv.call('POST', `/accounts/${acc}/tokens`, { raw: '{nope', headers: { 'Content-Type': 'application/json' } });
  expectError(assert, malformed, 400);
  assert.equal((await entryOf(acc, malformed)).action.result, 'failure');

  const missing = await srv.call('DELETE', `/accounts/${acc}/members/${'e'.repeat(32)}`);
  expectError(assert, missing, 404);
  assert.equal((await entryOf(acc, missing)).raw.status_code, 404);

  const members = expectOk(assert, await srv.call('GET', `/accounts/${acc}/members?per_page=50`));
  assert.ok(!members.some((m) => m.user?.email === 'sneaky@example.com'));
});

test('reads and anonymous or badly authenticated requests write no entry', async () => {
  const before = (await entries(acc)).length;
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`));
  expectOk(assert, await srv.call('GET', `/accounts/${acc}/members`));
  await srv.call('POST', `/accounts/${acc}/members`, { token: null, body: { email: 'x@example.com', roles: [ADMIN_ROLE] } });
  await srv.call('POST', `/accounts/${acc}/members`, { token: 'not-a-token', body: { email: 'x@example.com', roles: [ADMIN_ROLE] } });
  const after = await entries(acc);
  assert.equal(after.length, before);
  assert.ok(after.every((e) => e.raw.method !== 'GET'));
});

test('every change route writes exactly one entry, and no secret reaches the log', async () => {
  const a = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Tour' } })).id;
  const seen = []; // [route, response]
  const go = async (method, path, body, route, opts = {}) => {
    const res = await srv.call(method, path, { body, ...opts });
    expectOk(assert, res);
    seen.push([route, res]);
    return res.body.result;
  };
  const A = `/accounts/${a}`;
  await go('PUT', A, { name: 'Tour 2' }, 'PUT /accounts/{account_id}');
  const tok = await go('POST', `${A}/tokens`, { name: 't', policies: [{ effect: 'allow', permission_groups: [{ id: PG.settingsRead }], resources: { [`com.cloudflare.api.account.${a}`]: '*' } }] }, 'POST /accounts/{account_id}/tokens');
  secrets.push(tok.value);
  await go('PUT', `${A}/tokens/${tok.id}`, { name: 't2', policies: tok.policies.map(({ id, ...p }) => p) }, 'PUT /accounts/{account_id}/tokens/{token_id}');
  secrets.push(await go('PUT', `${A}/tokens/${tok.id}/value`, {}, 'PUT /accounts/{account_id}/tokens/{token_id}/value'));
  await go('DELETE', `${A}/tokens/${tok.id}`, undefined, 'DELETE /accounts/{account_id}/tokens/{token_id}');
  const sub = await go('POST', `${A}/subscriptions`, { rate_plan: { id: 'pro' } }, 'POST /accounts/{account_id}/subscriptions');
  await go('PUT', `${A}/subscriptions/${sub.id}`, { frequency: 'yearly' }, 'PUT /accounts/{account_id}/subscriptions/{subscription_identifier}');
  await go('DELETE', `${A}/subscriptions/${sub.id}`, undefined, 'DELETE /accounts/{account_id}/subscriptions/{subscription_identifier}');
  const sso = await go('POST', `${A}/sso_connectors`, { email_domain: 'tour.example' }, 'POST /accounts/{account_id}/sso_connectors');
  await go('POST', `${A}/sso_connectors/${sso.id}/begin_verification`, undefined, 'POST /accounts/{account_id}/sso_connectors/{sso_connector_id}/begin_verification');
  await go('PATCH', `${A}/sso_connectors/${sso.id}`, { use_fedramp_language: true }, 'PATCH /accounts/{account_id}/sso_connectors/{sso_connector_id}');
  await go('DELETE', `${A}/sso_connectors/${sso.id}`, undefined, 'DELETE /accounts/{account_id}/sso_connectors/{sso_connector_id}');
  const m = await go('POST', `${A}/members`, { email: 'tourist@example.com', roles: [ADMIN_ROLE] }, 'POST /accounts/{account_id}/members');
  await go('PUT', `${A}/members/${m.id}`, { roles: [{ id: ADMIN_ROLE }] }, 'PUT /accounts/{account_id}/members/{member_id}');
  const rg = await go('POST', `${A}/iam/resource_groups`, { name: 'rg', scope: { key: `com.cloudflare.api.account.${a}`, objects: [{ key: '*' }] } }, 'POST /accounts/{account_id}/iam/resource_groups');
  await go('PUT', `${A}/iam/resource_groups/${rg.id}`, { name: 'rg2' }, 'PUT /accounts/{account_id}/iam/resource_groups/{resource_group_id}');
  await go('DELETE', `${A}/iam/resource_groups/${rg.id}`, undefined, 'DELETE /accounts/{account_id}/iam/resource_groups/{resource_group_id}');
  const ug = await go('POST', `${A}/iam/user_groups`, { name: 'ug' }, 'POST /accounts/{account_id}/iam/user_groups');
  await go('PUT', `${A}/iam/user_groups/${ug.id}`, { name: 'ug2' }, 'PUT /accounts/{account_id}/iam/user_groups/{user_group_id}');
  await go('POST', `${A}/iam/user_groups/${ug.id}/members`, [{ id: m.id }], 'POST /accounts/{account_id}/iam/user_groups/{user_group_id}/members');
  await go('PUT', `${A}/iam/user_groups/${ug.id}/members`, [{ id: m.id }], 'PUT /accounts/{account_id}/iam/user_groups/{user_group_id}/members');
  await go('DELETE', `${A}/iam/user_groups/${ug.id}/members/${m.id}`, undefined, 'DELETE /accounts/{account_id}/iam/user_groups/{user_group_id}/members/{member_id}');
  await go('DELETE', `${A}/iam/user_groups/${ug.id}`, undefined, 'DELETE /accounts/{account_id}/iam/user_groups/{user_group_id}');
  // The invited user answers for itself with its own key.
  const tourist = await keyClient('tourist@example.com');
  const acceptRes = await tourist('PUT', `/memberships/${m.id}`, { body: { status: 'accepted' } });
  expectOk(assert, acceptRes);
  seen.push(['PUT /memberships/{membership_id}', acceptRes]);
  const leaveRes = await tourist('DELETE', `/memberships/${m.id}`);
  expectOk(assert, leaveRes);
  seen.push(['DELETE /memberships/{membership_id}', leaveRes]);
  const m2 = await go('POST', `${A}/members`, { email: 'temp@example.com', roles: [ADMIN_ROLE] }, 'POST /accounts/{account_id}/members');
  await go('DELETE', `${A}/members/${m2.id}`, undefined, 'DELETE /accounts/{account_id}/members/{member_id}');
  // The caller's own user and user-owned tokens: changes outside any account.
  await go('PATCH', '/user', { first_name: 'Tour' }, 'PATCH /user');
  const ut = await go('POST', '/user/tokens', { name: 'ut', policies: [{ effect: 'allow', permission_groups: [{ id: PG.settingsRead }], resources: { [`com.cloudflare.api.account.${a}`]: '*' } }] }, 'POST /user/tokens');
  secrets.push(ut.value);
  await go('PUT', `/user/tokens/${ut.id}`, { name: 'ut2', policies: ut.policies }, 'PUT /user/tokens/{token_id}');
  secrets.push(await go('PUT', `/user/tokens/${ut.id}/value`, {}, 'PUT /user/tokens/{token_id}/value'));
  await go('DELETE', `/user/tokens/${ut.id}`, undefined, 'DELETE /user/tokens/{token_id}');
  const fresh = await srv.call('POST', '/accounts', { body: { name: 'Doomed' } });
  const doomed = expectOk(assert, fresh).id;
  seen.push(['POST /accounts', fresh]);
  await go('DELETE', `/accounts/${doomed}`, undefined, 'DELETE /accounts/{account_id}');

  // Each response produced exactly one entry, in the account it changed.
  const covered = new Set();
  for (const [route, res] of seen) {
    const ray = res.headers.get('cf-ray');
    const found = route === 'DELETE /accounts/{account_id}' || route === 'POST /accounts'
      ? await rawEntries(doomed, ray)
      : route.includes(' /user') ? await rawEntries('', ray)
        : await entries(a, `raw_cf_ray_id=${encodeURIComponent(ray)}`);
    assert.equal(found.length, 1, `${route}: ${JSON.stringify(found)}`);
    const e = found[0];
    const want = CHANGE_ROUTES.find((r) => `${r.method} ${r.path}` === route);
    assert.ok(want, route);
    assert.equal(e.action.description, want.audit, route);
    assert.equal(e.action.result, 'success', route);
    assert.equal(e.raw.method, want.method, route);
    assert.equal(e.action.type, want.method === 'DELETE' ? 'delete' : (want.method === 'POST' && !route.endsWith('begin_verification') ? 'create' : 'update'), route);
    covered.add(route);
  }
  for (const r of CHANGE_ROUTES) assert.ok(covered.has(`${r.method} ${r.path}`), `not exercised: ${r.method} ${r.path}`);

  // No secret handed out in this whole file appears in any entry, in or out of accounts.
  const outside = JSON.stringify(srv.storeRows(
    "SELECT * FROM audit_log l JOIN audit_details d ON d.id = l.id WHERE l.account_id = ''"));
  assert.ok(outside.includes('/user/tokens'));
  const all = JSON.stringify([...(await entries(a)), ...(await entries(acc))]) + outside;
  for (const s of secrets) assert.ok(!all.includes(s), `a secret reached the audit log`);
  assert.ok(all.includes('[REDACTED]'));
});

// A deleted account's log stays in the store (until retention prunes it) but
// the API no longer answers for the account, so its last entry is read from
// the database itself; so are the entries of changes outside any account
// (the user and its tokens: account '').
async function rawEntries(account, ray) {
  if (account) expectError(assert, await srv.call('GET', `/accounts/${account}/logs/audit?${WINDOW}`), 404);
  const out = srv.storeRows(
    `SELECT l.action_type, l.action_result, l.raw_method, l.raw_status_code, d.action_description
       FROM audit_log l JOIN audit_details d ON d.id = l.id
      WHERE l.account_id = '${account}' AND l.raw_cf_ray_id = '${ray.replace(/'/g, "''")}'`);
  return out.map((r) => ({
    action: { type: r.action_type, result: r.action_result, description: r.action_description },
    raw: { method: r.raw_method, status_code: r.raw_status_code },
  }));
}

test('retention: entries older than --audit-retention are pruned in the background; the changes stay', async () => {
  const short = await startServer({ args: ['--audit-retention', '2s', '--audit-prune-interval', '1s'] });
  try {
    const id = expectOk(assert, await short.call('POST', '/accounts', { body: { name: 'Short Memory' } })).id;
    const q = `/accounts/${id}/logs/audit?${WINDOW}`;
    assert.equal(expectOk(assert, await short.call('GET', q)).length, 1);
    let left = 1;
    for (let i = 0; i < 60 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      left = expectOk(assert, await short.call('GET', q)).length;
    }
    assert.equal(left, 0, 'the entry outlived its retention');
    assert.equal(expectOk(assert, await short.call('GET', `/accounts/${id}`)).name, 'Short Memory');
  } finally {
    await stopAndCheck(assert, short);
  }
});

// Each filter of the contract, over the entries recorded above: `f=v` keeps
// exactly the entries whose field is v, `f.not=v` exactly the others, and two
// values of one field OR together.
const FIELDS = {
  id: (e) => e.id,
  audit_log_id: (e) => e.id,
  account_name: (e) => e.account?.name,
  action_result: (e) => e.action?.result,
  action_type: (e) => e.action?.type,
  actor_context: (e) => e.actor?.context,
  actor_email: (e) => e.actor?.email,
  actor_id: (e) => e.actor?.id,
  actor_ip_address: (e) => e.actor?.ip_address,
  actor_token_id: (e) => e.actor?.token_id,
  actor_token_name: (e) => e.actor?.token_name,
  actor_type: (e) => e.actor?.type,
  raw_cf_ray_id: (e) => e.raw?.cf_ray_id,
  raw_method: (e) => e.raw?.method,
  raw_status_code: (e) => e.raw?.status_code,
  raw_uri: (e) => e.raw?.uri,
  resource_id: (e) => e.resource?.id,
  resource_product: (e) => e.resource?.product,
  resource_scope: (e) => e.resource?.scope,
  resource_type: (e) => e.resource?.type,
  zone_id: (e) => e.zone?.id,
  zone_name: (e) => e.zone?.name,
};

test('every filter and its .not over recorded entries, as exact sets', async () => {
  const all = await entries(acc);
  assert.ok(all.length >= 8, `${all.length} entries`);
  const ids = (list) => list.map((e) => e.id).sort();
  for (const [field, get] of Object.entries(FIELDS)) {
    const value = (e) => String(get(e) ?? '');
    const distinct = [...new Set(all.map(value))];
    const v = distinct.find((x) => x !== '') ?? '';
    const enc = encodeURIComponent(v);
    assert.deepEqual(ids(await entries(acc, `${field}=${enc}`)), ids(all.filter((e) => value(e) === v)), `${field}=${v}`);
    assert.deepEqual(ids(await entries(acc, `${field}.not=${enc}`)), ids(all.filter((e) => value(e) !== v)), `${field}.not=${v}`);
    if (distinct.length > 1) {
      const w = distinct.find((x) => x !== v);
      const got = await entries(acc, `${field}=${enc}&${field}=${encodeURIComponent(w)}`);
      assert.deepEqual(ids(got), ids(all.filter((e) => value(e) === v || value(e) === w)), `${field}=${v}|${w}`);
    }
  }
  // AND across fields.
  const got = await entries(acc, 'action_result=failure&raw_method=POST');
  assert.deepEqual(ids(got), ids(all.filter((e) => e.action.result === 'failure' && e.raw.method === 'POST')));
  assert.ok(got.length > 0);
});
