// Browser test of operators' logins against a server of its own (it adds operators, after which
// that server requires a login, so it must not share the server of widget.test.mjs).
//
//   cd tests/browser && WACLOUD_AUTH_URL=http://127.0.0.1:8001 node --test auth.test.mjs
//
// The server must be in sandbox mode with no operator yet: the test adds an admin through the
// open API (as `wacloud operators add` would), an agent as that admin, and has a simulated
// customer write in; then, in the browser, the agent logs in, answers, sees its name on the
// message, and logs out.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_AUTH_URL || '').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const CUSTOMER = '+15550000042';
const ADMIN = { email: 'ada@example.com', display_name: 'Ada', role: 'admin', password: 'correct-orbit-lamp-42' };
const AGENT = { email: 'bo@example.com', display_name: 'Bo Agent', role: 'agent', password: 'velvet-harbor-cactus-9' };

let browser;
const pageErrors = [];

async function api(method, path, { body, cookie } = {}) {
  const headers = { Accept: 'application/json' };
  if (body) headers['Content-Type'] = 'application/json';
  if (cookie) headers.Cookie = cookie;
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, setCookie: res.headers.get('set-cookie') };
}

before(async () => {
  if (!BASE) throw new Error('set WACLOUD_AUTH_URL to a sandbox server with no operators');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}`);
  mkdirSync(SHOTS, { recursive: true });
  let r = await api('POST', '/api/whatsapp/operators', { body: ADMIN });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  r = await api('POST', '/api/whatsapp/auth/login', { body: { email: ADMIN.email, password: ADMIN.password } });
  assert.equal(r.status, 200);
  const admin = r.setCookie.split(';')[0];
  r = await api('POST', '/api/whatsapp/operators', { body: AGENT, cookie: admin });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  r = await api('POST', `/sandbox/customers/${encodeURIComponent(CUSTOMER)}/messages`, { body: { text: 'is anyone there?', name: 'Cleo' }, cookie: admin });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

test('an agent logs in, answers, sees its name on the message, and logs out', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.setDefaultTimeout(10000);
  await page.goto(`${BASE}/dashboard.html`);
  await page.waitForSelector('[data-testid="wa-panel"]', { state: 'visible' });
  // The server wants a login: the form shows, and no conversation is listed behind it.
  await page.waitForSelector('[data-testid="wa-login"]', { state: 'visible' });
  assert.equal(await page.getAttribute('[data-testid="wa-widget"]', 'data-auth'), 'login');
  await page.screenshot({ path: join(SHOTS, 'auth-01-login-form.png') });

  // A wrong password: the server's message, and the form stays.
  await page.fill('[data-testid="wa-login-email"]', AGENT.email);
  await page.fill('[data-testid="wa-login-password"]', 'not-the-password-1');
  await page.click('[data-testid="wa-login-submit"]');
  await page.waitForSelector('[data-testid="wa-login-error"]', { state: 'visible' });
  assert.match(await page.textContent('[data-testid="wa-login-error"]'), /password is wrong/);

  await page.fill('[data-testid="wa-login-password"]', AGENT.password);
  await page.click('[data-testid="wa-login-submit"]');
  await page.waitForSelector('[data-testid="wa-login"]', { state: 'hidden' });
  assert.equal(await page.textContent('[data-testid="wa-operator-name"]'), AGENT.display_name);
  // The cookie is HttpOnly: the page cannot read it.
  assert.equal(await page.evaluate(() => document.cookie), '');
  // The dashboard's statistics load with the login (the customer's message is counted).
  await page.waitForFunction(() => document.querySelector('[data-stat="received_messages"]').textContent === '1');

  const contact = `[data-testid="wa-contact"][data-phone="${CUSTOMER}"]`;
  await page.waitForSelector(contact, { timeout: 15000 });
  await page.click(contact);
  await page.fill('[data-testid="wa-composer-input"]', 'Yes! Bo here.');
  await page.press('[data-testid="wa-composer-input"]', 'Enter');
  const sender = await page.waitForFunction(() => {
    const m = Array.from(document.querySelectorAll('[data-testid="wa-message"][data-direction="outbound"]'))
      .find((e) => !e.dataset.id.startsWith('local-') && e.querySelector('[data-testid="wa-message-text"]')?.textContent === 'Yes! Bo here.');
    return m && m.querySelector('[data-testid="wa-message-sender"]')?.textContent;
  }, null, { timeout: 15000 }).then((h) => h.jsonValue());
  assert.equal(sender, AGENT.display_name);
  await page.screenshot({ path: join(SHOTS, 'auth-02-agent-answered.png') });

  await page.click('[data-testid="wa-logout"]');
  await page.waitForSelector('[data-testid="wa-login"]', { state: 'visible' });
  assert.equal(await page.isVisible('[data-testid="wa-operator"]'), false);
  assert.equal(await page.locator(contact).count(), 0, 'the conversations are gone from the page');
  await page.waitForFunction(() => document.querySelector('[data-stat="received_messages"]').textContent === '\u2013');
  // The session is over on the server too.
  const cookies = await context.cookies();
  assert.ok(!cookies.some((c) => c.name === 'wacloud_session' && c.value), 'the cookie is removed');
  await page.screenshot({ path: join(SHOTS, 'auth-03-logged-out.png') });
  assert.deepEqual(pageErrors, []);
  await context.close();
});
