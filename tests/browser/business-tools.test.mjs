// Browser test of the tools of issue 17 in the widget: groups (create one, a participant joins
// and writes, the operator answers), templates (submit one for review and see it approved) and
// calls (a call's connect and terminate shown as one line of the conversation, the permission
// bar). Against a running wacloud server in sandbox mode whose app secret is known (the call
// webhooks are signed here, as Meta signs them).
//
//   cd tests/browser && WACLOUD_TOOLS_URL=http://127.0.0.1:8003 WACLOUD_APP_SECRET=… node --test business-tools.test.mjs
//
// Env: WACLOUD_TOOLS_URL (default http://127.0.0.1:8000), WACLOUD_APP_SECRET (the server's
// WHATSAPP_APP_SECRET; the calls part is skipped with a reason without it), CHROMIUM_PATH.
// Screenshots: tests/browser/screenshots/tools-*.png. The call payloads are pywa's test
// updates (../../../shared/fixtures/meta/pywa/updates/call_*.json), read, never copied.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_TOOLS_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const API = `${BASE}/api/whatsapp`;
const SECRET = process.env.WACLOUD_APP_SECRET || '';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, 'screenshots');
const FIXTURES = join(HERE, '../../../shared/fixtures/meta/pywa/updates');
const RUN = String(Date.now() % 100000).padStart(5, '0');

let browser;
const pageErrors = [];
const requests = [];

async function call(method, path, body, root = API) {
  const res = await fetch(`${root}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function until(what, f, ms = 10000) {
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

test('a group is created, a participant writes, the operator answers; a template is approved', async () => {
  const page = await open({ width: 1280, height: 800 });
  await page.click('[data-testid="wa-groups-open"]');
  await page.click('[data-testid="wa-group-new"]');
  await page.fill('[data-testid="wa-group-subject"]', `Launch team ${RUN}`);
  await page.fill('[data-testid="wa-group-description"]', 'Everyone working on the launch');
  await page.click('[data-testid="wa-group-create"]');
  // The sandbox answers like Meta: a request id, then the group_lifecycle_update webhook.
  const group = await until('the group made at Meta', async () => {
    const r = await call('GET', '/groups');
    return (r.body.groups || []).find((g) => g.subject === `Launch team ${RUN}` && g.group_id);
  });
  const member = `155574${RUN}`;
  const joined = await call('POST', `/groups/${encodeURIComponent(group.group_id)}/join`, { wa_id: member }, `${BASE}/sandbox`);
  assert.equal(joined.status, 202, JSON.stringify(joined.body));
  const wrote = await call('POST', `/groups/${encodeURIComponent(group.group_id)}/messages`, { from: member, text: `Kick-off at ten ${RUN}` }, `${BASE}/sandbox`);
  assert.equal(wrote.status, 202, JSON.stringify(wrote.body));

  const row = page.locator('[data-testid="wa-group"]', { hasText: `Launch team ${RUN}` });
  await until('the group listed', async () => {
    if (await row.count()) return true;
    await page.click('[data-testid="wa-group-back"]').catch(() => {});
    return false;
  });
  await row.first().click();
  await page.locator('[data-testid="wa-group-participant"]', { hasText: member.slice(-4) }).first().waitFor();
  await page.locator('[data-testid="wa-group-message"]', { hasText: `Kick-off at ten ${RUN}` }).first().waitFor();
  await page.fill('[data-testid="wa-group-text"]', `See you there ${RUN}`);
  await page.click('[data-testid="wa-group-send"]');
  await page.locator('[data-testid="wa-group-message"]', { hasText: `See you there ${RUN}` }).first().waitFor();
  await page.screenshot({ path: join(SHOTS, 'tools-desktop-group.png') });
  const contacts = await call('GET', `/contacts?search=${member}`);
  assert.equal(contacts.body.contacts.length, 0, 'a group member is no one-to-one contact');
  await page.click('[data-testid="wa-groups-close"]');

  // Templates: submitted from the widget, reviewed by the sandbox.
  await page.click('[data-testid="wa-tpl-admin-open"]');
  const form = page.locator('[data-testid="wa-tpl-admin-form"]');
  await form.locator('input[placeholder="order_ready"]').fill(`order_ready_${RUN}`);
  await form.locator('select').selectOption('UTILITY');
  await form.locator('textarea').fill('Hi {{1}}, your order {{2}} is ready.');
  await form.locator('input[placeholder^="Ana"]').fill('Ana, 1042');
  await page.click('[data-testid="wa-tpl-admin-submit"]');
  const tpl = page.locator('[data-testid="wa-tpl-admin-row"]', { hasText: `order_ready_${RUN}` });
  await tpl.first().waitFor();
  await until('the template approved', async () => {
    await page.click('[data-testid="wa-tpl-admin-refresh"]');
    return /APPROVED/i.test(await tpl.first().textContent());
  }, 15000);
  await page.screenshot({ path: join(SHOTS, 'tools-desktop-templates.png') });
  await page.context().close();

  const phone = await open({ width: 390, height: 800 });
  await phone.click('[data-testid="wa-groups-open"]');
  await phone.locator('[data-testid="wa-group"]', { hasText: `Launch team ${RUN}` }).first().click();
  await phone.locator('[data-testid="wa-group-message"]', { hasText: `See you there ${RUN}` }).first().waitFor();
  await phone.screenshot({ path: join(SHOTS, 'tools-phone-group.png') });
  await phone.context().close();
  assert.deepEqual(pageErrors, []);
  const outside = requests.filter((u) => !u.startsWith(BASE) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(outside, [], 'nothing is loaded from outside the server');
});

test('a call shows as one line of the conversation', { skip: SECRET && existsSync(FIXTURES) ? false : 'WACLOUD_APP_SECRET is not set or ../shared is absent' }, async () => {
  const numbers = await call('GET', '/numbers');
  const pid = numbers.body.numbers[0].phone_number_id;
  const customer = `155575${RUN}`;
  const wrote = await call('POST', `/customers/${customer}/messages`, { text: `Can you call me? ${RUN}`, name: 'Caller' }, `${BASE}/sandbox`);
  assert.equal(wrote.status, 202, JSON.stringify(wrote.body));
  const callId = `wacid.tools.${RUN}`;
  for (const [file, key] of [['call_connect.json', 'user_initiated'], ['call_terminate.json', 'call_terminate']]) {
    const all = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
    const v = all[key] || all[Object.keys(all)[0]];
    const value = v.entry[0].changes[0].value;
    value.metadata.phone_number_id = pid;
    value.contacts = [{ profile: { name: 'Caller' }, wa_id: customer }];
    for (const c of value.calls) {
      c.id = callId;
      c.from = customer;
      c.direction = 'USER_INITIATED';
    }
    delete value.errors;
    const body = JSON.stringify(v);
    const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const res = await fetch(`${API}/webhook`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig }, body });
    assert.equal(res.status, 200, await res.text());
  }
  const calls = await call('GET', `/contacts/${customer}/calls`);
  assert.equal(calls.status, 200, JSON.stringify(calls.body));
  assert.equal(calls.body.calls.length, 1, JSON.stringify(calls.body));

  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 800 }]]) {
    const page = await open(viewport);
    await page.locator('[data-testid="wa-contact"]', { hasText: `Can you call me? ${RUN}` }).first().click();
    await page.getByText(/\u{1F4DE} Call/u).first().waitFor();
    await page.locator('[data-testid="wa-call-bar"]').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(SHOTS, `tools-${name}-call.png`) });
    await page.context().close();
  }
  assert.deepEqual(pageErrors, []);
});
