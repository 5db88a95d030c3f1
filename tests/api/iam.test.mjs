// IAM over plain HTTP: permission groups, resource groups, user groups and
// their members, including a concurrency test on one group's member set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

const SUPER_ADMIN = '33666b9c79b9a5273fc7344ff42f953d';
const ADMIN = '05784afa30c1afe1440e79d9351c7430';
const ZONE = `com.cloudflare.api.account.zone.${'a'.repeat(32)}`;

let srv;
before(async () => { srv = await startServer(); });
after(() => stopAndCheck(assert, srv));

async function newAccount(name = 'IAM') {
  return expectOk(assert, await srv.call('POST', '/accounts', { body: { name } }));
}
const scopeOf = (acc, objects = [{ key: '*' }]) => ({ key: `com.cloudflare.api.account.${acc.id}`, objects });
async function newRg(acc, name, objects) {
  return expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/iam/resource_groups`, {
    body: { name, scope: scopeOf(acc, objects) } }));
}
async function newMember(acc, email, status = 'accepted') {
  return expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/members`, {
    body: { email, roles: [ADMIN], status } }));
}
async function newGroup(acc, body) {
  return expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/iam/user_groups`, { body }));
}

test('permission groups: the roles in IAM form, filters, pages, 404', async () => {
  const acc = await newAccount();
  const base = `/accounts/${acc.id}/iam/permission_groups`;
  const p1 = await srv.call('GET', base);
  const items = expectOk(assert, p1);
  assert.equal(items.length, 20);
  assert.deepEqual(items[0], { id: SUPER_ADMIN, name: 'Super Administrator - All Privileges',
    meta: { key: 'label', value: 'super_administrator_all_privileges' } });
  assert.equal(p1.body.result_info.total_count, 40);
  assert.equal(p1.body.result_info.total_pages, 2);
  const p2 = expectOk(assert, await srv.call('GET', `${base}?page=2&per_page=50`));
  assert.deepEqual(p2, []);
  assert.equal((await srv.call('GET', `${base}?per_page=1`)).body.result_info.per_page, 5);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?id=${ADMIN}`)).map((g) => g.name), ['Administrator']);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?name=administrator`)).map((g) => g.id), [ADMIN]);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?label=dns`)).map((g) => g.name), ['DNS']);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?label=nothing`)), []);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}/${ADMIN}`)).meta, { key: 'label', value: 'administrator' });
  expectError(assert, await srv.call('GET', `${base}/${'f'.repeat(32)}`), 404, 1003);
  expectError(assert, await srv.call('GET', `${base}/nope`), 404, 7003);
});

test('resource groups: create, get, list filters, update, delete', async () => {
  const acc = await newAccount();
  const base = `/accounts/${acc.id}/iam/resource_groups`;
  const rg = await newRg(acc, 'Zones', [{ key: ZONE }, { key: '*' }]);
  assert.match(rg.id, /^[0-9a-f]{32}$/);
  assert.equal(rg.name, 'Zones');
  assert.deepEqual(rg.scope, [{ key: `com.cloudflare.api.account.${acc.id}`, objects: [{ key: ZONE }, { key: '*' }] }]);
  assert.equal(typeof rg.meta, 'object');
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}/${rg.id}`)), rg);
  const other = await newRg(acc, 'Another');
  const list = await srv.call('GET', base);
  assert.deepEqual(expectOk(assert, list).map((g) => g.name), ['Another', 'Zones']);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?name=zones`)).map((g) => g.id), [rg.id]);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?id=${other.id}`)).map((g) => g.id), [other.id]);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?name=missing`)), []);

  const renamed = expectOk(assert, await srv.call('PUT', `${base}/${rg.id}`, { body: { name: 'Renamed' } }));
  assert.equal(renamed.name, 'Renamed');
  assert.deepEqual(renamed.scope, rg.scope);
  const rescoped = expectOk(assert, await srv.call('PUT', `${base}/${rg.id}`, { body: { scope: scopeOf(acc) } }));
  assert.deepEqual(rescoped.scope[0].objects, [{ key: '*' }]);
  assert.equal(rescoped.name, 'Renamed');
  expectError(assert, await srv.call('PUT', `${base}/${rg.id}`, { body: { name: 'another' } }), 409, 1004);
  expectError(assert, await srv.call('PUT', `${base}/${rg.id}`, { body: { scope: scopeOf(acc, []) } }), 400);

  assert.deepEqual(expectOk(assert, await srv.call('DELETE', `${base}/${rg.id}`)), { id: rg.id });
  expectError(assert, await srv.call('GET', `${base}/${rg.id}`), 404, 1003);
  expectError(assert, await srv.call('DELETE', `${base}/${rg.id}`), 404);
  // Another account's group is not visible here.
  const acc2 = await newAccount('Two');
  expectError(assert, await srv.call('GET', `/accounts/${acc2.id}/iam/resource_groups/${other.id}`), 404);
});

test('resource groups: validation names the field; duplicate names are 409', async () => {
  const acc = await newAccount();
  const base = `/accounts/${acc.id}/iam/resource_groups`;
  const good = scopeOf(acc);
  const cases = [
    [{ scope: good }, '/name'],
    [{ name: '  ', scope: good }, '/name'],
    [{ name: 'x' }, '/scope'],
    [{ name: 'x', scope: 'all' }, '/scope'],
    [{ name: 'x', scope: { key: `com.cloudflare.api.account.${'b'.repeat(32)}`, objects: [{ key: '*' }] } }, '/scope/key'],
    [{ name: 'x', scope: { objects: [{ key: '*' }] } }, '/scope/key'],
    [{ name: 'x', scope: { key: good.key } }, '/scope/objects'],
    [{ name: 'x', scope: { key: good.key, objects: [] } }, '/scope/objects'],
    [{ name: 'x', scope: { key: good.key, objects: [{ key: 'com.cloudflare.api.account.zone.xyz' }] } }, '/scope/objects[0]/key'],
    [{ name: 'x', scope: { key: good.key, objects: [{ key: '*' }, 'zone'] } }, '/scope/objects[1]'],
  ];
  for (const [body, pointer] of cases) {
    const res = await srv.call('POST', base, { body });
    expectError(assert, res, 400, 1002);
    assert.equal(res.body.errors[0].source?.pointer, pointer, JSON.stringify(body));
  }
  await newRg(acc, 'Unique');
  const dup = await srv.call('POST', base, { body: { name: 'UNIQUE', scope: good } });
  expectError(assert, dup, 409, 1004);
  assert.match(dup.body.errors[0].message, /already exists/);
  assert.equal(expectOk(assert, await srv.call('GET', base)).length, 1);
});

test('a resource group in use cannot be deleted; the error names the users', async () => {
  const acc = await newAccount();
  const rg = await newRg(acc, 'Used');
  const policies = [{ access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }];
  const m = expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/members`, {
    body: { email: 'user-of-rg@example.com', policies } }));
  const g = await newGroup(acc, { name: 'Team RG', policies });
  const url = `/accounts/${acc.id}/iam/resource_groups/${rg.id}`;
  let res = await srv.call('DELETE', url);
  expectError(assert, res, 409, 1004);
  assert.match(res.body.errors[0].message, /member user-of-rg@example\.com/);
  assert.match(res.body.errors[0].message, /user group Team RG/);
  expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}/members/${m.id}`));
  res = await srv.call('DELETE', url);
  expectError(assert, res, 409);
  assert.doesNotMatch(res.body.errors[0].message, /member/);
  expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}/iam/user_groups/${g.id}`));
  expectOk(assert, await srv.call('DELETE', url));
});

test('user groups: create with policies, get, update, delete', async () => {
  const acc = await newAccount();
  const rg = await newRg(acc, 'All');
  const g = await newGroup(acc, { name: 'Engineers', policies: [
    { access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }] });
  assert.match(g.id, /^[0-9a-f]{32}$/);
  assert.equal(g.name, 'Engineers');
  assert.ok(!Number.isNaN(Date.parse(g.created_on)));
  assert.equal(g.created_on, g.modified_on);
  assert.equal(g.policies.length, 1);
  assert.match(g.policies[0].id, /^[0-9a-f]{32}$/);
  assert.deepEqual(g.policies[0].permission_groups.map((p) => p.name), ['Administrator']);
  assert.deepEqual(g.policies[0].resource_groups.map((r) => r.name), ['All']);
  const url = `/accounts/${acc.id}/iam/user_groups/${g.id}`;
  assert.deepEqual(expectOk(assert, await srv.call('GET', url)), g);

  const empty = await newGroup(acc, { name: 'No Policies' });
  assert.deepEqual(empty.policies, []);
  const upd = expectOk(assert, await srv.call('PUT', url, { body: { name: 'Engineering', policies: [
    { access: 'deny', permission_groups: [{ id: SUPER_ADMIN }], resource_groups: [{ id: rg.id }] }] } }));
  assert.equal(upd.name, 'Engineering');
  assert.equal(upd.policies[0].access, 'deny');
  assert.equal(upd.created_on, g.created_on);
  assert.ok(Date.parse(upd.modified_on) >= Date.parse(g.modified_on));
  assert.notEqual(upd.modified_on, g.modified_on);
  const renamed = expectOk(assert, await srv.call('PUT', url, { body: { name: 'Eng' } }));
  assert.deepEqual(renamed.policies, upd.policies);
  // Sending a stored policy's id updates that policy; a foreign or made-up id is replaced.
  const kept = expectOk(assert, await srv.call('PUT', url, { body: { policies: [
    { id: upd.policies[0].id, access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] },
    { id: g.policies[0].id, access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }] } }));
  assert.equal(kept.policies[0].id, upd.policies[0].id);
  assert.equal(kept.policies[0].access, 'allow');
  assert.notEqual(kept.policies[1].id, g.policies[0].id);

  expectError(assert, await srv.call('PUT', url, { body: { name: 'no policies' } }), 409, 1004);
  expectError(assert, await srv.call('POST', `/accounts/${acc.id}/iam/user_groups`, { body: { name: 'ENG' } }), 409);
  for (const [body, pointer] of [
    [{}, '/name'],
    [{ name: '' }, '/name'],
    [{ name: 'x', policies: {} }, '/policies'],
    [{ name: 'x', policies: [{ access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: 'c'.repeat(32) }] }] }, '/policies[0]/resource_groups[0]/id'],
    [{ name: 'x', policies: [{ access: 'allow', permission_groups: [{ id: ADMIN }] }] }, '/policies[0]/resource_groups'],
  ]) {
    const res = await srv.call('POST', `/accounts/${acc.id}/iam/user_groups`, { body });
    expectError(assert, res, 400, 1002);
    assert.equal(res.body.errors[0].source?.pointer, pointer, JSON.stringify(body));
  }
  assert.deepEqual(expectOk(assert, await srv.call('DELETE', url)), { id: g.id });
  expectError(assert, await srv.call('GET', url), 404, 1003);
  expectError(assert, await srv.call('PUT', url, { body: { name: 'x' } }), 404);
});

test('user groups: list filters, fuzzy name, direction, pagination', async () => {
  const acc = await newAccount();
  const names = ['Alpha Team', 'Beta Team', 'Gamma', 'delta team', 'Epsilon'];
  const made = [];
  for (const name of names) made.push(await newGroup(acc, { name }));
  const base = `/accounts/${acc.id}/iam/user_groups`;
  const all = await srv.call('GET', base);
  assert.deepEqual(expectOk(assert, all).map((g) => g.name), ['Alpha Team', 'Beta Team', 'delta team', 'Epsilon', 'Gamma']);
  assert.deepEqual(all.body.result_info, { page: 1, per_page: 100, count: 5, total_count: 5, total_pages: 1 });
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?direction=desc`)).map((g) => g.name),
    ['Gamma', 'Epsilon', 'delta team', 'Beta Team', 'Alpha Team']);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?fuzzyName=TEAM`)).map((g) => g.name),
    ['Alpha Team', 'Beta Team', 'delta team']);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?fuzzy_name=ta%20t`)).map((g) => g.name),
    ['Beta Team', 'delta team']);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?fuzzyName=%25`)), []);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?name=gamma`)).map((g) => g.id), [made[2].id]);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${base}?id=${made[4].id}`)).map((g) => g.name), ['Epsilon']);
  const p2 = await srv.call('GET', `${base}?per_page=2&page=2`);
  assert.deepEqual(expectOk(assert, p2).map((g) => g.name), ['delta team', 'Epsilon']);
  assert.deepEqual(p2.body.result_info, { page: 2, per_page: 2, count: 2, total_count: 5, total_pages: 3 });
  assert.equal((await srv.call('GET', `${base}?per_page=0`)).body.result_info.per_page, 1);
  assert.equal((await srv.call('GET', `${base}?per_page=9999`)).body.result_info.per_page, 500);
  expectError(assert, await srv.call('GET', `${base}?direction=sideways`), 400);
});

test('user group members: add, list, replace, get, remove; unknown ids add nothing', async () => {
  const acc = await newAccount();
  const other = await newAccount('Other');
  const a = await newMember(acc, 'a@example.com');
  const b = await newMember(acc, 'b@example.com', 'pending');
  const c = await newMember(acc, 'c@example.com');
  const stranger = await newMember(other, 'stranger@example.com');
  const g = await newGroup(acc, { name: 'Members' });
  const url = `/accounts/${acc.id}/iam/user_groups/${g.id}/members`;
  const added = expectOk(assert, await srv.call('POST', url, { body: [{ id: a.id }, { id: b.id }] }));
  assert.deepEqual(added, [{ id: a.id, email: 'a@example.com', status: 'accepted' },
    { id: b.id, email: 'b@example.com', status: 'pending' }]);
  const listed = await srv.call('GET', url);
  assert.deepEqual(expectOk(assert, listed).map((m) => m.email), ['a@example.com', 'b@example.com']);
  assert.equal(listed.body.result_info.total_count, 2);
  // Adding again is idempotent; adding an id that is not a member adds nothing.
  expectOk(assert, await srv.call('POST', url, { body: [{ id: a.id }] }));
  let res = await srv.call('POST', url, { body: [{ id: c.id }, { id: stranger.id }, { id: 'e'.repeat(32) }] });
  expectError(assert, res, 400, 1002);
  assert.match(res.body.errors[0].message, new RegExp(stranger.id));
  assert.match(res.body.errors[0].message, new RegExp('e'.repeat(32)));
  assert.doesNotMatch(res.body.errors[0].message, new RegExp(c.id));
  assert.equal((await srv.call('GET', url)).body.result_info.total_count, 2);
  for (const body of [{ id: a.id }, [{ id: 'short' }], ['x'], [{}]]) {
    expectError(assert, await srv.call('POST', url, { body }), 400);
  }
  expectError(assert, await srv.call('POST', url), 400);

  const replaced = expectOk(assert, await srv.call('PUT', url, { body: [{ id: c.id }, { id: b.id }] }));
  assert.deepEqual(replaced.map((m) => m.id).sort(), [b.id, c.id].sort());
  assert.deepEqual(expectOk(assert, await srv.call('GET', url)).map((m) => m.email), ['b@example.com', 'c@example.com']);
  assert.deepEqual(expectOk(assert, await srv.call('GET', `${url}?direction=desc`)).map((m) => m.email), ['c@example.com', 'b@example.com']);
  const one = expectOk(assert, await srv.call('GET', `${url}/${c.id}`));
  assert.equal(one.email, 'c@example.com');
  assert.equal(one.user.email, 'c@example.com');
  expectError(assert, await srv.call('GET', `${url}/${a.id}`), 404);

  assert.deepEqual(expectOk(assert, await srv.call('DELETE', `${url}/${b.id}`)),
    { id: b.id, email: 'b@example.com', status: 'pending' });
  expectError(assert, await srv.call('DELETE', `${url}/${b.id}`), 404, 1003);
  // Deleting the account member removes it from every group.
  expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}/members/${c.id}`));
  assert.deepEqual(expectOk(assert, await srv.call('GET', url)), []);
  assert.deepEqual(expectOk(assert, await srv.call('PUT', url, { body: [] })), []);
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/iam/user_groups/${'d'.repeat(32)}/members`), 404);
});

test('user group members paginate', async () => {
  const acc = await newAccount();
  const g = await newGroup(acc, { name: 'Paged' });
  const ids = [];
  for (let i = 0; i < 7; i++) ids.push({ id: (await newMember(acc, `p${i}@example.com`)).id });
  expectOk(assert, await srv.call('PUT', `/accounts/${acc.id}/iam/user_groups/${g.id}/members`, { body: ids }));
  const p2 = await srv.call('GET', `/accounts/${acc.id}/iam/user_groups/${g.id}/members?per_page=5&page=2`);
  assert.deepEqual(expectOk(assert, p2).map((m) => m.email), ['p5@example.com', 'p6@example.com']);
  assert.deepEqual(p2.body.result_info, { page: 2, per_page: 5, count: 2, total_count: 7, total_pages: 2 });
});

test('concurrent PUT/POST/DELETE on one group never interleave', async () => {
  const acc = await newAccount();
  const g = await newGroup(acc, { name: 'Busy' });
  const members = [];
  for (let i = 0; i < 24; i++) members.push((await newMember(acc, `c${i}@example.com`)).id);
  const url = `/accounts/${acc.id}/iam/user_groups/${g.id}/members`;
  const current = async () =>
    new Set(expectOk(assert, await srv.call('GET', `${url}?per_page=50`)).map((m) => m.id));
  const put = (ids) => srv.call('PUT', url, { body: ids.map((id) => ({ id })) });

  // 1. Many PUTs of different sets at once: the result is exactly one of them.
  const sets = [];
  for (let i = 0; i < 16; i++) sets.push(members.slice(0, 12).filter((_, j) => (j * 7 + i) % 4 === 0));
  for (const res of await Promise.all(sets.map(put))) expectOk(assert, res);
  const after1 = [...(await current())].sort();
  assert.ok(sets.some((s) => JSON.stringify([...s].sort()) === JSON.stringify(after1)), after1.join());

  // 2. After a completed PUT, concurrent adds and removes (disjoint, so they
  //    commute) land exactly: last PUT + later adds - later removes.
  const base = members.slice(0, 12);
  expectOk(assert, await put(base));
  const adds = members.slice(12, 24);
  const removes = base.filter((_, j) => j % 2 === 0);
  const reqs = [
    ...adds.map((id) => srv.call('POST', url, { body: [{ id }] })),
    ...removes.map((id) => srv.call('DELETE', `${url}/${id}`)),
  ];
  for (const res of await Promise.all(reqs)) expectOk(assert, res);
  const expected = [...base.filter((id) => !removes.includes(id)), ...adds].sort();
  assert.deepEqual([...(await current())].sort(), expected);

  // 3. PUTs racing adds of other ids: the PUT-able part is exactly one PUT's set.
  const racing = [...sets.slice(0, 8).map(put),
    ...adds.map((id) => srv.call('POST', url, { body: [{ id }] }))];
  for (const res of await Promise.all(racing)) expectOk(assert, res);
  const final = await current();
  const fromPuts = [...final].filter((id) => !adds.includes(id)).sort();
  assert.ok(sets.slice(0, 8).some((s) => JSON.stringify([...s].sort()) === JSON.stringify(fromPuts)));
  const listed = await srv.call('GET', `${url}?per_page=50`);
  assert.equal(listed.body.result_info.total_count, final.size);
});

test('deleting an account removes its IAM objects', async () => {
  const acc = await newAccount();
  const rg = await newRg(acc, 'Doomed');
  const m = await newMember(acc, 'doomed@example.com');
  const g = await newGroup(acc, { name: 'Doomed', policies: [
    { access: 'allow', permission_groups: [{ id: ADMIN }], resource_groups: [{ id: rg.id }] }] });
  expectOk(assert, await srv.call('POST', `/accounts/${acc.id}/iam/user_groups/${g.id}/members`, { body: [{ id: m.id }] }));
  expectOk(assert, await srv.call('DELETE', `/accounts/${acc.id}`));
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/iam/user_groups/${g.id}`), 404);
  expectError(assert, await srv.call('GET', `/accounts/${acc.id}/iam/resource_groups/${rg.id}`), 404);
});
