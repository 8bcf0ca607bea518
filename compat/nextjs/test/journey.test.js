// One user's journey through a Next.js App Router app on @clerk/nextjs (7 or 6,
// whichever app APP_URL serves) backed by a running Gatehouse, in headless
// Chromium: Clerk's prebuilt components (<SignUp/>, <SignIn/>, <UserButton/>,
// <UserProfile/>), middleware route protection, auth()/currentUser() in server
// components and route handlers, a role read from session claims, webhooks
// verified with verifyWebhook, the SSR handshake and setActive.
//
// compat/nextjs/run.sh starts Gatehouse and the apps and sets the environment.
// The steps share one browser context and run in order; each wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { mailedCode, checkProductionCookies, checkSessionToken } from '../production-hooks.js';

const env = {
  app: process.env.APP_URL,
  label: process.env.JOURNEY_LABEL || 'next',
  gh: process.env.GATEHOUSE_URL,
  apiUrl: process.env.GATEHOUSE_API_URL,
  secretKey: process.env.GATEHOUSE_SECRET_KEY,
  // Production setup (run-production.sh): the app and Gatehouse behind an https
  // proxy on names Chromium maps to 127.0.0.1; Node reaches them directly.
  appDirect: process.env.APP_DIRECT_URL || process.env.APP_URL,
  ghDirect: process.env.GATEHOUSE_DIRECT_URL || process.env.GATEHOUSE_URL,
  production: process.env.GATEHOUSE_MODE === 'production',
  codes: process.env.GATEHOUSE_CODES || 'test', // 'sink': read the mailed codes (no +clerk_test outside development)
  hostRules: process.env.BROWSER_HOST_RULES,
  // same-site: the browser calls Gatehouse directly; proxy: the app's origin
  // only, through /__clerk (design-nextjs.md §4a).
  setup: process.env.JOURNEY_SETUP || 'same-site',
};
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, '..', 'artifacts');
const WAIT = { timeout: 20000 };

const stamp = `${Date.now()}`;
const tag = env.codes === 'sink' ? '' : '+clerk_test';
const email = `next-${env.label}-${stamp}${tag}@example.com`;
const email2 = `next-${env.label}-${stamp}-second${tag}@example.com`;
const passwords = ['nextjs compat password 1', 'nextjs compat password 2', 'nextjs compat password 3'];

let browser, ctx, page, userId;
const foreignHosts = new Set();
const handshakes = [];
const pageErrors = [];

async function bapi(method, p, body) {
  const res = await fetch(`${env.apiUrl}/v1${p}`, {
    method, headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until(what, cond, tries = 80, every = 250) {
  for (let i = 0; i < tries; i++) {
    const v = await cond();
    if (v) return v;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function newContext() {
  const c = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: !!env.hostRules });
  // Only the app and (same-site, production) Gatehouse may be contacted (no
  // telemetry, no api.clerk.com, no CDN): anything else is recorded and refused.
  const allowed = new Set([new URL(env.app).host]);
  if (env.setup !== 'proxy') allowed.add(new URL(env.gh).host);
  await c.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || allowed.has(u.host)) return route.continue();
    foreignHosts.add(`${u.origin}${u.pathname}`);
    return route.abort();
  });
  c.on('request', (r) => { if (r.url().includes('/v1/client/handshake')) handshakes.push(r.url()); });
  c.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`)));
  return c;
}

async function shot(name, locator) {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${env.label}-${name}.png`);
  await (locator ?? page).screenshot({ path: file });
}

async function typeCode(p, to) {
  const code = env.codes === 'sink' ? await mailedCode(to) : '424242';
  // clerk-js 6 / @clerk/ui: one transparent input-otp field over the segments;
  // clerk-js 5: one input per digit.
  await p.locator('.cl-otpCodeFieldInput, input[autocomplete="one-time-code"]').first().waitFor(WAIT);
  const single = p.locator('input[autocomplete="one-time-code"]');
  if (await single.count()) {
    await single.first().focus();
  } else {
    await p.locator('.cl-otpCodeFieldInput').first().click();
  }
  await p.keyboard.type(code, { delay: 30 });
}

// The password fields show their feedback ("meets all the necessary
// requirements", "Passwords match") after a debounce, which moves the submit
// button down; a click computed before that shift can land beside it and
// submit nothing (seen once on /sign-up). A person clicks after the feedback
// appears; so does the journey. Waiting is bounded and not an assertion.
async function passwordFeedbackShown(p) {
  await p.locator('.cl-formFieldSuccessText').last().waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
}

async function clerkLoaded(p) {
  await p.waitForFunction(() => window.Clerk?.loaded === true, null, WAIT);
}

async function apiMe(p) {
  return p.evaluate(async () => {
    const r = await fetch('/api/me', { cache: 'no-store' });
    return { status: r.status, body: await r.json().catch(() => null) };
  });
}

async function waitForDashboard(p) {
  await p.waitForURL((u) => u.pathname === '/dashboard', WAIT);
  await p.locator('#server-user-id').waitFor(WAIT);
  return (await p.locator('#server-user-id').textContent()).trim();
}

async function signInWithPassword(p, identifier, password) {
  await p.goto(env.app + '/sign-in');
  await p.locator('input[name=identifier]').fill(identifier, WAIT);
  await p.locator('.cl-formButtonPrimary').click();
  await p.locator('input[name=password]').fill(password, WAIT);
  await p.locator('.cl-formButtonPrimary').click();
  return waitForDashboard(p);
}

async function clerkSignOut(p) {
  await clerkLoaded(p);
  await p.evaluate(() => window.Clerk.signOut());
  await p.goto(env.app + '/');
  await p.locator('#home-signed-out').waitFor(WAIT);
}

// The steps build on each other: after the first failure the rest are skipped.
let failed = false;
function step(name, fn) {
  test(name, async (t) => {
    if (failed) { t.skip('an earlier step failed'); return; }
    try { await fn(t); } catch (e) {
      failed = true;
      await shot(`failure-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`).catch(() => {});
      throw e;
    }
  });
}

before(async () => {
  if (!env.app || !env.gh || !fs.existsSync(chromiumPath)) {
    throw new Error(`needs APP_URL and GATEHOUSE_URL (run through compat/nextjs/run.sh) and Chromium at ${chromiumPath}`);
  }
  browser = await chromium.launch({
    executablePath: chromiumPath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      ...(env.hostRules ? [`--host-resolver-rules=${env.hostRules}`] : [])],
  });
  ctx = await newContext();
  page = await ctx.newPage();
});

after(async () => {
  await browser?.close();
});

step('signed out: /dashboard redirects to /sign-in, /api/me is 401', async () => {
  await page.goto(env.app + '/dashboard');
  await page.waitForURL((u) => u.pathname === '/sign-in', WAIT);
  assert.equal(new URL(page.url()).searchParams.get('redirect_url'), env.app + '/dashboard');
  await page.locator('input[name=identifier]').waitFor(WAIT);
  await shot('sign-in', page.locator('.cl-rootBox, .cl-signIn-root').first());
  const me = await apiMe(page);
  assert.equal(me.status, 401);
});

step('<SignUp/> with an email code, then the dashboard shows auth() and currentUser()', async () => {
  await page.goto(env.app + '/sign-up');
  await page.locator('input[name=emailAddress]').fill(email, WAIT);
  await shot('sign-up', page.locator('.cl-rootBox, .cl-signUp-root').first());
  await page.locator('input[name=password]').fill(passwords[0]);
  await passwordFeedbackShown(page);
  await page.locator('.cl-formButtonPrimary').click();
  await typeCode(page, email);
  userId = await waitForDashboard(page);
  assert.match(userId, /^user_/);
  assert.equal((await page.locator('#server-email').textContent()).trim(), email);
  await page.locator('#client-email').waitFor(WAIT);
  assert.equal((await page.locator('#client-email').textContent()).trim(), email);
  await page.locator('#members-only').waitFor(WAIT);
  const me = await apiMe(page);
  assert.equal(me.status, 200);
  assert.equal(me.body.userId, userId);
});

if (env.production) {
  step('production cookies: __client host-only HttpOnly Secure, __client_uat on the site, no dev browser', async () => {
    await checkProductionCookies(ctx, env.gh, env.ghDirect);
    await checkSessionToken(ctx, env.app, env.gh);
  });
}

step('webhooks: the app verified user.created with verifyWebhook', async () => {
  const events = await until('user.created at the app', async () => {
    const got = await (await fetch(env.appDirect + '/api/webhooks')).json();
    return got.some((e) => e.type === 'user.created' && e.id === userId) ? got : null;
  });
  assert.ok(!events.some((e) => e.type === 'rejected'), JSON.stringify(events));
});

step('/admin: refused, then allowed after public_metadata.role = admin (session claim)', async () => {
  await page.goto(env.app + '/admin');
  await page.locator('#admin-denied').waitFor(WAIT);
  await bapi('PATCH', `/users/${userId}/metadata`, { public_metadata: { role: 'admin' } });
  // The role travels in the session token: fetch a fresh one (clerk-js writes
  // it to the __session cookie), then render again.
  await clerkLoaded(page);
  await page.evaluate(() => window.Clerk.session.getToken({ skipCache: true }));
  await page.goto(env.app + '/admin');
  await page.locator('#admin-allowed').waitFor(WAIT);
  await page.locator('#admin-client-check').waitFor(WAIT);
});

let second; // a second device, signed in before the password change
step('a second device signs in with <SignIn/> and a password', async () => {
  second = await newContext();
  const p2 = await second.newPage();
  assert.equal(await signInWithPassword(p2, email, passwords[0]), userId);
});

step('<UserProfile/>: first name, a second verified email, password change signing out other devices', async () => {
  await page.goto(env.app + '/user-profile');
  const profile = page.locator('.cl-userProfile-root, .cl-rootBox').first();
  await profile.waitFor(WAIT);
  await page.locator('.cl-profileSectionPrimaryButton__profile').waitFor(WAIT);
  await shot('user-profile');

  // First name.
  await page.locator('.cl-profileSectionPrimaryButton__profile').click();
  await page.locator('input[name=firstName]').fill('Ada', WAIT);
  await page.locator('.cl-formButtonPrimary').click();
  await page.locator('input[name=firstName]').waitFor({ state: 'detached', ...WAIT });
  await until('first_name at the Backend API', async () => (await bapi('GET', `/users/${userId}`)).first_name === 'Ada');

  // A second email address, verified with a code.
  await page.locator('.cl-profileSectionPrimaryButton__emailAddresses').click();
  await page.locator('input[name=emailAddress]').fill(email2, WAIT);
  await page.locator('.cl-formButtonPrimary').click();
  await typeCode(page, email2);
  await page.locator('.cl-otpCodeFieldInput').first().waitFor({ state: 'detached', ...WAIT });
  await until('a second verified address', async () => {
    const u = await bapi('GET', `/users/${userId}`);
    return u.email_addresses.some((e) => e.email_address === email2 && e.verification?.status === 'verified');
  });

  // Password (on the Security page), signing out the other devices.
  await page.locator('.cl-navbarButton__security').click();
  await page.locator('.cl-profileSectionPrimaryButton__password').click(WAIT);
  const current = page.locator('input[name=currentPassword]');
  await page.locator('input[name=newPassword]').waitFor(WAIT);
  if (await current.count()) await current.fill(passwords[0]);
  await page.locator('input[name=newPassword]').fill(passwords[1]);
  await page.locator('input[name=confirmPassword]').fill(passwords[1]);
  const signOutOthers = page.locator('input[name=signOutOfOtherSessions]');
  if (!(await signOutOthers.isChecked())) await signOutOthers.check();
  await passwordFeedbackShown(page);
  await page.locator('.cl-formButtonPrimary').click();
  await until('the new password', async () => {
    const r = await fetch(`${env.apiUrl}/v1/users/${userId}/verify_password`, {
      method: 'POST', headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: passwords[1] }),
    });
    return r.ok;
  });

  // This device stays signed in; the second one was signed out.
  assert.equal(await waitForDashboardAfter(page), userId);
  const sessions = await bapi('GET', `/sessions?user_id=${userId}`);
  const list = sessions.data ?? sessions;
  assert.equal(list.filter((s) => s.status === 'active').length, 1, JSON.stringify(list.map((s) => s.status)));
  const p2 = second.pages()[0];
  await p2.goto(env.app + '/');
  await clerkLoaded(p2);
  await until('the second device signed out', () => p2.evaluate(async () => {
    try { await window.Clerk?.session?.getToken({ skipCache: true }); } catch { /* refused */ }
    return window.Clerk?.loaded && !window.Clerk.user;
  }));
  await p2.goto(env.app + '/dashboard');
  await p2.waitForURL((u) => u.pathname === '/sign-in', WAIT);
  await second.close();
});

async function waitForDashboardAfter(p) {
  await p.goto(env.app + '/dashboard');
  return waitForDashboard(p);
}

step('<UserButton/> opens and signs out', async () => {
  await page.goto(env.app + '/dashboard');
  const trigger = page.locator('#dashboard-user-button .cl-userButtonTrigger');
  await trigger.click(WAIT);
  const popover = page.locator('.cl-userButtonPopoverCard');
  await popover.waitFor(WAIT);
  // Let the opening animation finish before the screenshot.
  await page.waitForFunction(() => {
    const el = document.querySelector('.cl-userButtonPopoverCard');
    return el && getComputedStyle(el).opacity === '1' && el.getAnimations({ subtree: true }).every((a) => a.playState !== 'running');
  }, null, WAIT);
  await shot('user-button', page);
  await page.locator('.cl-userButtonPopoverActionButton__signOut').click();
  await page.locator('#home-signed-out').waitFor(WAIT);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal((await apiMe(page)).status, 401);
});

step('<SignIn/> with the password', async () => {
  assert.equal(await signInWithPassword(page, email, passwords[1]), userId);
  assert.equal((await apiMe(page)).status, 200);
});

step('<SignIn/> with an email code', async () => {
  await clerkSignOut(page);
  await page.goto(env.app + '/sign-in');
  await page.locator('input[name=identifier]').fill(email, WAIT);
  await page.locator('.cl-formButtonPrimary').click();
  await page.locator('input[name=password]').waitFor(WAIT);
  await page.locator('.cl-alternativeMethods, .cl-footerActionLink, button:has-text("Use another method")').first().waitFor(WAIT);
  await page.getByText('Use another method').click();
  await page.locator('.cl-alternativeMethodsBlockButton').filter({ hasText: /code/i }).first().click(WAIT);
  await typeCode(page, email);
  assert.equal(await waitForDashboard(page), userId);
});

step('<SignIn/> "Forgot password?" resets the password with an email code', async () => {
  await clerkSignOut(page);
  await page.goto(env.app + '/sign-in');
  await page.locator('input[name=identifier]').fill(email, WAIT);
  await page.locator('.cl-formButtonPrimary').click();
  await page.locator('input[name=password]').waitFor(WAIT);
  await page.getByText('Forgot password?').click();
  const reset = page.getByRole('button', { name: /reset your password/i });
  if (await reset.count().then((n) => n > 0, () => false)) await reset.click();
  else await page.locator('.cl-alternativeMethodsBlockButton').first().click(WAIT);
  await typeCode(page, email);
  // "Set new password": the fields are named password and confirmPassword.
  const fields = page.locator('input[type=password]');
  await page.locator('input[name=confirmPassword]').waitFor(WAIT);
  await fields.nth(0).fill(passwords[2]);
  await fields.nth(1).fill(passwords[2]);
  await passwordFeedbackShown(page);
  await shot('sign-in-reset-password');
  await page.locator('.cl-formButtonPrimary').click();
  assert.equal(await waitForDashboard(page), userId);
  const ok = await bapi('POST', `/users/${userId}/verify_password`, { password: passwords[2] });
  assert.equal(ok.verified, true);
});

step('setActive 20 times with reloads and /api/me in between: no spurious sign-out', async () => {
  await clerkLoaded(page);
  for (let i = 0; i < 20; i++) {
    const r = await page.evaluate(async () => {
      await window.Clerk.setActive({ session: window.Clerk.session.id });
      const res = await fetch('/api/me', { cache: 'no-store' });
      return { user: window.Clerk.user?.id ?? null, status: res.status, body: await res.json().catch(() => null) };
    });
    assert.equal(r.user, userId, `round ${i}`);
    assert.equal(r.status, 200, `round ${i}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.userId, userId);
    if (i % 4 === 3) {
      await page.reload();
      await page.locator('#server-user-id').waitFor(WAIT);
      await page.waitForFunction(() => window.Clerk?.loaded && window.Clerk.session, null, WAIT);
    }
  }
  assert.equal(await waitForDashboardAfter(page), userId);
});

step('SSR handshake: without the __session cookie the dashboard still renders signed in', async () => {
  const before = handshakes.length;
  const cookies = await ctx.cookies(env.app);
  assert.ok(cookies.some((c) => c.name.startsWith('__session')), cookies.map((c) => c.name).join(','));
  // Close the app's page first: clerk-js in an open page refreshes the token
  // and writes __session again before the navigation (seen on a loaded
  // machine), and leaving for about:blank was not always enough (one v6 run
  // still had a __session at the next request and made no handshake).
  await page.close();
  page = await ctx.newPage();
  await ctx.clearCookies({ name: /^__session/ });
  const left = (await ctx.cookies(env.app)).filter((c) => c.name.startsWith('__session'));
  assert.deepEqual(left.map((c) => c.name), [], 'no __session cookie before the navigation');
  assert.equal(await waitForDashboardAfter(page), userId);
  assert.ok(handshakes.length > before, 'a handshake was made');
  if (env.production) assert.ok(handshakes.at(-1).startsWith(`${env.gh}/v1/client/handshake?`), handshakes.at(-1));
  if (env.setup === 'proxy') {
    for (const h of handshakes.slice(before)) assert.ok(h.startsWith(env.app + '/__clerk/v1/client/handshake'), h);
  }
  assert.equal((await apiMe(page)).status, 200);
});

// @clerk/nextjs 6 in production: after a handshake the app router keeps the
// URL with __clerk_handshake_nonce (clerk-js only cleans window.location), and
// setActive's refresh re-sends it; the middleware redeems the nonce again,
// which Gatehouse allows while the nonce lives (it signed the visitor out
// when nonces were single use).
test('setActive right after the SSR handshake: no spurious sign-out', async (t) => {
  if (failed) { t.skip('an earlier step failed'); return; }
  await clerkLoaded(page);
  for (let i = 0; i < 3; i++) {
    await page.evaluate(() => window.Clerk.setActive({ session: window.Clerk.session.id }));
    const me = await apiMe(page);
    assert.equal(me.status, 200, `round ${i}`);
  }
  await page.locator('#server-user-id').waitFor(WAIT);
  assert.equal(new URL(page.url()).pathname, '/dashboard');
});

test('only the app and Gatehouse (same-site) or only the app (proxy) were contacted; no page errors', () => {
  assert.deepEqual([...foreignHosts], []);
  // React's hydration mismatch (#418) on @clerk/nextjs 6 pages is a render
  // race between the server HTML and an already-loaded clerk-js (see
  // compat/nextjs/README.md); it is reported, not failed. Every other page
  // error fails.
  const hydration = (e) => process.env.CLERK_MAJOR === '6' && /Minified React error #418\b/.test(e);
  for (const e of pageErrors.filter(hydration)) console.log(`# hydration mismatch (reported, not failed): ${e}`);
  assert.deepEqual(pageErrors.filter((e) => !hydration(e)), []);
});
