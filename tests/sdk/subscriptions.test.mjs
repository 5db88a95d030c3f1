// accounts.subscriptions.* of the official `cloudflare` SDK against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { startServer, stopAndCheck } from '../lib/harness.mjs';

let srv;
let client;
let account;
before(async () => {
  srv = await startServer();
  client = new Cloudflare({ apiToken: srv.token, baseURL: srv.base, maxRetries: 0 });
  account = (await client.accounts.create({ name: 'SDK Billing', type: 'standard' })).id;
});
after(() => stopAndCheck(assert, srv));

test('create, list, get, update, delete', async () => {
  const sub = await client.accounts.subscriptions.create({
    account_id: account, rate_plan: { id: 'business' }, frequency: 'yearly' });
  assert.match(sub.id, /^[0-9a-f]{32}$/);
  assert.equal(sub.price, 2400);
  assert.equal(sub.currency, 'USD');
  assert.equal(sub.state, 'Paid');
  assert.equal(sub.rate_plan.public_name, 'Business Plan');
  assert.equal(sub.rate_plan.scope, 'zone');

  const page = await client.accounts.subscriptions.get({ account_id: account });
  assert.deepEqual(page.result.map((s) => s.id), [sub.id]);
  const all = [];
  for await (const s of client.accounts.subscriptions.get({ account_id: account })) all.push(s);
  assert.deepEqual(all, [sub]);
  assert.deepEqual(await client.accounts.subscriptions.getByIdentifier(sub.id, { account_id: account }), sub);

  const up = await client.accounts.subscriptions.update(sub.id, {
    account_id: account, rate_plan: { id: 'pro' }, frequency: 'monthly' });
  assert.equal(up.id, sub.id);
  assert.equal(up.price, 25);
  assert.equal(up.rate_plan.id, 'pro');

  const del = await client.accounts.subscriptions.delete(sub.id, { account_id: account });
  assert.deepEqual(del, { subscription_id: sub.id });
  const after = await client.accounts.subscriptions.get({ account_id: account });
  assert.deepEqual(after.result, []);
});

test('errors surface as the SDK\'s typed errors', async () => {
  await assert.rejects(
    client.accounts.subscriptions.create({ account_id: account, rate_plan: { id: 'platinum' } }),
    (err) => {
      assert.ok(err instanceof Cloudflare.BadRequestError);
      assert.equal(err.status, 400);
      assert.equal(err.errors[0].source?.pointer, '/rate_plan/id');
      return true;
    });
  await assert.rejects(
    client.accounts.subscriptions.create({ account_id: account, rate_plan: { id: 'pro' }, frequency: 'daily' }),
    (err) => err instanceof Cloudflare.BadRequestError);
  await assert.rejects(
    client.accounts.subscriptions.update('0'.repeat(32), { account_id: account, frequency: 'yearly' }),
    (err) => err instanceof Cloudflare.NotFoundError);
  await assert.rejects(
    client.accounts.subscriptions.delete('0'.repeat(32), { account_id: account }),
    (err) => err instanceof Cloudflare.NotFoundError);
});
