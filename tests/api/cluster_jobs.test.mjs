// Background work once per cluster: two cfiam nodes on one PostgreSQL
// database. An SSO check runs on one node only (each node asks a DNS server
// of its own, so the query counts say which node checked); when its node is
// killed the other takes it over within the lease time, when it stops
// gracefully at once, and begin_verification on the other node moves it
// there. Audit retention runs on one node; last_used_on never moves
// backwards when both nodes flush.
// PostgreSQL only (ctest api_postgres): on SQLite there is one node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ON_POSTGRES, startServer, expectOk } from '../lib/harness.mjs';
import { freeUdpPort, startDnsmasq, startSilentResolver, waitFor } from '../lib/dns.mjs';

const skip = ON_POSTGRES ? false : 'needs PostgreSQL (runs in ctest api_postgres)';
const LEASE = 1000;  // --lease-time, ms
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Two nodes on one database, each with its own options (and DNS server).
async function twoNodes(argsA, argsB) {
  const a = await startServer({ args: argsA });
  const b = await startServer({ sameStoreAs: a, args: argsB });
  return { a, b };
}

// Stops the second node first (the first one's cleanup drops the database).
async function stopBoth({ a, b }) {
  const codes = [];
  for (const n of [b, a]) {
    if (n.proc.exitCode === null && n.proc.signalCode === null) codes.push([n, (await n.stop()).code]);
  }
  b.cleanup();
  a.cleanup();
  for (const [n, code] of codes) assert.equal(code, 0, `node exited ${code}:\n${n.stderr()}`);
}

const dnsArgs = (port, interval, attempts) => ['--dns-resolver', `127.0.0.1:${port}`,
  '--sso-verify-interval', String(interval), '--sso-verify-attempts', String(attempts),
  '--dns-timeout', '300', '--lease-time', String(LEASE)];
const connectors = (acc, id = '') => `/accounts/${acc}/sso_connectors${id ? `/${id}` : ''}`;

test('a pending SSO check runs on exactly one node: the one that began it', { skip }, async () => {
  const ATTEMPTS = 3;
  const INTERVAL = 150;
  const [pa, pb] = [await freeUdpPort(), await freeUdpPort()];
  const records = [['one.test', 'cloudflare_dashboard_sso=1'], ['two.test', 'cloudflare_dashboard_sso=2']];
  const dnsA = await startDnsmasq(pa, records);
  const dnsB = await startDnsmasq(pb, records);
  const nodes = await twoNodes(dnsArgs(pa, INTERVAL, ATTEMPTS), dnsArgs(pb, INTERVAL, ATTEMPTS));
  const { a, b } = nodes;
  try {
    const acc = expectOk(assert, await a.call('POST', '/accounts', { body: { name: 'Jobs' } })).id;
    // Begun on A (at creation) and on B (begin_verification): wrong codes, so
    // each check makes all its lookups and fails.
    // B learns of the account through the change log.
    await waitFor(async () => (await b.call('GET', `/accounts/${acc}`)).status, (st) => st === 200);
    const one = expectOk(assert, await a.call('POST', connectors(acc), { body: { email_domain: 'one.test' } }));
    const two = expectOk(assert, await b.call('POST', connectors(acc), {
      body: { email_domain: 'two.test', begin_verification: false } }));
    expectOk(assert, await b.call('POST', `${connectors(acc, two.id)}/begin_verification`));
    for (const c of [one, two]) {
      const s = await waitFor(async () => expectOk(assert, await b.call('GET', connectors(acc, c.id))).verification.status,
        (v) => v !== 'pending');
      assert.equal(s, 'failed');
    }
    // Several sweeps later, still no second series anywhere.
    await sleep(3 * LEASE);
    assert.equal(dnsA.queries('one.test'), ATTEMPTS, dnsA.log());
    assert.equal(dnsB.queries('one.test'), 0, dnsB.log());
    assert.equal(dnsB.queries('two.test'), ATTEMPTS, dnsB.log());
    assert.equal(dnsA.queries('two.test'), 0, dnsA.log());
    // Finished checks give their leases up.
    assert.deepEqual(a.storeRows("SELECT name FROM leases WHERE name LIKE 'sso:%'"), []);
  } finally {
    await stopBoth(nodes);
    await dnsA.stop();
    await dnsB.stop();
  }
});

test('a check whose node is killed is taken over by the other node within the lease time', { skip }, async () => {
  // A asks a resolver that never answers, so its check cannot finish; B's
  // DNS has the right record, so the check verifies once B runs it.
  const silent = await startSilentResolver();
  const pb = await freeUdpPort();
  const a = await startServer({ args: dnsArgs(silent.port, 200, 1000) });
  const acc = expectOk(assert, await a.call('POST', '/accounts', { body: { name: 'Takeover' } })).id;
  const c = expectOk(assert, await a.call('POST', connectors(acc), { body: { email_domain: 'takeover.test' } }));
  const dnsB = await startDnsmasq(pb, [['takeover.test', c.verification.code]]);
  const b = await startServer({ sameStoreAs: a, args: dnsArgs(pb, 200, 1000) });
  const nodes = { a, b };
  try {
    await waitFor(() => silent.received(), (n) => n >= 2);
    // B sweeps every fifth of the lease time: while A holds the check, B leaves it alone.
    await sleep(2 * LEASE);
    assert.equal(dnsB.queries('takeover.test'), 0, dnsB.log());
    assert.equal(a.storeRows(`SELECT holder FROM leases WHERE name = 'sso:${c.id}'`).length, 1);
    const killed = Date.now();
    await a.kill9();
    const s = await waitFor(async () => expectOk(assert, await b.call('GET', connectors(acc, c.id))).verification.status,
      (v) => v !== 'pending', 10 * LEASE);
    const took = Date.now() - killed;
    assert.equal(s, 'verified');
    // The lease expires at most LEASE after A's last renewal, B's next sweep
    // follows within LEASE / 5, then one lookup; slack for a loaded machine.
    assert.ok(took < 3 * LEASE, `taken over after ${took} ms`);
    console.log(`# takeover after kill -9: ${took} ms (lease ${LEASE} ms)`);
    // The line was queued when B claimed the check, before its lookup, but
    // the log is written by its own thread (it polls every 20 ms) and read
    // here through a pipe: on a loaded machine the verified status can be
    // read back first. Wait for it, boundedly.
    const log = await waitFor(() => b.stderr(), (text) => /sso domain verification claimed/.test(text), 5000)
      .catch(() => b.stderr());
    assert.match(log, /sso domain verification claimed/);
  } finally {
    await stopBoth(nodes);
    await silent.stop();
    await dnsB.stop();
  }
});

test('begin_verification on the other node moves the check there; the first stops', { skip }, async () => {
  const [pa, pb] = [await freeUdpPort(), await freeUdpPort()];
  const records = [['move.test', 'cloudflare_dashboard_sso=0']];
  const dnsA = await startDnsmasq(pa, records);
  const dnsB = await startDnsmasq(pb, records);
  const nodes = await twoNodes(dnsArgs(pa, 100, 1000), dnsArgs(pb, 100, 1000));
  const { a, b } = nodes;
  try {
    const acc = expectOk(assert, await a.call('POST', '/accounts', { body: { name: 'Move' } })).id;
    const c = expectOk(assert, await a.call('POST', connectors(acc), { body: { email_domain: 'move.test' } }));
    await waitFor(() => dnsA.queries('move.test'), (n) => n >= 2);
    await waitFor(async () => (await b.call('GET', connectors(acc, c.id))).status, (st) => st === 200);
    expectOk(assert, await b.call('POST', `${connectors(acc, c.id)}/begin_verification`));
    await waitFor(() => dnsB.queries('move.test'), (n) => n >= 2);
    // A learns at its next renewal (a fifth of the lease time) that B holds it.
    await sleep(LEASE);
    const stoppedAt = dnsA.queries('move.test');
    const bAt = dnsB.queries('move.test');
    await sleep(LEASE);
    assert.equal(dnsA.queries('move.test'), stoppedAt, 'node A still checks');
    assert.ok(dnsB.queries('move.test') > bAt, 'node B stopped checking');
    const [lease] = a.storeRows(`SELECT holder FROM leases WHERE name = 'sso:${c.id}'`);
    assert.ok(lease.holder.endsWith(`-${b.proc.pid}`), lease.holder);
  } finally {
    await stopBoth(nodes);
    await dnsA.stop();
    await dnsB.stop();
  }
});

test('a node stopping gracefully hands its checks over at once, not a lease time later', { skip }, async () => {
  const lease = 10000;
  const silent = await startSilentResolver();
  const pb = await freeUdpPort();
  const args = (port) => [...dnsArgs(port, 200, 1000).slice(0, -2), '--lease-time', String(lease)];
  const a = await startServer({ args: args(silent.port) });
  const acc = expectOk(assert, await a.call('POST', '/accounts', { body: { name: 'Handover' } })).id;
  const c = expectOk(assert, await a.call('POST', connectors(acc), { body: { email_domain: 'handover.test' } }));
  const dnsB = await startDnsmasq(pb, [['handover.test', c.verification.code]]);
  const b = await startServer({ sameStoreAs: a, args: args(pb) });
  const nodes = { a, b };
  try {
    await waitFor(() => silent.received(), (n) => n >= 1);
    const stopped = Date.now();
    assert.equal((await a.stop()).code, 0, a.stderr());
    const s = await waitFor(async () => expectOk(assert, await b.call('GET', connectors(acc, c.id))).verification.status,
      (v) => v !== 'pending', lease);
    assert.equal(s, 'verified');
    // A renewed at most a fifth of the lease time before it stopped: its
    // lease would not have expired for 8 s more. B's next sweep took it.
    const took = Date.now() - stopped;
    assert.ok(took < 0.6 * lease, `handed over after ${took} ms`);
    console.log(`# handover after a graceful stop: ${took} ms (lease ${lease} ms)`);
  } finally {
    await stopBoth(nodes);
    await silent.stop();
    await dnsB.stop();
  }
});

test('audit retention and change-log pruning run on one node of the two', { skip }, async () => {
  const args = ['--audit-retention', '1s', '--audit-prune-interval', '1s', '--lease-time', String(LEASE)];
  const nodes = await twoNodes(args, args);
  const { a, b } = nodes;
  try {
    for (let round = 0; round < 3; round += 1) {
      for (const n of [a, b]) {
        expectOk(assert, await n.call('POST', '/accounts', { body: { name: `Old ${round}` } }));
      }
      await waitFor(() => a.storeRows('SELECT count(*) AS n FROM audit_log')[0].n, (n) => n === 0, 10000);
    }
    // Log lines reach us after the changes they describe (the log has its
    // own thread and a pipe): wait for the first of each, boundedly.
    const logs = () => a.stderr() + b.stderr();
    await waitFor(logs, (text) => /audit retention pass/.test(text) && /cluster job taken.*job=change-log-prune/.test(text), 5000)
      .catch(() => {});
    const passes = [a, b].map((n) => (n.stderr().match(/audit retention pass/g) ?? []).length);
    assert.ok(passes[0] + passes[1] >= 1, 'no retention pass ran');
    assert.ok(passes[0] === 0 || passes[1] === 0, `both nodes pruned: ${passes}`);
    const holders = a.storeRows("SELECT holder FROM leases WHERE name = 'audit-retention'");
    assert.equal(holders.length, 1);
    // The change-log pruner too (attempted once a second on each node).
    const pruners = [a, b].filter((n) => /cluster job taken.*job=change-log-prune/.test(n.stderr()));
    assert.equal(pruners.length, 1, `${a.stderr()}\n${b.stderr()}`);
    assert.equal(a.storeRows("SELECT holder FROM leases WHERE name = 'change-log-prune'").length, 1);
  } finally {
    await stopBoth(nodes);
  }
});

test('last_used_on never moves backwards when two nodes flush', { skip }, async () => {
  const nodes = await twoNodes([], []);
  const { a, b } = nodes;
  try {
    const tokenId = expectOk(assert, await a.call('GET', '/user/tokens/verify')).id;
    // The stored value itself (a node's API answer would merge in its own
    // unflushed uses): in tokens, or in a narrow table of its own.
    const narrow = a.storeRows("SELECT 1 FROM information_schema.tables WHERE table_name = 'token_last_used'").length > 0;
    const stored = () => (narrow
      ? a.storeRows(`SELECT last_used_on AS t FROM token_last_used WHERE token_id = '${tokenId}'`)[0]?.t
      : a.storeRows(`SELECT last_used_on AS t FROM tokens WHERE id = '${tokenId}'`)[0].t) ?? null;
    // A's flush is held back (the process is stopped) while B records and
    // flushes a later use; A's older one then reaches the store last.
    await sleep(2500);  // whatever A flushed of its start-up is done
    const before = stored();
    expectOk(assert, await a.call('GET', '/user/tokens/verify'));
    a.proc.kill('SIGSTOP');
    try {
      await sleep(20);
      expectOk(assert, await b.call('GET', '/user/tokens/verify'));
      await sleep(2500);  // B's flush has run
      const latest = stored();
      assert.ok(latest > before, `B's use was not flushed: ${latest} <= ${before}`);
      a.proc.kill('SIGCONT');
      await sleep(2500);  // A's flush has run
      assert.equal(stored(), latest, 'an older use from node A overwrote a newer one from node B');
    } finally {
      a.proc.kill('SIGCONT');
    }
  } finally {
    await stopBoth(nodes);
  }
});
