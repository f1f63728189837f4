// Browser test of automations (issue 21) in the widget: an admin creates a rule in the "Rules"
// tool (a keyword of the run's own → a text reply and a tag), a simulated customer (the
// sandbox) writes the keyword, and the automatic reply shows in the conversation with its
// "Automatic · rule" label; the rule's counters show one run. The rule is deleted at the end,
// so later tests on the same server see no automation. Against a running wacloud server in
// sandbox mode with no operator (the open mode has an admin's rights).
//
//   cd tests/browser && WACLOUD_TOOLS_URL=http://127.0.0.1:8003 node --test automation.test.mjs
//
// Env: WACLOUD_TOOLS_URL (default http://127.0.0.1:8000), CHROMIUM_PATH.
// Screenshots: tests/browser/screenshots/automation-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_TOOLS_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const API = `${BASE}/api/whatsapp`;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, 'screenshots');
const RUN = String(Date.now() % 100000).padStart(5, '0');
const WORD = `opening${RUN}`;
const CUSTOMER = `+155573${RUN}`;

let browser;
const pageErrors = [];

async function call(method, path, body, root = API) {
  const res = await fetch(`${root}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function until(what, f, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it or set CHROMIUM_PATH.`);
  const health = await fetch(`${API}/health`).then((r) => r.json());
  assert.equal(health.mode, 'sandbox', 'this test needs the server in sandbox mode');
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  const rules = await call('GET', '/rules');
  for (const r of (rules.body && rules.body.rules) || []) {
    if (r.name === `Opening hours ${RUN}`) await call('DELETE', `/rules/${r.id}`);
  }
  if (browser) await browser.close();
});

async function open(viewport) {
  const context = await browser.newContext({ viewport });
  const p = await context.newPage();
  p.on('pageerror', (err) => pageErrors.push(err.message));
  p.setDefaultTimeout(15000);
  await p.goto(`${BASE}/dashboard.html`);
  await p.waitForSelector('[data-testid="wa-panel"]:not([hidden])');
  return p;
}

test('a rule made in the widget answers a simulated customer, marked automatic', async () => {
  const page = await open({ width: 1280, height: 800 });
  await page.click('[data-testid="wa-rules-open"]');
  await page.fill('[data-testid="wa-rule-name"]', `Opening hours ${RUN}`);
  await page.fill('[data-testid="wa-rule-keywords"]', WORD);
  await page.fill('[data-testid="wa-rule-replyText"]', `We open at nine (${RUN}).`);
  await page.fill('[data-testid="wa-rule-addTag"]', 'hours');
  // A broken regular expression is refused with the field's path.
  await page.fill('[data-testid="wa-rule-regex"]', '(unclosed');
  await page.click('[data-testid="wa-rule-submit"]');
  const error = page.locator('[data-testid="wa-rule-error"]');
  await error.waitFor();
  assert.match(await error.textContent(), /conditions\.regex/);
  await page.fill('[data-testid="wa-rule-regex"]', '');
  await page.click('[data-testid="wa-rule-submit"]');
  const row = page.locator('[data-testid="wa-rule-row"]', { hasText: `Opening hours ${RUN}` });
  await row.waitFor();
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'automation-desktop-rules.png') });
  await page.click('[data-testid="wa-rules-close"]');

  const said = await call('POST', `/customers/${encodeURIComponent(CUSTOMER)}/messages`, { text: `When is your ${WORD.toUpperCase()}?`, name: 'Rita' }, `${BASE}/sandbox`);
  assert.ok(said.status < 300, JSON.stringify(said.body));
  // The rule runs after the webhook is acknowledged; the queue sends its reply.
  await until('the automatic reply sent', async () => {
    const r = await call('GET', `/messages?phone=${encodeURIComponent(CUSTOMER)}`);
    return (r.body.messages || []).find((m) => m.automatic && m.message_id);
  });
  await page.fill('[data-testid="wa-search"]', CUSTOMER.slice(-8)).catch(() => {});
  await page.locator('[data-testid="wa-contact"]', { hasText: 'Rita' }).first().click();
  const reply = page.locator('[data-testid="wa-message"]', { hasText: `We open at nine (${RUN}).` }).first();
  await reply.waitFor();
  const label = reply.locator('[data-testid="wa-auto-label"]');
  assert.match(await label.textContent(), /Automatic · rule/);
  await page.screenshot({ path: join(SHOTS, 'automation-desktop-reply.png') });

  await page.click('[data-testid="wa-rules-open"]');
  await until('one run counted', async () => (await row.locator('[data-testid="wa-rule-counts"]').textContent()).startsWith('1 run,'));
  await page.click('[data-testid="wa-rules-close"]');

  const phone = await open({ width: 390, height: 844 });
  await phone.fill('[data-testid="wa-search"]', CUSTOMER.slice(-8)).catch(() => {});
  await phone.locator('[data-testid="wa-contact"]', { hasText: 'Rita' }).first().click();
  await phone.locator('[data-testid="wa-auto-label"]').first().waitFor();
  await phone.screenshot({ path: join(SHOTS, 'automation-phone-reply.png') });
  await phone.click('[data-testid="wa-rules-open"]').catch(async () => {
    await phone.click('[data-testid="wa-back"]').catch(() => {});
    await phone.click('[data-testid="wa-rules-open"]');
  });
  await phone.locator('[data-testid="wa-rule-row"]').first().waitFor();
  await phone.locator('[data-testid="wa-rule-row"]').first().scrollIntoViewIfNeeded();
  await phone.screenshot({ path: join(SHOTS, 'automation-phone-rules.png') });
  assert.deepEqual(pageErrors, []);
});
