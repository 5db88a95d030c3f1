// The edge under abuse: connection caps (global and per address), HEAD
// framing, bodies refused on their header before they are buffered, the body
// budget and 413 delivery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopAndCheck } from '../lib/harness.mjs';
import { open, until } from '../lib/raw_socket.mjs';

const ID = 'a'.repeat(32);

// An open keep-alive connection the server has certainly accepted: it has
// answered a request on it.
async function held(port, opts) {
  const c = open(port, opts);
  await c.connected;
  c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => /"status":"ok"/.test(c.text()));
  assert.match(c.text(), /^HTTP\/1\.1 200 /);
  return c;
}

function parseResponse(text) {
  const end = text.indexOf('\r\n\r\n');
  const head = text.slice(0, end);
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
  const headers = Object.fromEntries(head.split('\r\n').slice(1).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
  }));
  const body = text.slice(end + 4);
  let json;
  try { json = JSON.parse(body); } catch { json = undefined; }
  return { status, headers, body, json };
}

test('HEAD responses carry no body, so keep-alive stays in step', async () => {
  const srv = await startServer();
  try {
    for (const target of ['/healthz', '/client/v4/accounts']) {
      const c = open(srv.port);
      await c.connected;
      // Pipelined: the HEAD answer must be followed directly by the GET's.
      c.sock.write(`HEAD ${target} HTTP/1.1\r\nHost: x\r\n\r\n` +
        'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const text = await c.done;
      const first = text.indexOf('\r\n\r\n') + 4;
      const head = parseResponse(text.slice(0, first));
      assert.ok(head.status === 200 || head.status === 405, text);
      assert.ok(Number(head.headers['content-length']) > 0, 'HEAD keeps the GET length');
      assert.match(text.slice(first), /^HTTP\/1\.1 200 /, `HEAD ${target} sent a body:\n${text}`);
      const get = parseResponse(text.slice(first));
      assert.equal(get.json.success, true);
    }
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('over the global connection cap: 503 with Retry-After and the envelope', async () => {
  const srv = await startServer({ args: ['--max-connections', '2'] });
  const conns = [await held(srv.port), await held(srv.port)];
  try {
    const extra = open(srv.port);
    const res = parseResponse(await extra.done);
    assert.equal(res.status, 503, extra.text());
    assert.ok(Number(res.headers['retry-after']) >= 1, extra.text());
    assert.equal(res.json.success, false);
    assert.equal(res.json.result, null);
    assert.deepEqual(res.json.messages, []);
    assert.equal(res.json.errors[0].code, 503);
  } finally {
    conns.forEach((c) => c.sock.destroy());
    await new Promise((r) => setTimeout(r, 200));
    // Once they are closed, service resumes.
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    await stopAndCheck(assert, srv);
  }
});

test('one address cannot hold every connection: per-address cap', async () => {
  const srv = await startServer({ args: ['--max-connections-per-ip', '4'] });
  const conns = [];
  try {
    for (let i = 0; i < 4; i++) conns.push(await held(srv.port));
    const fifth = open(srv.port);
    const res = parseResponse(await fifth.done);
    assert.equal(res.status, 503, fifth.text());
    assert.ok(res.headers['retry-after'], fifth.text());
    assert.equal(res.json.errors[0].code, 503);
    // Another loopback address is unaffected.
    const other = open(srv.port, { localAddress: '127.0.0.2' });
    await other.connected;
    other.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(parseResponse(await other.done).status, 200);
    // The capped connections still work.
    const before = conns[0].text().length;
    conns[0].sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(parseResponse((await conns[0].done).slice(before)).status, 200);
  } finally {
    conns.forEach((c) => c.sock.destroy());
    await stopAndCheck(assert, srv);
  }
});

test('a body without a valid credential is refused on the header, never read', async () => {
  const srv = await startServer();
  try {
    const cases = [
      ['', 400, 9106],
      ['Authorization: Bearer not-a-real-token\r\n', 403, 9109],
      ['Authorization: Basic abc\r\n', 400, 6003],
    ];
    for (const [auth, status, code] of cases) {
      const c = open(srv.port);
      await c.connected;
      // Announce 1,000,000 bytes and send none: the answer must come anyway.
      c.sock.write(`POST /client/v4/accounts HTTP/1.1\r\nHost: x\r\n${auth}` +
        'Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"name":');
      assert.ok(await until(() => c.text().includes('\r\n\r\n{'), 3000),
        `no answer before the body for ${JSON.stringify(auth)}: ${c.text()}`);
      await until(() => /"result":null}$/.test(c.text()), 1000);
      const res = parseResponse(c.text());
      assert.equal(res.status, status, c.text());
      assert.equal(res.json.errors[0].code, code);
      assert.equal(res.headers.connection, 'close');
      c.sock.destroy();
    }
    // Routing errors need no body either.
    const c = open(srv.port);
    await c.connected;
    c.sock.write('POST /client/v4/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n');
    assert.ok(await until(() => /"result":null}$/.test(c.text()), 3000), c.text());
    assert.equal(parseResponse(c.text()).status, 404);
    c.sock.destroy();
    // With a valid credential the body is read as before.
    const ok = await srv.call('POST', '/accounts', { body: { name: 'Edge Body' } });
    assert.equal(ok.status, 200, ok.text);
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('bodies share a global budget: beyond it 503, and it is given back', async () => {
  const srv = await startServer({ args: ['--max-buffered-bodies', '1'] });
  try {
    const header = (len) => `POST /client/v4/accounts HTTP/1.1\r\nHost: x\r\n` +
      `Authorization: Bearer ${srv.token}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${len}\r\n\r\n`;
    const body = (len) => {
      const name = 'b'.repeat(len - 12);
      return `{"name":"${name}"}`.padEnd(len, ' ');
    };
    // A holds 700 KB of the 1 MiB budget while its body trickles in (the
    // 100 Continue says its share is reserved).
    const a = open(srv.port);
    await a.connected;
    a.sock.write(header(700000).replace('\r\n\r\n', '\r\nExpect: 100-continue\r\n\r\n'));
    assert.ok(await until(() => a.text().startsWith('HTTP/1.1 100 Continue')), a.text());
    a.sock.write('{"name":"');
    const b = open(srv.port);
    await b.connected;
    b.sock.write(header(700000));
    assert.ok(await until(() => /"result":null}$/.test(b.text()), 3000), b.text());
    const refused = parseResponse(b.text());
    assert.equal(refused.status, 503, b.text());
    assert.ok(refused.headers['retry-after']);
    b.sock.destroy();
    // A finishes (name too long: a 400 from the handler, after the body was read).
    a.sock.write(body(700000).slice('{"name":"'.length));
    assert.ok(await until(() => /"result":null}$/.test(a.text()), 5000), a.text());
    assert.equal(parseResponse(a.text().slice('HTTP/1.1 100 Continue\r\n\r\n'.length)).status, 400);
    a.sock.destroy();
    // The budget was given back: a body that fits is accepted again.
    const ok = await srv.call('POST', '/accounts', { body: { name: 'After Budget' } });
    assert.equal(ok.status, 200, ok.text);
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('an announced oversize body gets 413 at once, and the client reads it', async () => {
  const srv = await startServer();
  try {
    const c = open(srv.port);
    await c.connected;
    c.sock.write(`POST /client/v4/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`);
    // Keep sending while the server answers: it must discard, not reset.
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 32; i++) c.sock.write(chunk);
    const res = parseResponse(await c.done);
    assert.equal(res.status, 413);
    assert.equal(res.json.success, false);
  } finally {
    await stopAndCheck(assert, srv);
  }
});

test('Expect: 100-continue gets the go-ahead once the header passes', async () => {
  const srv = await startServer();
  try {
    const body = JSON.stringify({ name: 'Continued' });
    const c = open(srv.port);
    await c.connected;
    c.sock.write(`POST /client/v4/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n` +
      'Connection: close\r\n\r\n');
    assert.ok(await until(() => c.text().startsWith('HTTP/1.1 100 Continue\r\n\r\n'), 3000), c.text());
    c.sock.write(body);
    const text = (await c.done).slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
    const res = parseResponse(text);
    assert.equal(res.status, 200, text);
    assert.equal(res.json.result.name, 'Continued');
    // Without a valid credential there is no go-ahead, only the refusal.
    const d = open(srv.port);
    await d.connected;
    d.sock.write(`POST /client/v4/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n` +
      'Expect: 100-continue\r\n\r\n');
    assert.match(await d.done, /^HTTP\/1\.1 400 /);
  } finally {
    await stopAndCheck(assert, srv);
  }
});
