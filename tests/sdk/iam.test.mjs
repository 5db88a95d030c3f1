// The official SDK against the real binary: iam.permissionGroups,
// iam.resourceGroups, iam.userGroups and iam.userGroups.members.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { startServer, stopAndCheck } from '../lib/harness.mjs';

const ADMIN = '05784afa30c1afe1440e79d9351c7430';

let srv;
let client;
let acc;
before(async () => {
  srv = await startServer();
  client = new Cloudflare({ apiToken: srv.token, baseURL: srv.base, maxRetries: 0 });
  acc = await client.accounts.create({ name: 'SDK IAM' });
});
after(() => stopAndCheck(assert, srv));

test('permission groups: auto-pagination, filters, get', async () => {
  const all = [];
  for await (const g of client.iam.permissionGroups.list({ account_id: acc.id, per_page: 7 })) all.push(g);
  assert.equal(all.length, 40);
  assert.equal(new Set(all.map((g) => g.id)).size, 40);
  const admin = all.find((g) => g.id === ADMIN);
  assert.deepEqual(admin.meta, { key: 'label', value: 'administrator' });
  const byLabel = await client.iam.permissionGroups.list({ account_id: acc.id, label: 'administrator' });
  assert.deepEqual(byLabel.result.map((g) => g.id), [ADMIN]);
  assert.deepEqual(await client.iam.permissionGroups.get(ADMIN, { account_id: acc.id }), admin);
  await assert.rejects(client.iam.permissionGroups.get('f'.repeat(32), { account_id: acc.id }),
    (err) => err instanceof Cloudflare.NotFoundError);
});

test('resource groups: create, list, get, update, delete', async () => {
  const key = `com.cloudflare.api.account.${acc.id}`;
  const rg = await client.iam.resourceGroups.create({ account_id: acc.id, name: 'SDK RG',
    scope: { key, objects: [{ key: '*' }] } });
  assert.deepEqual(rg.scope, [{ key, objects: [{ key: '*' }] }]);
  const listed = [];
  for await (const g of client.iam.resourceGroups.list({ account_id: acc.id })) listed.push(g);
  assert.ok(listed.some((g) => g.id === rg.id));
  assert.deepEqual(await client.iam.resourceGroups.get(rg.id, { account_id: acc.id }), rg);
  const upd = await client.iam.resourceGroups.update(rg.id, { account_id: acc.id, name: 'SDK RG 2',
    scope: { key, objects: [{ key: `com.cloudflare.api.account.zone.${'a'.repeat(32)}` }] } });
  assert.equal(upd.name, 'SDK RG 2');
  assert.equal(upd.scope[0].objects[0].key, `com.cloudflare.api.account.zone.${'a'.repeat(32)}`);
  await assert.rejects(client.iam.resourceGroups.create({ account_id: acc.id, name: 'bad',
    scope: { key: 'com.cloudflare.api.account.nope', objects: [{ key: '*' }] } }),
  (err) => err instanceof Cloudflare.BadRequestError);
  assert.deepEqual(await client.iam.resourceGroups.delete(rg.id, { account_id: acc.id }), { id: rg.id });
});

test('user groups: create, auto-paginated list, get, update, delete', async () => {
  const key = `com.cloudflare.api.account.${acc.id}`;
  const rg = await client.iam.resourceGroups.create({ account_id: acc.id, name: 'UG RG',
    scope: { key, objects: [{ key: '*' }] } });
  const made = [];
  for (let i = 0; i < 12; i++) {
    made.push(await client.iam.userGroups.create({ account_id: acc.id, name: `Group ${String(i).padStart(2, '0')}`,
      policies: [{ access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }] }));
  }
  assert.equal(made[0].policies[0].resource_groups[0].id, rg.id);
  const seen = [];
  for await (const g of client.iam.userGroups.list({ account_id: acc.id, per_page: 5, fuzzyName: 'group' })) {
    seen.push(g.name);
  }
  assert.deepEqual(seen, made.map((g) => g.name));
  const got = await client.iam.userGroups.get(made[0].id, { account_id: acc.id });
  assert.deepEqual(got, made[0]);
  const upd = await client.iam.userGroups.update(made[0].id, { account_id: acc.id, name: 'Renamed',
    policies: [{ id: made[0].policies[0].id, access: 'deny', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }] });
  assert.equal(upd.name, 'Renamed');
  assert.equal(upd.policies[0].access, 'deny');
  assert.deepEqual(await client.iam.userGroups.delete(made[0].id, { account_id: acc.id }), { id: made[0].id });
  await assert.rejects(client.iam.userGroups.get(made[0].id, { account_id: acc.id }),
    (err) => err instanceof Cloudflare.NotFoundError);
});

test('user group members: create, update, auto-paginated list, get, delete', async () => {
  const g = await client.iam.userGroups.create({ account_id: acc.id, name: 'SDK Members Group' });
  const ids = [];
  for (let i = 0; i < 11; i++) {
    ids.push((await client.accounts.members.create({ account_id: acc.id,
      email: `ugm${String(i).padStart(2, '0')}@example.com`, roles: [ADMIN] })).id);
  }
  const added = [];
  for await (const m of client.iam.userGroups.members.create(g.id, { account_id: acc.id,
    members: ids.slice(0, 3).map((id) => ({ id })) })) added.push(m.id);
  assert.deepEqual(added, ids.slice(0, 3));
  const replaced = [];
  for await (const m of client.iam.userGroups.members.update(g.id, { account_id: acc.id,
    members: ids.map((id) => ({ id })) })) replaced.push(m.id);
  assert.equal(replaced.length, 11);
  const listed = [];
  for await (const m of client.iam.userGroups.members.list(g.id, { account_id: acc.id, per_page: 5 })) {
    listed.push(m.email);
  }
  assert.deepEqual(listed, ids.map((_, i) => `ugm${String(i).padStart(2, '0')}@example.com`));
  const one = await client.iam.userGroups.members.get(ids[4], { account_id: acc.id, user_group_id: g.id });
  assert.equal(one.email, 'ugm04@example.com');
  const removed = await client.iam.userGroups.members.delete(ids[4], { account_id: acc.id, user_group_id: g.id });
  assert.deepEqual(removed, { id: ids[4], email: 'ugm04@example.com', status: 'pending' });
  await assert.rejects(client.iam.userGroups.members.create(g.id, { account_id: acc.id,
    members: [{ id: 'e'.repeat(32) }] }), (err) => err instanceof Cloudflare.BadRequestError);
  const page = await client.iam.userGroups.members.list(g.id, { account_id: acc.id, per_page: 5, page: 2 });
  assert.equal(page.result_info.total_count, 10);
});
