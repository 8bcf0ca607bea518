import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyToken } from '@clerk/backend';
import { clerk, env, signUp, sessionToken } from './helpers.js';

const app = 'http://app.example.test:3000';

function tamper(jwt, mutate) {
  const [h, p, s] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  mutate(claims);
  return [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
}

test('verifyToken accepts our session tokens (JWKS via BAPI and networkless PEM) and rejects bad ones', async () => {
  await clerk.instance.update({ allowedOrigins: [app] });
  const { browser, sessionId, userId } = await signUp(app);
  const jwt = await sessionToken(browser, sessionId);

  const viaJwks = await verifyToken(jwt, { secretKey: env.secretKey, apiUrl: env.apiUrl, authorizedParties: [app] });
  assert.equal(viaJwks.sub, userId);
  assert.equal(viaJwks.sid, sessionId);
  assert.equal(viaJwks.azp, app);
  assert.equal(viaJwks.v, 2);

  const networkless = await verifyToken(jwt, { jwtKey: env.jwtKey, authorizedParties: [app] });
  assert.equal(networkless.sub, userId);

  await assert.rejects(verifyToken(jwt, { jwtKey: env.jwtKey, authorizedParties: ['http://other.test'] }), /authorized|azp/i);
  await assert.rejects(verifyToken(tamper(jwt, (c) => { c.sub = 'user_attacker'; }), { jwtKey: env.jwtKey }), /signature/i);
  const expired = tamper(jwt, (c) => { c.exp = Math.floor(Date.now() / 1000) - 60; });
  await assert.rejects(verifyToken(expired, { jwtKey: env.jwtKey }), /expired|signature/i);
});

test('authenticateRequest: a development instance hands out a dev browser through the handshake; signed in with cookies; a handshake refreshes a missing session token', async () => {
  await clerk.instance.update({ allowedOrigins: [app] });
  const { browser, sessionId, userId } = await signUp(app);
  const jwt = await sessionToken(browser, sessionId);
  const uat = browser.cookies.get('__client_uat');
  assert.ok(Number(uat) > 0, '__client_uat set after sign-in');
  assert.ok(env.publishableKey.startsWith('pk_test_'), 'gatehouse serve in development mode issues pk_test_ keys');
  const opts = { publishableKey: env.publishableKey, secretKey: env.secretKey, apiUrl: env.apiUrl, proxyUrl: env.url, authorizedParties: [app] };
  const doc = (url, cookie) => clerk.authenticateRequest(new Request(url, {
    headers: { cookie, accept: 'text/html', 'sec-fetch-dest': 'document' },
  }), opts);
  // The app's browser follows a handshake redirect to Gatehouse with its
  // __client cookie and comes back with a nonce the app redeems through the
  // Backend API; the redeemed directives are the cookies the app sets.
  const followHandshake = async (hs) => {
    assert.equal(hs.status, 'handshake', hs.reason);
    const location = hs.headers.get('location');
    assert.ok(location.startsWith(`${env.url}/v1/client/handshake?`), location);
    const res = await browser.call('GET', location.slice(env.url.length));
    assert.equal(res.status, 307);
    const back = res.headers.get('location');
    assert.ok(back.startsWith(`${app}/dashboard`), back);
    assert.ok(new URL(back).searchParams.get('__clerk_handshake_nonce'));
    return back;
  };
  const cookiesOf = (res) => Object.fromEntries(res.headers.getSetCookie().map((c) => {
    const pair = c.split(';')[0];
    const i = pair.indexOf('=');
    return [pair.slice(0, i), pair.slice(i + 1)];
  }));

  // A development instance needs a dev browser before anything else: the
  // first document request without one is a handshake (dev-browser-missing),
  // and the handshake's directives create it.
  const first = await doc(`${app}/dashboard`, `__session=${jwt}; __client_uat=${uat}`);
  assert.equal(first.reason, 'dev-browser-missing');
  const redeemed = await doc(await followHandshake(first), `__client_uat=${uat}`);
  // In development the SDK answers the nonce with a redirect to the clean URL
  // carrying the directives; either way the cookies come with it.
  assert.ok(['signed-in', 'handshake'].includes(redeemed.status), redeemed.reason);
  const set = cookiesOf(redeemed);
  const dbJwt = set.__clerk_db_jwt;
  assert.match(dbJwt || '', /^dvb_/, `the handshake sets __clerk_db_jwt: ${JSON.stringify(set)}`);
  assert.match(set.__session || '', /^ey/);
  assert.equal(Number(set.__client_uat), Number(uat));

  // Cookie path with the dev browser: signed in.
  const signedIn = await doc(`${app}/dashboard`, `__session=${jwt}; __client_uat=${uat}; __clerk_db_jwt=${dbJwt}`);
  assert.equal(signedIn.status, 'signed-in', signedIn.reason);
  assert.equal(signedIn.toAuth().userId, userId);
  assert.equal(signedIn.toAuth().sessionId, sessionId);

  // __client_uat > 0 but no __session: the SDK asks for a handshake with our FAPI.
  const hs = await doc(`${app}/dashboard`, `__client_uat=${uat}; __clerk_db_jwt=${dbJwt}`);
  const back = await followHandshake(hs);
  const done = await doc(back, `__client_uat=${uat}; __clerk_db_jwt=${dbJwt}`);
  assert.ok(['signed-in', 'handshake'].includes(done.status), done.reason);
  const again = cookiesOf(done);
  assert.match(again.__session || '', /^ey/);
  const refreshed = await doc(`${app}/dashboard`, `__session=${again.__session}; __client_uat=${uat}; __clerk_db_jwt=${again.__clerk_db_jwt || dbJwt}`);
  assert.equal(refreshed.status, 'signed-in', refreshed.reason);
  assert.equal(refreshed.toAuth().userId, userId);
});
