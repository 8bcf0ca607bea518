// Shared set-up: the server under test is named by environment variables
// that compat/run.sh exports after starting it.
import { createClerkClient } from '@clerk/backend';

export const env = {
  url: process.env.GATEHOUSE_URL,
  apiUrl: process.env.GATEHOUSE_API_URL,
  secretKey: process.env.GATEHOUSE_SECRET_KEY,
  publishableKey: process.env.GATEHOUSE_PUBLISHABLE_KEY,
  jwtKey: process.env.GATEHOUSE_JWT_KEY,
};

if (!env.url || !env.secretKey) {
  throw new Error('GATEHOUSE_URL and GATEHOUSE_SECRET_KEY must be set: run these tests through compat/run.sh');
}

export const clerk = createClerkClient({ secretKey: env.secretKey, apiUrl: env.apiUrl, publishableKey: env.publishableKey });

export const unique = (p) => `${p}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

// A tiny browser for the Frontend API: form bodies, ?_method=, one cookie jar.
export class Browser {
  constructor(origin = env.url) {
    this.origin = origin;
    this.cookies = new Map();
  }
  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async call(method, path, form) {
    let url = env.url + path;
    let m = method;
    if (method !== 'GET' && method !== 'POST') {
      url += (url.includes('?') ? '&' : '?') + `_method=${method}`;
      m = 'POST';
    }
    const headers = { Origin: this.origin, Cookie: this.cookieHeader() };
    let body;
    if (form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(url, { method: m, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }
  async json(method, path, form) {
    const res = await this.call(method, path, form);
    const body = await res.json();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }
}

// signUp creates a user through the Frontend API with a +clerk_test address
// (code 424242 in development mode) and returns the browser and session id.
export async function signUp(origin) {
  const b = new Browser(origin);
  const email = `${unique('sdk')}+clerk_test@example.com`;
  const su = (await b.json('POST', '/v1/client/sign_ups', { email_address: email, password: 'compat password 1' })).response;
  await b.json('POST', `/v1/client/sign_ups/${su.id}/prepare_verification`, { strategy: 'email_code' });
  const done = await b.json('POST', `/v1/client/sign_ups/${su.id}/attempt_verification`, { strategy: 'email_code', code: '424242' });
  return { browser: b, sessionId: done.response.created_session_id, userId: done.response.created_user_id, email };
}

export async function sessionToken(b, sessionId) {
  const res = await b.call('POST', `/v1/client/sessions/${sessionId}/tokens`, { organization_id: '' });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.jwt;
}
