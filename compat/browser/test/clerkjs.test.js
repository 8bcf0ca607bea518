// clerk-js 6.40.0 (the real browser bundle from npm) in headless Chromium,
// against a running Gatehouse: sign-up with an email code, sign-out, sign-in
// with a password, token refresh and password reset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { guard } from './loopback.js';

const env = {
  url: process.env.GATEHOUSE_URL,
  apiUrl: process.env.GATEHOUSE_API_URL,
  secretKey: process.env.GATEHOUSE_SECRET_KEY,
  publishableKey: process.env.GATEHOUSE_PUBLISHABLE_KEY,
};
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'node_modules', '@clerk', 'clerk-js', 'dist');

let app, appOrigin, browser, page;

function serveApp() {
  // The "app": one page that loads clerk-js with our publishable key and proxyUrl.
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>app</title></head><body>
<script src="/clerk/clerk.browser.js" data-clerk-publishable-key="${env.publishableKey}" data-clerk-proxy-url="${env.url}"></script>
</body></html>`;
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname.startsWith('/clerk/')) {
        const file = path.join(dist, path.normalize(u.pathname.slice('/clerk/'.length)));
        if (!file.startsWith(dist) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        fs.createReadStream(file).pipe(res);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(html);
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

async function bapi(method, p, body) {
  const res = await fetch(`${env.apiUrl}/v1${p}`, {
    method, headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  if (!env.url || !fs.existsSync(chromiumPath)) {
    throw new Error(`needs GATEHOUSE_URL (run through compat/run.sh) and Chromium at ${chromiumPath}`);
  }
  app = await serveApp();
  appOrigin = `http://127.0.0.1:${app.address().port}`;
  await bapi('PATCH', '/instance', { allowed_origins: [appOrigin] });
  browser = await chromium.launch({
    executablePath: chromiumPath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  await guard(page);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(appOrigin + '/');
  await page.waitForFunction(() => window.Clerk !== undefined, null, { timeout: 15000 });
  // Navigation requests (after sign-out, ...) go to a stub router instead of
  // reloading the page, as a single-page app's router would take them.
  await page.evaluate(() => window.Clerk.load({
    routerPush: (to) => { window.__navigations = [...(window.__navigations || []), to]; },
    routerReplace: (to) => { window.__navigations = [...(window.__navigations || []), to]; },
  }));
});

after(async () => {
  await browser?.close();
  app?.close();
});

test('clerk-js journey: sign-up with email code, sign-out, sign-in, refresh, reset password', async () => {
  const email = `browser-${Date.now()}+clerk_test@example.com`;
  const r = await page.evaluate(async ({ email }) => {
    const C = window.Clerk;
    const out = {};
    // Sign up with an email code.
    const su = await C.client.signUp.create({ emailAddress: email, password: 'browser password 1' });
    out.signUpStatus = su.status;
    await su.prepareEmailAddressVerification({ strategy: 'email_code' });
    const done = await su.attemptEmailAddressVerification({ code: '424242' });
    out.signUpDone = done.status;
    await C.setActive({ session: done.createdSessionId });
    out.userAfterSignUp = C.user?.id;
    out.email = C.user?.primaryEmailAddress?.emailAddress;
    out.token1 = await C.session.getToken();
    // Sign out.
    await C.signOut();
    out.userAfterSignOut = C.user ?? null;
    // Sign in with the password.
    const si = await C.client.signIn.create({ identifier: email, password: 'browser password 1' });
    out.signInStatus = si.status;
    await C.setActive({ session: si.createdSessionId });
    out.userAfterSignIn = C.user?.id;
    // Refresh: a fresh token, skipping the cache.
    out.token2 = await C.session.getToken({ skipCache: true });
    // Reset the password by email code.
    await C.signOut();
    const rs = await C.client.signIn.create({ strategy: 'reset_password_email_code', identifier: email });
    out.resetPrepared = rs.firstFactorVerification?.status;
    const rv = await rs.attemptFirstFactor({ strategy: 'reset_password_email_code', code: '424242' });
    out.resetStatus = rv.status;
    const rp = await rv.resetPassword({ password: 'browser password 2', signOutOfOtherSessions: true });
    out.resetDone = rp.status;
    await C.setActive({ session: rp.createdSessionId });
    out.userAfterReset = C.user?.id;
    return out;
  }, { email });

  assert.equal(r.signUpStatus, 'missing_requirements');
  assert.equal(r.signUpDone, 'complete');
  assert.match(r.userAfterSignUp, /^user_/);
  assert.equal(r.email, email);
  assert.equal(r.userAfterSignOut, null);
  assert.equal(r.signInStatus, 'complete');
  assert.equal(r.userAfterSignIn, r.userAfterSignUp);
  assert.equal(r.resetPrepared, 'unverified');
  assert.equal(r.resetStatus, 'needs_new_password');
  assert.equal(r.resetDone, 'complete');
  assert.equal(r.userAfterReset, r.userAfterSignUp);
  for (const t of [r.token1, r.token2]) {
    const claims = JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, r.userAfterSignUp);
    assert.equal(claims.azp, appOrigin);
  }
  assert.notEqual(r.token1, r.token2);

  // The new password works and the old one does not (checked through the Backend API).
  const ok = await bapi('POST', `/users/${r.userAfterSignUp}/verify_password`, { password: 'browser password 2' });
  assert.equal(ok.verified, true);
  await assert.rejects(bapi('POST', `/users/${r.userAfterSignUp}/verify_password`, { password: 'browser password 1' }), /form_password_incorrect/);
  // clerk-js wrote the session cookie on the app's origin.
  const cookies = await page.context().cookies(appOrigin);
  assert.ok(cookies.some((c) => c.name.startsWith('__session') && c.value.startsWith('ey')), JSON.stringify(cookies.map((c) => c.name)));
});
