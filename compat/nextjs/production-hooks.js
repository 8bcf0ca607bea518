// What test/journey.test.js does differently for the production instance
// setup (run-production.sh): codes come from the SMTP sink (smtp-sink.js),
// and the cookies are those of a production Frontend API on clerk.<domain>.
import assert from 'node:assert/strict';

const sinkUrl = process.env.SMTP_SINK_URL;
const consumed = new Map(); // address -> the last message seq whose code was used

// mailedCode waits (bounded) for a code e-mail to `to` newer than the last one
// used, and returns the newest one's code.
export async function mailedCode(to) {
  const after = consumed.get(to.toLowerCase()) ?? 0;
  for (let i = 0; i < 80; i++) {
    const msgs = await (await fetch(`${sinkUrl}/messages?to=${encodeURIComponent(to)}`)).json();
    const fresh = msgs.filter((m) => m.seq > after && m.code);
    if (fresh.length) {
      const last = fresh[fresh.length - 1];
      consumed.set(to.toLowerCase(), last.seq);
      return last.code;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no code e-mail to ${to} reached the SMTP sink`);
}

// checkProductionCookies: after sign-up, the browser holds __client
// (HttpOnly, Secure, host-only on the Frontend API host) and __client_uat and
// its suffixed twin for Domain=<the site> (--cookie-domain's default), and no
// dev-browser cookie anywhere; the dev-browser endpoint does not exist.
export async function checkProductionCookies(ctx, fapiUrl, ghDirectUrl) {
  const fapiHost = new URL(fapiUrl).hostname;
  const site = fapiHost.replace(/^clerk\./, '');
  const all = await ctx.cookies();
  const show = JSON.stringify(all.map((c) => `${c.name}@${c.domain}`));
  const client = all.filter((c) => c.name === '__client');
  assert.equal(client.length, 1, show);
  assert.equal(client[0].domain, fapiHost, `__client is host-only on ${fapiHost}: ${show}`);
  assert.equal(client[0].httpOnly, true);
  assert.equal(client[0].secure, true);
  const uat = all.filter((c) => c.name.startsWith('__client_uat'));
  assert.equal(uat.length, 2, `__client_uat and its suffixed twin: ${show}`);
  for (const c of uat) {
    assert.equal(c.domain, `.${site}`, `${c.name} on Domain=${site}: ${show}`);
    assert.equal(c.secure, true, c.name);
    assert.notEqual(c.value, '0', `${c.name} says signed in`);
  }
  assert.ok(!all.some((c) => c.name.startsWith('__clerk_db_jwt')), `no dev-browser cookie: ${show}`);
  const dvb = await fetch(`${ghDirectUrl}/v1/dev_browser`, { method: 'POST' });
  assert.equal(dvb.status, 404, 'POST /v1/dev_browser in production');
}

// checkSessionToken: the __session cookie clerk-js writes on the app host
// carries iss = the Frontend API URL (what @clerk/backend and clerk-sdk-go
// expect of clerk.<domain>) and azp = the app's origin.
export async function checkSessionToken(ctx, appUrl, fapiUrl) {
  const app = new URL(appUrl);
  const cookies = (await ctx.cookies(appUrl)).filter((c) => c.name === '__session');
  assert.equal(cookies.length, 1, JSON.stringify(cookies.map((c) => `${c.name}@${c.domain}`)));
  const claims = JSON.parse(Buffer.from(cookies[0].value.split('.')[1], 'base64url').toString());
  assert.equal(claims.iss, new URL(fapiUrl).origin);
  assert.equal(claims.azp, app.origin);
}
