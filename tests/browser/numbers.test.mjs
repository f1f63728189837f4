// Browser test of several business numbers in the widget: the number switcher with each
// number's unread count, one number's conversations at a time, the same customer on two
// numbers as two conversations. Against a running wacloud server in sandbox mode whose app
// secret is known (the deliveries to the second number are signed here, as Meta signs them).
//
//   cd tests/browser && WACLOUD_TOOLS_URL=http://127.0.0.1:8003 WACLOUD_APP_SECRET=… node --test numbers.test.mjs
//
// Env: WACLOUD_TOOLS_URL (default http://127.0.0.1:8000), WACLOUD_APP_SECRET (the server's
// WHATSAPP_APP_SECRET; the test is skipped with a reason without it), CHROMIUM_PATH.
// Screenshots: tests/browser/screenshots/numbers-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_TOOLS_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const API = `${BASE}/api/whatsapp`;
const SECRET = process.env.WACLOUD_APP_SECRET || '';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const RUN = String(Date.now() % 100000).padStart(5, '0');
const SECOND = `2${RUN}00000000002`;
const CUSTOMER = `155572${RUN}`;

let browser;
const pageErrors = [];
const requests = [];

async function call(method, path, body) {
  const res = await fetch(`${API}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A customer's text to business number `pid`, signed as Meta signs deliveries. */
async function deliver(pid, text, wamid) {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550100001', phone_number_id: pid },
      contacts: [{ profile: { name: 'Dora' }, wa_id: CUSTOMER }],
      messages: [{ from: CUSTOMER, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
    } }] }],
  });
  const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const res = await fetch(`${API}/webhook`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig }, body });
  assert.equal(res.status, 200, await res.text());
}

before(async () => {
  if (!SECRET) return;
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it or set CHROMIUM_PATH.`);
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
});

async function open(viewport) {
  const context = await browser.newContext({ viewport });
  const p = await context.newPage();
  p.on('pageerror', (err) => pageErrors.push(err.message));
  p.on('request', (req) => requests.push(req.url()));
  p.setDefaultTimeout(10000);
  await p.goto(`${BASE}/dashboard.html`);
  await p.waitForSelector('[data-testid="wa-panel"]:not([hidden])');
  return p;
}

test('the same customer on two numbers is two conversations, one number shown at a time', { skip: SECRET ? false : 'WACLOUD_APP_SECRET is not set: deliveries to a second number cannot be signed' }, async () => {
  const numbers = await call('GET', '/numbers');
  assert.equal(numbers.status, 200);
  const first = numbers.body.numbers[0].phone_number_id;
  const added = await call('POST', '/numbers', { phone_number_id: SECOND, label: `Support ${RUN}`, display_phone_number: '+55 11 5555 0000' });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  await deliver(first, `Order question ${RUN}`, `wamid.nums.a.${RUN}`);
  await deliver(SECOND, `Support question ${RUN}`, `wamid.nums.b.${RUN}`);

  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 800 }]]) {
    const page = await open(viewport);
    const select = page.locator('[data-testid="wa-number"]');
    await select.waitFor({ state: 'visible' });
    assert.equal(await select.inputValue(), first, 'the default number first');
    const dora = page.locator('[data-testid="wa-contact"]', { hasText: `Order question ${RUN}` });
    await dora.waitFor();
    assert.equal(await page.locator('[data-testid="wa-contact"]', { hasText: `Support question ${RUN}` }).count(), 0,
      "the other number's conversation is not in this number's list");
    const labels = await select.locator('option').allTextContents();
    assert.ok(labels.some((l) => l.startsWith(`Support ${RUN}`)), labels.join(' | '));
    await page.screenshot({ path: join(SHOTS, `numbers-${name}-first.png`) });

    await select.selectOption(SECOND);
    const other = page.locator('[data-testid="wa-contact"]', { hasText: `Support question ${RUN}` });
    await other.waitFor();
    assert.equal(await page.locator('[data-testid="wa-contact"]', { hasText: `Order question ${RUN}` }).count(), 0);
    await page.waitForFunction(() => document.querySelector('[data-testid="wa-business-number"]').textContent.includes('+55 11'));
    await other.click();
    await page.locator('[data-testid="wa-message"]', { hasText: `Support question ${RUN}` }).first().waitFor();
    assert.equal(await page.locator('[data-testid="wa-message"]', { hasText: `Order question ${RUN}` }).count(), 0, "the other number's message is not in this conversation");
    await page.screenshot({ path: join(SHOTS, `numbers-${name}-second.png`) });
    await page.context().close();
  }
  // The embedded sandbox plays the added number: a simulated customer writes to the number the
  // widget works on, and the answer goes out from it and is read there.
  const page = await open({ width: 1280, height: 800 });
  await page.locator('[data-testid="wa-number"]').selectOption(SECOND);
  await page.click('[data-testid="wa-simulate-open"]');
  await page.fill('[data-testid="wa-simulate-phone"]', `+155573${RUN}`);
  await page.fill('[data-testid="wa-simulate-name"]', 'Eve');
  await page.fill('[data-testid="wa-simulate-text"]', `Simulated to support ${RUN}`);
  await page.click('[data-testid="wa-simulate-send"]');
  const eve = page.locator('[data-testid="wa-contact"]', { hasText: `Simulated to support ${RUN}` });
  await eve.waitFor();
  const onSecond = await call('GET', `/contacts?number=${SECOND}&search=155573${RUN}`);
  assert.equal(onSecond.body.contacts.length, 1, JSON.stringify(onSecond.body));
  const onFirst = await call('GET', `/contacts?number=${first}&search=155573${RUN}`);
  assert.equal(onFirst.body.contacts.length, 0, JSON.stringify(onFirst.body));
  await page.context().close();
  assert.ok(requests.some((u) => u.includes(`number=${SECOND}`)), 'contact requests name the selected number');
  assert.deepEqual(pageErrors, []);
  const outside = requests.filter((u) => !u.startsWith(BASE) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(outside, [], 'nothing is loaded from outside the server');
});
