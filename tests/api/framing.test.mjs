// Request framing on the wire, with one I/O thread (no strand, the
// single-thread io_context) and with two: headers that arrive in pieces,
// pipelined requests in one segment, bodies after their header, malformed and
// oversize headers, and the request and idle deadlines. The server parses
// what it has buffered itself and reads only when a header is incomplete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopAndCheck } from '../lib/harness.mjs';
import { open, until } from '../lib/raw_socket.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Splits a stream of responses into {status, headers, body} by Content-Length.
function responses(text) {
  const out = [];
  let rest = text;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const lines = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.slice(1).map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
    }));
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.slice(end + 4, end + 4 + length);
    out.push({ status: Number(lines[0].split(' ')[1]), headers, body, json: JSON.parse(body) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

for (const threads of ['1', '2']) {
  test(`framing with ${threads} I/O thread(s): pieces, pipelining, bodies, bad headers`, async () => {
    const srv = await startServer({ args: ['--threads', threads] });
    try {
      const auth = `Authorization: Bearer ${srv.token}\r\n`;
      // A header in three pieces, the blank line last.
      {
        const c = open(srv.port);
        await c.connected;
        for (const piece of ['GET /client/v4/acc', `ounts HTTP/1.1\r\nHost: x\r\n${auth}`, '\r\n']) {
          c.sock.write(piece);
          await sleep(50);
        }
        assert.ok(await until(() => responses(c.text()).length === 1), c.text());
        const [r] = responses(c.text());
        assert.equal(r.status, 200, c.text());
        assert.equal(r.json.success, true);
        c.sock.destroy();
      }
      // Pipelined in one segment: a read, a create with its body, a 404, an
      // unauthenticated read; answered in order on one connection.
      {
        const c = open(srv.port);
        await c.connected;
        const body = JSON.stringify({ name: 'Framing' });
        c.sock.write(
          `GET /client/v4/accounts HTTP/1.1\r\nHost: x\r\n${auth}\r\n` +
          `POST /client/v4/accounts HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
          `GET /client/v4/nowhere HTTP/1.1\r\nHost: x\r\n${auth}\r\n` +
          'GET /client/v4/accounts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        const all = responses(await c.done);
        assert.deepEqual(all.map((r) => r.status), [200, 200, 404, 400]);
        assert.equal(all[1].json.result.name, 'Framing');
        assert.equal(all[2].json.errors[0].code, 7003);
        assert.equal(new Set(all.map((r) => r.headers['cf-ray'])).size, 4, 'one cf-ray each');
      }
      // A body that arrives after its header, in a later segment.
      {
        const c = open(srv.port);
        await c.connected;
        const body = JSON.stringify({ name: 'Later body' });
        c.sock.write(`POST /client/v4/accounts HTTP/1.1\r\nHost: x\r\n${auth}` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
        await sleep(100);
        c.sock.write(body.slice(0, 5));
        await sleep(50);
        c.sock.write(body.slice(5));
        assert.ok(await until(() => responses(c.text()).length === 1), c.text());
        const [r] = responses(c.text());
        assert.equal(r.status, 200, c.text());
        assert.equal(r.json.result.name, 'Later body');
        c.sock.destroy();
      }
      // Malformed, then oversize headers (the latter in pieces): enveloped
      // 400 and 431, then the connection closes.
      {
        const c = open(srv.port);
        await c.connected;
        c.sock.write('GET / HTTP/1.1\r\nBad Header\r\n\r\n');
        const [r] = responses(await c.done);
        assert.equal(r.status, 400);
        assert.equal(r.json.success, false);
      }
      {
        const c = open(srv.port);
        await c.connected;
        c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
        for (let i = 0; i < 5; i++) {
          c.sock.write(`X-Filler-${i}: ${'f'.repeat(4000)}\r\n`);
          await sleep(20);
        }
        const [r] = responses(await c.done);
        assert.equal(r.status, 431);
        assert.equal(r.json.errors[0].code, 431);
      }
    } finally {
      await stopAndCheck(assert, srv);
    }
  });

  test(`deadlines with ${threads} I/O thread(s): a stalled header, then an idle connection`, async () => {
    const srv = await startServer({
      args: ['--threads', threads, '--request-timeout', '1', '--idle-timeout', '2'],
    });
    try {
      // A header that never ends is cut off after the request deadline
      // (1 s), not the idle one (2 s).
      const loris = open(srv.port);
      await loris.connected;
      loris.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      let started = Date.now();
      await loris.done;
      let elapsed = Date.now() - started;
      assert.ok(elapsed >= 800 && elapsed < 1900, `stalled header closed after ${elapsed} ms`);
      // After an answer, an idle keep-alive connection is closed after the
      // idle deadline (2 s), not the request one.
      const idle = open(srv.port);
      await idle.connected;
      idle.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.ok(await until(() => responses(idle.text()).length === 1));
      started = Date.now();
      await idle.done;
      elapsed = Date.now() - started;
      assert.ok(elapsed >= 1700 && elapsed < 3500, `idle connection closed after ${elapsed} ms`);
      // Each request moves the idle deadline later: requests 1.5 s apart
      // (under the 2 s idle deadline, over the 1 s request one) keep the
      // connection open well past the first deadline, then it closes.
      const busy = open(srv.port);
      await busy.connected;
      let closed = false;
      busy.done.then(() => { closed = true; });
      for (let i = 1; i <= 4; i++) {
        busy.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        assert.ok(await until(() => responses(busy.text()).length === i), `answer ${i}`);
        assert.equal(closed, false, `closed before request ${i + 1}`);
        if (i < 4) await sleep(1500);
      }
      started = Date.now();
      await busy.done;
      elapsed = Date.now() - started;
      assert.ok(elapsed >= 1700 && elapsed < 3500, `closed ${elapsed} ms after its last answer`);
    } finally {
      await stopAndCheck(assert, srv);
    }
  });
}
