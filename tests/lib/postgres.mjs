// A throw-away PostgreSQL 15 for a test run (Debian's postgresql-15 binaries):
// initdb into a temp dir, a loopback port, a Unix socket in that dir, stopped
// and removed at the end. Never a system service. PostgreSQL refuses to run
// as root, so as root (CI, this container) it runs as `nobody` via runuser.
//
// As a command it wraps another one, which then sees the server in its
// environment (CFIAM_TEST_STORE=postgres, CFIAM_TEST_PG_PORT):
//   node tests/lib/postgres.mjs node --test tests/api/
// The harness (harness.mjs) creates one database per cfiam server on it.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PG_BIN = process.env.CFIAM_PG_BIN || '/usr/lib/postgresql/15/bin';

// The prefix that runs a PostgreSQL binary as a non-root user, and that user.
function runAs() {
  if (process.getuid?.() !== 0) return { prefix: [], uid: null, gid: null };
  const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }));
  return { prefix: ['runuser', '-u', 'nobody', '--'], uid, gid };
}

function run(prefix, bin, args) {
  const argv = [...prefix, join(PG_BIN, bin), ...args];
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// A loopback port nothing listens on right now.
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts a server; resolves to { port, dir, stop(), pause(), resume() } (all
// synchronous, so stop also works from an 'exit' handler).
export async function startPostgres() {
  const { prefix, uid, gid } = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'cfiam-pg-'));
  if (uid !== null) chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  // C collation: text sorts by bytes, as in SQLite, so list order and keyset
  // cursors agree between the two stores.
  run(prefix, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8',
    '--locale=C', '--no-sync']);
  // Durability is the engine's business, not this throw-away server's:
  // fsync off keeps the suite fast on a busy 2-core machine.
  const opts = (port) => [`-p ${port}`, '-c listen_addresses=127.0.0.1', `-k ${dir}`,
    '-c fsync=off', '-c full_page_writes=off', '-c max_connections=400'].join(' ');
  let port;
  for (let attempt = 0; ; ++attempt) {
    port = await freePort();
    try {
      run(prefix, 'pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'log'),
        '-o', opts(port)]);
      break;
    } catch (e) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start: ${e.stderr ?? e.message}`);
      }
    }
  }
  let stopped = false;
  // pause() stops the server the way an operator would (`-m fast`: clients
  // are disconnected, the data stays) and resume() starts it again on the
  // same port and data: for tests of what cfiam does while its database is away.
  const pause = () => run(prefix, 'pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
  const resume = () => run(prefix, 'pg_ctl', ['start', '-w', '-t', '60', '-D', data,
    '-l', join(dir, 'log'), '-o', opts(port)]);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run(prefix, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, dir, stop, pause, resume };
}

// Runs psql against the server as the superuser; returns its output.
export function psql(port, sql, db = 'postgres') {
  return execFileSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db,
    '-v', 'ON_ERROR_STOP=1', '-tAc', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// As a command: start, run the wrapped command with the server in its
// environment, stop, exit with the command's status.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    console.error('usage: node tests/lib/postgres.mjs COMMAND [ARG...]');
    process.exit(2);
  }
  const pg = await startPostgres();
  process.on('exit', pg.stop);
  const child = spawn(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, CFIAM_TEST_STORE: 'postgres', CFIAM_TEST_PG_PORT: String(pg.port) },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => { child.kill(sig); pg.stop(); process.exit(1); });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
