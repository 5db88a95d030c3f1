// Fixtures shared by the tests of who may do what: catalog ids, account
// tokens made by the tenant admin, and users acting through global API keys
// made by `cfiam admin api-key` against the running server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { expectOk, BIN } from './harness.mjs';

export const ROLE = {
  superAdmin: '33666b9c79b9a5273fc7344ff42f953d',
  admin: '05784afa30c1afe1440e79d9351c7430',
  readOnly: 'f2b20eaa1a5d4af42b53ac16238c99c7',
  auditViewer: '9dfa4d1b73034f70ad896bf1c26d78f3',
  billing: '298ce8e7a2ba08b9d18ce0a32bb458ee',
};

// API-token permission groups.
export const PG = {
  settingsRead: 'c1fde68c7bcc44588cbb6ddbc16d6480',
  settingsWrite: '1af1fa2adc104452b74a9a3364202f20',
  billingRead: '7cf72faf220841aabcfdfab81c43c4f6',
  billingWrite: '6c80e02421494afc9ae14414ed442632',
  tokensRead: 'eb56a6953c034b9d97dd838155666f06',
  tokensWrite: '5bc3f8b21c554832afc660159ab75fa4',
  workersRead: '1a71c399035b4950a1bd1466bbe4f420',
};

export const accountResources = (account) => ({ [`com.cloudflare.api.account.${account}`]: '*' });
export const allowGroups = (account, ...groups) => ({
  effect: 'allow', permission_groups: groups.map((id) => ({ id })), resources: accountResources(account) });

// An account token of `account` holding `groups`, made by `as` (default: the
// tenant admin). `extra` adds body fields (condition, expires_on, ...).
export async function accountToken(srv, account, groups, extra = {}, as = undefined) {
  return expectOk(assert, await srv.call('POST', `/accounts/${account}/tokens`, {
    token: as, body: { name: 'fixture', policies: [allowGroups(account, ...groups)], ...extra } }));
}

export function apiKeyFor(srv, email) {
  const out = spawnSync(BIN, ['admin', 'api-key', '--email', email, ...srv.storeArgs], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim();
}

// A new API key of `email` (created, or rolled, by `cfiam admin api-key`),
// returned once the running server has picked it up.
export async function userKey(srv, email) {
  const key = apiKeyFor(srv, email);
  const headers = { 'X-Auth-Email': email, 'X-Auth-Key': key };
  for (let i = 0; i < 50; i++) {
    if ((await srv.call('GET', '/memberships', { token: null, headers })).status === 200) return key;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`API key of ${email} never became valid`);
}

// A client for one user's new API key: call(method, path, opts) like srv.call.
export async function userClient(srv, email) {
  const key = await userKey(srv, email);
  return (method, path, opts = {}) => srv.call(method, path, {
    ...opts, token: null, headers: { ...(opts.headers ?? {}), 'X-Auth-Email': email, 'X-Auth-Key': key } });
}
