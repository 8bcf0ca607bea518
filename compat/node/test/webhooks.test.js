// Gatehouse's webhook deliveries, checked by the libraries Clerk users verify
// them with: the svix npm package and @clerk/backend's verifyWebhook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Webhook } from 'svix';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { clerk, env, signUp } from './helpers.js';

async function bapi(method, path, body) {
  const res = await fetch(`${env.apiUrl}/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// A receiver on a loopback port that runs both verifiers on every request.
async function startReceiver(t) {
  const received = [];
  const state = { secret: '' };
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'svix-id': req.headers['svix-id'],
      'svix-timestamp': req.headers['svix-timestamp'],
      'svix-signature': req.headers['svix-signature'],
    };
    const entry = { headers, body, contentType: req.headers['content-type'] };
    try {
      new Webhook(state.secret).verify(body, headers); // throws on a bad signature or timestamp
      entry.svixOK = true;
    } catch (e) {
      entry.svixError = String(e);
    }
    try {
      const request = new Request('http://127.0.0.1/api/webhooks', {
        method: 'POST', headers: { ...headers, 'content-type': req.headers['content-type'] }, body,
      });
      entry.clerk = await verifyWebhook(request, { signingSecret: state.secret });
    } catch (e) {
      entry.clerkError = String(e);
    }
    received.push(entry);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${server.address().port}/api/webhooks`, received, state };
}

async function waitFor(what, cond, ms = 15000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('webhooks: svix and @clerk/backend verifyWebhook accept every event type Gatehouse sends', async (t) => {
  const rcv = await startReceiver(t);
  const ep = await bapi('POST', '/webhooks/endpoints', { url: rcv.url, description: 'compat node' });
  t.after(() => bapi('DELETE', `/webhooks/endpoints/${ep.id}`));
  assert.match(ep.secret, /^whsec_/);
  rcv.state.secret = ep.secret;

  // email.created, user.created, session.created
  const { browser, sessionId, userId, email } = await signUp();
  await clerk.users.updateUser(userId, { firstName: 'Hooked' }); // user.updated
  await browser.json('POST', `/v1/client/sessions/${sessionId}/end`); // session.ended
  const signIn = async () => {
    const si = (await browser.json('POST', '/v1/client/sign_ins', { identifier: email })).response;
    const done = await browser.json('POST', `/v1/client/sign_ins/${si.id}/attempt_first_factor`, { strategy: 'password', password: 'compat password 1' });
    return done.response.created_session_id;
  };
  const removed = await signIn();
  await browser.json('POST', `/v1/client/sessions/${removed}/remove`); // session.removed
  const revoked = await signIn();
  await clerk.sessions.revokeSession(revoked); // session.revoked
  await clerk.users.deleteUser(userId); // user.deleted

  const want = ['email.created', 'user.created', 'session.created', 'user.updated', 'session.ended', 'session.removed', 'session.revoked', 'user.deleted'];
  const types = () => new Set(rcv.received.map((r) => JSON.parse(r.body).type));
  await waitFor('every event type', () => want.every((w) => types().has(w)));

  for (const r of rcv.received) {
    const payload = JSON.parse(r.body);
    assert.equal(r.svixError, undefined, `svix rejected ${payload.type}: ${r.svixError}`);
    assert.equal(r.clerkError, undefined, `verifyWebhook rejected ${payload.type}: ${r.clerkError}`);
    assert.equal(r.contentType, 'application/json');
    assert.equal(r.svixOK, true);
    assert.deepEqual(r.clerk, payload);
    assert.equal(payload.object, 'event');
    assert.match(payload.instance_id, /^ins_/);
    assert.ok(payload.timestamp > 1e12, 'timestamp in Unix ms');
  }
  const byType = Object.fromEntries(rcv.received.map((r) => [r.clerk.type, r.clerk]));
  // The typed fields a Clerk handler reads.
  assert.equal(byType['user.created'].data.id, userId);
  assert.equal(byType['user.created'].data.email_addresses[0].email_address, email);
  assert.equal(byType['user.updated'].data.first_name, 'Hooked');
  assert.deepEqual(byType['user.deleted'].data, { object: 'user', id: userId, deleted: true });
  assert.equal(byType['session.removed'].data.id, removed);
  assert.equal(byType['session.revoked'].data.status, 'revoked');
  assert.equal(byType['session.ended'].data.user_id, userId);
  assert.equal(byType['email.created'].data.to_email_address, email);
  assert.equal(byType['email.created'].data.data.otp_code, '424242');

  // Tampering is caught by both.
  const one = rcv.received[0];
  const tampered = one.body.replace('"event"', '"evnt"');
  assert.throws(() => new Webhook(ep.secret).verify(tampered, one.headers));
  await assert.rejects(verifyWebhook(new Request('http://127.0.0.1/x', {
    method: 'POST', headers: { ...one.headers, 'content-type': 'application/json' }, body: tampered,
  }), { signingSecret: ep.secret }));
  // A rotated secret invalidates the old one.
  const rotated = await bapi('POST', `/webhooks/endpoints/${ep.id}/rotate_secret`);
  assert.notEqual(rotated.secret, ep.secret);
  assert.throws(() => new Webhook(rotated.secret).verify(one.body, one.headers));
});
