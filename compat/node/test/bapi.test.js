import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClerkClient } from '@clerk/backend';
import { clerk, env, unique } from './helpers.js';

test('users: create, get, list, count, update, metadata, ban, lock, verify_password, delete', async () => {
  const email = `${unique('node')}@example.com`;
  const user = await clerk.users.createUser({
    emailAddress: [email], password: 'node sdk password 1', firstName: 'Node',
    publicMetadata: { role: 'admin', prefs: { theme: 'dark', lang: 'en' } }, privateMetadata: { stripe: 'cus_1' },
  });
  assert.match(user.id, /^user_/);
  assert.equal(user.firstName, 'Node');
  assert.equal(user.emailAddresses[0].emailAddress, email);
  assert.equal(user.primaryEmailAddressId, user.emailAddresses[0].id);
  assert.equal(user.passwordEnabled, true);
  assert.deepEqual(user.publicMetadata, { role: 'admin', prefs: { theme: 'dark', lang: 'en' } });
  assert.deepEqual(user.privateMetadata, { stripe: 'cus_1' });
  assert.ok(user.createdAt > 1e12, 'createdAt in Unix ms');

  const got = await clerk.users.getUser(user.id);
  assert.equal(got.id, user.id);

  const list = await clerk.users.getUserList({ emailAddress: [email] });
  assert.equal(list.totalCount, 1);
  assert.equal(list.data.length, 1);
  assert.equal(list.data[0].id, user.id);
  const byId = await clerk.users.getUserList({ userId: [user.id] });
  assert.deepEqual(byId.data.map((u) => u.id), [user.id]);
  assert.ok((await clerk.users.getCount()) >= 1);

  const updated = await clerk.users.updateUser(user.id, { firstName: 'Nodette', lastName: 'Js' });
  assert.equal(updated.firstName, 'Nodette');
  assert.equal(updated.lastName, 'Js');

  const merged = await clerk.users.updateUserMetadata(user.id, {
    publicMetadata: { prefs: { lang: null, tz: 'UTC' }, plan: 'pro' },
    privateMetadata: { stripe: null, seats: 3 },
  });
  assert.deepEqual(merged.publicMetadata, { role: 'admin', plan: 'pro', prefs: { theme: 'dark', tz: 'UTC' } });
  assert.deepEqual(merged.privateMetadata, { seats: 3 });

  assert.equal((await clerk.users.banUser(user.id)).banned, true);
  assert.equal((await clerk.users.unbanUser(user.id)).banned, false);
  const locked = await clerk.users.lockUser(user.id);
  assert.equal(locked.locked, true);
  assert.equal((await clerk.users.unlockUser(user.id)).locked, false);

  const ok = await clerk.users.verifyPassword({ userId: user.id, password: 'node sdk password 1' });
  assert.equal(ok.verified, true);
  await assert.rejects(clerk.users.verifyPassword({ userId: user.id, password: 'wrong password' }), (err) => {
    assert.equal(err.status, 422);
    assert.equal(err.errors[0].code, 'form_password_incorrect');
    return true;
  });

  const deleted = await clerk.users.deleteUser(user.id);
  assert.equal(deleted.id, user.id);
  await assert.rejects(clerk.users.getUser(user.id), (err) => {
    assert.equal(err.clerkError, true);
    assert.equal(err.status, 404);
    assert.equal(err.errors[0].code, 'resource_not_found');
    assert.ok(err.clerkTraceId, 'clerk_trace_id surfaced');
    return true;
  });
});

test('duplicate email is a typed 422 form_identifier_exists', async () => {
  const email = `${unique('dup')}@example.com`;
  await clerk.users.createUser({ emailAddress: [email] });
  await assert.rejects(clerk.users.createUser({ emailAddress: [email.toUpperCase()] }), (err) => {
    assert.equal(err.status, 422);
    assert.equal(err.errors[0].code, 'form_identifier_exists');
    assert.equal(err.errors[0].meta.paramName, 'email_address');
    return true;
  });
});

test('a wrong secret key is a typed 401 clerk_key_invalid', async () => {
  const bad = createClerkClient({ secretKey: 'sk_live_not-a-real-key', apiUrl: env.apiUrl });
  await assert.rejects(bad.users.getUserList(), (err) => {
    assert.equal(err.status, 401);
    assert.equal(err.errors[0].code, 'clerk_key_invalid');
    return true;
  });
});

test('JWKS through the SDK', async () => {
  const jwks = await clerk.jwks.getJwks();
  assert.ok(jwks.keys.length >= 1);
  const k = jwks.keys[0];
  assert.match(k.kid, /^ins_/);
  assert.equal(k.alg, 'RS256');
  assert.equal(k.use, 'sig');
  assert.equal(k.kty, 'RSA');
  assert.equal(k.e, 'AQAB');
});
