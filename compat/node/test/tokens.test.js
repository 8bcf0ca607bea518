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

test('authenticateRequest: signed in with cookies, and a handshake refreshes a missing session token', async () => {
  await clerk.instance.update({ allowedOrigins: [app] });
  const { browser, sessionId, userId } = await signUp(app);
  const jwt = await sessionToken(browser, sessionId);
  const uat = browser.cookies.get('__client_uat');
  assert.ok(Number(uat) > 0, '__client_uat set after sign-in');
  const opts = { publishableKey: env.publishableKey, secretKey: env.secretKey, apiUrl: env.apiUrl, proxyUrl: env.url, authorizedParties: [app] };

  // Cookie path: signed in.
  const signedIn = await clerk.authenticateRequest(new Request(`${app}/dashboard`, {
    headers: { cookie: `__session=${jwt}; __client_uat=${uat}`, accept: 'text/html', 'sec-fetch-dest': 'document' },
  }), opts);
  assert.equal(signedIn.status, 'signed-in', signedIn.reason);
  assert.equal(signedIn.toAuth().userId, userId);
  assert.equal(signedIn.toAuth().sessionId, sessionId);

  // __client_uat > 0 but no __session: the SDK asks for a handshake with our FAPI.
  const hs = await clerk.authenticateRequest(new Request(`${app}/dashboard`, {
    headers: { cookie: `__client_uat=${uat}`, accept: 'text/html', 'sec-fetch-dest': 'document' },
  }), opts);
  assert.equal(hs.status, 'handshake', hs.reason);
  const location = hs.headers.get('location');
  assert.ok(location.startsWith(`${env.url}/v1/client/handshake?`), location);

  // The browser follows it to Gatehouse with its __client cookie…
  const res = await browser.call('GET', location.slice(env.url.length));
  assert.equal(res.status, 307);
  const back = res.headers.get('location');
  assert.ok(back.startsWith(`${app}/dashboard`), back);
  assert.ok(new URL(back).searchParams.get('__clerk_handshake_nonce'));

  // …and the app redeems the nonce through the Backend API.
  const done = await clerk.authenticateRequest(new Request(back, {
    headers: { cookie: `__client_uat=${uat}`, accept: 'text/html', 'sec-fetch-dest': 'document' },
  }), opts);
  assert.equal(done.status, 'signed-in', done.reason);
  assert.equal(done.toAuth().userId, userId);
  const setCookies = done.headers.getSetCookie().join('\n');
  assert.match(setCookies, /__session=ey/);
});
