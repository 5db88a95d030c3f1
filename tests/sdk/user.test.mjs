// user.get / user.edit of the official `cloudflare` SDK against the real
// binary: the caller's own record, partial edits, null clearing, validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Cloudflare from 'cloudflare';
import { startServer, stopAndCheck } from '../lib/harness.mjs';

const EMAIL = 'sdk-user@example.com';
let srv;
let client;

before(async () => {
  srv = await startServer({ email: EMAIL });
  client = new Cloudflare({ apiToken: srv.token, apiEmail: null, apiKey: null, baseURL: srv.base, maxRetries: 0 });
});
after(() => stopAndCheck(assert, srv));

test('user.get: the caller itself, unset details as null', async () => {
  const me = await client.user.get();
  assert.match(me.id, /^[0-9a-f]{32}$/);
  assert.equal(me.email, EMAIL);
  assert.equal(me.first_name, null);
  assert.equal(me.country, null);
  assert.equal(me.two_factor_authentication_enabled, false);
  assert.equal(me.suspended, false);
  assert.deepEqual(me.organizations, []);
});

test('user.edit: partial changes persist; null clears; other fields stay', async () => {
  const edited = await client.user.edit({
    first_name: 'John', last_name: 'Appleseed', country: 'US', telephone: '+1 123-123-1234', zipcode: '12345' });
  assert.equal(edited.first_name, 'John');
  assert.equal(edited.last_name, 'Appleseed');
  assert.equal(edited.country, 'US');
  assert.equal(edited.telephone, '+1 123-123-1234');
  assert.equal(edited.zipcode, '12345');
  const again = await client.user.edit({ zipcode: null, first_name: 'Jane' });
  assert.equal(again.zipcode, null);
  assert.equal(again.first_name, 'Jane');
  assert.equal(again.country, 'US');
  const me = await client.user.get();
  assert.deepEqual(me, again);
});

test('user.edit: wrong types and over-long values are 400 naming the field; nothing changes', async () => {
  const before = await client.user.get();
  for (const [body, field] of [
    [{ first_name: 'x'.repeat(61) }, 'first_name'],
    [{ last_name: 'y'.repeat(61) }, 'last_name'],
    [{ country: 'z'.repeat(31) }, 'country'],
    [{ telephone: '1'.repeat(21) }, 'telephone'],
    [{ zipcode: '9'.repeat(21) }, 'zipcode'],
    [{ zipcode: 12345 }, 'zipcode'],
    [{ first_name: ['a'] }, 'first_name'],
  ]) {
    await assert.rejects(client.user.edit(body), (err) => {
      assert.ok(err instanceof Cloudflare.BadRequestError, `${field}: ${err.message}`);
      assert.equal(err.errors[0].code, 1002);
      assert.match(err.errors[0].message, new RegExp(field));
      return true;
    });
  }
  assert.deepEqual(await client.user.get(), before);
});
