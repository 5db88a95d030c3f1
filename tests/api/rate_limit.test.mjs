// --rate-limit: requests per credential owner and window, as Cloudflare
// applies its global limit: 429 971 with Retry-After beyond it, the
// Ratelimit/Ratelimit-Policy headers on every counted response, recovery
// once the window ends; and nothing of it when the limit is off.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const servers = [];
after(async () => { for (const s of servers) await stopAndCheck(assert, s); });

test('3/2s: the 4th request of an owner is 429 971 with headers; another owner is unaffected; recovery', async () => {
  const srv = await startServer({ args: ['--rate-limit', '3/2s'] });
  servers.push(srv);
  // An account token counts for its account, not for the user that made it.
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Limited' } })).id;
  const groups = expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/permission_groups?name=Billing%20Read`));
  const tok = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, {
    body: { name: 't', policies: [{ effect: 'allow', permission_groups: [{ id: groups[0].id }], resources: { [`com.cloudflare.api.account.${acc}`]: '*' } }] } }));
  // Start a fresh window for the user.
  await new Promise((r) => setTimeout(r, 2100));
  const seen = [];
  for (let i = 0; i < 3; i++) {
    const res = await srv.call('GET', '/user/tokens/verify');
    expectOk(assert, res);
    seen.push(res.headers.get('ratelimit'));
    assert.equal(res.headers.get('ratelimit-policy'), '"default";q=3;w=2');
    assert.equal(res.headers.get('retry-after'), null);
  }
  assert.match(seen[0], /^"default";r=2;t=[12]$/);
  assert.match(seen[2], /^"default";r=0;t=[12]$/);
  const refused = await srv.call('GET', `/accounts/${acc}`);
  expectError(assert, refused, 429, 971);
  assert.equal(refused.body.errors[0].message, 'Please wait and consider throttling your request speed');
  assert.match(refused.headers.get('retry-after'), /^[12]$/);
  assert.match(refused.headers.get('ratelimit'), /^"default";r=0;t=[12]$/);
  assert.equal(refused.headers.get('ratelimit-policy'), '"default";q=3;w=2');
  // Changes are refused too, before they run: no account is made.
  expectError(assert, await srv.call('POST', '/accounts', { body: { name: 'Nope' } }), 429, 971);
  // The account token is another owner.
  expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/verify`, { token: tok.value }));
  await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000 + 100));
  const back = await srv.call('GET', '/accounts');
  assert.deepEqual(expectOk(assert, back).map((a) => a.name), ['Limited']);
  assert.match(back.headers.get('ratelimit'), /^"default";r=2;t=[12]$/);
});

test('CFIAM_RATE_LIMIT sets it; off (the default) sends no rate-limit headers', async () => {
  const env = await startServer({ env: { CFIAM_RATE_LIMIT: '1/1h' } });
  servers.push(env);
  expectOk(assert, await env.call('GET', '/user'));
  const r = await env.call('GET', '/user');
  expectError(assert, r, 429, 971);
  assert.ok(Number(r.headers.get('retry-after')) > 3500);
  const off = await startServer();
  servers.push(off);
  for (let i = 0; i < 20; i++) {
    const res = await off.call('GET', '/user');
    expectOk(assert, res);
    assert.equal(res.headers.get('ratelimit'), null);
  }
});
