// The official SDK against the real binary: accounts.members.* with
// auto-pagination, and memberships.* for an invited user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { startServer, stopAndCheck } from '../lib/harness.mjs';
import { userKey } from '../lib/iam.mjs';

const ADMIN = '05784afa30c1afe1440e79d9351c7430';
const SUPER_ADMIN = '33666b9c79b9a5273fc7344ff42f953d';

let srv;
let client;
before(async () => {
  srv = await startServer();
  client = new Cloudflare({ apiToken: srv.token, baseURL: srv.base, maxRetries: 0 });
});
after(() => stopAndCheck(assert, srv));

test('members: create (roles and policies), get, update, delete', async () => {
  const acc = await client.accounts.create({ name: 'SDK Members' });
  const m = await client.accounts.members.create({ account_id: acc.id, email: 'sdk@example.com', roles: [ADMIN] });
  assert.equal(m.email, 'sdk@example.com');
  assert.equal(m.status, 'pending');
  assert.deepEqual(m.roles.map((r) => r.id), [ADMIN]);
  assert.deepEqual(await client.accounts.members.get(m.id, { account_id: acc.id }), m);

  const rg = await client.iam.resourceGroups.create({ account_id: acc.id, name: 'all',
    scope: { key: `com.cloudflare.api.account.${acc.id}`, objects: [{ key: '*' }] } });
  const p = await client.accounts.members.create({ account_id: acc.id, email: 'pol@example.com',
    policies: [{ access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }],
    status: 'accepted' });
  assert.equal(p.status, 'accepted');
  assert.equal(p.policies[0].permission_groups[0].name, 'Administrator');
  assert.equal(p.policies[0].resource_groups[0].id, rg.id);

  const upd = await client.accounts.members.update(m.id, { account_id: acc.id,
    roles: [{ id: SUPER_ADMIN }] });
  assert.deepEqual(upd.roles.map((r) => r.id), [SUPER_ADMIN]);
  const upd2 = await client.accounts.members.update(p.id, { account_id: acc.id,
    policies: [{ access: 'deny', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }] });
  assert.equal(upd2.policies[0].access, 'deny');

  assert.deepEqual(await client.accounts.members.delete(m.id, { account_id: acc.id }), { id: m.id });
  await assert.rejects(client.accounts.members.get(m.id, { account_id: acc.id }), (err) => {
    assert.ok(err instanceof Cloudflare.NotFoundError);
    return true;
  });
  await assert.rejects(
    client.accounts.members.create({ account_id: acc.id, email: 'bad', roles: [ADMIN] }),
    (err) => err instanceof Cloudflare.BadRequestError);
  await assert.rejects(
    client.accounts.members.create({ account_id: acc.id, email: 'pol@example.com', roles: [ADMIN] }),
    (err) => err instanceof Cloudflare.ConflictError);
});

test('members: auto-pagination walks every page, with filters and ordering', async () => {
  const acc = await client.accounts.create({ name: 'SDK Paged Members' });
  const emails = ['admin@example.com'];
  for (let i = 0; i < 17; i++) {
    const email = `page${String(i).padStart(2, '0')}@example.com`;
    emails.push(email);
    await client.accounts.members.create({ account_id: acc.id, email, roles: [ADMIN],
      status: i % 3 === 0 ? 'accepted' : 'pending' });
  }
  const seen = [];
  for await (const m of client.accounts.members.list({ account_id: acc.id, per_page: 5,
    order: 'user.email', direction: 'desc' })) {
    seen.push(m.email);
  }
  assert.deepEqual(seen, [...emails].sort().reverse());
  const pending = [];
  for await (const m of client.accounts.members.list({ account_id: acc.id, per_page: 5, status: 'pending' })) {
    pending.push(m);
  }
  assert.equal(pending.length, 11);
  assert.ok(pending.every((m) => m.status === 'pending'));
});

test('memberships: the invitee lists, accepts and leaves', async () => {
  const acc = await client.accounts.create({ name: 'SDK Invite' });
  const invite = await client.accounts.members.create({ account_id: acc.id, email: 'carol@example.com', roles: [ADMIN] });
  // Carol acts with a global API key made by `cfiam admin api-key` (the server picks it up).
  const carolKey = await userKey(srv, 'carol@example.com');
  const carol = new Cloudflare({ apiEmail: 'carol@example.com', apiKey: carolKey, baseURL: srv.base, maxRetries: 0 });

  const mine = [];
  for await (const m of carol.memberships.list({ per_page: 5 })) mine.push(m);
  assert.deepEqual(mine.map((m) => m.id), [invite.id]);
  assert.equal(mine[0].account.name, 'SDK Invite');
  assert.equal(mine[0].status, 'pending');
  const accepted = await carol.memberships.update(invite.id, { status: 'accepted' });
  assert.equal(accepted.status, 'accepted');
  assert.equal((await carol.memberships.get(invite.id)).status, 'accepted');
  assert.equal((await client.accounts.members.get(invite.id, { account_id: acc.id })).status, 'accepted');
  await assert.rejects(client.memberships.get(invite.id), (err) => err instanceof Cloudflare.NotFoundError);
  assert.deepEqual(await carol.memberships.delete(invite.id), { id: invite.id });
  await assert.rejects(carol.memberships.get(invite.id), (err) => err.status === 404);
});
