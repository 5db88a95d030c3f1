// SSO domain verification end to end against a real DNS server (dnsmasq on a
// loopback port): the right TXT record verifies, a wrong or missing one fails
// after the configured attempts, a large answer is re-asked over TCP, and a
// resolver that never answers fails the check without slowing other requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk } from '../lib/harness.mjs';
import { freeUdpPort, startDnsmasq, startSilentResolver, waitFor } from '../lib/dns.mjs';

const INTERVAL = 200;
const ATTEMPTS = 3;

let srv;
let dns;
let port;
let acc1;
let acc2;
const conn = {};  // name -> connector (account 1), plus 'good2' in account 2

const path = (acc, id = '') => `/accounts/${acc}/sso_connectors${id ? `/${id}` : ''}`;
const status = async (acc, id) => expectOk(assert, await srv.call('GET', path(acc, id))).verification.status;
const settled = (acc, id) => waitFor(() => status(acc, id), (s) => s !== 'pending');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// dnsmasq's log arrives through a pipe: wait for `n` queries, then make sure
// no further ones follow (the check has really stopped).
async function expectQueries(name, n) {
  await waitFor(() => dns.queries(name), (q) => q >= n, 3000).catch(() => {});
  await sleep(2 * INTERVAL);
  assert.equal(dns.queries(name), n, dns.log());
}

before(async () => {
  port = await freeUdpPort();
  srv = await startServer({
    args: ['--dns-resolver', `127.0.0.1:${port}`, '--sso-verify-interval', String(INTERVAL),
      '--sso-verify-attempts', String(ATTEMPTS), '--dns-timeout', '300'],
  });
  acc1 = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'DNS 1' } })).id;
  acc2 = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'DNS 2' } })).id;
  // Codes are only known once connectors exist, so create them first (not
  // verifying) and start the DNS server with the matching records.
  for (const name of ['good', 'wrong', 'missing', 'big']) {
    conn[name] = expectOk(assert, await srv.call('POST', path(acc1), {
      body: { email_domain: `${name}.test`, begin_verification: false } }));
    assert.equal(conn[name].verification.status, 'awaiting');
  }
  conn.good2 = expectOk(assert, await srv.call('POST', path(acc2), {
    body: { email_domain: 'good.test', begin_verification: false } }));
  const pad = (ch) => ch.repeat(200);
  dns = await startDnsmasq(port, [
    ['good.test', 'v=spf1 -all'],
    ['good.test', conn.good.verification.code],
    ['good.test', conn.good2.verification.code],
    ['wrong.test', 'cloudflare_dashboard_sso=1'],
    // Over 512 bytes: the UDP answer is truncated and must be re-asked over TCP.
    ['big.test', [pad('a'), pad('b'), pad('c')]],
    ['big.test', conn.big.verification.code],
  ]);
});
after(async () => {
  const { code } = await srv.stop();
  srv.cleanup();
  await dns?.stop();
  assert.equal(code, 0, `server exited ${code}:\n${srv.stderr()}`);
});

test('the right TXT record verifies the connector, which can then be enabled', async () => {
  const c = conn.good;
  const refused = await srv.call('PATCH', path(acc1, c.id), { body: { enabled: true } });
  expectError(assert, refused, 400, 1002);
  const begun = await srv.call('POST', `${path(acc1, c.id)}/begin_verification`);
  assert.equal(begun.status, 200, begun.text);
  assert.equal(begun.body.success, true);
  assert.equal(await settled(acc1, c.id), 'verified');
  assert.ok(dns.queries('good.test') >= 1);
  const on = expectOk(assert, await srv.call('PATCH', path(acc1, c.id), { body: { enabled: true } }));
  assert.equal(on.enabled, true);
  assert.equal(on.verification.status, 'verified');
});

test('a domain enabled in one account cannot be enabled in another', async () => {
  const c2 = conn.good2;
  await srv.call('POST', `${path(acc2, c2.id)}/begin_verification`);
  assert.equal(await settled(acc2, c2.id), 'verified');
  const clash = await srv.call('PATCH', path(acc2, c2.id), { body: { enabled: true } });
  expectError(assert, clash, 409, 1004);
  assert.match(clash.body.errors[0].message, /another account/);
  // Once account 1 disables it, account 2 may enable it.
  expectOk(assert, await srv.call('PATCH', path(acc1, conn.good.id), { body: { enabled: false } }));
  assert.equal(expectOk(assert, await srv.call('PATCH', path(acc2, c2.id), { body: { enabled: true } })).enabled, true);
  const back = await srv.call('PATCH', path(acc1, conn.good.id), { body: { enabled: true } });
  expectError(assert, back, 409, 1004);
});

test('a wrong TXT record fails after exactly the configured attempts', async () => {
  const c = conn.wrong;
  const started = Date.now();
  await srv.call('POST', `${path(acc1, c.id)}/begin_verification`);
  assert.equal(await status(acc1, c.id), 'pending');
  assert.equal(await settled(acc1, c.id), 'failed');
  // ATTEMPTS lookups, INTERVAL apart, so not before (ATTEMPTS-1) intervals.
  assert.ok(Date.now() - started >= (ATTEMPTS - 1) * INTERVAL, `${Date.now() - started} ms`);
  await expectQueries('wrong.test', ATTEMPTS);
  expectError(assert, await srv.call('PATCH', path(acc1, c.id), { body: { enabled: true } }), 400, 1002);
});

test('a missing record (NXDOMAIN) fails after the configured attempts', async () => {
  const c = conn.missing;
  await srv.call('POST', `${path(acc1, c.id)}/begin_verification`);
  assert.equal(await settled(acc1, c.id), 'failed');
  await expectQueries('missing.test', ATTEMPTS);
});

test('a truncated UDP answer is retried over TCP and verifies', async () => {
  const c = conn.big;
  await srv.call('POST', `${path(acc1, c.id)}/begin_verification`);
  assert.equal(await settled(acc1, c.id), 'verified');
  // One lookup = the UDP query plus its TCP repeat.
  await expectQueries('big.test', 2);
});

test('begin_verification restarts a finished check', async () => {
  const c = conn.missing;
  const before = dns.queries('missing.test');
  await srv.call('POST', `${path(acc1, c.id)}/begin_verification`);
  assert.equal(await status(acc1, c.id), 'pending');
  assert.equal(await settled(acc1, c.id), 'failed');
  await expectQueries('missing.test', before + ATTEMPTS);
});

test('a resolver that never answers fails the check without stalling other requests', async () => {
  const silent = await startSilentResolver();
  const other = await startServer({
    args: ['--dns-resolver', `127.0.0.1:${silent.port}`, '--sso-verify-interval', String(INTERVAL),
      '--sso-verify-attempts', String(ATTEMPTS), '--dns-timeout', '300'],
  });
  try {
    const acc = expectOk(assert, await other.call('POST', '/accounts', { body: { name: 'Silent' } })).id;
    const ids = [];
    for (let i = 0; i < 5; i += 1) {
      const c = expectOk(assert, await other.call('POST', `/accounts/${acc}/sso_connectors`, {
        body: { email_domain: `silent${i}.test` } }));
      assert.equal(c.verification.status, 'pending');
      ids.push(c.id);
    }
    // While the checks wait on timeouts, requests stay fast.
    let slowest = 0;
    const started = Date.now();
    while (Date.now() - started < 1000) {
      const t0 = Date.now();
      const list = expectOk(assert, await other.call('GET', `/accounts/${acc}/sso_connectors`));
      assert.equal(list.length, 5);
      slowest = Math.max(slowest, Date.now() - t0);
    }
    assert.ok(slowest < 250, `slowest request took ${slowest} ms`);
    for (const id of ids) {
      const s = await waitFor(async () => expectOk(assert, await other.call('GET', `/accounts/${acc}/sso_connectors/${id}`)).verification.status,
        (v) => v !== 'pending');
      assert.equal(s, 'failed');
    }
    // Each attempt tried twice over UDP (the per-lookup retry), for every connector.
    assert.equal(silent.received(), 5 * ATTEMPTS * 2);
  } finally {
    const { code } = await other.stop();
    other.cleanup();
    await silent.stop();
    assert.equal(code, 0, `server exited ${code}:\n${other.stderr()}`);
  }
});

test('pending checks resume after a restart', async () => {
  const silent = await startSilentResolver();
  const args = ['--dns-resolver', `127.0.0.1:${silent.port}`, '--sso-verify-interval', '5000',
    '--sso-verify-attempts', '5', '--dns-timeout', '300'];
  const first = await startServer({ args });
  const acc = expectOk(assert, await first.call('POST', '/accounts', { body: { name: 'Restart' } })).id;
  const c = expectOk(assert, await first.call('POST', `/accounts/${acc}/sso_connectors`, { body: { email_domain: 'restart.test' } }));
  // Stopping mid-check is clean (exit 0, no leaks) and leaves it pending.
  assert.equal((await first.stop()).code, 0, first.stderr());
  await silent.stop();
  const rport = await freeUdpPort();
  const real = await startDnsmasq(rport, [['restart.test', c.verification.code]]);
  const second = await startServer({
    dataDir: first.dataDir, token: first.token,
    args: ['--dns-resolver', `127.0.0.1:${rport}`, '--sso-verify-interval', '100', '--dns-timeout', '300'],
  });
  try {
    const s = await waitFor(async () => expectOk(assert, await second.call('GET', `/accounts/${acc}/sso_connectors/${c.id}`)).verification.status,
      (v) => v !== 'pending');
    assert.equal(s, 'verified');
  } finally {
    const { code } = await second.stop();
    second.cleanup();
    await real.stop();
    assert.equal(code, 0, second.stderr());
  }
});
