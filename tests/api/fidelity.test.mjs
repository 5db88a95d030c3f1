// Wire shapes the seeds show: result_info on the single-page lists, meta on
// token policies' permission groups, and the canonical order and stable
// policy ids that clients diffing state (Terraform) rely on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const G = {
  settingsRead: 'c1fde68c7bcc44588cbb6ddbc16d6480',
  billingRead: '7cf72faf220841aabcfdfab81c43c4f6',
  workersRead: '1a71c399035b4950a1bd1466bbe4f420',
};

let srv;
let acc;
before(async () => {
  srv = await startServer();
  acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Fidelity' } })).id;
});
after(() => stopAndCheck(assert, srv));

const resources = () => ({ [`com.cloudflare.api.account.${acc}`]: '*' });
const policy = (effect, ...groups) => ({ effect, permission_groups: groups.map((id) => ({ id })), resources: resources() });

function assertSinglePageInfo(res) {
  assert.equal(res.status, 200, res.text);
  const n = res.body.result.length;
  assert.deepEqual(res.body.result_info, { page: 1, per_page: n, count: n, total_count: n });
}

test('single-page lists carry result_info {page, per_page, count, total_count}', async () => {
  assertSinglePageInfo(await srv.call('GET', `/accounts/${acc}/tokens/permission_groups`));
  assertSinglePageInfo(await srv.call('GET', `/accounts/${acc}/subscriptions`));
  assertSinglePageInfo(await srv.call('GET', `/accounts/${acc}/sso_connectors`));
  expectOk(assert, await srv.call('POST', `/accounts/${acc}/sso_connectors`, { body: { email_domain: 'fidelity.example' } }));
  const sso = await srv.call('GET', `/accounts/${acc}/sso_connectors`);
  assertSinglePageInfo(sso);
  assert.equal(sso.body.result_info.count, 1);
});

test('token permission groups carry meta: a default from the catalog, or what the client sent', async () => {
  const body = {
    name: 'meta',
    policies: [{
      effect: 'allow',
      permission_groups: [{ id: G.settingsRead }, { id: G.billingRead, meta: { key: 'key', value: 'value' } }],
      resources: resources(),
    }],
  };
  const created = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { body }));
  const byId = Object.fromEntries(created.policies[0].permission_groups.map((g) => [g.id, g]));
  assert.deepEqual(byId[G.billingRead].meta, { key: 'key', value: 'value' });
  assert.deepEqual(byId[G.settingsRead].meta, { key: 'scopes', value: 'com.cloudflare.api.account' });
  const got = expectOk(assert, await srv.call('GET', `/accounts/${acc}/tokens/${created.id}`));
  assert.deepEqual(got.policies, created.policies);

  for (const meta of ['x', 7, { key: 1 }, ['a']]) {
    const bad = { ...body, policies: [{ ...body.policies[0], permission_groups: [{ id: G.billingRead, meta }] }] };
    const res = await srv.call('POST', `/accounts/${acc}/tokens`, { body: bad });
    expectError(assert, res, 400);
    assert.match(res.body.errors[0].message, /policies\.0\.permission_groups\.0\.meta/);
  }
});

test('policies and their permission groups come back in one canonical order', async () => {
  const a = policy('allow', G.settingsRead, G.workersRead, G.billingRead);
  const d = policy('deny', G.billingRead);
  const one = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { body: { name: 'o1', policies: [d, a] } }));
  const reversed = { ...a, permission_groups: [...a.permission_groups].reverse() };
  const two = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { body: { name: 'o2', policies: [reversed, d] } }));
  const shape = (t) => t.policies.map((p) => [p.effect, p.permission_groups.map((g) => g.id)]);
  assert.deepEqual(shape(one), shape(two));
  assert.deepEqual(shape(one), [['allow', [G.workersRead, G.billingRead, G.settingsRead].sort()], ['deny', [G.billingRead]]]);
  // Duplicate group ids collapse into one entry.
  const dup = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, {
    body: { name: 'dup', policies: [policy('allow', G.billingRead, G.billingRead)] },
  }));
  assert.deepEqual(dup.policies[0].permission_groups.map((g) => g.id), [G.billingRead]);
});

test('an update that leaves a policy unchanged keeps its id; a changed one gets a new id', async () => {
  const a = policy('allow', G.settingsRead, G.billingRead);
  const d = policy('deny', G.billingRead);
  const created = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { body: { name: 'stable', policies: [a, d] } }));
  const ids = Object.fromEntries(created.policies.map((p) => [p.effect, p.id]));
  // Terraform sends the policies without ids, in its own order.
  const swapped = { ...a, permission_groups: [...a.permission_groups].reverse() };
  const same = expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${created.id}`, {
    body: { name: 'stable', policies: [d, swapped] },
  }));
  assert.deepEqual(same.policies, created.policies);
  const changed = expectOk(assert, await srv.call('PUT', `/accounts/${acc}/tokens/${created.id}`, {
    body: { name: 'stable', policies: [a, policy('deny', G.workersRead)] },
  }));
  const after = Object.fromEntries(changed.policies.map((p) => [p.effect, p.id]));
  assert.equal(after.allow, ids.allow);
  assert.notEqual(after.deny, ids.deny);
  assert.match(after.deny, /^[0-9a-f]{32}$/);
});
