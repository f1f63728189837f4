// Browser test of Conversation Routing's owner banner against a server of its own (the
// sandbox's other responder takes a thread, which changes what the server answers).
//
//   cd tests/browser && WACLOUD_ROUTING_URL=http://127.0.0.1:8003 node --test routing.test.mjs
//
// The server must be in sandbox mode. A simulated customer (Finn) writes in; the sandbox's
// other responder (Meta's business AI) takes the thread, so wacloud receives
// `messaging_handovers` `control_taken`; Finn writes again, which arrives on `standby`. In the
// browser the conversation shows the owner banner and the standby mark; a free-form reply is
// refused with `not_thread_owner`; "Take over" calls thread control and the banner goes away.
// Screenshot: screenshots/routing-owner-banner.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_ROUTING_URL || '').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const FINN = '+15550000081';

let browser;
const pageErrors = [];

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

before(async () => {
  if (!BASE) throw new Error('set WACLOUD_ROUTING_URL to a sandbox server');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}`);
  mkdirSync(SHOTS, { recursive: true });
  let r = await api('POST', `/sandbox/customers/${encodeURIComponent(FINN)}/messages`, { text: 'Where is my order #1042?', name: 'Finn' });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  r = await api('POST', `/sandbox/customers/${encodeURIComponent(FINN)}/thread`, { action: 'take', role: 'ai_agent' });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  r = await api('POST', `/sandbox/customers/${encodeURIComponent(FINN)}/messages`, { text: 'Can a person help me?' });
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

test('the owner banner says who owns the conversation, and Take over gives it back', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.setDefaultTimeout(15000);
  await page.goto(`${BASE}/dashboard.html`);
  await page.waitForSelector('[data-testid="wa-panel"]', { state: 'visible' });
  await page.click(`[data-testid="wa-contact"][data-phone="${FINN}"]`);

  const banner = page.locator('[data-testid="wa-thread-banner"]');
  await banner.waitFor({ state: 'visible' });
  assert.match(await banner.textContent(), /Meta.s business AI owns this conversation/);
  await page.waitForSelector('[data-testid="wa-standby-note"]', { state: 'visible' });
  await page.screenshot({ path: join(SHOTS, 'routing-owner-banner.png'), fullPage: false });

  // A free-form reply is refused, naming the owner.
  await page.fill('[data-testid="wa-composer-input"]', 'Hello Finn');
  await page.click('[data-testid="wa-send"]');
  const error = page.locator('[data-testid="wa-send-error"]');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.textContent(), /owns the conversation/);

  await page.click('[data-testid="wa-take-over"]');
  await banner.waitFor({ state: 'hidden' });
  const t = await api('GET', `/api/whatsapp/contacts/${encodeURIComponent(FINN)}/thread`);
  assert.equal(t.json.owner, 'wacloud');
  await page.fill('[data-testid="wa-composer-input"]', 'Hello Finn, I can help');
  await page.click('[data-testid="wa-send"]');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="wa-message"]')]
    .some((el) => el.textContent.includes('Hello Finn, I can help') && !el.querySelector('[data-testid="wa-message-error"]')));
  await page.screenshot({ path: join(SHOTS, 'routing-taken-over.png'), fullPage: false });
  assert.deepEqual(pageErrors, []);
});
