// GET /accounts/{id}/logs/audit over plain HTTP: the query's validation
// paths, authorization, the empty-log answer, and the retention flags. These
// need no recorded entries (recording tests live with the recording).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import Cloudflare from 'cloudflare';
import { BIN, startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const G = {
  settingsRead: 'c1fde68c7bcc44588cbb6ddbc16d6480',
  billingRead: '7cf72faf220841aabcfdfab81c43c4f6',
};
const WINDOW = 'since=2024-10-30&before=2024-10-31';

let srv;
let acc;
let other;
let reader;  // Account Settings Read token of acc
let biller;  // Billing Read token of acc
before(async () => {
  srv = await startServer();
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Audit Home' } })).id;
  other = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Audit Other' } })).id;
  const token = async (group) => expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, {
    body: { name: `audit ${group}`, policies: [{ effect: 'allow', permission_groups: [{ id: group }],
      resources: { [`com.cloudflare.api.account.${acc}`]: '*' } }] } })).value;
  reader = await token(G.settingsRead);
  biller = await token(G.billingRead);
});
after(() => stopAndCheck(assert, srv));

const list = (query, opts = {}) => srv.call('GET', `/accounts/${opts.account ?? acc}/logs/audit?${query}`, opts);

// A 400 1002 whose message names `param`.
async function rejects(query, param) {
  const res = await list(query);
  expectError(assert, res, 400, 1002);
  assert.ok(res.body.errors[0].message.includes(`'${param}'`), `${query}: ${res.text}`);
}

test('an empty window answers an empty page: count is a string, no cursor', async () => {
  const res = await list(WINDOW);
  assert.deepEqual(expectOk(assert, res), []);
  assert.deepEqual(res.body.result_info, { count: '0' });
});

test('since and before are required and must be dates or RFC 3339 timestamps', async () => {
  await rejects('before=2024-10-31', 'since');
  await rejects('since=2024-10-30', 'before');
  await rejects('', 'since');
  for (const bad of ['yesterday', '2024-10-3', '2024-02-30', '2024-10-30T00:00:00', '1730246400', '']) {
    await rejects(`since=${encodeURIComponent(bad)}&before=2024-10-31`, 'since');
    await rejects(`since=2024-10-30&before=${encodeURIComponent(bad)}`, 'before');
  }
  await rejects('since=2024-10-31&before=2024-10-30', 'since');
  for (const ok of ['since=2024-10-30T00:00:00Z&before=2024-10-31T00:00:00.5Z',
    `since=${encodeURIComponent('2024-10-30T02:00:00+02:00')}&before=2024-10-31`,
    'since=2024-10-30t00:00:00.123456z&before=2024-10-31']) {
    expectOk(assert, await list(ok));
  }
});

test('limit is an integer from 1 to 1000; direction is asc or desc', async () => {
  for (const bad of ['0', '1001', '-5', 'ten', '2.5', '']) await rejects(`${WINDOW}&limit=${bad}`, 'limit');
  for (const ok of ['1', '100', '1000']) expectOk(assert, await list(`${WINDOW}&limit=${ok}`));
  await rejects(`${WINDOW}&direction=sideways`, 'direction');
  for (const ok of ['asc', 'desc']) expectOk(assert, await list(`${WINDOW}&direction=${ok}`));
});

test('enumerated filters and raw_status_code refuse unknown values, naming the parameter', async () => {
  const cases = [
    ['action_type', 'read'], ['action_type.not', 'CREATE'], ['action_result', 'ok'],
    ['actor_context', 'cli'], ['actor_type.not', 'robot'], ['resource_scope', 'account'],
    ['raw_status_code', 'OK'], ['raw_status_code.not', '200.0'],
  ];
  for (const [name, value] of cases) await rejects(`${WINDOW}&${name}=${value}&${name}=${value}`, name);
  // A valid value next to an invalid one is still refused.
  await rejects(`${WINDOW}&action_type=create&action_type=read`, 'action_type');
});

test('every filter and its .not form is accepted, repeated, as the SDK serializes them', async () => {
  const client = new Cloudflare({ apiToken: srv.token, apiEmail: null, apiKey: null, baseURL: srv.base, maxRetries: 0 });
  const params = {
    since: '2024-10-30', before: '2024-10-31', direction: 'asc', limit: 5,
    product_category: ['members'],
  };
  const values = {
    id: 'a', audit_log_id: 'b', account_name: 'Acme', action_result: 'success', action_type: 'create',
    actor_context: 'api_token', actor_email: 'a@b.c', actor_id: 'x', actor_ip_address: '192.0.2.1',
    actor_token_id: 't', actor_token_name: 'T', actor_type: 'user', raw_cf_ray_id: 'r', raw_method: 'POST',
    raw_status_code: 200, raw_uri: '/x', resource_id: 'r', resource_product: 'members',
    resource_scope: 'accounts', resource_type: 't', zone_id: 'z', zone_name: 'example.com',
  };
  for (const [name, v] of Object.entries(values)) params[name] = { not: [v, v] };
  const query = client.stringifyQuery(params);
  assert.match(query, /actor_email\.not=a%40b\.c&actor_email\.not=a%40b\.c/);
  assert.deepEqual(expectOk(assert, await list(query)), []);
  const positive = Object.entries(values).map(([k, v]) => `${k}=${encodeURIComponent(v)}&${k}=${encodeURIComponent(v)}`);
  assert.deepEqual(expectOk(assert, await list(`${WINDOW}&${positive.join('&')}`)), []);
  // And through the SDK itself: an empty log is one empty page.
  const seen = [];
  for await (const e of client.accounts.logs.audit.list({ account_id: acc, ...params })) seen.push(e);
  assert.deepEqual(seen, []);
});

test('a cursor the server did not issue is a 400 naming cursor', async () => {
  for (const bad of ['garbage', 'AAAA', 'ASqdKd7dKgxh-aZ8bm0mZos1BtW4BdEqifCzNkEeGRzi_5SN_-362Y8sF-C1TRn60_6rd3z2dIajf9EAPyQ_NmIeAMkacmaJPXipqvP7PLU4t72wyqBeJfjmjdE=',
    'x'.repeat(2000), '%00%ff']) {
    await rejects(`${WINDOW}&cursor=${encodeURIComponent(bad)}`, 'cursor');
  }
});

test('needs #organization:read in the account; other accounts are absent', async () => {
  expectOk(assert, await list(WINDOW, { token: reader }));
  expectError(assert, await list(WINDOW, { token: biller }), 403, 10000);
  expectError(assert, await list(WINDOW, { token: reader, account: other }), 404, 1003);
  expectError(assert, await list(WINDOW, { token: null }), 400, 9106);
  expectError(assert, await list(WINDOW, { account: 'f'.repeat(32) }), 404, 1003);
  // Authorization comes before validation: no hint about the query to an outsider.
  expectError(assert, await list('', { token: biller }), 403, 10000);
  expectError(assert, await list('', { token: reader, account: other }), 404, 1003);
  expectError(assert, await srv.call('POST', `/accounts/${acc}/logs/audit?${WINDOW}`, { body: {} }), 405, 10405);
});

test('retention flags: ages parse, bad ones stop start-up with usage', async () => {
  const ok = await startServer({ args: ['--audit-retention', '30d', '--audit-prune-interval', '1s'] });
  await new Promise((r) => setTimeout(r, 1500));  // at least one (empty) prune pass
  expectOk(assert, await ok.call('GET', '/accounts?per_page=5'));
  await stopAndCheck(assert, ok);
  const env = { ...process.env, CFIAM_AUDIT_RETENTION: '18mo' };
  for (const args of [['--audit-retention', '30x'], ['--audit-retention', '0d'], ['--audit-prune-interval', 'soon']]) {
    const r = spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', '/nonexistent/never', ...args],
      { env, encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(args[0]));
  }
  const r = spawnSync(BIN, ['serve', '--data-dir', '/nonexistent/never'],
    { env: { ...process.env, CFIAM_AUDIT_RETENTION: 'forever' }, encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /CFIAM_AUDIT_RETENTION/);
  const help = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--audit-retention AGE/);
});
