// DNS fixtures for the SSO verification tests: a real DNS server (Debian's
// dnsmasq, installed by scripts/setup.sh) on a loopback port with chosen TXT
// records, and a "resolver" that receives queries but never answers.
// Everything binds 127.0.0.1 only.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { promises as dnsp } from 'node:dns';

// A loopback port free for both UDP and TCP: dnsmasq binds both, so a port
// free only for UDP can still make it fail to start. Takes a TCP port from the
// kernel, checks the same UDP port, and tries again if that one is taken.
export async function freeUdpPort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = net.createServer();
    await new Promise((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', resolve);
    });
    const { port } = tcp.address();
    const udp = dgram.createSocket('udp4');
    const udpFree = await new Promise((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (udpFree) {
      await new Promise((resolve) => udp.close(resolve));
    } else {
      try { udp.close(); } catch { /* a socket whose bind failed may already be closed */ }
    }
    await new Promise((resolve) => tcp.close(resolve));
    if (udpFree) return port;
  }
  throw new Error('no loopback port free for both UDP and TCP');
}

// Starts dnsmasq on 127.0.0.1:port answering only from `records`
// ([name, text | [strings...]] pairs; a name may repeat for several records).
// Every other *.test name is NXDOMAIN. Resolves once it answers queries.
export async function startDnsmasq(port, records) {
  const args = ['--no-daemon', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    '--listen-address=127.0.0.1', '--bind-interfaces', `--port=${port}`, '--local=/test/',
    '--pid-file=', '--log-queries', '--log-facility=-'];
  if (process.getuid?.() === 0) args.push('--user=root');
  for (const [name, text] of records) {
    // No shell: dnsmasq would keep quotes, so strings go bare, comma-separated.
    const strings = Array.isArray(text) ? text : [text];
    if (strings.some((s) => s.includes(','))) throw new Error('TXT strings may not contain commas here');
    args.push(`--txt-record=${name},${strings.join(',')}`);
  }
  const proc = spawn('dnsmasq', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (c) => { log += c; });
  proc.stderr.on('data', (c) => { log += c; });
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  const resolver = new dnsp.Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      await resolver.resolveTxt('ready.test');
      break;
    } catch (e) {
      if (e.code === 'ENOTFOUND' || e.code === 'ENODATA') break;  // it answered
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`dnsmasq did not start (${e.code}):\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    log: () => log,
    // How many TXT queries for `name` reached the server.
    queries: (name) => log.split('\n').filter((l) => l.includes(`query[TXT] ${name} from`)).length,
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

// A UDP socket that takes queries and never answers: an unresponsive resolver.
export async function startSilentResolver() {
  const sock = dgram.createSocket('udp4');
  let received = 0;
  sock.on('message', () => { received += 1; });
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    port: sock.address().port,
    received: () => received,
    stop: () => new Promise((resolve) => sock.close(resolve)),
  };
}

// Polls `get` until `done(value)`; returns the value. Fails after `ms`.
export async function waitFor(get, done, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
