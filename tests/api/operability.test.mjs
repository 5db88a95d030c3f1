// Operating cfiam: Prometheus metrics (checked with promtool and scraped by
// a real Prometheus server), structured logs on stderr, and readiness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ON_POSTGRES, startServer, stopAndCheck, expectError, expectOk, newToken } from '../lib/harness.mjs';
import { psql } from '../lib/postgres.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function scrape(url) {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return res.text();
}

// The value of one sample, or undefined; `labels` is the exact label text.
function sample(text, name, labels) {
  const prefix = labels === undefined ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

async function waitFor(what, fn, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test('GET /metrics: route templates, statuses, auth outcomes; promtool accepts it', async () => {
  const srv = await startServer();
  try {
    const account = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Metrics' } }));
    for (let i = 0; i < 3; i++) expectOk(assert, await srv.call('GET', `/accounts/${account.id}`));
    expectError(assert, await srv.call('GET', `/accounts/${account.id}`, { token: newToken() }), 403);
    expectError(assert, await srv.call('GET', '/accounts', { token: null }), 400);
    // Refused on its header, before the body is read: counted all the same.
    expectError(assert, await srv.call('POST', '/accounts', { body: { name: 'x' }, token: newToken() }), 403);
    expectError(assert, await srv.call('GET', `/no/such/${account.id}`), 404);
    expectError(assert, await srv.call('DELETE', '/healthz'), 404);

    // No credentials needed.
    const text = await scrape(srv.url);
    assert.equal(sample(text, 'cfiam_http_requests_total',
      'route="/accounts/{account_id}",method="GET",status="200"'), 3);
    assert.equal(sample(text, 'cfiam_http_requests_total',
      'route="/accounts/{account_id}",method="GET",status="403"'), 1);
    assert.equal(sample(text, 'cfiam_http_requests_total',
      'route="/accounts",method="POST",status="200"'), 1);
    assert.equal(sample(text, 'cfiam_http_requests_total', 'route="unmatched",method="GET",status="404"'), 1);
    assert.equal(sample(text, 'cfiam_http_request_duration_seconds_count',
      'route="/accounts/{account_id}",method="GET"'), 4);
    assert.equal(sample(text, 'cfiam_http_requests_total',
      'route="/accounts",method="POST",status="403"'), 1);
    assert.equal(sample(text, 'cfiam_auth_outcomes_total', 'outcome="unknown_token"'), 2);
    assert.equal(sample(text, 'cfiam_auth_outcomes_total', 'outcome="missing_credentials"'), 1);
    assert.ok(sample(text, 'cfiam_auth_outcomes_total', 'outcome="authenticated"') >= 4);
    for (const o of ['expired', 'ip_refused', 'missing_permission', 'ceiling_refused', 'rate_limited']) {
      assert.equal(sample(text, 'cfiam_auth_outcomes_total', `outcome="${o}"`), 0, o);
    }
    // The account creation and its audit entry went through one commit.
    assert.ok(sample(text, 'cfiam_store_commit_duration_seconds_count') >= 1);
    assert.ok(sample(text, 'cfiam_store_commit_batch_size_count') >= 1);
    assert.equal(sample(text, 'cfiam_audit_entries_written_total'), 1);
    assert.ok(sample(text, 'cfiam_http_open_connections') >= 1);
    assert.equal(sample(text, 'cfiam_log_lines_dropped_total'), 0);
    // Bounded labels: never an id, a secret or an email.
    assert.ok(!text.includes(account.id), 'an id became a label');
    assert.ok(!text.includes(srv.token), 'a secret in the scrape');
    assert.ok(!text.includes('@'), 'an email in the scrape');

    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.error, undefined, `promtool: ${check.error}`);
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('auth outcomes: ip refused, missing permission, ceiling refused each count once', async () => {
  const srv = await startServer();
  try {
    const acc = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Outcomes' } })).id;
    const allow = (id) => ({ effect: 'allow', permission_groups: [{ id }],
      resources: { [`com.cloudflare.api.account.${acc}`]: '*' } });
    const settingsRead = 'c1fde68c7bcc44588cbb6ddbc16d6480';
    const tokensWrite = '5bc3f8b21c554832afc660159ab75fa4';
    const billingWrite = '6c80e02421494afc9ae14414ed442632';
    const fenced = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { body: {
      name: 'fenced', policies: [allow(settingsRead)], condition: { request_ip: { in: ['10.0.0.0/8'] } } } }));
    const reader = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`,
      { body: { name: 'reader', policies: [allow(settingsRead)] } }));
    const granter = expectOk(assert, await srv.call('POST', `/accounts/${acc}/tokens`,
      { body: { name: 'granter', policies: [allow(tokensWrite)] } }));
    const before = await scrape(srv.url);
    const count = (text, o) => sample(text, 'cfiam_auth_outcomes_total', `outcome="${o}"`);

    expectError(assert, await srv.call('GET', `/accounts/${acc}`, { token: fenced.value }), 403);
    expectError(assert, await srv.call('GET', `/accounts/${acc}/tokens`, { token: reader.value }), 403);
    expectError(assert, await srv.call('POST', `/accounts/${acc}/tokens`, { token: granter.value,
      body: { name: 'escalate', policies: [allow(billingWrite)] } }), 403);

    const after = await scrape(srv.url);
    assert.equal(count(after, 'ip_refused') - count(before, 'ip_refused'), 1);
    assert.equal(count(after, 'missing_permission') - count(before, 'missing_permission'), 1);
    assert.equal(count(after, 'ceiling_refused') - count(before, 'ceiling_refused'), 1);
    // The two callers that got past authentication, once each (a change
    // authenticates again inside its unit of work: still one request).
    assert.equal(count(after, 'authenticated') - count(before, 'authenticated'), 2);
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('auth outcomes: a request beyond --rate-limit counts as rate_limited', async () => {
  const srv = await startServer({ args: ['--rate-limit', '2/1m'] });
  try {
    expectOk(assert, await srv.call('GET', '/accounts'));
    expectOk(assert, await srv.call('GET', '/accounts'));
    expectError(assert, await srv.call('GET', '/accounts'), 429, 971);
    const text = await scrape(srv.url);
    assert.equal(sample(text, 'cfiam_auth_outcomes_total', 'outcome="rate_limited"'), 1);
    assert.equal(sample(text, 'cfiam_http_requests_total', 'route="/accounts",method="GET",status="429"'), 1);
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('--metrics-listen serves /metrics on its own listener only', async () => {
  const srv = await startServer({ args: ['--metrics-listen', '127.0.0.1:0'] });
  try {
    const port = Number(/metrics endpoint on 127\.0\.0\.1:(\d+)/.exec(srv.stderr())[1]);
    assert.notEqual(port, srv.port);
    const metricsUrl = `http://127.0.0.1:${port}`;
    const text = await scrape(metricsUrl);
    assert.match(text, /# TYPE cfiam_http_requests_total counter/);
    assert.equal((await fetch(`${srv.url}/metrics`)).status, 404);
    assert.equal((await fetch(`${metricsUrl}/readyz`)).status, 200);
    assert.equal((await fetch(`${metricsUrl}/client/v4/accounts`)).status, 404);
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('CFIAM_METRICS_LISTEN is the environment twin of --metrics-listen', async () => {
  const srv = await startServer({ env: { CFIAM_METRICS_LISTEN: '127.0.0.1:0' } });
  try {
    const port = Number(/metrics endpoint on 127\.0\.0\.1:(\d+)/.exec(srv.stderr())[1]);
    await scrape(`http://127.0.0.1:${port}`);
    assert.equal((await fetch(`${srv.url}/metrics`)).status, 404);
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('a real Prometheus server scrapes cfiam and answers a query for a counter', async () => {
  const srv = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'cfiam-prometheus-'));
  let prom;
  try {
    const account = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Scraped' } }));
    for (let i = 0; i < 7; i++) expectOk(assert, await srv.call('GET', `/accounts/${account.id}/roles`));
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: cfiam',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${srv.port}']`,
      '',
    ].join('\n'));
    const promPort = await freePort();
    let log = '';
    prom = spawn('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    prom.stdout.on('data', (c) => { log += c; });
    prom.stderr.on('data', (c) => { log += c; });
    const exited = new Promise((resolve) => prom.on('exit', (code, signal) => resolve({ code, signal })));
    prom.on('error', (e) => { log += `spawn: ${e.message}`; });

    const query = encodeURIComponent(
      'cfiam_http_requests_total{route="/accounts/{account_id}/roles",method="GET",status="200"}');
    const value = await waitFor(`Prometheus to scrape the counter\n${log}`, async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${query}`);
        if (res.status !== 200) return undefined;
        const body = await res.json();
        return body.data?.result?.[0]?.value?.[1];
      } catch {
        return undefined;  // not up yet
      }
    }, 30000);
    assert.equal(Number(value), 7);

    prom.kill('SIGTERM');
    const { signal, code } = await exited;
    assert.ok(signal === 'SIGTERM' || code === 0, `prometheus exit ${code} ${signal}`);
    prom = undefined;
  } finally {
    if (prom) prom.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await stopAndCheck(assert, srv);
  }
});

// Every stderr line, parsed; fails on any line that is not JSON.
function jsonLines(stderr) {
  return stderr.split('\n').filter((l) => l !== '').map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      assert.fail(`not a JSON line: ${l}`);
    }
  });
}

test('--log-format json: every stderr line is a JSON object; one access line per request', async () => {
  const srv = await startServer({ args: ['--log-format', 'json'] });
  let account;
  try {
    account = expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'Logged' } }));
    const res = await srv.call('GET', `/accounts/${account.id}`);
    const ray = res.headers.get('cf-ray');
    const access = await waitFor('the access line', () =>
      jsonLines(srv.stderr()).find((l) => l.msg === 'request' && l.ray === ray));
    assert.equal(access.level, 'info');
    assert.match(access.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(access.method, 'GET');
    assert.equal(access.route, '/accounts/{account_id}');
    assert.equal(access.status, 200);
    assert.equal(typeof access.duration_us, 'number');
    assert.equal(access.actor_type, 'user');
    assert.match(access.actor_id, /^[0-9a-f]{32}$/);
    assert.equal(access.account_id, account.id);
    assert.equal(access.client, '127.0.0.1');

    const miss = await srv.call('GET', '/nowhere', { token: null });
    const unmatched = await waitFor('the unmatched access line', () =>
      jsonLines(srv.stderr()).find((l) => l.ray === miss.headers.get('cf-ray')));
    assert.equal(unmatched.route, 'unmatched');
    assert.equal(unmatched.status, 404);
    assert.equal(unmatched.actor_id, '');

    const lines = jsonLines(srv.stderr());
    assert.ok(lines.some((l) => l.msg === 'starting'));
    assert.ok(lines.some((l) => l.msg === 'migration applied' && typeof l.version === 'number'));
    assert.ok(lines.some((l) => l.msg === `listening on 127.0.0.1:${srv.port}`));
  } finally {
    const { code } = await srv.stop();
    assert.equal(code, 0, srv.stderr());
    const lines = jsonLines(srv.stderr());
    assert.ok(lines.some((l) => l.msg === 'stopped'), 'no stop event');
    assert.ok(!srv.stderr().includes(srv.token), 'a secret in the log');
    assert.ok(!srv.stderr().includes('admin@example.com'), 'an email in the log');
    srv.cleanup();
  }
});

test('text logs by default: access lines as key=value; CFIAM_LOG_LEVEL=warn silences them', async () => {
  const srv = await startServer();
  try {
    const res = await srv.call('GET', '/accounts');
    const ray = res.headers.get('cf-ray');
    const line = await waitFor('the access line', () =>
      srv.stderr().split('\n').find((l) => l.includes(`ray=${ray}`)));
    assert.match(line, /^\d{4}-\d\d-\d\dT\S+Z info request ray=\S+ method=GET route=\/accounts status=200 duration_us=\d+ actor_type=user actor_id=[0-9a-f]{32} account_id="" client=127\.0\.0\.1 node=\S+$/);
  } finally {
    await stopAndCheck(assert, srv);
  }

  const quiet = await startServer({ env: { CFIAM_LOG_LEVEL: 'warn', CFIAM_LOG_FORMAT: 'json' } });
  try {
    expectOk(assert, await quiet.call('GET', '/accounts'));
    await sleep(300);  // the logger thread drains every 20 ms
    // The lifecycle lines are still there (the harness waits for "listening
    // on"); the access lines are not.
    assert.ok(!quiet.stderr().includes('"msg":"request"'), quiet.stderr());
    assert.match(quiet.stderr(), /"msg":"starting"/);
  } finally {
    await stopAndCheck(assert, quiet);
  }
});

test('bad --log-format and --log-level are usage errors', () => {
  for (const args of [['--log-format', 'xml'], ['--log-level', 'loud'], ['--metrics-listen', 'nope']]) {
    const r = spawnSync(process.env.CFIAM_BIN || 'build/asan/cfiam', ['serve', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, args.join(' '));
  }
});

// The outage below is SQLite's (another process holds the file's write lock);
// PostgreSQL's own outage is the next test.
test('/readyz: 200 while the store answers, 503 with the envelope while another process holds its write lock', { skip: ON_POSTGRES && 'an outage of the SQLite file; see the PostgreSQL test below' }, async () => {
  const srv = await startServer();
  let sqlite;
  try {
    let res = await fetch(`${srv.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(),
      { success: true, errors: [], messages: [], result: { status: 'ready' } });

    // A real outage: another process (the sqlite3 shell) takes the database's
    // write lock and keeps it, as a stuck `cfiam admin` or a backup tool could.
    sqlite = spawn('sqlite3', [join(srv.dataDir, 'cfiam.db')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    sqlite.stdout.on('data', (c) => { out += c; });
    sqlite.stderr.on('data', (c) => { out += c; });
    sqlite.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
    await waitFor(`the sqlite3 shell to take the lock (${out})`, () => out.includes('locked'));

    const started = Date.now();
    res = await fetch(`${srv.url}/readyz`);
    const body = await res.json();
    assert.equal(res.status, 503);
    assert.equal(body.success, false);
    assert.equal(body.result, null);
    assert.deepEqual(body.messages, []);
    assert.match(body.errors[0].message, /^Not ready: store: .*locked/);
    assert.ok(Date.now() - started < 5000, 'the probe must not wait for the busy timeout');
    // Liveness is unaffected.
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);

    sqlite.stdin.end('ROLLBACK;\n');
    await new Promise((r) => sqlite.on('exit', r));
    sqlite = undefined;
    res = await fetch(`${srv.url}/readyz`);
    assert.equal(res.status, 200);
    const text = await scrape(srv.url);
    assert.equal(sample(text, 'cfiam_http_requests_total', 'route="/readyz",method="GET",status="503"'), 1);
    assert.equal(sample(text, 'cfiam_http_requests_total', 'route="/readyz",method="GET",status="200"'), 2);
  } finally {
    if (sqlite) sqlite.kill('SIGKILL');
    await stopAndCheck(assert, srv);
  }
});

test('/readyz on PostgreSQL: 503 with the envelope while the database refuses connections; the pool recovers', { skip: !ON_POSTGRES && 'a PostgreSQL outage (runs under api_postgres)' }, async () => {
  const srv = await startServer();
  const { port, db } = srv.postgres;
  try {
    expectOk(assert, await srv.call('GET', '/accounts'));  // the pool holds connections now
    assert.equal((await fetch(`${srv.url}/readyz`)).status, 200);
    // An outage: the database stops taking connections and drops every open one.
    psql(port, `ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
    psql(port, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}'`);
    const started = Date.now();
    const res = await fetch(`${srv.url}/readyz`);
    const body = await res.json();
    assert.equal(res.status, 503);
    assert.equal(body.success, false);
    assert.equal(body.result, null);
    assert.match(body.errors[0].message, /^Not ready: store: /);
    assert.ok(Date.now() - started < 5000, 'the probe answers within seconds');
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);

    psql(port, `ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
    await waitFor('/readyz to answer 200 again', async () => (await fetch(`${srv.url}/readyz`)).status === 200);
    // The pool's dead connections are replaced, not handed out.
    expectOk(assert, await srv.call('GET', '/accounts'));
    expectOk(assert, await srv.call('POST', '/accounts', { body: { name: 'after the outage', type: 'standard' } }));
  } finally {
    psql(port, `ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
    await stopAndCheck(assert, srv);
  }
});
