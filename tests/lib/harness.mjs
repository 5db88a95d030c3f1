// Test harness: starts the real cfiam binary on a free loopback port with a
// temporary data directory and a known bootstrap token, and talks HTTP to it.
// Shared by the API tests (tests/api) and the SDK tests (tests/sdk).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { psql, startPostgres } from './postgres.mjs';

export const BIN = process.env.CFIAM_BIN || 'build/asan/cfiam';

// CFIAM_TEST_STORE=postgres runs every server on PostgreSQL, one fresh
// database per data directory (a restart on the same directory finds its
// data again). The server is the one tests/lib/postgres.mjs started for the
// run (CFIAM_TEST_PG_PORT), else one of this process's own.
export const ON_POSTGRES = process.env.CFIAM_TEST_STORE === 'postgres';
let pgPort = process.env.CFIAM_TEST_PG_PORT;

async function postgresStoreFor(dataDir) {
  if (!pgPort) {
    const pg = await startPostgres();
    process.on('exit', pg.stop);
    pgPort = String(pg.port);
  }
  const db = `cfiam_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 24)}`;
  if (!psql(pgPort, `SELECT 1 FROM pg_database WHERE datname = '${db}'`).trim()) {
    psql(pgPort, `CREATE DATABASE ${db}`);
  }
  return { url: `postgres://postgres@127.0.0.1:${pgPort}/${db}`, db };
}

export function newToken() {
  return randomBytes(30).toString('base64url');
}

// Starts a server. Options: dataDir (reuse one to test restarts), token,
// email, env (extra environment), args (extra CLI arguments), wrap (a command
// and arguments that exec the server, e.g. ['prlimit', '--nofile=128']),
// scheme ('https' when the server is given a certificate), sameStoreAs (a
// server whose PostgreSQL database to share: a second node; stop it first).
export async function startServer(opts = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cfiam-test-'));
  // A second node bootstraps with the first one's token: another would
  // revoke it (a changed CFIAM_BOOTSTRAP_TOKEN revokes the previous one).
  const token = opts.token ?? opts.sameStoreAs?.token ?? newToken();
  const env = {
    ...process.env,
    CFIAM_BOOTSTRAP_TOKEN: token,
    CFIAM_BOOTSTRAP_EMAIL: opts.email ?? 'admin@example.com',
    ...(opts.env ?? {}),
  };
  // sameStoreAs: another server whose PostgreSQL database this one shares (a
  // second node of a cluster); its own data dir holds only its local files.
  if (opts.sameStoreAs && !opts.sameStoreAs.postgres) throw new Error('sameStoreAs needs PostgreSQL');
  const pg = opts.sameStoreAs ? opts.sameStoreAs.pgStore
    : ON_POSTGRES ? await postgresStoreFor(dataDir) : null;
  // What `cfiam admin` needs to reach this server's store.
  const storeArgs = ['--data-dir', dataDir, ...(pg ? ['--store', pg.url] : [])];
  const argv = ['serve', '--listen', '127.0.0.1:0', '--threads', '2', ...storeArgs,
    ...(opts.args ?? [])];
  const wrap = opts.wrap ?? [];
  const proc = wrap.length
    ? spawn(wrap[0], [...wrap.slice(1), BIN, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(BIN, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 30000);
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = /listening on [^\s]*:(\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${stderr}`)); });
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = `${opts.scheme ?? 'http'}://127.0.0.1:${port}`;
  const server = {
    url,
    port,
    base: `${url}/client/v4`,
    token,
    dataDir,
    storeArgs,
    postgres: pg ? { port: Number(pgPort), db: pg.db } : null,
    pgStore: pg,
    proc,
    stderr: () => stderr,
    // Graceful stop; resolves to the exit status (0 expected, leaks make ASan fail it).
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      proc.kill('SIGKILL');
      return exited;
    },
    // The rows of a read-only SQL query on the server's store, as objects:
    // for tests that look at what the API no longer shows.
    storeRows(sql) {
      if (pg) return JSON.parse(psql(pgPort, `SELECT coalesce(json_agg(q), '[]') FROM (${sql}) q`, pg.db));
      const out = execFileSync('sqlite3', ['-json', join(dataDir, 'cfiam.db'), sql], { encoding: 'utf8' });
      return out.trim() ? JSON.parse(out) : [];
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (pg && !opts.sameStoreAs) psql(pgPort, `DROP DATABASE IF EXISTS ${pg.db} WITH (FORCE)`);
    },
    // One API call. `path` is below /client/v4. Returns {status, headers, body}.
    async call(method, path, { body, token: tok, headers = {}, raw } = {}) {
      const h = { ...headers };
      const auth = tok === undefined ? token : tok;
      if (auth !== null) h.Authorization = `Bearer ${auth}`;
      let payload;
      if (raw !== undefined) {
        payload = raw;
      } else if (body !== undefined) {
        payload = JSON.stringify(body);
        h['Content-Type'] ??= 'application/json';
      }
      const res = await fetch(`${url}/client/v4${path}`, { method, headers: h, body: payload });
      const text = await res.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, headers: res.headers, body: json, text };
    },
  };
  return server;
}

// Stops a server gracefully, removes its data and asserts it exited 0 (under
// ASan a leak or a crash on the way out makes that fail).
export async function stopAndCheck(assert, srv) {
  const { code } = await srv.stop();
  srv.cleanup();
  assert.equal(code, 0, `server exited ${code}:\n${srv.stderr()}`);
}

// Asserts an enveloped error with the given status and first error code.
export function expectError(assert, res, status, code) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.body?.success, false, res.text);
  assert.equal(res.body.result, null);
  assert.ok(Array.isArray(res.body.errors) && res.body.errors.length > 0, res.text);
  assert.ok(Array.isArray(res.body.messages));
  if (code !== undefined) assert.equal(res.body.errors[0].code, code, res.text);
}

export function expectOk(assert, res) {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body?.success, true, res.text);
  assert.deepEqual(res.body.errors, []);
  return res.body.result;
}
