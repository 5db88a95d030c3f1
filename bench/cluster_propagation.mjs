// Revocation propagation between two nodes (bench/cluster.sh): N times,
// create an account token on node A, wait until node B verifies it, delete it
// on node A, then poll verify on node B (back to back, one connection) until
// it answers 401. The latency is from A's acknowledgment of the delete to B's
// first refusal. Prints "p50 p90 p99 max" in milliseconds and the count.
//
//   node bench/cluster_propagation.mjs URL_A URL_B TOKEN ACCOUNT [N=200]
const [urlA, urlB, token, account, n = '200'] = process.argv.slice(2);
const SETTINGS_READ = 'c1fde68c7bcc44588cbb6ddbc16d6480';

async function call(url, method, path, { auth = token, body } = {}) {
  const res = await fetch(`${url}/client/v4${path}`, {
    method,
    headers: { Authorization: `Bearer ${auth}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  await res.arrayBuffer();
  return res;
}

async function create() {
  const res = await fetch(`${urlA}/client/v4/accounts/${account}/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'propagation', policies: [{ effect: 'allow',
      permission_groups: [{ id: SETTINGS_READ }],
      resources: { [`com.cloudflare.api.account.${account}`]: '*' } }] }),
  });
  const body = await res.json();
  if (!body.success) throw new Error(`create: ${JSON.stringify(body)}`);
  return body.result;
}

const verify = (t) => call(urlB, 'GET', `/accounts/${account}/tokens/verify`, { auth: t.value });

const lat = [];
for (let i = 0; i < Number(n); i++) {
  const t = await create();
  const t0 = performance.now();
  while ((await verify(t)).status !== 200) {
    if (performance.now() - t0 > 5000) throw new Error('node B never verified a new token');
  }
  const del = await call(urlA, 'DELETE', `/accounts/${account}/tokens/${t.id}`);
  if (del.status !== 200) throw new Error(`delete: ${del.status}`);
  const acked = performance.now();
  for (;;) {
    const s = (await verify(t)).status;
    if (s === 401) break;
    if (s !== 200) throw new Error(`verify answered ${s}`);
    if (performance.now() - acked > 5000) throw new Error('node B still verifies after 5 s');
  }
  lat.push(performance.now() - acked);
}
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
console.log(`${q(0.5)} ${q(0.9)} ${q(0.99)} ${lat[lat.length - 1].toFixed(1)} ${lat.length}`);
