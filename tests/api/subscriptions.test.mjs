// Subscriptions over plain HTTP: pricing from the rate-plan table, the
// documented lifecycle (docs/subscriptions.md), validation and permissions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

let srv;
let account;
before(async () => {
  srv = await startServer();
  account = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Billing' } })).id;
});
after(() => stopAndCheck(assert, srv));

const base = () => `/accounts/${account}/subscriptions`;
const DAY = 86400 * 1000;

test('create prices a monthly pro plan from the table and starts a one-month period', async () => {
  const before = Date.now();
  const sub = expectOk(assert, await srv.call('POST', base(), { body: { rate_plan: { id: 'pro' } } }));
  assert.match(sub.id, /^[0-9a-f]{32}$/);
  assert.equal(sub.frequency, 'monthly');
  assert.equal(sub.price, 25);
  assert.equal(sub.currency, 'USD');
  assert.equal(sub.state, 'Paid');
  assert.deepEqual(sub.rate_plan, {
    id: 'pro', public_name: 'Pro Plan', currency: 'USD', scope: 'zone',
    externally_managed: false, is_contract: false, sets: [], has_public_price: true,
  });
  const start = Date.parse(sub.current_period_start);
  const end = Date.parse(sub.current_period_end);
  assert.ok(start >= before - 1000 && start <= Date.now() + 1000);
  const s = new Date(start);
  const expected = new Date(s);
  expected.setUTCMonth(s.getUTCMonth() + 1);
  // Calendar month; the day may clamp to the shorter month's end.
  assert.ok(end <= expected.getTime() && end >= expected.getTime() - 3 * DAY, `${sub.current_period_end}`);
});

test('prices per frequency: table values, derived weekly and quarterly, yearly', async () => {
  const cases = [
    ['pro', 'yearly', 240, 365],
    ['pro', 'weekly', 5.77, 7],
    ['pro', 'quarterly', 75, 90],
    ['business', 'monthly', 250, 30],
    ['business', 'weekly', 57.69, 7],
  ];
  for (const [id, frequency, price, days] of cases) {
    const sub = expectOk(assert, await srv.call('POST', base(), { body: { rate_plan: { id }, frequency } }));
    assert.equal(sub.price, price, `${id} ${frequency}`);
    assert.equal(sub.frequency, frequency);
    assert.equal(sub.state, 'Paid');
    const length = (Date.parse(sub.current_period_end) - Date.parse(sub.current_period_start)) / DAY;
    assert.ok(Math.abs(length - days) <= 3, `${id} ${frequency}: ${length} days`);
  }
});

test('free and unpriced plans cost 0, are Provisioned and say so', async () => {
  const free = expectOk(assert, await srv.call('POST', base(), { body: { rate_plan: { id: 'free' } } }));
  assert.equal(free.price, 0);
  assert.equal(free.state, 'Provisioned');
  assert.equal(free.rate_plan.has_public_price, true);
  const ent = expectOk(assert, await srv.call('POST', base(), {
    body: { rate_plan: { id: 'enterprise' }, frequency: 'yearly' } }));
  assert.equal(ent.price, 0);
  assert.equal(ent.state, 'Provisioned');
  assert.equal(ent.rate_plan.is_contract, true);
  assert.equal(ent.rate_plan.has_public_price, false);
  const partner = expectOk(assert, await srv.call('POST', base(), { body: { rate_plan: { id: 'partners_pro' } } }));
  assert.equal(partner.rate_plan.public_name, 'Pro Plan');
  assert.equal(partner.price, 0);
});

test('read-only fields from the client are ignored, never stored', async () => {
  const sub = expectOk(assert, await srv.call('POST', base(), {
    body: {
      rate_plan: { id: 'business', public_name: 'Cheap', currency: 'EUR', is_contract: true },
      price: 1, currency: 'EUR', state: 'Trial', id: 'f'.repeat(32),
      current_period_start: '2000-01-01T00:00:00Z', current_period_end: '2000-02-01T00:00:00Z',
    },
  }));
  assert.notEqual(sub.id, 'f'.repeat(32));
  assert.equal(sub.price, 250);
  assert.equal(sub.currency, 'USD');
  assert.equal(sub.state, 'Paid');
  assert.equal(sub.rate_plan.public_name, 'Business Plan');
  assert.equal(sub.rate_plan.is_contract, false);
  assert.ok(Date.parse(sub.current_period_start) > Date.parse('2020-01-01T00:00:00Z'));
  const listed = expectOk(assert, await srv.call('GET', base())).find((s) => s.id === sub.id);
  assert.deepEqual(listed, sub);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base()}/${sub.id}`)), sub);
});

test('create validates rate_plan and frequency and names the field', async () => {
  const cases = [
    [{}, '/rate_plan'],
    [{ frequency: 'monthly' }, '/rate_plan'],
    [{ rate_plan: 'pro' }, '/rate_plan'],
    [{ rate_plan: {} }, '/rate_plan/id'],
    [{ rate_plan: { id: 'platinum' } }, '/rate_plan/id'],
    [{ rate_plan: { id: 7 } }, '/rate_plan/id'],
    [{ rate_plan: { id: 'pro' }, frequency: 'daily' }, '/frequency'],
    [{ rate_plan: { id: 'pro' }, frequency: 12 }, '/frequency'],
  ];
  for (const [body, pointer] of cases) {
    const res = await srv.call('POST', base(), { body });
    expectError(assert, res, 400, 1002);
    assert.equal(res.body.errors[0].source?.pointer, pointer, JSON.stringify(body));
  }
  expectError(assert, await srv.call('POST', base()), 400);
  expectError(assert, await srv.call('POST', base(), { body: ['pro'] }), 400);
});

test('list is a single page of live subscriptions in creation order', async () => {
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'List Subs' } })).id;
  assert.deepEqual(expectOk(assert, await srv.call('GET', `/accounts/${acc}/subscriptions`)), []);
  const a = expectOk(assert, await srv.call('POST', `/accounts/${acc}/subscriptions`, { body: { rate_plan: { id: 'free' } } }));
  const b = expectOk(assert, await srv.call('POST', `/accounts/${acc}/subscriptions`, { body: { rate_plan: { id: 'pro' } } }));
  const list = expectOk(assert, await srv.call('GET', `/accounts/${acc}/subscriptions`));
  assert.deepEqual(list.map((s) => s.id), [a.id, b.id]);
  // Other accounts' subscriptions never show.
  const other = expectOk(assert, await srv.call('GET', base()));
  assert.ok(!other.some((s) => s.id === a.id || s.id === b.id));
});

test('update recomputes price, state and period; needs a change', async () => {
  const sub = expectOk(assert, await srv.call('POST', base(), { body: { rate_plan: { id: 'free' } } }));
  assert.equal(sub.state, 'Provisioned');
  const up = expectOk(assert, await srv.call('PUT', `${base()}/${sub.id}`, {
    body: { rate_plan: { id: 'pro' }, frequency: 'yearly', price: 3 } }));
  assert.equal(up.id, sub.id);
  assert.equal(up.rate_plan.id, 'pro');
  assert.equal(up.frequency, 'yearly');
  assert.equal(up.price, 240);
  assert.equal(up.state, 'Paid');
  assert.ok(Date.parse(up.current_period_start) >= Date.parse(sub.current_period_start));
  const len = (Date.parse(up.current_period_end) - Date.parse(up.current_period_start)) / DAY;
  assert.ok(len >= 365 && len <= 366, `${len}`);
  // Frequency alone keeps the plan.
  const weekly = expectOk(assert, await srv.call('PUT', `${base()}/${sub.id}`, { body: { frequency: 'weekly' } }));
  assert.equal(weekly.rate_plan.id, 'pro');
  assert.equal(weekly.price, 5.77);
  // Plan alone keeps the frequency.
  const back = expectOk(assert, await srv.call('PUT', `${base()}/${sub.id}`, { body: { rate_plan: { id: 'free' } } }));
  assert.equal(back.frequency, 'weekly');
  assert.equal(back.price, 0);
  assert.equal(back.state, 'Provisioned');
  const listed = expectOk(assert, await srv.call('GET', base())).find((s) => s.id === sub.id);
  assert.deepEqual(listed, back);

  const nothing = await srv.call('PUT', `${base()}/${sub.id}`, { body: {} });
  expectError(assert, nothing, 400, 1002);
  assert.equal(nothing.body.errors[0].source?.pointer, '/rate_plan');
  const bad = await srv.call('PUT', `${base()}/${sub.id}`, { body: { rate_plan: { id: 'gold' } } });
  expectError(assert, bad, 400, 1002);
  assert.equal(bad.body.errors[0].source?.pointer, '/rate_plan/id');
  expectError(assert, await srv.call('PUT', `${base()}/${sub.id}`, { body: { frequency: 'hourly' } }), 400, 1002);
});

test('delete cancels: answers the id, leaves the list, then 404s', async () => {
  const sub = expectOk(assert, await srv.call('POST', base(), { body: { rate_plan: { id: 'business' } } }));
  const res = expectOk(assert, await srv.call('DELETE', `${base()}/${sub.id}`));
  assert.deepEqual(res, { subscription_id: sub.id });
  const list = expectOk(assert, await srv.call('GET', base()));
  assert.ok(!list.some((s) => s.id === sub.id));
  expectError(assert, await srv.call('DELETE', `${base()}/${sub.id}`), 404, 1003);
  expectError(assert, await srv.call('GET', `${base()}/${sub.id}`), 404, 1003);
  expectError(assert, await srv.call('PUT', `${base()}/${sub.id}`, { body: { frequency: 'yearly' } }), 404, 1003);
});

test('unknown ids: subscription 404, account 404, malformed id 404', async () => {
  const missing = '0'.repeat(32);
  expectError(assert, await srv.call('PUT', `${base()}/${missing}`, { body: { frequency: 'yearly' } }), 404, 1003);
  expectError(assert, await srv.call('DELETE', `${base()}/${missing}`), 404, 1003);
  expectError(assert, await srv.call('GET', `/accounts/${missing}/subscriptions`), 404);
  expectError(assert, await srv.call('DELETE', `${base()}/not-an-id`), 404, 7003);
  // A subscription of another account is unknown here.
  const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Other Subs' } })).id;
  const sub = expectOk(assert, await srv.call('POST', `/accounts/${acc}/subscriptions`, { body: { rate_plan: { id: 'pro' } } }));
  expectError(assert, await srv.call('DELETE', `${base()}/${sub.id}`), 404, 1003);
});

test('credentials are required', async () => {
  expectError(assert, await srv.call('GET', base(), { token: null }), 400, 9106);
  expectError(assert, await srv.call('POST', base(), { token: 'wrong-token-value', body: { rate_plan: { id: 'pro' } } }), 403, 9109);
});
