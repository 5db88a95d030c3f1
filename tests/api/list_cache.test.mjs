// The rendered list-page cache (--list-cache-mib, api/list_cache.h): right
// after every kind of change a page renders, the very next list shows it,
// with the cache on (the default) and off (0): the same tests, the same
// outcomes. Changes: members added, updated, removed; a member's user
// renaming themselves (PATCH /user); a resource group a member's policy
// names being renamed; account and user tokens created, updated, deleted;
// a token being used (last_used_on, kept in memory and flushed without a
// change-log entry), the caller's own included; a token expiring by the
// clock. With the cache on, pages are served from it in between (the hit
// counter moves) and a cached page is byte for byte the rendered one. On
// PostgreSQL, a use on another node (which reaches this one only through the
// store) shows in a page kept before it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ON_POSTGRES, startServer, expectOk, stopAndCheck } from '../lib/harness.mjs';

const ADMIN = '05784afa30c1afe1440e79d9351c7430';
const TOKENS_READ = 'eb56a6953c034b9d97dd838155666f06'; // Account API Tokens Read
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const mode of ['on', 'off']) {
  describe(`list cache ${mode}`, () => {
    let srv;
    let acc;
    before(async () => {
      srv = await startServer({ args: mode === 'off' ? ['--list-cache-mib', '0'] : [] });
      acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: `Cache ${mode}` } }));
    });
    after(() => stopAndCheck(assert, srv));

    async function counter(name) {
      const text = await (await fetch(`${srv.url}/metrics`)).text();
      const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
      assert.ok(m, `${name} missing from /metrics`);
      return Number(m[1]);
    }
    const hits = () => counter('cfiam_list_cache_hits_total');

    // The page, asked for twice: the second answer is the first, byte for
    // byte (with the cache on, the second comes from it; a page with live
    // values, tokens, may differ in them).
    async function list(path, opts = {}) {
      const before = await hits();
      const first = await srv.call('GET', path, opts);
      expectOk(assert, first);
      const second = await srv.call('GET', path, opts);
      if (!opts.live) assert.equal(second.text, first.text, path);
      const after = await hits();
      if (mode === 'on') assert.ok(after >= before + 1, `a hit for ${path}`);
      else assert.equal(after, 0, `no lookups with the cache off (${path})`);
      return second.body;
    }
    const members = async (q = '') => (await list(`/accounts/${acc.id}/members?per_page=50${q}`)).result;
    const tokens = async (opts) => (await list(`/accounts/${acc.id}/tokens?per_page=50`, { live: true, ...opts })).result;

    test('members: create, update, delete show at once', async () => {
      const before = await members();
      const m = expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/members`, {
        body: { email: `new-${mode}@example.com`, roles: [ADMIN], status: 'pending' } }));
      let now = await members();
      assert.equal(now.length, before.length + 1);
      assert.equal(now.find((r) => r.id === m.id).status, 'pending');
      assert.deepEqual((await members('&status=pending')).map((r) => r.id), [m.id]);

      expectOk(assert, await srv.call('PUT', `/accounts/${acc.id}/members/${m.id}`, { body: { status: 'accepted' } }));
      now = await members();
      assert.equal(now.find((r) => r.id === m.id).status, 'accepted');
      assert.deepEqual(await members('&status=pending'), []);

      expectOk(assert, await srv.call('PUT', `/accounts/${acc.id}/members/${m.id}`, { body: { roles: [] } }));
      assert.deepEqual((await members()).find((r) => r.id === m.id).roles, []);

      expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}/members/${m.id}`));
      now = await members();
      assert.equal(now.length, before.length);
      assert.equal(now.find((r) => r.id === m.id), undefined);
    });

    test("a user's profile edit shows in their member rows", async () => {
      const mine = async () => (await members()).find((r) => r.email === 'admin@example.com');
      await mine();
      expectOk(assert, await srv.call('PATCH', '/user', { body: { first_name: `Renamed ${mode}` } }));
      assert.equal((await mine()).user.first_name, `Renamed ${mode}`);
      assert.equal((await members('&order=user.first_name')).find((r) => r.email === 'admin@example.com').user.first_name,
        `Renamed ${mode}`);
    });

    test("a resource group's new name shows in a member's policies", async () => {
      const base = `/accounts/${acc.id}/iam/resource_groups`;
      const rg = expectOk(assert, await srv.call('POST', base, {
        body: { name: 'Before', scope: { key: `com.cloudflare.api.account.${acc.id}`, objects: [{ key: '*' }] } } }));
      const m = expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/members`, { body: {
        email: `rg-${mode}@example.com`,
        policies: [{ access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }] } }));
      const rgName = async () => (await members()).find((r) => r.id === m.id).policies[0].resource_groups[0].name;
      assert.equal(await rgName(), 'Before');
      expectOk(assert, await srv.call('PUT', `${base}/${rg.id}`, { body: { name: 'After' } }));
      assert.equal(await rgName(), 'After');
    });

    test('account tokens: create, update, delete show at once', async () => {
      const before = await tokens();
      const t = expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/tokens`, { body: { name: 'one',
        policies: [{ effect: 'allow', permission_groups: [{ id: TOKENS_READ }],
          resources: { [`com.cloudflare.api.account.${acc.id}`]: '*' } }] } }));
      let now = await tokens();
      assert.equal(now.length, before.length + 1);
      assert.equal(now.find((r) => r.id === t.id).name, 'one');
      expectOk(assert, await srv.call('PUT', `/accounts/${acc.id}/tokens/${t.id}`, { body: { name: 'two', status: 'disabled' } }));
      now = await tokens();
      assert.equal(now.find((r) => r.id === t.id).name, 'two');
      assert.equal(now.find((r) => r.id === t.id).status, 'disabled');
      expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}/tokens/${t.id}`));
      assert.equal((await tokens()).find((r) => r.id === t.id), undefined);
    });

    test("a token's use shows in last_used_on, the caller's own included", async () => {
      const t = expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/tokens`, { body: { name: 'used',
        policies: [{ effect: 'allow', permission_groups: [{ id: TOKENS_READ }],
          resources: { [`com.cloudflare.api.account.${acc.id}`]: '*' } }] } }));
      assert.equal((await tokens()).find((r) => r.id === t.id).last_used_on, undefined);
      expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/tokens/verify`, { token: t.value }));
      const used = (await tokens()).find((r) => r.id === t.id).last_used_on;
      assert.ok(used, 'last_used_on after a use');
      // The token listing its own account: each request is a use, shown in
      // the page it gets.
      let last = Date.parse(used);
      for (let i = 0; i < 3; i++) {
        await sleep(5);
        const res = await srv.call('GET', `/accounts/${acc.id}/tokens?per_page=50`, { token: t.value });
        const own = Date.parse(expectOk(assert, res).find((r) => r.id === t.id).last_used_on);
        assert.ok(own > last, `own use ${i}: ${own} > ${last}`);
        last = own;
      }
      // Past the first write to the store (the next 2 s pass), still the newest use.
      await sleep(2500);
      assert.equal(Date.parse((await tokens()).find((r) => r.id === t.id).last_used_on), last);
    });

    test('a token expiring by the clock shows as expired', async () => {
      const t = expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/tokens`, { body: { name: 'brief',
        expires_on: new Date(Date.now() + 1500).toISOString(),
        policies: [{ effect: 'allow', permission_groups: [{ id: TOKENS_READ }],
          resources: { [`com.cloudflare.api.account.${acc.id}`]: '*' } }] } }));
      assert.equal((await tokens()).find((r) => r.id === t.id).status, 'active');
      await sleep(1700);
      assert.equal((await tokens()).find((r) => r.id === t.id).status, 'expired');
    });

    test('user tokens: create, update, use, delete show at once', async () => {
      const path = '/user/tokens?per_page=50';
      const userTokens = async () => (await list(path, { live: true })).result;
      const before = await userTokens();
      const t = expectOk(assert, await srv.call('POST', '/user/tokens', { body: { name: `mine ${mode}`,
        policies: [{ effect: 'allow', permission_groups: [{ id: TOKENS_READ }],
          resources: { [`com.cloudflare.api.account.${acc.id}`]: '*' } }] } }));
      assert.equal((await userTokens()).length, before.length + 1);
      expectOk(assert, await srv.call('PUT', `/user/tokens/${t.id}`, { body: { name: 'renamed' } }));
      assert.equal((await userTokens()).find((r) => r.id === t.id).name, 'renamed');
      expectOk(assert, await srv.call('GET', '/user/tokens/verify', { token: t.value }));
      assert.ok((await userTokens()).find((r) => r.id === t.id).last_used_on);
      expectOk(assert, await srv.call('DELETE', `/user/tokens/${t.id}`));
      assert.equal((await userTokens()).length, before.length);
    });

    test('a cached page is the rendered page, byte for byte, on every page', async () => {
      for (let i = 0; i < 12; i++) {
        expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/members`, {
          body: { email: `bulk-${mode}-${i}@example.com`, roles: [ADMIN] } }));
      }
      for (const q of ['&page=1', '&page=2', '&page=3', '&order=user.email&direction=desc&page=2', '&status=pending']) {
        await list(`/accounts/${acc.id}/members?per_page=5${q}`);
      }
      // Different parameters are different pages.
      const a = await srv.call('GET', `/accounts/${acc.id}/members?per_page=5&page=1`);
      const b = await srv.call('GET', `/accounts/${acc.id}/members?per_page=5&page=2`);
      assert.notEqual(a.text, b.text);
      assert.equal(a.body.result_info.page, 1);
      assert.equal(b.body.result_info.page, 2);
    });
  });
}

// A use on another node reaches this one only through the store (the token's
// first use is written at that node's next pass, within 2 s): a page kept
// before it must show it once written, with no change-log entry in between.
test('another node\'s use of a token shows in a kept page once stored', {
  skip: !ON_POSTGRES && 'two nodes on one database (runs under api_postgres)',
}, async () => {
  const a = await startServer();
  const b = await startServer({ sameStoreAs: a });
  try {
    const acc = expectOk(assert, await a.call('POST', '/accounts', { body: { name: 'Two nodes' } }));
    const created = await a.call('POST', `/accounts/${acc.id}/tokens`, { body: { name: 'remote',
      policies: [{ effect: 'allow', permission_groups: [{ id: TOKENS_READ }],
        resources: { [`com.cloudflare.api.account.${acc.id}`]: '*' } }] } });
    const t = expectOk(assert, created);
    const path = `/accounts/${acc.id}/tokens?per_page=50`;
    const row = async () => expectOk(assert, await a.call('GET', path)).find((r) => r.id === t.id);
    assert.equal((await row()).last_used_on, undefined);
    assert.equal((await row()).last_used_on, undefined); // kept now
    expectOk(assert, await b.call('GET', `/accounts/${acc.id}/tokens/verify`, {
      token: t.value, headers: { 'cf-iam-min-seq': created.headers.get('cf-iam-seq') } }));
    let used;
    for (let i = 0; i < 40 && !used; i++) {
      await sleep(250);
      used = (await row()).last_used_on;
    }
    assert.ok(used, 'the other node\'s use, once stored');
  } finally {
    await stopAndCheck(assert, b);
    await stopAndCheck(assert, a);
  }
});
