// SSO connectors over plain HTTP: CRUD, validation, the enable rules. DNS
// verification end to end is in sso_dns.test.mjs; here the resolver is a
// local dnsmasq so no lookup ever leaves the machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk } from '../lib/harness.mjs';
import { freeUdpPort, startDnsmasq, waitFor } from '../lib/dns.mjs';

let srv;
let dns;
let account;
before(async () => {
  const port = await freeUdpPort();
  dns = await startDnsmasq(port, []);
  srv = await startServer({
    args: ['--dns-resolver', `127.0.0.1:${port}`, '--sso-verify-interval', '100',
      '--sso-verify-attempts', '2', '--dns-timeout', '200'],
    env: { CFIAM_SSO_BLOCKED_DOMAINS: 'Blocked.example, other-blocked.test' },
  });
  account = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'SSO' } })).id;
});
after(async () => {
  const { code } = await srv.stop();
  srv.cleanup();
  await dns.stop();
  assert.equal(code, 0, `server exited ${code}:\n${srv.stderr()}`);
});

const base = () => `/accounts/${account}/sso_connectors`;
const CODE = /^cloudflare_dashboard_sso=\d+$/;

test('create: disabled, verification pending by default, normalized domain', async () => {
  const before = Date.now();
  const c = expectOk(assert, await srv.call('POST', base(), { body: { email_domain: 'Pending.Test.' } }));
  assert.match(c.id, /^[0-9a-f]{32}$/);
  assert.equal(c.email_domain, 'pending.test');
  assert.equal(c.enabled, false);
  assert.equal(c.use_fedramp_language, false);
  assert.match(c.verification.code, CODE);
  assert.equal(c.verification.status, 'pending');
  assert.ok(Date.parse(c.created_on) >= before - 1000);
  assert.equal(c.created_on, c.updated_on);
  assert.deepEqual(Object.keys(c).sort(),
    ['created_on', 'email_domain', 'enabled', 'id', 'updated_on', 'use_fedramp_language', 'verification']);
  // No TXT record exists, so the check ends failed after its attempts.
  const done = await waitFor(() => srv.call('GET', `${base()}/${c.id}`),
    (r) => r.body?.result?.verification.status !== 'pending');
  assert.equal(done.body.result.verification.status, 'failed');
  assert.equal(done.body.result.verification.code, c.verification.code);
});

test('create without verification is awaiting; options are stored', async () => {
  const c = expectOk(assert, await srv.call('POST', base(), {
    body: { email_domain: 'xn--bcher-kva.test', begin_verification: false, use_fedramp_language: true } }));
  assert.equal(c.verification.status, 'awaiting');
  assert.equal(c.use_fedramp_language, true);
  assert.equal(c.email_domain, 'xn--bcher-kva.test');
  const got = expectOk(assert, await srv.call('GET', `${base()}/${c.id}`));
  assert.deepEqual(got, c);
  // Codes are per connector.
  const other = expectOk(assert, await srv.call('POST', base(), {
    body: { email_domain: 'another.test', begin_verification: false } }));
  assert.notEqual(other.verification.code, c.verification.code);
});

test('create validates email_domain and the flags, naming the field', async () => {
  const cases = [
    [{}, '/email_domain'],
    [{ email_domain: '' }, '/email_domain'],
    [{ email_domain: 42 }, '/email_domain'],
    [{ email_domain: 'localhost' }, '/email_domain'],
    [{ email_domain: 'bad_domain.com' }, '/email_domain'],
    [{ email_domain: 'user@example.com' }, '/email_domain'],
    [{ email_domain: 'bücher.de' }, '/email_domain'],
    [{ email_domain: '-x.com' }, '/email_domain'],
    [{ email_domain: `${'a'.repeat(64)}.com` }, '/email_domain'],
    [{ email_domain: '10.1.2.3' }, '/email_domain'],
    [{ email_domain: 'gmail.com' }, '/email_domain'],
    [{ email_domain: 'GMAIL.com' }, '/email_domain'],
    [{ email_domain: 'proton.me' }, '/email_domain'],
    [{ email_domain: 'hotmail.com' }, '/email_domain'],
    [{ email_domain: 'blocked.example' }, '/email_domain'],
    [{ email_domain: 'other-blocked.test' }, '/email_domain'],
    [{ email_domain: 'ok.test', begin_verification: 'yes' }, '/begin_verification'],
    [{ email_domain: 'ok.test', use_fedramp_language: 1 }, '/use_fedramp_language'],
  ];
  for (const [body, pointer] of cases) {
    const res = await srv.call('POST', base(), { body });
    expectError(assert, res, 400, 1002);
    assert.equal(res.body.errors[0].source?.pointer, pointer, JSON.stringify(body));
  }
  const mailbox = await srv.call('POST', base(), { body: { email_domain: 'outlook.com' } });
  assert.match(mailbox.body.errors[0].message, /public mailbox/);
  expectError(assert, await srv.call('POST', base()), 400);
});

test('one connector per domain per account; other accounts may have their own', async () => {
  expectOk(assert, await srv.call('POST', base(), { body: { email_domain: 'dup.test', begin_verification: false } }));
  expectError(assert, await srv.call('POST', base(), { body: { email_domain: 'DUP.test' } }), 409, 1004);
  const acc2 = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'SSO 2' } })).id;
  expectOk(assert, await srv.call('POST', `/accounts/${acc2}/sso_connectors`, {
    body: { email_domain: 'dup.test', begin_verification: false } }));
});

test('list is a single page of this account\'s connectors', async () => {
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'SSO list' } })).id;
  const path = `/accounts/${acc}/sso_connectors`;
  assert.deepEqual(expectOk(assert, await srv.call('GET', path)), []);
  const a = expectOk(assert, await srv.call('POST', path, { body: { email_domain: 'a.test', begin_verification: false } }));
  const b = expectOk(assert, await srv.call('POST', path, { body: { email_domain: 'b.test', begin_verification: false } }));
  const list = expectOk(assert, await srv.call('GET', path));
  assert.deepEqual(list, [a, b]);
});

test('patch: fedramp language changes; enabling an unverified connector is refused', async () => {
  const c = expectOk(assert, await srv.call('POST', base(), { body: { email_domain: 'patch.test', begin_verification: false } }));
  const up = expectOk(assert, await srv.call('PATCH', `${base()}/${c.id}`, { body: { use_fedramp_language: true } }));
  assert.equal(up.use_fedramp_language, true);
  assert.equal(up.enabled, false);
  assert.ok(Date.parse(up.updated_on) >= Date.parse(c.updated_on));
  const refused = await srv.call('PATCH', `${base()}/${c.id}`, { body: { enabled: true } });
  expectError(assert, refused, 400, 1002);
  assert.equal(refused.body.errors[0].source?.pointer, '/enabled');
  assert.match(refused.body.errors[0].message, /not verified/);
  assert.equal(expectOk(assert, await srv.call('GET', `${base()}/${c.id}`)).enabled, false);
  // Disabling needs nothing; an empty patch changes nothing.
  expectOk(assert, await srv.call('PATCH', `${base()}/${c.id}`, { body: { enabled: false } }));
  const same = expectOk(assert, await srv.call('PATCH', `${base()}/${c.id}`, { body: {} }));
  assert.equal(same.use_fedramp_language, true);
  expectError(assert, await srv.call('PATCH', `${base()}/${c.id}`, { body: { enabled: 'true' } }), 400, 1002);
});

test('begin_verification answers at once with the success envelope and sets pending', async () => {
  const c = expectOk(assert, await srv.call('POST', base(), { body: { email_domain: 'begin.test', begin_verification: false } }));
  const res = await srv.call('POST', `${base()}/${c.id}/begin_verification`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.success, true);
  assert.deepEqual(res.body.errors, []);
  const got = expectOk(assert, await srv.call('GET', `${base()}/${c.id}`));
  assert.equal(got.verification.status, 'pending');
  expectError(assert, await srv.call('POST', `${base()}/${'0'.repeat(32)}/begin_verification`), 404, 1003);
});

test('delete answers the id; then the connector is gone', async () => {
  const c = expectOk(assert, await srv.call('POST', base(), { body: { email_domain: 'delete.test' } }));
  assert.deepEqual(expectOk(assert, await srv.call('DELETE', `${base()}/${c.id}`)), { id: c.id });
  expectError(assert, await srv.call('GET', `${base()}/${c.id}`), 404, 1003);
  expectError(assert, await srv.call('DELETE', `${base()}/${c.id}`), 404, 1003);
  assert.ok(!expectOk(assert, await srv.call('GET', base())).some((x) => x.id === c.id));
  // The domain is free again.
  expectOk(assert, await srv.call('POST', base(), { body: { email_domain: 'delete.test', begin_verification: false } }));
});

test('unknown and foreign ids are 404; malformed ids do not route', async () => {
  const missing = '0'.repeat(32);
  expectError(assert, await srv.call('GET', `${base()}/${missing}`), 404, 1003);
  expectError(assert, await srv.call('PATCH', `${base()}/${missing}`, { body: { enabled: false } }), 404, 1003);
  expectError(assert, await srv.call('DELETE', `${base()}/${missing}`), 404, 1003);
  expectError(assert, await srv.call('GET', `${base()}/xyz`), 404, 7003);
  expectError(assert, await srv.call('GET', `/accounts/${missing}/sso_connectors`), 404);
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'SSO foreign' } })).id;
  const c = expectOk(assert, await srv.call('POST', `/accounts/${acc}/sso_connectors`, {
    body: { email_domain: 'foreign.test', begin_verification: false } }));
  expectError(assert, await srv.call('GET', `${base()}/${c.id}`), 404, 1003);
  expectError(assert, await srv.call('DELETE', `${base()}/${c.id}`), 404, 1003);
});

test('credentials are required', async () => {
  expectError(assert, await srv.call('GET', base(), { token: null }), 400, 9106);
  expectError(assert, await srv.call('POST', base(), { token: 'nope-nope-nope', body: { email_domain: 'x.test' } }), 403, 9109);
});

test('at most 100 connectors per account; the 101st is a 400', async () => {
  const full = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'SSO Full' } })).id;
  const path = `/accounts/${full}/sso_connectors`;
  for (let i = 0; i < 100; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, (_, j) => srv.call('POST', path,
      { body: { email_domain: `d${i + j}.full.test`, begin_verification: false } })));
    for (const r of batch) expectOk(assert, r);
  }
  const res = await srv.call('POST', path, { body: { email_domain: 'one-more.full.test', begin_verification: false } });
  expectError(assert, res, 400, 1002);
  assert.match(res.body.errors[0].message, /at most 100 SSO connectors/);
  assert.equal(expectOk(assert, await srv.call('GET', path)).length, 100);
  // Other accounts are not affected.
  expectOk(assert, await srv.call('POST', base(), { body: { email_domain: 'one-more.full.test', begin_verification: false } }));
});
