// The wire contract that every route shares: routing errors, authentication
// errors, limits, health and the cf-ray header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, expectError, expectOk, stopAndCheck } from '../lib/harness.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(() => stopAndCheck(assert, srv));

// Sends raw bytes and returns the raw response text (connection closed by either side).
function rawRequest(bytes, { waitMs = 3000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); resolve(data); }, waitMs);
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => { clearTimeout(timer); resolve(data); });
    sock.on('close', () => { clearTimeout(timer); resolve(data); });
    sock.on('error', (e) => { clearTimeout(timer); e.code === 'ECONNRESET' ? resolve(data) : reject(e); });
    sock.write(bytes);
  });
}

test('healthz answers without credentials', async () => {
  const res = await fetch(`${srv.url}/healthz`);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).success, true);
});

test('unknown paths are 404 with 7003 and 7000', async () => {
  for (const path of ['/nope', '/accounts/x/y/z', '/']) {
    const res = await srv.call('GET', path);
    expectError(assert, res, 404, 7003);
    assert.match(res.body.errors[0].message, /^Could not route to .*perhaps your object identifier is invalid\?$/);
    assert.deepEqual(res.body.errors[1], { code: 7000, message: 'No route for that URI' });
  }
  const off = await fetch(`${srv.url}/v4/accounts`);
  assert.equal(off.status, 404);
  assert.equal((await off.json()).errors[0].code, 7003);
});

test('a known path with the wrong method is 405 with Allow', async () => {
  const res = await srv.call('PATCH', '/accounts');
  expectError(assert, res, 405);
  assert.equal(res.headers.get('allow'), 'GET, POST');
  const one = await srv.call('POST', `/accounts/${'a'.repeat(32)}`);
  expectError(assert, one, 405);
  assert.equal(one.headers.get('allow'), 'GET, PUT, DELETE');
});

test('authentication errors follow the real API', async () => {
  expectError(assert, await srv.call('GET', '/accounts', { token: null }), 400, 9106);
  for (const header of ['Basic abc', 'Bearer', 'Bearer ', 'bearer\tx', 'Bearer a b', 'Token x']) {
    const res = await srv.call('GET', '/accounts', { token: null, headers: { Authorization: header } });
    expectError(assert, res, 400, 6003);
    assert.equal(res.body.errors[0].error_chain[0].code, 6111);
  }
  const res = await srv.call('GET', '/accounts', { token: 'not-a-real-token' });
  expectError(assert, res, 403, 9109);
  assert.equal(res.body.errors[0].message, 'Invalid access token');
  // Authentication runs on every route, including account-scoped ones.
  expectError(assert, await srv.call('GET', `/accounts/${'a'.repeat(32)}/roles`, { token: null }), 400, 9106);
});

test('every response carries a unique cf-ray', async () => {
  const rays = new Set();
  for (let i = 0; i < 20; i++) {
    const res = await srv.call('GET', i % 2 ? '/accounts' : '/nope');
    rays.add(res.headers.get('cf-ray'));
  }
  assert.equal(rays.size, 20);
});

test('a body over 1 MiB is refused with 413 and an envelope', async () => {
  const res = await srv.call('POST', '/accounts', { body: { name: 'x'.repeat(1024 * 1024 + 10) } });
  assert.equal(res.status, 413);
  assert.equal(res.body.success, false);
  assert.equal(res.body.result, null);
});

test('oversize headers are refused with an enveloped 431', async () => {
  const text = await rawRequest(`GET /client/v4/accounts HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.match(text, /^HTTP\/1\.1 431/);
  assert.match(text, /"success":false/);
});

test('garbage on the wire gets a 400, not a crash', async () => {
  const text = await rawRequest('THIS IS NOT HTTP\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 400/);
  const bad = await rawRequest('GET /client/v4/accounts?%zz HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: 500 });
  assert.match(bad, /^HTTP\/1\.1 400/);
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
});

test('hostile query strings are handled', async () => {
  const long = 'a'.repeat(8000);
  const res = await srv.call('GET', `/accounts?name=${long}&page=1`);
  assert.equal(expectOk(assert, res).length, 0);
  expectOk(assert, await srv.call('GET', '/accounts?name=%00%27%22%3B--&page=1&page=2&x'));
});

test('keep-alive serves several requests on one connection', async () => {
  const req = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const text = await rawRequest(req + req + req, { waitMs: 500 });
  assert.equal(text.match(/HTTP\/1\.1 200/g)?.length, 3);
});

// PostgreSQL text cannot hold a NUL (SQLite's can): either store answers
// with an envelope, never a 5xx.
test('a NUL character in a text field is a 2xx or 4xx envelope on every store', async () => {
  const res = await srv.call('POST', '/accounts', { body: { name: 'nul\u0000name', type: 'standard' } });
  assert.ok(res.status < 500, `${res.status}: ${res.text}`);
  assert.equal(typeof res.body?.success, 'boolean', res.text);
  if (!res.body.success) expectError(assert, res, 400);
});
