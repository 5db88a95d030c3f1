// iam.sso.* of the official `cloudflare` SDK against the real binary, with a
// local dnsmasq as the resolver so verification runs for real.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { startServer } from '../lib/harness.mjs';
import { freeUdpPort, startDnsmasq, waitFor } from '../lib/dns.mjs';

let srv;
let client;
let account;
let port;
let dns;
before(async () => {
  port = await freeUdpPort();
  srv = await startServer({
    args: ['--dns-resolver', `127.0.0.1:${port}`, '--sso-verify-interval', '100',
      '--sso-verify-attempts', '3', '--dns-timeout', '300'],
  });
  client = new Cloudflare({ apiToken: srv.token, baseURL: srv.base, maxRetries: 0 });
  account = (await client.accounts.create({ name: 'SDK SSO', type: 'standard' })).id;
});
after(async () => {
  const { code } = await srv.stop();
  srv.cleanup();
  await dns?.stop();
  assert.equal(code, 0, `server exited ${code}:\n${srv.stderr()}`);
});

test('create, list, get, verify over DNS, enable, delete', async () => {
  const c = await client.iam.sso.create({
    account_id: account, email_domain: 'sdk-example.test', begin_verification: false });
  assert.match(c.id, /^[0-9a-f]{32}$/);
  assert.equal(c.enabled, false);
  assert.equal(c.verification.status, 'awaiting');
  assert.match(c.verification.code, /^cloudflare_dashboard_sso=\d+$/);

  const page = await client.iam.sso.list({ account_id: account });
  assert.deepEqual(page.result, [c]);
  assert.deepEqual(await client.iam.sso.get(c.id, { account_id: account }), c);

  await assert.rejects(client.iam.sso.update(c.id, { account_id: account, enabled: true }),
    (err) => err instanceof Cloudflare.BadRequestError);

  dns = await startDnsmasq(port, [['sdk-example.test', c.verification.code]]);
  const begun = await client.iam.sso.beginVerification(c.id, { account_id: account });
  assert.equal(begun.success, true);
  const verified = await waitFor(() => client.iam.sso.get(c.id, { account_id: account }),
    (x) => x.verification.status !== 'pending');
  assert.equal(verified.verification.status, 'verified');

  const on = await client.iam.sso.update(c.id, { account_id: account, enabled: true, use_fedramp_language: true });
  assert.equal(on.enabled, true);
  assert.equal(on.use_fedramp_language, true);

  assert.deepEqual(await client.iam.sso.delete(c.id, { account_id: account }), { id: c.id });
  await assert.rejects(client.iam.sso.get(c.id, { account_id: account }),
    (err) => err instanceof Cloudflare.NotFoundError);
});

test('invalid and public domains are BadRequest; duplicates Conflict', async () => {
  for (const email_domain of ['not a domain', 'gmail.com', 'yahoo.com']) {
    await assert.rejects(client.iam.sso.create({ account_id: account, email_domain }), (err) => {
      assert.ok(err instanceof Cloudflare.BadRequestError, String(err));
      assert.equal(err.errors[0].source?.pointer, '/email_domain');
      return true;
    });
  }
  await client.iam.sso.create({ account_id: account, email_domain: 'twice.test', begin_verification: false });
  await assert.rejects(client.iam.sso.create({ account_id: account, email_domain: 'twice.test' }),
    (err) => err instanceof Cloudflare.ConflictError);
});
