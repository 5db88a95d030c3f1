// New secrets use Cloudflare's scannable format: cfat_ (account tokens), cfut_ (user tokens), cfk_
// (global API keys), 40 alphanumerics and a CRC-32 checksum; pre-2026 secrets
// (the harness's bootstrap token is one) keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { BIN, startServer, expectOk, stopAndCheck } from '../lib/harness.mjs';

let srv;
let acc;
before(async () => {
  srv = await startServer();
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Secrets' } })).id;
});
after(() => stopAndCheck(assert, srv));

function assertScannable(secret, prefix) {
  const m = new RegExp(`^(${prefix}[A-Za-z0-9]{40})([0-9a-f]{8})$`).exec(secret);
  assert.ok(m, `not ${prefix} format: ${secret}`);
  assert.equal(m[2], crc32(m[1]).toString(16).padStart(8, '0'));
}

test('account tokens are created and rolled as cfat_ secrets that authenticate', async () => {
  const body = {
    name: 'scannable',
    policies: [{ effect: 'allow', permission_groups: [{ id: 'c1fde68c7bcc44588cbb6ddbc16d6480' }], resources: { [`com.cloudflare.api.account.${acc}`]: '*' } }],
  };
  const created = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { body }));
  assertScannable(created.value, 'cfat_');
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: created.value }));
  const rolled = expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${created.id}/value`, { body: {} }));
  assertScannable(rolled, 'cfat_');
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: rolled }));
  // The operator's pre-2026 bootstrap token still works.
  assert.doesNotMatch(srv.token, /^cf/);
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`));
});

test('global API keys are cfk_ secrets', () => {
  const out = spawnSync(BIN, ['admin', 'api-key', '--email', 'keys@example.com', ...srv.storeArgs], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  assertScannable(out.stdout.trim(), 'cfk_');
});

test('user tokens are created and rolled as cfut_ secrets that authenticate', async () => {
  const created = expectOk(assert, await srv.call('POST', '/user/tokens', { body: {
    name: 'mine', policies: [{ effect: 'allow', permission_groups: [{ id: 'c1fde68c7bcc44588cbb6ddbc16d6480' }],
      resources: { [`com.cloudflare.api.account.${acc}`]: '*' } }] } }));
  assertScannable(created.value, 'cfut_');
  expectOk(assert, await srv.call('GET', '/user/tokens/verify', { token: created.value }));
  const rolled = expectOk(assert, await srv.call('PUT', `/user/tokens/${created.id}/value`, { body: {} }));
  assertScannable(rolled, 'cfut_');
  expectOk(assert, await srv.call('GET', `/accounts/${acc}`, { token: rolled }));
});
