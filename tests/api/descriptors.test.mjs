// Running out of file descriptors: the server raises its soft limit, fits
// --max-connections under it, and when accept still fails for lack of
// descriptors it pauses instead of spinning; service resumes once clients go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startServer, stopAndCheck } from '../lib/harness.mjs';

const TICKS = 100;  // USER_HZ on Linux

// CPU seconds (user + system) the process has used so far.
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

test('more clients than descriptors: no accept spin, and /healthz recovers', async () => {
  const srv = await startServer({ wrap: ['prlimit', '--nofile=128:128'] });
  const clients = [];
  try {
    // Half-open sockets hold their descriptor on the server until it gives up.
    for (let i = 0; i < 200; i++) {
      const s = net.connect({ port: srv.port, host: '127.0.0.1', allowHalfOpen: true });
      s.on('error', () => {});
      clients.push(s);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const before = cpuSeconds(srv.proc.pid);
    await new Promise((r) => setTimeout(r, 2000));
    const used = (cpuSeconds(srv.proc.pid) - before) / 2;
    assert.ok(used < 0.3, `server used ${used.toFixed(2)} CPU s/s with descriptors exhausted`);
    assert.match(srv.stderr(), /--max-connections lowered from 4096 to 56: the descriptor limit \(RLIMIT_NOFILE\) is 128/);
  } finally {
    clients.forEach((s) => s.destroy());
  }
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 200));
    status = await fetch(`${srv.url}/healthz`).then((r) => r.status, () => 0);
  }
  assert.equal(status, 200, 'healthz did not recover after the clients closed');
  await stopAndCheck(assert, srv);
});

test('the soft descriptor limit is raised to the hard one at start-up', async () => {
  const srv = await startServer({ wrap: ['prlimit', '--nofile=100:4096'] });
  try {
    // Had the soft limit (100) stayed, the cap would be 44.
    assert.match(srv.stderr(), /--max-connections lowered from 4096 to 3528: the descriptor limit \(RLIMIT_NOFILE\) is 4096/);
    const limits = readFileSync(`/proc/${srv.proc.pid}/limits`, 'utf8');
    assert.match(limits, /Max open files\s+4096\s+4096/);
  } finally {
    await stopAndCheck(assert, srv);
  }
});
