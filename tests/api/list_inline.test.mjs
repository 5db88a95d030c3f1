// Kept list pages served on the I/O thread (issue 15; Route::kept,
// api/list_cache.h KeptListReply): a page the rendered-page cache holds at
// the version the node's state is confirmed to reflect is answered from
// memory, after authentication and authorization from the same route row,
// without a worker and without a store read. `cfiam_list_cache_inline_hits_total`
// counts those answers. What must still hold:
//  - the answer is the page the worker renders, byte for byte;
//  - a change acknowledged through the API shows on the very next list;
//  - a caller the route refuses is refused as on the worker (the same
//    status and envelope, counted once);
//  - a token page's live values (status "expired" by the clock, last_used_on)
//    are as they are now.
// `cf-iam-min-seq` sends a request to a worker (which reads the version from
// the store): the reference the inline answers are compared with.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectOk, stopAndCheck } from '../lib/harness.mjs';

const ADMIN = '05784afa30c1afe1440e79d9351c7430';
const TOKENS_READ = 'eb56a6953c034b9d97dd838155666f06'; // Account API Tokens Read
const SETTINGS_READ = 'c1fde68c7bcc44588cbb6ddbc16d6480'; // Account Settings Read
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WORKER = { 'cf-iam-min-seq': '0' };

async function metrics(srv) {
  return (await fetch(`${srv.url}/metrics`)).text();
}
function counterIn(text, name) {
  const escaped = name.replace(/[{}"]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}
const inlineHits = async (srv) => counterIn(await metrics(srv), 'cfiam_list_cache_inline_hits_total');
const OUTCOMES = ['authenticated', 'missing_credentials', 'malformed_credentials', 'unknown_token',
  'unknown_api_key', 'expired', 'inactive', 'ip_refused', 'not_member', 'missing_permission'];
async function outcomes(srv) {
  const text = await metrics(srv);
  return Object.fromEntries(OUTCOMES.map((o) => [o, counterIn(text, `cfiam_auth_outcomes_total{outcome="${o}"}`)]));
}

// One request, and whether it was answered inline (the counter moved by one;
// the tests send one request at a time).
async function get(srv, path, opts = {}) {
  const before = await inlineHits(srv);
  const res = await srv.call('GET', path, opts);
  const moved = (await inlineHits(srv)) - before;
  assert.ok(moved === 0 || moved === 1, `one request counts at most once (${moved})`);
  return { res, inline: moved === 1 };
}

// Asks for `path` until an answer comes inline (the first one renders and
// keeps the page; a node whose confirmation is briefly older than 500 ms
// answers on a worker), checking every answer with `check`. Returns the
// inline answer.
async function untilInline(srv, path, opts = {}, check = () => {}) {
  for (let i = 0; i < 40; i++) {
    const { res, inline } = await get(srv, path, opts);
    check(res);
    if (inline) return res;
    await sleep(25);
  }
  assert.fail(`${path}: never answered inline`);
}

describe('kept list pages on the I/O thread', () => {
  let srv;
  let acc;
  const policy = (group) => [{ effect: 'allow', permission_groups: [{ id: group }],
    resources: { [`com.cloudflare.api.account.${acc.id}`]: '*' } }];
  const newToken = async (name, group, extra = {}) => expectOk(assert, await srv.call('POST',
    `/accounts/${acc.id}/tokens`, { body: { name, policies: policy(group), ...extra } }));
  const membersPath = () => `/accounts/${acc.id}/members?per_page=50`;
  const tokensPath = () => `/accounts/${acc.id}/tokens?per_page=50`;

  before(async () => {
    srv = await startServer();
    acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Inline' } }));
    for (let i = 0; i < 3; i++) {
      expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/members`, {
        body: { email: `m${i}@example.com`, roles: [ADMIN] } }));
      await newToken(`t${i}`, TOKENS_READ);
    }
  });
  after(() => stopAndCheck(assert, srv));

  test('a kept page is answered inline, byte for byte the page a worker answers', async () => {
    for (const path of [membersPath(), tokensPath(), `${membersPath()}&page=2&per_page=5`,
      `${membersPath()}&order=user.email&direction=desc`]) {
      const inline = await untilInline(srv, path);
      expectOk(assert, inline);
      const { res: worker, inline: wasInline } = await get(srv, path, { headers: WORKER });
      assert.equal(wasInline, false, 'cf-iam-min-seq goes to a worker');
      assert.equal(inline.status, 200);
      assert.equal(inline.text, worker.text, path);
      assert.equal(inline.headers.get('cf-iam-seq'), worker.headers.get('cf-iam-seq'));
      assert.equal(inline.headers.get('content-type'), worker.headers.get('content-type'));
    }
    // The caller's own tokens too (the bootstrap token's last use moves with
    // every request: compare without it).
    const mine = await untilInline(srv, '/user/tokens?per_page=50');
    const strip = (r) => expectOk(assert, r).map(({ last_used_on, ...rest }) => rest);
    const { res: worker } = await get(srv, '/user/tokens?per_page=50', { headers: WORKER });
    assert.deepEqual(strip(mine), strip(worker));
  });

  test('a change through the API shows on the very next list', async () => {
    for (let round = 0; round < 3; round++) {
      await untilInline(srv, membersPath());
      const m = expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/members`, {
        body: { email: `next-${round}@example.com`, roles: [ADMIN], status: 'pending' } }));
      assert.ok(expectOk(assert, await srv.call('GET', membersPath())).some((r) => r.id === m.id),
        `member ${round} on the next list`);
      // Kept again (at the new version), then removed.
      const kept = await untilInline(srv, membersPath());
      assert.ok(expectOk(assert, kept).some((r) => r.id === m.id));
      expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}/members/${m.id}`));
      assert.ok(!expectOk(assert, await srv.call('GET', membersPath())).some((r) => r.id === m.id),
        `member ${round} gone from the next list`);

      await untilInline(srv, tokensPath());
      const t = await newToken(`next-${round}`, TOKENS_READ);
      assert.ok(expectOk(assert, await srv.call('GET', tokensPath())).some((r) => r.id === t.id),
        `token ${round} on the next list`);
      await untilInline(srv, tokensPath());
      expectOk(assert, await srv.call('PUT', `/accounts/${acc.id}/tokens/${t.id}`, {
        body: { name: `renamed-${round}`, status: 'disabled' } }));
      const now = expectOk(assert, await srv.call('GET', tokensPath())).find((r) => r.id === t.id);
      assert.equal(now.name, `renamed-${round}`);
      assert.equal(now.status, 'disabled');
      await untilInline(srv, tokensPath());
      expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}/tokens/${t.id}`));
      assert.ok(!expectOk(assert, await srv.call('GET', tokensPath())).some((r) => r.id === t.id),
        `token ${round} gone from the next list`);
    }
  });

  test('a caller the route refuses is refused inline as on a worker, counted once', async () => {
    const settingsOnly = await newToken('settings only', SETTINGS_READ);
    const tokensOnly = await newToken('tokens only', TOKENS_READ);
    // [path, credential, status, whether the credential is valid]
    const cases = [
      [membersPath(), tokensOnly.value, 403, true], // no #organization:read
      [tokensPath(), settingsOnly.value, 403, true], // no token.list
      [membersPath(), 'not-a-token-at-all', 403, false], // 9109 Invalid access token
      [tokensPath(), 'x'.repeat(40), 403, false],
      [tokensPath(), null, 400, false], // 9106 no credentials
    ];
    for (const [path, token, status, valid] of cases) {
      await untilInline(srv, path); // kept, and this node answers inline now
      const counted = await outcomes(srv);
      const { res: refused, inline } = await get(srv, path, { token });
      const after = await outcomes(srv);
      const { res: worker } = await get(srv, path, { token, headers: WORKER });
      assert.equal(inline, false, 'a refusal is not a kept answer');
      assert.equal(refused.status, status, `${path}: ${refused.text}`);
      assert.equal(refused.body.success, false);
      assert.equal(refused.body.result, null);
      assert.equal(refused.status, worker.status);
      assert.equal(refused.text, worker.text, 'the same envelope as on a worker');
      assert.ok(!refused.text.includes('"result":['), 'no page in a refusal');
      // One outcome for the one request (a refused caller is never counted twice).
      const moved = OUTCOMES.reduce((n, o) => n + after[o] - counted[o], 0);
      if (valid) {
        assert.equal(after.authenticated - counted.authenticated, 1);
        assert.equal(after.missing_permission - counted.missing_permission, 1);
        assert.equal(moved, 2);
      } else {
        assert.equal(after.authenticated, counted.authenticated);
        assert.equal(moved, 1);
      }
    }
    // The refused token's own account page, which it may read, comes inline.
    await untilInline(srv, tokensPath(), { token: tokensOnly.value });
  });

  test("a token page's live values are current when answered inline", async () => {
    // last_used_on: a use after the page was kept shows in the inline answer.
    const t = await newToken('used', TOKENS_READ);
    const row = (res) => expectOk(assert, res).find((r) => r.id === t.id);
    const fresh = await untilInline(srv, tokensPath());
    assert.equal(row(fresh).last_used_on, undefined);
    const usedAt = Date.now();
    expectOk(assert, await srv.call('GET', `/accounts/${acc.id}/tokens/verify`, { token: t.value }));
    const seen = await untilInline(srv, tokensPath(), {}, (res) => {
      assert.ok(row(res).last_used_on, 'last_used_on after a use');
    });
    assert.ok(Date.parse(row(seen).last_used_on) >= usedAt - 1000);
    // The token listing its own account: each request is a use, shown in the
    // page it gets, inline too.
    let last = Date.parse(row(seen).last_used_on);
    let inlineOwn = 0;
    for (let i = 0; i < 12 && inlineOwn < 2; i++) {
      await sleep(5);
      const { res, inline } = await get(srv, tokensPath(), { token: t.value });
      const own = Date.parse(row(res).last_used_on);
      assert.ok(own > last, `own use ${i}: ${own} > ${last}`);
      last = own;
      inlineOwn += inline ? 1 : 0;
    }
    assert.ok(inlineOwn >= 1, 'own uses shown in pages answered inline');

    // status: "active" until expires_on, "expired" after, by the clock, with
    // no change in between.
    const expires = Date.now() + 3000;
    const brief = await newToken('brief', TOKENS_READ, { expires_on: new Date(expires).toISOString() });
    const status = (res) => expectOk(assert, res).find((r) => r.id === brief.id).status;
    let activeInline = 0;
    while (Date.now() < expires - 800) {
      const { res, inline } = await get(srv, tokensPath());
      if (Date.now() < expires) assert.equal(status(res), 'active');
      activeInline += inline ? 1 : 0;
      await sleep(50);
    }
    assert.ok(activeInline >= 1, 'active, answered inline');
    await sleep(expires - Date.now() + 200);
    await untilInline(srv, tokensPath(), {}, (res) => assert.equal(status(res), 'expired'));
  });
});

test('with the rate limiter on, lists are answered on a worker (counted once each)', async () => {
  const srv = await startServer({ args: ['--rate-limit', '1000/1h'] });
  try {
    const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Limited' } }));
    const path = `/accounts/${acc.id}/members?per_page=50`;
    const seen = [];
    for (let i = 0; i < 5; i++) {
      const { res, inline } = await get(srv, path);
      expectOk(assert, res);
      assert.equal(inline, false);
      seen.push(res.headers.get('ratelimit'));
    }
    // Each request counted once: the remaining quota falls by one each time.
    const remaining = seen.map((h) => Number(/r=(\d+)/.exec(h)[1]));
    for (let i = 1; i < remaining.length; i++) assert.equal(remaining[i], remaining[i - 1] - 1);
  } finally {
    await stopAndCheck(assert, srv);
  }
});
