// Browser tests of the operator widget against a running wacloud server in sandbox mode.
//
//   cd tests/browser && npm ci && WACLOUD_URL=http://127.0.0.1:8000 npm test
//
// Env: WACLOUD_URL (default http://127.0.0.1:8000), CHROMIUM_PATH (default /usr/bin/chromium).
// Uses playwright-core with the system Chromium: no browser is ever downloaded.
// Screenshots go to tests/browser/screenshots/ (gitignored).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const SERVER = new URL(BASE);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

const CUSTOMER = '+15550000001';
const XSS_CUSTOMER = '+15550000003';
const XSS_TEXT = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const XSS_NAME = '<b>Eve</b><img src=x onerror="window.__xss=3">';

let browser;
let page; // desktop page shared by the conversation tests, in order
const requests = []; // every request any page made: { url, page }
const pageErrors = [];

async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, ...options });
  const p = await context.newPage();
  p.on('request', (req) => requests.push({ url: req.url(), page: options.label || 'desktop' }));
  p.on('pageerror', (err) => pageErrors.push(err.message));
  p.setDefaultTimeout(10000);
  return p;
}

async function shot(p, name) {
  await p.screenshot({ path: join(SHOTS, name), fullPage: false });
}

const contactSel = (phone) => `[data-testid="wa-contact"][data-phone="${phone}"]`;

/** Simulates a customer writing in, through the widget's sandbox control. */
async function simulateCustomer(p, { phone, name, text }) {
  await p.click('[data-testid="wa-simulate-open"]');
  await p.fill('[data-testid="wa-simulate-phone"]', phone);
  await p.fill('[data-testid="wa-simulate-name"]', name);
  await p.fill('[data-testid="wa-simulate-text"]', text);
  await p.click('[data-testid="wa-simulate-send"]');
  // The sheet closes only when the server accepted (202); an error stays visible in the form.
  await p.waitForFunction(() => {
    const err = document.querySelector('[data-testid="wa-simulate-error"]');
    if (err && !err.hidden) throw new Error(`simulate refused: ${err.textContent}`);
    return document.querySelector('.wa-sheet').hidden;
  }, null, { timeout: 10000 });
}

/** Waits until the open chat shows a message of `direction` whose text is exactly `text`. */
async function waitForMessage(p, direction, text, timeout = 15000) {
  await p.waitForFunction(([dir, t]) => Array.from(document.querySelectorAll(`[data-testid="wa-message"][data-direction="${dir}"] [data-testid="wa-message-text"]`))
    .some((el) => el.textContent === t), [direction, text], { timeout });
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  const health = await fetch(`${BASE}/api/whatsapp/health`).then((r) => r.json()).catch((e) => {
    throw new Error(`wacloud is not reachable at ${BASE} (set WACLOUD_URL): ${e.message}`);
  });
  assert.equal(health.mode, 'sandbox', 'these tests need the server in sandbox mode (no WHATSAPP_API_TOKEN)');
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  page = await newPage();
});

after(async () => {
  await browser?.close();
});

test('dashboard shows sandbox; a simulated customer appears with an unread badge and in the chat', async () => {
  await page.goto(`${BASE}/dashboard.html`);
  assert.equal(await page.title(), 'wacloud');
  await page.waitForSelector('[data-testid="wa-panel"]', { state: 'visible' }); // data-start-open
  await page.waitForSelector('[data-testid="wa-status"][data-state="sandbox"]');
  assert.match(await page.textContent('[data-testid="wa-status"]'), /sandbox/i);
  assert.match(await page.textContent('[data-testid="wa-mode-banner"]'), /local Meta stand-in/);
  // The stylesheet came next to the script, from the same server.
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.wa-launcher')).position), 'fixed');
  // At 1366x800 the open panel sits beside the statistics, not over them.
  const [statsRight, panelLeft] = await page.evaluate(() => [
    document.querySelector('.stats').getBoundingClientRect().right,
    document.querySelector('[data-testid="wa-panel"]').getBoundingClientRect().left]);
  assert.ok(statsRight <= panelLeft, `statistics end at ${statsRight}, the panel starts at ${panelLeft}`);

  await simulateCustomer(page, { phone: CUSTOMER, name: 'Test Customer', text: 'hello from customer' });

  const contact = page.locator(contactSel(CUSTOMER));
  await page.waitForFunction((sel) => {
    const el = document.querySelector(sel);
    return el && Number(el.dataset.unread) > 0 && el.querySelector('[data-testid="wa-contact-unread"]')
      && el.querySelector('[data-testid="wa-contact-preview"]').textContent.includes('hello from customer');
  }, contactSel(CUSTOMER), { timeout: 15000 });
  assert.ok(Number(await page.getAttribute('[data-testid="wa-widget"]', 'data-unread')) > 0, 'launcher counts unread');
  await shot(page, '01-simulated-customer-unread.png');

  await contact.click();
  await waitForMessage(page, 'inbound', 'hello from customer');
  // The title is the contact's name (which an earlier run may have set) with the number beside it.
  const heading = `${await page.textContent('[data-testid="wa-chat-title"]')} ${await page.textContent('[data-testid="wa-chat-sub"]')}`;
  assert.ok(heading.includes(CUSTOMER), `chat heading names the number: ${heading}`);
  // Opening the conversation marks it read.
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.unread === '0', contactSel(CUSTOMER));
  await shot(page, '02-chat-open.png');
});

test('a message sent from the widget goes to read', async () => {
  const outbound = '[data-testid="wa-message"][data-direction="outbound"]';
  const before = await page.$$eval(outbound, (els) => els.map((e) => e.dataset.id));
  await page.fill('[data-testid="wa-composer-input"]', 'hello');
  await page.press('[data-testid="wa-composer-input"]', 'Enter');

  // Record every status the new bubble shows on its way (the poll may skip some).
  const newId = await page.waitForFunction(([sel, old]) => {
    const fresh = Array.from(document.querySelectorAll(sel)).filter((e) => !old.includes(e.dataset.id)
      && !e.dataset.id.startsWith('local-') && e.querySelector('[data-testid="wa-message-text"]')?.textContent === 'hello');
    return fresh.length ? fresh[fresh.length - 1].dataset.id : null;
  }, [outbound, before], { timeout: 10000 }).then((h) => h.jsonValue());
  const seen = [];
  const t0 = Date.now();
  let status;
  while (Date.now() - t0 < 20000) {
    status = await page.getAttribute(`${outbound}[data-id="${newId}"]`, 'data-status');
    if (seen[seen.length - 1] !== status) seen.push(status);
    if (status === 'read' || status === 'failed') break;
    await page.waitForTimeout(200);
  }
  assert.equal(status, 'read', `status went ${seen.join(' → ')}`);
  const rank = { pending: 0, accepted: 1, sent: 2, delivered: 3, read: 4 };
  for (let i = 1; i < seen.length; i++) assert.ok(rank[seen[i]] >= rank[seen[i - 1]], `status moved backwards: ${seen.join(' → ')}`);
  const tick = page.locator(`${outbound}[data-id="${newId}"] [data-testid="wa-message-status"]`);
  assert.equal(await tick.getAttribute('aria-label'), 'Read');
  assert.equal(await page.inputValue('[data-testid="wa-composer-input"]'), '', 'composer cleared');
  // The customer just wrote: the window is open for 24 hours, so it closes tomorrow.
  assert.match(await page.textContent('[data-testid="wa-chat-sub"]'), /Service window open until tomorrow /);
  // The host page's figures follow the widget's event stream, well before their 10 s refresh.
  const sent = await page.evaluate(async () => (await (await fetch('/api/whatsapp/stats')).json()).sent_messages);
  assert.ok(sent >= 1, `stats: ${sent} sent`);
  await page.waitForFunction((n) => document.querySelector('[data-stat="sent_messages"]')?.textContent === n.toLocaleString(),
    sent, { timeout: 3000 });
  await shot(page, '03-sent-read.png');
});

test('HTML in a customer message and name stays inert text', async () => {
  await simulateCustomer(page, { phone: XSS_CUSTOMER, name: XSS_NAME, text: XSS_TEXT });
  await page.waitForSelector(contactSel(XSS_CUSTOMER), { timeout: 15000 });
  await page.click(contactSel(XSS_CUSTOMER));
  await waitForMessage(page, 'inbound', XSS_TEXT);
  await page.waitForTimeout(500); // give any onerror a chance to fire

  const result = await page.evaluate(([sel]) => {
    const root = document.querySelector('[data-testid="wa-widget"]');
    return {
      xss: window.__xss,
      imgs: root.querySelectorAll('img').length,
      scripts: root.querySelectorAll('script').length,
      bolds: root.querySelectorAll('b').length,
      name: document.querySelector(`${sel} [data-testid="wa-contact-name"]`).textContent,
      preview: document.querySelector(`${sel} [data-testid="wa-contact-preview"]`).textContent,
      title: document.querySelector('[data-testid="wa-chat-title"]').textContent,
    };
  }, [contactSel(XSS_CUSTOMER)]);
  assert.equal(result.xss, undefined, 'no injected handler ran');
  assert.equal(result.imgs, 0);
  assert.equal(result.scripts, 0);
  assert.equal(result.bolds, 0);
  assert.equal(result.name, XSS_NAME, 'name shown literally');
  assert.equal(result.title, XSS_NAME, 'chat title shown literally');
  assert.ok(result.preview.includes('<script>'), 'preview shown literally');
  await shot(page, '04-xss-literal.png');
});

test('a free-form message without an open window is refused clearly and the template is offered', async () => {
  const fresh = '+15550000004';
  await page.click('[data-testid="wa-new-chat"]');
  await page.fill('[data-testid="wa-new-chat-phone"]', fresh);
  await page.click('[data-testid="wa-new-chat-start"]');
  await page.waitForSelector('[data-testid="wa-composer"]', { state: 'visible' });
  // The chat already says the window is closed and offers the template.
  await page.waitForSelector('[data-testid="wa-window-note"] [data-testid="wa-window-template"]', { state: 'visible' });
  const outbound = '[data-testid="wa-message"][data-direction="outbound"]';
  const before = await page.$$eval(outbound, (els) => els.map((e) => e.dataset.id));
  await page.fill('[data-testid="wa-composer-input"]', 'hi there');
  await page.press('[data-testid="wa-composer-input"]', 'Enter');
  await page.waitForSelector('[data-testid="wa-send-error"]', { state: 'visible' });
  const err = await page.textContent('[data-testid="wa-send-error"]');
  assert.match(err, /window/i, err);
  assert.match(err, /template/i, err);
  assert.equal(await page.inputValue('[data-testid="wa-composer-input"]'), 'hi there', 'the text is given back');
  await shot(page, '08-window-closed.png');

  await page.click('[data-testid="wa-send-error"] [data-testid="wa-send-template"]');
  const id = await page.waitForFunction(([sel, old]) => {
    const fresh = Array.from(document.querySelectorAll(sel)).filter((e) => !old.includes(e.dataset.id)
      && !e.dataset.id.startsWith('local-') && e.dataset.type === 'template');
    return fresh.length ? fresh[fresh.length - 1].dataset.id : null;
  }, [outbound, before], { timeout: 10000 }).then((h) => h.jsonValue());
  await page.waitForFunction((sel) => ['sent', 'delivered', 'read'].includes(document.querySelector(sel)?.dataset.status),
    `${outbound}[data-id="${id}"]`, { timeout: 15000 });
  await shot(page, '09-template-sent.png');
});

test('right-to-left text reads right to left, an error shows only its words, Tab stays in the simulator', async () => {
  const phone = '+15550000005';
  const arabic = 'مرحبا، أين طلبي؟';
  await simulateCustomer(page, { phone, name: 'سارة', text: arabic });
  await page.waitForFunction(([sel, t]) => document.querySelector(sel)?.querySelector('[data-testid="wa-contact-preview"]')?.textContent.includes(t),
    [contactSel(phone), arabic], { timeout: 15000 });
  const direction = (sel) => page.$eval(sel, (el) => getComputedStyle(el).direction);
  assert.equal(await direction(`${contactSel(phone)} [data-testid="wa-contact-preview"]`), 'rtl', 'preview');
  assert.equal(await direction(`${contactSel(phone)} [data-testid="wa-contact-name"]`), 'rtl', 'name');
  await page.click(contactSel(phone));
  await waitForMessage(page, 'inbound', arabic);
  const style = await page.$$eval('[data-testid="wa-message"][data-direction="inbound"] [data-testid="wa-message-text"]',
    (els, t) => { const el = els.find((e) => e.textContent === t); const cs = getComputedStyle(el); return [cs.direction, cs.textAlign]; }, arabic);
  assert.deepEqual(style, ['rtl', 'right'], 'the message reads from the right edge');
  assert.equal(await direction('[data-testid="wa-chat-title"]'), 'rtl', 'chat title');

  // An error with no action button beside it ends with its own words, not "nullnull".
  await page.fill('[data-testid="wa-composer-input"]', 'x'.repeat(4097));
  await page.press('[data-testid="wa-composer-input"]', 'Enter');
  await page.waitForSelector('[data-testid="wa-send-error"]', { state: 'visible' });
  const err = await page.textContent('[data-testid="wa-send-error"]');
  assert.match(err, /4096 characters/, err);
  assert.doesNotMatch(err, /null/, err);
  await page.fill('[data-testid="wa-composer-input"]', '');
  await shot(page, '10-right-to-left.png');

  // The simulator says it is modal: Tab and Shift+Tab go round inside it.
  await page.click('[data-testid="wa-simulate-open"]');
  const inside = () => page.evaluate(() => document.activeElement?.closest('.wa-sheet') !== null && !document.activeElement.closest('.wa-sheet').hidden);
  for (let i = 0; i < 10; i += 1) {
    await page.keyboard.press('Tab');
    assert.ok(await inside(), `Tab ${i + 1} stays in the dialog`);
  }
  for (let i = 0; i < 10; i += 1) {
    await page.keyboard.press('Shift+Tab');
    assert.ok(await inside(), `Shift+Tab ${i + 1} stays in the dialog`);
  }
  assert.equal(await page.getAttribute('[data-testid="wa-simulate-name"]', 'value'), null, 'no default name to rename the customer with');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('.wa-sheet').hidden);
});

test('a bulk send from the widget shows its progress to the end, and a scheduled one can be cancelled', async () => {
  await page.click('[data-testid="wa-bulk-open"]');
  await page.waitForSelector('[data-testid="wa-bulk-form"]', { state: 'visible' });
  await page.fill('[data-testid="wa-bulk-recipients"]', '+15550000011\n+15550000012\n+15550000013\n(555) 000-0014');
  await page.check('[data-testid="wa-bulk-kind-template"]');
  await page.waitForSelector('[data-testid="wa-bulk-template-fields"]', { state: 'visible' });
  await shot(page, '10-bulk-form.png');
  await page.click('[data-testid="wa-bulk-send"]');
  // One number is refused (no country code): the sheet stays open and says why.
  await page.waitForSelector('[data-testid="wa-bulk-rejected"]', { state: 'visible' });
  assert.match(await page.textContent('[data-testid="wa-bulk-summary"]'), /3 queued, 1 refused/);
  assert.match(await page.textContent('[data-testid="wa-bulk-rejected"]'), /country code/);
  await page.click('[data-testid="wa-bulk-close"]');
  const batch = '[data-testid="wa-batch"]';
  await page.waitForSelector(batch, { state: 'visible' });
  await page.waitForFunction((sel) => {
    const el = document.querySelector(sel);
    return el && el.dataset.done === 'true' && el.dataset.percent === '100';
  }, batch, { timeout: 20000 });
  const bar = page.locator(`${batch} [data-testid="wa-batch-progress"]`);
  assert.equal(await bar.getAttribute('aria-valuenow'), '3');
  assert.match(await page.textContent(`${batch} [data-testid="wa-batch-meta"]`), /3 of 3 sent/);
  await shot(page, '11-bulk-done.png');
  await page.click(`${batch} [data-testid="wa-batch-dismiss"]`);
  await page.waitForSelector(batch, { state: 'detached' });

  // Scheduled for tomorrow, then cancelled from the widget.
  await page.click('[data-testid="wa-bulk-open"]');
  await page.fill('[data-testid="wa-bulk-recipients"]', '+15550000015\n+15550000016');
  await page.check('[data-testid="wa-bulk-kind-template"]');
  const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
  const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await page.fill('[data-testid="wa-bulk-schedule"]', local);
  await page.click('[data-testid="wa-bulk-send"]');
  await page.waitForSelector('[data-testid="wa-bulk-sheet"]', { state: 'hidden' });
  await page.waitForFunction((sel) => /Scheduled/.test(document.querySelector(sel)?.textContent || ''), batch);
  await shot(page, '12-bulk-scheduled.png');
  await page.click(`${batch} [data-testid="wa-batch-cancel"]`);
  await page.waitForFunction((sel) => {
    const el = document.querySelector(sel);
    return el && el.dataset.done === 'true' && /2 cancelled/.test(el.textContent);
  }, batch, { timeout: 10000 });
  await shot(page, '13-bulk-cancelled.png');
  await page.click(`${batch} [data-testid="wa-batch-dismiss"]`);
});

test('phone-sized screen: full-screen panel, two views with a back button', async () => {
  const phone = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, label: 'phone' });
  try {
    await phone.goto(`${BASE}/dashboard.html`);
    await phone.waitForSelector('[data-testid="wa-panel"]', { state: 'visible' });
    await phone.waitForSelector('[data-testid="wa-status"][data-state="sandbox"]');
    const box = await phone.locator('[data-testid="wa-panel"]').boundingBox();
    assert.ok(box.x <= 0.5 && box.y <= 0.5 && Math.abs(box.width - 390) <= 1 && Math.abs(box.height - 844) <= 1,
      `panel covers the screen: ${JSON.stringify(box)}`);
    const overflow = await phone.evaluate(() => {
      const panel = document.querySelector('[data-testid="wa-panel"]');
      return { page: document.documentElement.scrollWidth, panel: panel.scrollWidth - panel.clientWidth };
    });
    assert.ok(overflow.page <= 390 && overflow.panel <= 0, `no horizontal overflow: ${JSON.stringify(overflow)}`);
    assert.equal(await phone.isVisible('[data-testid="wa-launcher"]'), false, 'launcher hidden under the full-screen panel');

    await phone.waitForSelector(contactSel(CUSTOMER));
    await shot(phone, '05-phone-list.png');
    await phone.tap(contactSel(CUSTOMER));
    await waitForMessage(phone, 'inbound', 'hello from customer');
    assert.equal(await phone.isVisible('[data-testid="wa-contact-list"]'), false, 'list hidden while chatting');
    assert.equal(await phone.isVisible('[data-testid="wa-back"]'), true);
    const composer = await phone.locator('[data-testid="wa-composer"]').boundingBox();
    assert.ok(composer.y + composer.height <= 844 + 0.5, 'composer on screen');
    await shot(phone, '06-phone-chat.png');

    await phone.tap('[data-testid="wa-back"]');
    await phone.waitForSelector('[data-testid="wa-contact-list"]', { state: 'visible' });
    assert.equal(await phone.isVisible('[data-testid="wa-composer"]'), false, 'chat hidden after back');
    await shot(phone, '07-phone-back.png');

    await phone.click('[data-testid="wa-close"]');
    await phone.waitForSelector('[data-testid="wa-launcher"]', { state: 'visible' });
  } finally {
    await phone.context().close();
  }
});

test('live updates: a customer\'s message appears at once, without waiting for a poll', async () => {
  const p = await newPage({ label: 'live' });
  try {
    await p.goto(`${BASE}/dashboard.html`);
    await p.waitForFunction(() => window.wacloudWidget);
    // Replace the dashboard's widget by one that would poll only every five minutes: what
    // shows up quickly can only have come through the event stream.
    await p.evaluate(async () => {
      window.wacloudWidget.destroy();
      const { mountWhatsAppWidget } = await import('/js/whatsapp-widget.js');
      window.liveWidget = mountWhatsAppWidget({ pollIntervalMs: 60000, startOpen: true, css: false });
    });
    await p.waitForFunction(() => window.liveWidget.state.live === true, null, { timeout: 10000 });
    await p.waitForSelector(contactSel(CUSTOMER)); // the first read is done
    const phone = '+15550000009';
    const res = await fetch(`${BASE}/sandbox/customers/${encodeURIComponent(phone)}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'live hello', name: 'Live Customer' }),
    });
    assert.equal(res.status, 202);
    await p.waitForSelector(contactSel(phone), { timeout: 5000 });
    assert.ok(requests.some(({ url, page: label }) => label === 'live' && new URL(url).pathname === '/api/whatsapp/events'),
      'the widget opened GET /api/whatsapp/events');
  } finally {
    await p.context().close();
  }
});

test('with data-api-key every API request carries the key, and the widget polls instead of streaming', async () => {
  const p = await newPage({ label: 'apikey' });
  const api = []; // { path, auth }
  p.on('request', (req) => {
    const u = new URL(req.url());
    if (u.pathname.startsWith('/api/whatsapp/')) api.push({ path: u.pathname, auth: req.headers().authorization });
  });
  // A host page of the operator's own, on the server's origin.
  await p.route(`${BASE}/host-with-key.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><title>host</title><script type="module" src="/js/whatsapp-widget.js" data-auto-mount data-start-open data-poll-interval-ms="300" data-api-key="test-key-123"></script>',
  }));
  await p.goto(`${BASE}/host-with-key.html`);
  await p.waitForSelector('[data-testid="wa-contact"]');
  await p.waitForTimeout(1000);
  assert.ok(api.length >= 3, `the widget called the API: ${JSON.stringify(api)}`);
  for (const r of api) assert.equal(r.auth, 'Bearer test-key-123', `${r.path} without the key`);
  assert.ok(!api.some((r) => r.path.endsWith('/events')), 'no event stream: it cannot carry the key');
  assert.ok(api.filter((r) => r.path.endsWith('/contacts')).length >= 2, 'it polls');
  await p.context().close();
});

// Last but one: it pushes the earlier tests' customers off the first page.
test('past 200 conversations the list loads more on scroll, and filters find who waits for an answer', async () => {
  const waiting = '+15550000006';
  await simulateCustomer(page, { phone: waiting, name: 'Waiting Wendy', text: 'anyone there?' });
  // A campaign to 210 new numbers pushes her below the first page.
  const recipients = Array.from({ length: 210 }, (_, i) => `+1555009${String(i).padStart(4, '0')}`);
  const res = await fetch(`${BASE}/api/whatsapp/send-bulk`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ recipients, type: 'template', template: { name: 'hello_world', language: 'en_US' } }),
  });
  const answer = await res.text();
  assert.ok(res.ok, answer);
  const { batch_id: batch } = JSON.parse(answer);
  for (let i = 0; i < 100; i += 1) {
    const b = await fetch(`${BASE}/api/whatsapp/batches/${batch}?limit=0`).then((r) => r.json());
    if (b.done) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const rows = () => page.$$eval('[data-testid="wa-contact"]', (els) => els.length);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="wa-contact"]').length >= 200, null, { timeout: 15000 });
  await page.waitForSelector('[data-testid="wa-contacts-more"]', { state: 'visible', timeout: 15000 });
  const first = await rows();
  assert.equal(first, 200, 'one page of 200');
  await page.$eval('.wa-contact-scroll', (el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="wa-contact"]').length > n, first, { timeout: 10000 });
  assert.ok(await page.$(contactSel(waiting)), 'the waiting customer is reachable by scrolling');
  await page.waitForSelector('[data-testid="wa-contacts-more"]', { state: 'hidden' });

  await page.click('[data-testid="wa-filter-needs_reply"]');
  await page.waitForFunction((sel) => {
    const items = document.querySelectorAll('[data-testid="wa-contact"]');
    return items.length > 0 && items.length < 50 && document.querySelector(sel);
  }, contactSel(waiting), { timeout: 10000 });
  assert.equal(await page.getAttribute('[data-testid="wa-filter-needs_reply"]', 'aria-pressed'), 'true');
  await shot(page, '11-needs-reply-filter.png');
  await page.click('[data-testid="wa-filter-all"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="wa-contact"]').length >= 200, null, { timeout: 10000 });
});

test('no request left the wacloud server and no script error happened', () => {
  assert.ok(requests.length > 0);
  const foreign = requests.filter(({ url }) => {
    const u = new URL(url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') return false;
    return u.host !== SERVER.host;
  });
  assert.deepEqual(foreign, [], 'requests to other hosts');
  assert.deepEqual(pageErrors, [], 'uncaught page errors');
});
