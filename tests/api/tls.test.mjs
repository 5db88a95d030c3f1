// HTTPS on the listener: a throw-away CA and server certificate made with the
// openssl CLI; curl and the official SDK over TLS; plain HTTP to the TLS port
// refused cleanly; the wire checks behave as over plain HTTP; SIGHUP swaps
// the certificate for new connections while open ones keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import https from 'node:https';
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, stopAndCheck, expectError, expectOk } from '../lib/harness.mjs';

let dir;
let ca;
let srv;
let agent;

// A server certificate for 127.0.0.1 and localhost, signed by the test CA.
function issue(name, serial) {
  const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost');
  writeFileSync(join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key',
    '-set_serial', String(serial), '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cfiam-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
    'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', '/CN=cfiam test CA'], { cwd: dir, stdio: 'pipe' });
  issue('one', 0x1001);
  issue('two', 0x2002);
  copyFileSync(join(dir, 'one.crt'), join(dir, 'server.crt'));
  copyFileSync(join(dir, 'one.key'), join(dir, 'server.key'));
  ca = readFileSync(join(dir, 'ca.crt'));
  srv = await startServer({
    scheme: 'https',
    args: ['--tls-cert', join(dir, 'server.crt')],
    env: { CFIAM_TLS_KEY: join(dir, 'server.key') },  // the environment twin
  });
  agent = new https.Agent({ ca, keepAlive: true });
});

after(async () => {
  agent.destroy();
  await stopAndCheck(assert, srv);
  rmSync(dir, { recursive: true, force: true });
});

// One API call over HTTPS; the same shape as the harness's call().
function call(method, path, { body, token, headers = {}, raw } = {}) {
  const h = { ...headers };
  const auth = token === undefined ? srv.token : token;
  if (auth !== null) h.Authorization = `Bearer ${auth}`;
  let payload = raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  if (payload !== undefined) h['Content-Length'] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    const req = https.request(`${srv.base}${path}`, { method, headers: h, agent }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: json, text });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Raw bytes over a fresh TLS connection; resolves with what came back.
function rawTls(bytes, { waitMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const sock = tls.connect({ port: srv.port, host: '127.0.0.1', ca, servername: 'localhost' });
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); resolve(data); }, waitMs);
    const finish = () => { clearTimeout(timer); resolve(data); };
    sock.on('data', (d) => { data += d; });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', finish);
    sock.on('secureConnect', () => sock.write(bytes));
  });
}

function peerSerial(sock) {
  return sock.getPeerCertificate().serialNumber.replace(/^0+/, '').toLowerCase();
}

test('curl talks HTTPS to the server, with TLS 1.2 or later', async () => {
  const out = execFileSync('curl', ['-sS', '--cacert', join(dir, 'ca.crt'),
    '-H', `Authorization: Bearer ${srv.token}`, '-w', '\n%{http_code} %{ssl_verify_result}',
    `https://127.0.0.1:${srv.port}/client/v4/accounts`], { encoding: 'utf8' });
  const [body, tail] = out.split('\n');
  assert.equal(tail, '200 0');
  assert.equal(JSON.parse(body).success, true);
  const viaName = execFileSync('curl', ['-sS', '--cacert', join(dir, 'ca.crt'),
    '--resolve', `localhost:${srv.port}:127.0.0.1`, `https://localhost:${srv.port}/healthz`],
  { encoding: 'utf8' });
  assert.equal(JSON.parse(viaName).result.status, 'ok');
  // TLS 1.2 only offers forward-secret AEAD suites.
  const sock = tls.connect({ port: srv.port, host: '127.0.0.1', ca, maxVersion: 'TLSv1.2' });
  await new Promise((r, j) => { sock.on('secureConnect', r); sock.on('error', j); });
  assert.equal(sock.getProtocol(), 'TLSv1.2');
  assert.match(sock.getCipher().name, /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
  sock.destroy();
});

test('the official SDK works over HTTPS (NODE_EXTRA_CA_CERTS)', async () => {
  const script = `
    import Cloudflare from 'cloudflare';
    const client = new Cloudflare({ apiToken: process.env.T, baseURL: process.env.B, maxRetries: 0 });
    const created = await client.accounts.create({ name: 'TLS SDK', type: 'standard' });
    const got = await client.accounts.get({ account_id: created.id });
    console.log(JSON.stringify(got));`;
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt'), T: srv.token, B: srv.base },
    }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const account = JSON.parse(out);
  assert.equal(account.name, 'TLS SDK');
  assert.match(account.id, /^[0-9a-f]{32}$/);
});

test('plain HTTP to the TLS port is closed, and the server keeps serving', async () => {
  const reply = await new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); resolve({ data, closed: false }); }, 5000);
    sock.on('data', (d) => { data += d; });
    sock.on('close', () => { clearTimeout(timer); resolve({ data, closed: true }); });
    sock.on('error', () => {});
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  assert.ok(reply.closed, 'the connection was left open');
  assert.doesNotMatch(reply.data, /^HTTP\/1\.1 200/);
  expectOk(assert, await call('GET', '/accounts'));
});

test('the wire checks hold over TLS', async () => {
  // Routing, methods, authentication.
  expectError(assert, await call('GET', '/nope'), 404, 7003);
  const wrong = await call('PATCH', '/accounts');
  expectError(assert, wrong, 405);
  assert.equal(wrong.headers.allow, 'GET, POST');
  expectError(assert, await call('GET', '/accounts', { token: null }), 400, 9106);
  expectError(assert, await call('GET', '/accounts', { token: 'not-a-real-token' }), 403, 9109);
  const badAuth = await call('GET', '/accounts', { token: null, headers: { Authorization: 'Basic abc' } });
  expectError(assert, badAuth, 400, 6003);
  // Limits: body, headers, garbage, hostile queries.
  const big = await call('POST', '/accounts', { body: { name: 'x'.repeat(1024 * 1024 + 10) } });
  assert.equal(big.status, 413);
  assert.equal(big.body.success, false);
  const headers = await rawTls(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.match(headers, /^HTTP\/1\.1 431 /);
  assert.match(headers, /"success":false/);
  for (const garbage of ['NOT HTTP AT ALL\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', '\x00\x01\x02\r\n\r\n']) {
    const res = await rawTls(garbage);
    assert.ok(res === '' || /^HTTP\/1\.1 400 /.test(res), JSON.stringify(res));
  }
  for (const q of ['?page=abc', '?per_page=-1&page=99999999999999999999', '?%zz=1', '?a=%00']) {
    const res = await call('GET', `/accounts${q}`);
    assert.ok(res.status < 500, `${q}: ${res.status}`);
    assert.ok(res.body && typeof res.body.success === 'boolean', q);
  }
  // A body without credentials is refused on its header, over TLS too.
  const early = await rawTls('POST /client/v4/accounts HTTP/1.1\r\nHost: x\r\n' +
    'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{', { waitMs: 2000 });
  assert.match(early, /^HTTP\/1\.1 400 /);
  assert.match(early, /"code":9106/);
  // HEAD carries no body: the next pipelined response follows directly.
  const pipelined = await rawTls('HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n' +
    'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const second = pipelined.indexOf('\r\n\r\n') + 4;
  assert.match(pipelined.slice(second), /^HTTP\/1\.1 200 /, pipelined);
  // Every response carries a unique cf-ray.
  const rays = new Set();
  for (let i = 0; i < 10; i++) rays.add((await call('GET', '/accounts')).headers['cf-ray']);
  assert.equal(rays.size, 10);
});

test('SIGHUP reloads the certificate; open connections keep working', async () => {
  // An open keep-alive connection on the first certificate.
  const old = tls.connect({ port: srv.port, host: '127.0.0.1', ca, servername: 'localhost' });
  await new Promise((r, j) => { old.on('secureConnect', r); old.on('error', j); });
  assert.equal(peerSerial(old), '1001');
  let oldData = '';
  old.on('data', (d) => { oldData += d; });
  const ask = async () => {
    const start = oldData.length;
    old.write(`GET /client/v4/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n\r\n`);
    for (let i = 0; i < 100 && !/"success":true/.test(oldData.slice(start)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return oldData.slice(start);
  };
  assert.match(await ask(), /^HTTP\/1\.1 200 /);

  copyFileSync(join(dir, 'two.crt'), join(dir, 'server.crt'));
  copyFileSync(join(dir, 'two.key'), join(dir, 'server.key'));
  srv.proc.kill('SIGHUP');
  for (let i = 0; i < 100 && !/reloaded TLS certificate/.test(srv.stderr()); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(srv.stderr(), /reloaded TLS certificate/);

  const fresh = tls.connect({ port: srv.port, host: '127.0.0.1', ca, servername: 'localhost' });
  await new Promise((r, j) => { fresh.on('secureConnect', r); fresh.on('error', j); });
  assert.equal(peerSerial(fresh), '2002');
  fresh.destroy();

  // The old connection is still up, on its old certificate.
  assert.match(await ask(), /^HTTP\/1\.1 200 /);
  assert.equal(peerSerial(old), '1001');
  old.destroy();

  // A broken file keeps the current certificate.
  writeFileSync(join(dir, 'server.crt'), 'not a certificate\n');
  srv.proc.kill('SIGHUP');
  for (let i = 0; i < 100 && !/TLS reload failed/.test(srv.stderr()); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(srv.stderr(), /TLS reload failed, keeping the old certificate/);
  const still = tls.connect({ port: srv.port, host: '127.0.0.1', ca, servername: 'localhost' });
  await new Promise((r, j) => { still.on('secureConnect', r); still.on('error', j); });
  assert.equal(peerSerial(still), '2002');
  still.destroy();
});

test('a certificate without its key is refused at start-up', async () => {
  await assert.rejects(startServer({ args: ['--tls-cert', join(dir, 'one.crt')] }),
    /--tls-cert and --tls-key go together/);
  await assert.rejects(startServer({ args: ['--tls-cert', join(dir, 'one.crt'), '--tls-key', join(dir, 'two.key')] }),
    /TLS key .*two\.key: key values mismatch/);
});
