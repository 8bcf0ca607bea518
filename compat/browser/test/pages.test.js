// The hosted pages in headless Chromium (Debian's chromium via playwright-core):
// the full journey, keyboard-only sign-in, screenshots at phone and desktop
// widths, and axe-core on every page (no serious or critical violation).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { guard } from './loopback.js';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = process.env.GATEHOUSE_URL;
const engine = process.env.GATEHOUSE_ENGINE || 'sqlite';
const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, '..', 'artifacts');
const run = Date.now().toString(36);
const email = `pages-${engine}-${run}+clerk_test@example.com`;

let browser;
const axeReport = [];

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  fs.writeFileSync(path.join(shots, `axe-${engine}.json`), JSON.stringify(axeReport, null, 2));
});

// check runs axe-core on the page (evaluated through the DevTools protocol,
// so the page's CSP, which allows no script at all, stays untouched) and
// takes screenshots at phone and desktop widths.
async function check(page, name) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeReport.push({ page: name, url: page.url(), violations: res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) });
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [], `axe on ${name}`);
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(shots, `${engine}-${name}-${width}.png`), fullPage: true });
  }
}

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
  await guard(ctx);
  return { ctx, page: await ctx.newPage() };
}

test('journey: sign-up → verify → sign-out → sign-in → change password → revoke other session → reset password', async () => {
  const { ctx, page } = await newPage();
  await page.goto(`${base}/sign-up`);
  await check(page, 'sign-up');
  await page.fill('#first_name', 'Grace');
  await page.fill('#last_name', 'Hopper');
  await page.fill('#email_address', email);
  await page.fill('#password', 'browser pass 123');
  await Promise.all([page.waitForURL(/\/sign-up\/verify/), page.click('button[type=submit]')]);
  await check(page, 'verify-email');
  await page.fill('#code', '111111');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('#code-error'), /incorrect|invalid/i);
  await check(page, 'verify-email-error');
  await page.fill('#code', '424242');
  await Promise.all([page.waitForURL(/\/user$/), page.click('button[type=submit]')]);
  assert.equal(await page.inputValue('#first_name'), 'Grace');
  await check(page, 'profile');

  await Promise.all([page.waitForURL(/\/sign-in/), page.click('form[action="/sign-out"] button')]);
  await check(page, 'sign-in');
  await page.fill('#identifier', email);
  await page.fill('#password', 'wrong pass 123');
  await page.click('button[value=password]');
  assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
  await check(page, 'sign-in-error');
  await page.fill('#password', 'browser pass 123');
  await Promise.all([page.waitForURL(/\/user$/), page.click('button[value=password]')]);

  // A second device signs in; the first changes the password and signs it out.
  const other = await newPage();
  await other.page.goto(`${base}/sign-in`);
  await other.page.fill('#identifier', email);
  await other.page.fill('#password', 'browser pass 123');
  await Promise.all([other.page.waitForURL(/\/user$/), other.page.click('button[value=password]')]);

  await page.fill('#current_password', 'browser pass 123');
  await page.fill('#new_password', 'changed pass 456');
  await Promise.all([page.waitForURL(/done=password/), page.click('form[action="/user/password"] button')]);
  assert.match(await page.textContent('[role=status]'), /Password changed/);
  await Promise.all([page.waitForURL(/done=revoked/), page.click('form[action="/user/sessions/revoke"] button')]);
  await other.page.goto(`${base}/user`);
  assert.match(other.page.url(), /\/sign-in/, 'the revoked device is signed out');
  await other.ctx.close();

  // Forgot password from the sign-in page.
  await Promise.all([page.waitForURL(/\/sign-in/), page.click('form[action="/sign-out"] button')]);
  await page.fill('#identifier', email);
  await Promise.all([page.waitForURL(/\/sign-in\/code/), page.click('button[value=reset]')]);
  await check(page, 'reset-code');
  await page.fill('#code', '424242');
  await Promise.all([page.waitForURL(/new-password/), page.click('button[type=submit]')]);
  await check(page, 'new-password');
  await page.fill('#password', 'reset pass 789');
  await Promise.all([page.waitForURL(/\/user$/), page.click('button[type=submit]')]);
  await ctx.close();

  // The Frontend API (what clerk-js calls) accepts the password set on the pages.
  const res = await fetch(`${base}/v1/client/sign_ins`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base },
    body: new URLSearchParams({ identifier: email, password: 'reset pass 789' }) });
  const body = await res.json();
  assert.equal(body.response?.status, 'complete', JSON.stringify(body).slice(0, 300));
});

test('keyboard only: tab order and submitting with Enter', async () => {
  const { ctx, page } = await newPage();
  await page.goto(`${base}/sign-in`);
  const order = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => {
      const el = document.activeElement;
      return el.id || el.getAttribute('value') || el.textContent.trim();
    }));
  }
  assert.deepEqual(order, ['identifier', 'password', 'password', 'code', 'reset', 'Sign up']);
  await page.keyboard.press('Shift+Tab'); // back to "Forgot password?"
  await page.focus('#identifier');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('reset pass 789');
  await Promise.all([page.waitForURL(/\/user$/), page.keyboard.press('Enter')]);
  const focusVisible = await page.evaluate(() => getComputedStyle(document.querySelector('button')).outlineStyle);
  assert.ok(focusVisible !== undefined);
  await ctx.close();
});

test('dark mode and branding render', async () => {
  const { ctx, page } = await newPage({ colorScheme: 'dark' });
  await page.goto(`${base}/sign-in`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, 'rgb(244, 245, 247)', 'dark mode uses the dark palette');
  await check(page, 'sign-in-dark');
  await ctx.close();
});

test('profile: add, verify, make primary and remove an email address', async () => {
  const { ctx, page } = await newPage();
  const first = `emails-${engine}-${run}+clerk_test@example.com`;
  const second = `emails2-${engine}-${run}+clerk_test@example.com`;
  await page.goto(`${base}/sign-up`);
  await page.fill('#email_address', first);
  await page.fill('#password', 'emails pass 123');
  await Promise.all([page.waitForURL(/\/sign-up\/verify/), page.click('button[type=submit]')]);
  await page.fill('#code', '424242');
  await Promise.all([page.waitForURL(/\/user$/), page.click('button[type=submit]')]);
  await page.fill('#email_address', second);
  await Promise.all([page.waitForURL(/\/user\/emails\/verify/), page.click('form[action="/user/emails/add"] button')]);
  await check(page, 'verify-added-email');
  await page.fill('#code', '424242');
  await Promise.all([page.waitForURL(/done=email-verified/), page.click('button[type=submit]')]);
  await check(page, 'profile-two-emails');
  await Promise.all([page.waitForURL(/done=primary/), page.click('form[action="/user/emails/primary"] button')]);
  await Promise.all([page.waitForURL(/done=email-removed/), page.click('form[action="/user/emails/remove"] button')]);
  const text = await page.textContent('main');
  assert.ok(text.includes(second) && !text.includes(first), 'only the new address remains');
  await ctx.close();
});
