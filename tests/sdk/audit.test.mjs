// accounts.logs.audit.list of the official `cloudflare` SDK against the real
// binary: entries recorded by SDK calls, the filters as the SDK serializes
// them (`x=a&x=b`, `x.not=a`), both directions, and `for await` cursor
// auto-pagination walking every entry exactly once while writes continue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { startServer, stopAndCheck } from '../lib/harness.mjs';

const EMAIL = 'sdk-audit@example.com';
const ADMIN_ROLE = '05784afa30c1afe1440e79d9351c7430';
const SETTINGS_WRITE = '1af1fa2adc104452b74a9a3364202f20';

let srv;
let client;
let account;
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const window = () => ({ account_id: account, since: day(-1), before: day(2) });
const tokenClient = (apiToken) => new Cloudflare({
  apiToken, apiEmail: null, apiKey: null, baseURL: srv.base, maxRetries: 0 });

async function collect(params) {
  const out = [];
  for await (const e of client.accounts.logs.audit.list({ ...window(), ...params })) out.push(e);
  return out;
}

before(async () => {
  srv = await startServer({ email: EMAIL });
  client = tokenClient(srv.token);
  account = (await client.accounts.create({ name: 'SDK Audit', type: 'standard' })).id;
  for (let i = 0; i < 12; i++) {
    await client.accounts.members.create({ account_id: account, email: `m${i}@example.com`, roles: [ADMIN_ROLE] });
  }
  const tok = await client.accounts.tokens.create({
    account_id: account, name: 'sdk-robot',
    policies: [{ effect: 'allow', permission_groups: [{ id: SETTINGS_WRITE }],
      resources: { [`com.cloudflare.api.account.${account}`]: '*' } }] });
  const robot = tokenClient(tok.value);
  await robot.accounts.update({ account_id: account, name: 'SDK Audit Renamed', type: 'standard' });
  // A refused change: the robot may not create tokens.
  await assert.rejects(robot.accounts.tokens.create({ account_id: account, name: 'nope', policies: [] }));
});
after(() => stopAndCheck(assert, srv));

test('list: recorded entries in the contract shape, newest first by default', async () => {
  const all = await collect({});
  // The account's creation, 12 members, a token, the rename, the refused token.
  assert.equal(all.length, 16, JSON.stringify(all.map((e) => e.action.description)));
  const times = all.map((e) => Date.parse(e.action.time));
  assert.deepEqual(times, [...times].sort((a, b) => b - a));
  const upd = all.find((e) => e.action.description === 'Update Account');
  assert.equal(upd.actor.type, 'account');
  assert.equal(upd.actor.token_name, 'sdk-robot');
  assert.equal(upd.account.name, 'SDK Audit Renamed');
  const refused = all.filter((e) => e.action.result === 'failure');
  assert.equal(refused.length, 1);
  assert.ok(refused[0].raw.status_code >= 400);

  const asc = await collect({ direction: 'asc' });
  assert.deepEqual(asc.map((e) => e.id), all.map((e) => e.id).reverse());
});

test('filters as the SDK sends them: arrays OR within a field, .not excludes, AND across fields', async () => {
  const creates = await collect({ action_type: ['create'] });
  assert.equal(creates.length, 15);
  assert.ok(creates.every((e) => e.action.type === 'create'));
  const notCreate = await collect({ action_type: { not: ['create'] } });
  assert.equal(notCreate.length, 1);
  assert.ok(notCreate.every((e) => e.action.type !== 'create'));
  const either = await collect({ actor_type: ['account', 'user'] });
  assert.equal(either.length, 16);
  const robotCreates = await collect({ actor_type: ['account'], action_type: ['create'] });
  assert.equal(robotCreates.length, 1);
  assert.equal(robotCreates[0].action.result, 'failure');
  const byEmail = await collect({ actor_email: [EMAIL], resource_product: ['members'] });
  assert.equal(byEmail.length, 12);
  const notFailed = await collect({ action_result: { not: ['failure'] } });
  assert.equal(notFailed.length, 15);
  const statuses = await collect({ raw_status_code: { not: [200] } });
  assert.equal(statuses.length, 1);
});

test('for await walks every entry exactly once with limit=1 while writes continue', async () => {
  const expected = (await collect({})).map((e) => e.id);
  const seen = [];
  let writes = 0;
  for await (const e of client.accounts.logs.audit.list({ ...window(), limit: 1 })) {
    seen.push(e.id);
    if (writes < 5) {
      writes++;
      await client.accounts.members.create({ account_id: account, email: `late${writes}@example.com`, roles: [ADMIN_ROLE] });
    }
  }
  assert.equal(new Set(seen).size, seen.length, 'an entry came twice');
  // Newest-first paging started before the late writes: it sees exactly the
  // entries that existed, none lost, and none of the newer ones.
  assert.deepEqual(seen, expected);
  assert.equal((await collect({})).length, expected.length + 5);
});

test('since and before are required; a forged cursor is refused', async () => {
  await assert.rejects(client.accounts.logs.audit.list({ account_id: account, before: day(1) }),
    (err) => err.status === 400 && /since/.test(err.message));
  await assert.rejects(client.accounts.logs.audit.list({ ...window(), cursor: 'Zm9yZ2Vk' }),
    (err) => err.status === 400);
});
