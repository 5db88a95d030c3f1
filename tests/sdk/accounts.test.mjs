// The official `cloudflare` npm SDK, used exactly as a user would, against the
// real binary: accounts and roles, including auto-pagination.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { startServer, stopAndCheck } from '../lib/harness.mjs';

let srv;
let client;
before(async () => {
  srv = await startServer();
  client = new Cloudflare({ apiToken: srv.token, baseURL: srv.base, maxRetries: 0 });
});
after(() => stopAndCheck(assert, srv));

test('accounts: create, get, update, delete', async () => {
  const created = await client.accounts.create({ name: 'SDK Account', type: 'standard' });
  assert.match(created.id, /^[0-9a-f]{32}$/);
  assert.equal(created.name, 'SDK Account');

  const got = await client.accounts.get({ account_id: created.id });
  assert.deepEqual(got, created);

  const updated = await client.accounts.update({
    account_id: created.id, id: created.id, name: 'SDK Account 2', type: 'standard',
    settings: { enforce_twofactor: true },
  });
  assert.equal(updated.name, 'SDK Account 2');
  assert.equal(updated.settings.enforce_twofactor, true);

  const deleted = await client.accounts.delete({ account_id: created.id });
  assert.deepEqual(deleted, { id: created.id });
  await assert.rejects(client.accounts.get({ account_id: created.id }), (err) => {
    assert.equal(err.status, 404);
    assert.ok(err instanceof Cloudflare.NotFoundError);
    return true;
  });
});

test('accounts: auto-pagination walks every page exactly once', async () => {
  const ids = new Set();
  for (let i = 0; i < 23; i++) {
    ids.add((await client.accounts.create({ name: `Paged ${String(i).padStart(2, '0')}` })).id);
  }
  const seen = [];
  for await (const account of client.accounts.list({ name: 'Paged', per_page: 5 })) {
    seen.push(account.id);
  }
  assert.equal(seen.length, 23);
  assert.deepEqual(new Set(seen), ids);

  const page = await client.accounts.list({ name: 'Paged', per_page: 10, page: 3 });
  assert.equal(page.result.length, 3);
  assert.equal(page.result_info.total_count, 23);
});

test('accounts: SDK surfaces validation errors', async () => {
  await assert.rejects(client.accounts.create({ name: '' }), (err) => {
    assert.equal(err.status, 400);
    assert.ok(err instanceof Cloudflare.BadRequestError);
    return true;
  });
});

test('roles: list with auto-pagination and get one', async () => {
  const acc = await client.accounts.create({ name: 'Roles Account' });
  const roles = [];
  for await (const role of client.accounts.roles.list({ account_id: acc.id, per_page: 7 })) {
    roles.push(role);
  }
  assert.equal(roles.length, 40);
  assert.ok(!roles.some((r) => r.name === 'Account Administrator'), 'example_only role is hidden');
  const superAdmin = roles.find((r) => r.name === 'Super Administrator - All Privileges');
  assert.ok(superAdmin);
  assert.equal(Object.keys(superAdmin.permissions).length, 12);
  assert.deepEqual(superAdmin.permissions.organization, { read: true, write: true });

  const one = await client.accounts.roles.get(superAdmin.id, { account_id: acc.id });
  assert.deepEqual(one, superAdmin);
  await assert.rejects(client.accounts.roles.get('0'.repeat(32), { account_id: acc.id }),
    (err) => err.status === 404);
});
