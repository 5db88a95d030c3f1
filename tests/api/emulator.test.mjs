// The emulator's own operations under /_cfiam (docs/emulator.md): seeding from
// a declarative file (API and --seed), reset, and who may call them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const SEED = JSON.parse(readFileSync(new URL('../../docs/examples/seed.json', import.meta.url)));
const DEMO = '023e105f4ecef8ad9ca31a8372d0c353';
const DEMO_TOKEN = SEED.accounts[0].tokens[0];
const OWNER_KEY = SEED.users[0].api_key;
const day = (d) => new Date(Date.now() + d * 86400000).toISOString().slice(0, 10);
const WINDOW = `since=${day(-1)}&before=${day(2)}`;

let srv;
before(async () => { srv = await startServer(); });
after(() => stopAndCheck(assert, srv));

// One call below /_cfiam; `token` null sends no credential.
async function emu(method, path, { body, token } = {}) {
  const headers = {};
  const auth = token === undefined ? srv.token : token;
  if (auth !== null) headers.Authorization = `Bearer ${auth}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${srv.url}/_cfiam${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

// Everything a test suite would look at after seeding.
async function listings() {
  const out = {};
  out.accounts = expectOk(assert, await srv.call('GET', '/accounts?per_page=50'));
  for (const a of out.accounts) {
    for (const what of ['members', 'tokens', 'iam/user_groups', 'iam/resource_groups']) {
      const items = expectOk(assert, await srv.call('GET', `/accounts/${a.id}/${what}?per_page=50`));
      // last_used_on records use, not seeded state.
      out[`${a.id} ${what}`] = items.map(({ last_used_on: _, ...rest }) => rest);
    }
  }
  return out;
}

test('seed: fixed ids and known secrets, usable at once; loading twice changes nothing', async () => {
  expectOk(assert, await emu('POST', '/reset'));
  const counts = expectOk(assert, await emu('POST', '/seed', { body: SEED }));
  assert.deepEqual(counts, { users: 2, accounts: 2, resource_groups: 1, members: 3, user_groups: 1, tokens: 1 });
  const first = await listings();
  assert.deepEqual(first.accounts.map((a) => a.id).sort(), [DEMO, 'eb78d65290b24279ba6f44721b3ea3c4']);
  assert.deepEqual(first[`${DEMO} tokens`].map((t) => t.id), [DEMO_TOKEN.id]);
  assert.deepEqual(first[`${DEMO} members`].map((m) => m.id).sort(), SEED.accounts[0].members.map((m) => m.id).sort());
  // The in-memory directory follows: the seeded secrets authenticate now.
  expectOk(assert, await srv.call('GET', `/accounts/${DEMO}`, { token: DEMO_TOKEN.value }));
  expectOk(assert, await srv.call('GET', '/memberships', { token: null, headers: { 'X-Auth-Email': 'owner@example.com', 'X-Auth-Key': OWNER_KEY } }));

  expectOk(assert, await emu('POST', '/seed', { body: SEED }));
  assert.deepEqual(await listings(), first);
  expectOk(assert, await srv.call('GET', `/accounts/${DEMO}`, { token: DEMO_TOKEN.value }));
});

test('seed: a bad file is refused by the path of its field and nothing is applied', async () => {
  expectOk(assert, await emu('POST', '/reset'));
  const bad = structuredClone(SEED);
  bad.accounts.push({ id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', name: 'Third',
    members: [{ id: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', user_id: SEED.users[1].id, roles: ['05784afa30c1afe1440e79d9351c7430', 'nope'] }] });
  const res = await emu('POST', '/seed', { body: bad });
  expectError(assert, res, 400, 1002);
  assert.match(res.body.errors[0].message, /^accounts\[2\]\.members\[0\]\.roles\[1\]: /);
  assert.deepEqual(expectOk(assert, await srv.call('GET', '/accounts')), []);
  expectError(assert, await srv.call('GET', '/accounts', { token: DEMO_TOKEN.value }), 403);

  const cases = [
    [{ accounts: [{ name: 'no id' }] }, /^accounts\[0\]\.id: /],
    [{ users: [{ id: DEMO, email: 'not an email' }] }, /^users\[0\]\.email: /],
    [{ accounts: [{ id: DEMO, name: 'x', tokens: [{ id: DEMO, name: 't', value: 'short', policies: [] }] }] }, /^accounts\[0\]\.tokens\[0\]\.value: /],
    [{ accounts: [{ id: DEMO, name: 'x', tokens: [{ ...DEMO_TOKEN, policies: [{ ...DEMO_TOKEN.policies[0], effect: 'maybe' }] }] }] }, /^accounts\[0\]\.tokens\[0\]\.policies\.0\.effect: /],
    [{ accounts: [{ id: DEMO, name: 'x', members: [{ id: DEMO, user_id: 'ffffffffffffffffffffffffffffffff' }] }] }, /^accounts\[0\]\.members\[0\]\.user_id: /],
    [{ accounts: [{ id: DEMO, name: 'x' }, { id: DEMO, name: 'y' }] }, /^accounts\[1\]\.id: .*twice/],
    [{ zones: [] }, /^zones: /],
  ];
  for (const [body, message] of cases) {
    const r = await emu('POST', '/seed', { body });
    expectError(assert, r, 400, 1002);
    assert.match(r.body.errors[0].message, message, JSON.stringify(body));
  }
  expectError(assert, await emu('POST', '/seed', { body: [] }), 400);
  assert.deepEqual(expectOk(assert, await srv.call('GET', '/accounts')), []);
});

test('seed: each seeded account is audited in its own log, secrets redacted', async () => {
  expectOk(assert, await emu('POST', '/reset'));
  expectOk(assert, await emu('POST', '/seed', { body: SEED }));
  const entries = expectOk(assert, await srv.call('GET', `/accounts/${DEMO}/logs/audit?${WINDOW}`));
  const seeded = entries.filter((e) => e.action.description === 'Seed account');
  assert.equal(seeded.length, 1, JSON.stringify(entries));
  assert.equal(seeded[0].action.type, 'create');
  assert.equal(seeded[0].resource.id, DEMO);
  assert.equal(seeded[0].actor.email, 'admin@example.com');
  const text = JSON.stringify(entries);
  assert.ok(!text.includes(DEMO_TOKEN.value), 'token secret in the audit log');
});

test('reset: a fresh store in one call; the bootstrap credential keeps working', async () => {
  expectOk(assert, await emu('POST', '/seed', { body: SEED }));
  const made = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'made by a test' } }));
  const res = await emu('POST', '/reset', { body: {} });
  assert.deepEqual(expectOk(assert, res), { status: 'reset' });
  assert.deepEqual(expectOk(assert, await srv.call('GET', '/accounts')), []);
  expectError(assert, await srv.call('GET', `/accounts/${made.id}`), 404);
  // Seeded credentials are gone from memory too.
  expectError(assert, await srv.call('GET', `/accounts/${DEMO}`, { token: DEMO_TOKEN.value }), 403);
  expectError(assert, await srv.call('GET', '/memberships', { token: null, headers: { 'X-Auth-Email': 'owner@example.com', 'X-Auth-Key': OWNER_KEY } }), 403);
  // The same seed loads again after a reset.
  expectOk(assert, await emu('POST', '/seed', { body: SEED }));
  expectOk(assert, await srv.call('GET', `/accounts/${DEMO}`, { token: DEMO_TOKEN.value }));
  expectError(assert, await emu('POST', '/reset', { body: { all: true } }), 400, 1002);
});

test('only tenant admins reach /_cfiam; routing errors are enveloped', async () => {
  expectOk(assert, await emu('POST', '/reset'));
  expectOk(assert, await emu('POST', '/seed', { body: SEED }));
  for (const path of ['/seed', '/reset']) {
    expectError(assert, await emu('POST', path, { token: null, body: {} }), 400, 9106);
    expectError(assert, await emu('POST', path, { token: DEMO_TOKEN.value, body: {} }), 403);
    expectError(assert, await emu('GET', path), 405, 10405);
  }
  expectError(assert, await emu('POST', '/nothing'), 404, 7003);
  // Not under the Cloudflare prefix.
  expectError(assert, await srv.call('POST', '/_cfiam/reset'), 404);
  // The non-admin's refused reset left the store alone.
  expectOk(assert, await srv.call('GET', `/accounts/${DEMO}`, { token: DEMO_TOKEN.value }));
});

test('serve --seed FILE and CFIAM_SEED load a seed at start-up; a bad one stops the server', async () => {
  const path = new URL('../../docs/examples/seed.json', import.meta.url).pathname;
  for (const opts of [{ args: ['--seed', path] }, { env: { CFIAM_SEED: path } }]) {
    const s = await startServer(opts);
    try {
      expectOk(assert, await s.call('GET', `/accounts/${DEMO}`, { token: DEMO_TOKEN.value }));
      assert.match(s.stderr(), /seeded 2 accounts/);
    } finally {
      await stopAndCheck(assert, s);
    }
  }
  // The server refuses to start on a bad seed, naming the field.
  await assert.rejects(startServer({ env: { CFIAM_SEED: '/nonexistent/seed.json' } }), /cannot read seed file/);
  const dir = mkdtempSync(join(tmpdir(), 'cfiam-seed-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ users: [{ id: DEMO, email: 'a@example.com' }, { id: DEMO, email: 'b@example.com' }] }));
  await assert.rejects(startServer({ args: ['--seed', bad], dataDir: join(dir, 'data') }),
    /server exited 2:[\s\S]*refused \(nothing applied\): users\[1\]\.id: is defined twice/);
  rmSync(dir, { recursive: true, force: true });
});
