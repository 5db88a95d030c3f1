// A cluster for a test: one throw-away PostgreSQL 15 (tests/lib/postgres.mjs),
// several cfiam nodes on one database of it (each its own data directory, the
// same bootstrap token), and nginx (Debian nginx-light) balancing round robin
// in front, all on free loopback ports in temp dirs, torn down by stop().
// scripts/cluster.sh starts the same by hand.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken, startServer } from './harness.mjs';
import { freePort, psql, startPostgres } from './postgres.mjs';

export const DB = 'cfiam';

async function accepts(port) {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

// The balancer's configuration; scripts/cluster.sh writes the same.
// - Round robin over the nodes, kept-alive upstream connections.
// - proxy_next_upstream error timeout: a request whose node refuses the
//   connection (dead, restarting) goes to the next node. nginx never resends
//   a POST/PATCH that already reached a node (it may have committed there):
//   the client gets a 502 for it and decides. GET/PUT/DELETE are idempotent
//   and are retried on the next node also after a connection error mid-way.
// - A node that failed is left out for 2 s (max_fails=1), then tried again.
export function nginxConfig({ dir, port, nodes }) {
  const servers = nodes.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream cfiam {
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 2m;
    location / {
      proxy_pass http://cfiam;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 60s;
    }
  }
}
`;
}

// Starts nginx in the foreground on a free port in front of `nodes` (ports).
export async function startBalancer(nodes) {
  const dir = mkdtempSync(join(tmpdir(), 'cfiam-nginx-'));
  // As root nginx's worker runs as nobody: it must reach the temp paths.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'tmp'));
  for (let attempt = 0; ; ++attempt) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConfig({ dir, port, nodes }));
    const proc = spawn('nginx', ['-c', conf, '-p', dir, '-e', join(dir, 'error.log')],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (c) => { stderr += c; });
    let exited = false;
    const done = new Promise((resolve) => proc.on('exit', (code) => { exited = true; resolve(code); }));
    for (let i = 0; i < 100 && !exited; i++) {
      if (await accepts(port)) {
        return {
          port, dir, proc,
          url: `http://127.0.0.1:${port}`,
          base: `http://127.0.0.1:${port}/client/v4`,
          async stop() {
            proc.kill('SIGQUIT');
            await done;
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    await done;
    if (attempt >= 3) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${stderr}`);
    }
  }
}

// One API call at `url` (a node or the balancer), like harness's srv.call.
// Returns {status, headers, body, text, ms}; a connection failure resolves
// to status 0 with the error in `text`.
export async function callAt(url, method, path, { body, token, headers = {}, signal } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/client/v4${path}`, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, body: json, text, ms: performance.now() - t0 };
  } catch (e) {
    return { status: 0, body: undefined, text: String(e.cause ?? e), ms: performance.now() - t0 };
  }
}

// Starts PostgreSQL, `nodes` cfiam nodes on one database and nginx before
// them. `args` are extra `cfiam serve` arguments for every node.
export async function startCluster({ nodes = 3, args = [] } = {}) {
  const pg = await startPostgres();
  psql(pg.port, `CREATE DATABASE ${DB}`);
  const store = `postgres://postgres@127.0.0.1:${pg.port}/${DB}`;
  const token = newToken();
  const servers = [];
  let balancer;
  try {
    // One after the other: the first migrates the schema and makes the
    // bootstrap user and token; the others find them (a node's bootstrap is
    // one transaction that is not retried on a conflict with another's).
    for (let i = 0; i < nodes; i++) servers.push(await startServer({ token, store, args }));
    balancer = await startBalancer(servers.map((s) => s.port));
  } catch (e) {
    for (const s of servers) { await s.kill9(); s.cleanup(); }
    pg.stop();
    throw e;
  }
  const cluster = {
    pg, store, token, nodes: servers, balancer,
    base: balancer.base,
    // A call through the balancer, as the bootstrap user unless `token` says.
    call: (method, path, opts = {}) => callAt(balancer.url, method, path, { token, ...opts }),
    // A call straight to node i (0-based).
    callNode: (i, method, path, opts = {}) => callAt(servers[i].url, method, path, { token, ...opts }),
    // Rows of a read-only query on the shared database, as objects.
    rows: (sql) => JSON.parse(psql(pg.port, `SELECT coalesce(json_agg(q), '[]') FROM (${sql}) q`, DB)),
    // Stops everything; resolves to the nodes' exit statuses ({code, signal};
    // a node killed before keeps its signal).
    async stop() {
      await balancer.stop();
      const statuses = [];
      for (const s of servers) {
        statuses.push(s.proc.exitCode !== null || s.proc.signalCode !== null
          ? { code: s.proc.exitCode, signal: s.proc.signalCode }
          : await s.stop());
        s.cleanup();
      }
      pg.stop();
      return statuses;
    },
  };
  return cluster;
}

// Polls `fn` every `every` ms until it returns a truthy value or `ms`
// elapse; resolves to { value, ms } (value undefined on timeout).
export async function until(fn, ms, every = 5) {
  const t0 = performance.now();
  for (;;) {
    const value = await fn();
    const elapsed = performance.now() - t0;
    if (value) return { value, ms: elapsed };
    if (elapsed >= ms) return { value: undefined, ms: elapsed };
    await new Promise((r) => setTimeout(r, every));
  }
}

// Every audit entry of `account` (one walk of the cursor pages through
// `call`), as { id, type, result, resource } per entry.
export async function auditEntries(call, account) {
  const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
  const out = [];
  let cursor = '';
  for (;;) {
    const res = await call('GET', `/accounts/${account}/logs/audit?since=${day(-1)}&before=${day(2)}` +
      `&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`audit page: ${res.status} ${res.text}`);
    for (const e of res.body.result) {
      out.push({ id: e.id, type: e.action.type, result: e.action.result, resource: e.resource?.id });
    }
    cursor = res.body.result_info?.cursor;
    if (!cursor || res.body.result.length === 0) return out;
  }
}

// Checks after a fault that nothing acknowledged was lost: every member a
// 200 acknowledged (of the load `tag`, tests/lib/load.mjs) is in the store, and every member in the store (also one
// whose answer was lost with a dying node) has its create entry in the audit
// log: the change and its entry commit together or not at all.
export function checkNothingLost(assert, cluster, account, acked, entries, tag = 'load') {
  const stored = new Set(cluster.rows(`SELECT m.id FROM members m JOIN users u ON u.id = m.user_id
    WHERE m.account_id = '${account}' AND u.email LIKE '${tag}-%'`).map((r) => r.id));
  const lost = acked.filter((r) => !stored.has(r.id)).map((r) => r.email);
  assert.deepEqual(lost, [], 'acknowledged member creates missing afterwards');
  const audited = new Set(entries.filter((e) => e.type === 'create' && e.result === 'success')
    .map((e) => e.resource));
  const unaudited = [...stored].filter((id) => !audited.has(id));
  assert.deepEqual(unaudited, [], 'members without their audit entry');
  return stored;
}
