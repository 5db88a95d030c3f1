// Deep list pages (issue 15): a page asked for directly, in any order, holds
// the rows walking every page from the first gives, for members (each order,
// direction and status filter) and account tokens, also once the rows moved
// under pages already served (the server keeps where pages begin until the
// store changes: store/seek.h).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectOk, stopAndCheck } from '../lib/harness.mjs';

const ADMIN = '05784afa30c1afe1440e79d9351c7430';
const READ_GROUP = 'c1fde68c7bcc44588cbb6ddbc16d6480';
const N = 130;
const PER_PAGE = 9;

let srv;
before(async () => { srv = await startServer(); });
after(() => stopAndCheck(assert, srv));

const hex = (kind, i) => kind.toString(16).padStart(2, '0') + i.toString(16).padStart(30, '0');
const MEMBERS_ACCOUNT = hex(1, 1);
const TOKENS_ACCOUNT = hex(1, 2);

// Few distinct names and statuses: ties on every order key. Every status, so
// an unfiltered list merges three ranges (store/seek.h, OrderedList::split).
const STATUSES = ['accepted', 'pending', 'rejected'];
const countOf = (status) => Array.from({ length: N }, (_, i) => STATUSES[i % 3]).filter((s) => !status || s === status).length;
async function seed() {
  const users = [];
  const members = [];
  const tokens = [];
  for (let i = 0; i < N; i++) {
    users.push({ id: hex(2, i), email: `m${(i * 37) % N}@deep.example`, first_name: `F${i % 4}`, last_name: `L${i % 3}` });
    members.push({ id: hex(3, i), user_id: hex(2, i), roles: [ADMIN], status: STATUSES[i % 3] });
    tokens.push({ id: hex(4, i), name: `token ${i}`, value: `deep-pages-secret-${String(i).padStart(6, "0")}`,
      policies: [{ effect: 'allow', permission_groups: [{ id: READ_GROUP }],
        resources: { [`com.cloudflare.api.account.${TOKENS_ACCOUNT}`]: '*' } }] });
  }
  const res = await fetch(`${srv.url}/_cfiam/seed`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${srv.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ users, accounts: [
      { id: MEMBERS_ACCOUNT, name: 'Deep members', members },
      { id: TOKENS_ACCOUNT, name: 'Deep tokens', tokens },
    ] }),
  });
  assert.equal(res.status, 200, await res.text());
}

async function page(path, query, n) {
  const res = await srv.call('GET', `${path}?per_page=${PER_PAGE}&page=${n}${query}`);
  const rows = expectOk(assert, res);
  return { rows, info: res.body.result_info };
}

// Every page from the first, then the last page down to the first and an
// interleaved order: the same rows each time, and the same result_info.
async function checkPages(path, query) {
  const walked = [];
  const first = await page(path, query, 1);
  const pages = first.info.total_pages;
  for (let n = 1; n <= pages + 1; n++) walked.push(await page(path, query, n));
  assert.equal(walked.flatMap((p) => p.rows).length, first.info.total_count, query);
  const orders = [
    Array.from({ length: pages + 1 }, (_, i) => pages + 1 - i),
    Array.from({ length: pages + 1 }, (_, i) => ((i * 7) % (pages + 1)) + 1),
  ];
  for (const order of orders) {
    for (const n of order) {
      const got = await page(path, query, n);
      assert.deepEqual(got, walked[n - 1], `${path}${query} page ${n}`);
    }
  }
  return walked.flatMap((p) => p.rows);
}

test('members: deep pages equal the walk, every order, direction and filter', async () => {
  await seed();
  const path = `/accounts/${MEMBERS_ACCOUNT}/members`;
  const keyOf = { 'user.first_name': (m) => m.user.first_name, 'user.last_name': (m) => m.user.last_name,
    'user.email': (m) => m.user.email, status: (m) => m.status };
  for (const order of ['', 'user.first_name', 'user.last_name', 'user.email', 'status']) {
    for (const direction of ['asc', 'desc']) {
      for (const status of ['', ...STATUSES]) {
        const query = `${order && `&order=${order}`}&direction=${direction}${status && `&status=${status}`}`;
        const rows = await checkPages(path, query);
        assert.equal(rows.length, countOf(status), query);
        assert.equal(new Set(rows.map((m) => m.id)).size, rows.length, query);
        if (status) assert.ok(rows.every((m) => m.status === status), query);
        // The order itself: by key, ties by id, both in the direction
        // (the PostgreSQL suite's database collates bytewise too).
        if (!keyOf[order]) continue;
        const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
        const sign = direction === 'desc' ? -1 : 1;
        const sorted = [...rows].sort((a, b) => sign * (cmp(keyOf[order](a), keyOf[order](b)) || cmp(a.id, b.id)));
        assert.deepEqual(rows.map((m) => m.id), sorted.map((m) => m.id), query);
      }
    }
  }
});

test('members: pages served before a change follow it', async () => {
  const path = `/accounts/${MEMBERS_ACCOUNT}/members`;
  const query = '&order=user.email';
  const before = await checkPages(path, query);
  // One leaves from the front of the order, two join in front of everyone.
  expectOk(assert, await srv.call('DELETE', `${path}/${before[0].id}`));
  expectOk(assert, await srv.call('POST', path, { body: { email: 'a0@deep.example', roles: [ADMIN] } }));
  expectOk(assert, await srv.call('POST', path, { body: { email: 'a1@deep.example', roles: [ADMIN] } }));
  const after = await checkPages(path, query);
  assert.equal(after.length, before.length + 1);
  assert.deepEqual(after.slice(0, 2).map((m) => m.email), ['a0@deep.example', 'a1@deep.example']);
  assert.deepEqual(after.slice(2).map((m) => m.id), before.slice(1).map((m) => m.id));
});

test('tokens: deep pages equal the walk, both directions, also after changes', async () => {
  const path = `/accounts/${TOKENS_ACCOUNT}/tokens`;
  for (const direction of ['asc', 'desc']) {
    const rows = await checkPages(path, `&direction=${direction}`);
    assert.equal(rows.length, N);
  }
  const before = await checkPages(path, '&direction=desc');
  expectOk(assert, await srv.call('DELETE', `${path}/${before[3].id}`));
  const made = expectOk(assert, await srv.call('POST', path, { body: { name: 'newest', policies: [
    { effect: 'allow', permission_groups: [{ id: READ_GROUP }],
      resources: { [`com.cloudflare.api.account.${TOKENS_ACCOUNT}`]: '*' } }] } }));
  const after = await checkPages(path, '&direction=desc');
  assert.equal(after[0].id, made.id);
  assert.deepEqual(after.slice(1).map((t) => t.id),
    before.filter((_, i) => i !== 3).map((t) => t.id));
});
