// Process lifecycle: durability across kill -9, restarts, graceful shutdown,
// connection limits and timeouts, the bootstrap credential.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, expectError, expectOk, BIN, newToken } from '../lib/harness.mjs';

test('acknowledged writes survive kill -9', async () => {
  const srv = await startServer();
  const ids = [];
  for (let i = 0; i < 25; i++) {
    ids.push(expectOk(assert, await srv.call('POST', '/accounts', { body: { name: `Durable ${i}` } })).id);
  }
  const last = expectOk(assert, await srv.call('PUT', `/accounts/${ids[0]}`, { body: { name: 'Durable renamed' } }));
  const { signal } = await srv.kill9();
  assert.equal(signal, 'SIGKILL');

  const again = await startServer({ dataDir: srv.dataDir, token: srv.token });
  try {
    for (const id of ids) expectOk(assert, await again.call('GET', `/accounts/${id}`));
    assert.equal(expectOk(assert, await again.call('GET', `/accounts/${ids[0]}`)).name, last.name);
    const list = await again.call('GET', '/accounts?name=Durable&per_page=50');
    assert.equal(list.body.result_info.total_count, 25);
  } finally {
    assert.equal((await again.stop()).code, 0);
    again.cleanup();
  }
});

test('concurrent writes during kill -9: every acknowledged account exists after restart', async () => {
  const srv = await startServer();
  const acked = [];
  let stop = false;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      try {
        const res = await srv.call('POST', '/accounts', { body: { name: `Crash ${w}-${i}` } });
        if (res.status === 200) acked.push(res.body.result.id);
      } catch { return; }  // connection cut by the kill
    }
  });
  await new Promise((r) => setTimeout(r, 700));
  await srv.kill9();
  stop = true;
  await Promise.all(writers);
  assert.ok(acked.length > 5, `only ${acked.length} writes acknowledged`);
  const again = await startServer({ dataDir: srv.dataDir, token: srv.token });
  try {
    for (const id of acked) expectOk(assert, await again.call('GET', `/accounts/${id}`));
  } finally {
    assert.equal((await again.stop()).code, 0);
    again.cleanup();
  }
});

test('SIGTERM lets in-flight requests finish and exits 0', async () => {
  const srv = await startServer();
  const inflight = Array.from({ length: 10 }, (_, i) =>
    srv.call('POST', '/accounts', { body: { name: `Inflight ${i}` } }));
  await new Promise((r) => setTimeout(r, 5));
  const exited = srv.stop();
  const results = await Promise.allSettled(inflight);
  const { code } = await exited;
  assert.equal(code, 0, srv.stderr());
  const ok = results.filter((r) => r.status === 'fulfilled' && r.value.status === 200).map((r) => r.value.body.result.id);
  // Whatever was acknowledged before the stop is there after a restart.
  const again = await startServer({ dataDir: srv.dataDir, token: srv.token });
  try {
    for (const id of ok) expectOk(assert, await again.call('GET', `/accounts/${id}`));
  } finally {
    await again.stop();
    again.cleanup();
  }
});

test('bootstrap: a configured token works; another start with a new token revokes the old one', async () => {
  const srv = await startServer({ email: 'Boss@Example.com' });
  try {
    expectOk(assert, await srv.call('GET', '/accounts'));
  } finally { await srv.stop(); }
  const token2 = newToken();
  const again = await startServer({ dataDir: srv.dataDir, token: token2, email: 'boss@example.com' });
  try {
    expectOk(assert, await again.call('GET', '/accounts'));
    expectError(assert, await again.call('GET', '/accounts', { token: srv.token }), 403, 9109);
    expectError(assert, await again.call('GET', '/accounts', { token: newToken() }), 403, 9109);
  } finally { await again.stop(); }
  // The same token again keeps working.
  const third = await startServer({ dataDir: srv.dataDir, token: token2, email: 'boss@example.com' });
  try {
    expectOk(assert, await third.call('GET', '/accounts'));
  } finally { await third.stop(); }
  // Another bootstrap email with another token: the previous user's bootstrap token is revoked too.
  const token3 = newToken();
  const fourth = await startServer({ dataDir: srv.dataDir, token: token3, email: 'next@example.com' });
  try {
    expectOk(assert, await fourth.call('GET', '/accounts'));
    expectError(assert, await fourth.call('GET', '/accounts', { token: token2 }), 403, 9109);
  } finally {
    await fourth.stop();
    fourth.cleanup();
  }
});

test('bootstrap: a changed CFIAM_BOOTSTRAP_API_KEY revokes the previous key, also across emails', async () => {
  const key = (k, email) => ({ token: null, headers: { 'X-Auth-Email': email, 'X-Auth-Key': k } });
  const key1 = 'a'.repeat(37);
  const key2 = 'b'.repeat(37);
  const key3 = 'c'.repeat(37);
  const srv = await startServer({ env: { CFIAM_BOOTSTRAP_API_KEY: key1 } });
  const token = srv.token;
  try {
    expectOk(assert, await srv.call('GET', '/accounts', key(key1, 'admin@example.com')));
  } finally { await srv.stop(); }
  const again = await startServer({ dataDir: srv.dataDir, token, env: { CFIAM_BOOTSTRAP_API_KEY: key2 } });
  try {
    expectOk(assert, await again.call('GET', '/accounts', key(key2, 'admin@example.com')));
    expectError(assert, await again.call('GET', '/accounts', key(key1, 'admin@example.com')), 403, 9109);
  } finally { await again.stop(); }
  const moved = await startServer({ dataDir: srv.dataDir, token, email: 'ops@example.com', env: { CFIAM_BOOTSTRAP_API_KEY: key3 } });
  try {
    expectOk(assert, await moved.call('GET', '/accounts', key(key3, 'ops@example.com')));
    expectError(assert, await moved.call('GET', '/accounts', key(key2, 'admin@example.com')), 403, 9109);
  } finally {
    await moved.stop();
    moved.cleanup();
  }
});

test('bootstrap: a fresh data directory without a token prints a generated one once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cfiam-gen-'));
  const run = () => new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.CFIAM_BOOTSTRAP_TOKEN;
    const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /listening on [^\s]*:(\d+)/.exec(err);
      if (m) resolve({ proc, port: Number(m[1]), err: () => err });
    });
    proc.on('exit', (c) => reject(new Error(`exited ${c}: ${err}`)));
  });
  const first = await run();
  const token = /generated bootstrap API token[^\n]*\n\s+(\S+)/.exec(first.err())?.[1];
  assert.ok(token, first.err());
  const res = await fetch(`http://127.0.0.1:${first.port}/client/v4/accounts`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const firstExit = new Promise((r) => first.proc.on('exit', r));
  first.proc.kill('SIGTERM');
  await firstExit;
  const second = await run();
  assert.doesNotMatch(second.err(), /generated bootstrap/);
  const res2 = await fetch(`http://127.0.0.1:${second.port}/client/v4/accounts`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res2.status, 200);
  const secondExit = new Promise((r) => second.proc.on('exit', r));
  second.proc.kill('SIGTERM');
  await secondExit;
  rmSync(dataDir, { recursive: true, force: true });
});

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

// 503 with Retry-After since the edge-abuse work: 429/971 is kept for rate limiting.
test('connections over the cap get an enveloped 503; slow clients are cut off', async () => {
  const srv = await startServer({ args: ['--max-connections', '3', '--request-timeout', '1', '--idle-timeout', '2'] });
  try {
    const held = [await connect(srv.port), await connect(srv.port), await connect(srv.port)];
    await new Promise((r) => setTimeout(r, 100));
    const extra = await connect(srv.port);
    const reply = await new Promise((resolve) => {
      let data = '';
      extra.on('data', (d) => { data += d; });
      extra.on('close', () => resolve(data));
    });
    assert.match(reply, /^HTTP\/1\.1 503/);
    assert.match(reply, /\r\nRetry-After: \d+\r\n/);
    assert.match(reply, /"code":503/);

    // A slow-loris client that never finishes its headers is closed after the request timeout.
    held[0].write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    await new Promise((resolve) => held[0].on('close', resolve));
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 5000, `closed after ${elapsed} ms`);
    // Idle connections are closed after the idle timeout, freeing capacity.
    await Promise.all(held.slice(1).map((s) => new Promise((resolve) => s.on('close', resolve))));
    expectOk(assert, await srv.call('GET', '/accounts'));
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('bad command lines are refused with usage', async () => {
  for (const args of [['serve', '--threads', '0'], ['serve', '--listen', 'nope'], ['serve', '--bogus'], ['frobnicate']]) {
    const code = await new Promise((resolve) => {
      spawn(BIN, args, { stdio: 'ignore' }).on('exit', resolve);
    });
    assert.equal(code, 2, args.join(' '));
  }
  const help = await new Promise((resolve) => {
    let out = '';
    const p = spawn(BIN, ['--help']);
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', () => resolve(out));
  });
  assert.match(help, /cfiam serve/);
});
