// Write load for the cluster fault tests: `workers` loops creating members
// (distinct emails) in `account`, each call through `call` (the balancer or a
// node), until stop(). Every answer is kept with its time, so a test can ask
// which writes were acknowledged, and what was answered when.
export function memberWrites(call, account, { workers = 6, role, tag = 'load' } = {}) {
  const results = [];
  let on = true;
  const t0 = performance.now();
  const loop = async (w) => {
    for (let i = 0; on; i++) {
      const email = `${tag}-${w}-${i}@example.com`;
      const at = performance.now() - t0;
      const res = await call('POST', `/accounts/${account}/members`, { body: { email, roles: [role] } });
      results.push({ email, at, ms: res.ms, status: res.status, headers: res.headers, body: res.body,
        text: res.text, id: res.status === 200 ? res.body?.result?.id : undefined });
      // A refused connection returns at once: don't spin on it.
      if (res.status === 0 || res.status >= 500) await new Promise((r) => setTimeout(r, 20));
    }
  };
  const loops = Array.from({ length: workers }, (_, w) => loop(w));
  return {
    results,
    elapsed: () => performance.now() - t0,
    async stop() {
      on = false;
      await Promise.all(loops);
      return results;
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
