// Browser tests of the widget's inbox tools: message search, the campaigns view, exports and the
// contacts' import, quoting and reacting, the template picker, media in and out, against a running wacloud server of their own in sandbox mode with no
// operator (the open mode, which has an admin's rights).
//
//   cd tests/browser && npm ci && WACLOUD_TOOLS_URL=http://127.0.0.1:8003 npm run test:tools
//
// Env: WACLOUD_TOOLS_URL (default http://127.0.0.1:8000), CHROMIUM_PATH (default /usr/bin/chromium).
// Screenshots go to tests/browser/screenshots/ (gitignored): tools-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_TOOLS_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const SERVER = new URL(BASE);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const API = `${BASE}/api/whatsapp`;

// A run's own numbers and word, so that data from earlier runs never matches.
const RUN = String(Date.now() % 100000).padStart(5, '0');
const CUSTOMER = `+155570${RUN}`;
const OTHER = `+155571${RUN}`;
const WORD = `zebrafish${RUN}`;
const HOSTILE = `<img src=x onerror=alert(1)> ${WORD} <script>window.__xss=1</script>`;

let browser;
let page;
const requests = [];
const pageErrors = [];
const dialogs = [];

async function newPage(viewport) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const p = await context.newPage();
  p.on('request', (req) => requests.push(req.url()));
  p.on('pageerror', (err) => pageErrors.push(err.message));
  p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  p.setDefaultTimeout(10000);
  await p.goto(`${BASE}/dashboard.html`);
  await p.waitForSelector('[data-testid="wa-panel"]:not([hidden])');
  return p;
}

const shot = (p, name) => p.screenshot({ path: join(SHOTS, name), fullPage: false });

async function post(path, body, root = API) {
  const res = await fetch(`${root}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  assert.ok(res.ok, `${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const customerSays = (phone, text, name) => post(`/sandbox/customers/${encodeURIComponent(phone)}/messages`, name ? { text, name } : { text }, BASE);

/** Waits until the search API finds `word` `count` times (the index is filled in the background). */
async function waitIndexed(word, count) {
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${API}/messages?search=${encodeURIComponent(word)}`).then((x) => x.json());
    if ((r.messages || []).length >= count) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`"${word}" was never found ${count} times`);
}

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it or set CHROMIUM_PATH.`);
  const health = await fetch(`${API}/health`).then((r) => r.json());
  assert.equal(health.mode, 'sandbox', 'these tests need the server in sandbox mode');
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  // The message searched for, then 60 newer ones: it is not on the conversation's first page.
  await customerSays(CUSTOMER, `Where is my parcel? ${WORD} was the code`, 'Nadia');
  await customerSays(CUSTOMER, HOSTILE);
  for (let i = 0; i < 60; i++) await customerSays(CUSTOMER, `follow-up number ${i}`);
  await customerSays(OTHER, `hello there otter${RUN}`, 'Omar');
  await waitIndexed(WORD, 2);
  page = await newPage({ width: 1280, height: 800 });
});

after(async () => {
  if (browser) await browser.close();
});

test('searching a word lists its messages with real marks, markup stays text, a result opens the conversation at its message', async () => {
  await page.click('[data-testid="wa-msgsearch-open"]');
  await page.fill('[data-testid="wa-msgsearch-input"]', WORD);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="wa-search-result"]').length >= 2);
  const results = await page.$$eval('[data-testid="wa-search-result"]', (els) => els.map((el) => ({
    text: el.querySelector('[data-testid="wa-search-snippet"]').textContent,
    marks: Array.from(el.querySelectorAll('mark')).map((m) => m.textContent),
    elements: Array.from(el.querySelectorAll('[data-testid="wa-search-snippet"] *')).map((n) => n.tagName),
  })));
  const hostile = results.find((r) => r.text.includes('onerror'));
  assert.ok(hostile, `the hostile message is found: ${JSON.stringify(results)}`);
  assert.ok(hostile.text.includes('<img src=x onerror=alert(1)>'), `shown as text: ${hostile.text}`);
  assert.deepEqual([...new Set(hostile.elements)], ['MARK'], 'the snippet holds only <mark> elements');
  assert.ok(hostile.marks.every((m) => m.toLowerCase() === WORD), `marks are the word: ${hostile.marks}`);
  assert.equal(await page.evaluate(() => document.querySelectorAll('.wa-root img').length), 0, 'no <img> came from a message');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await shot(page, 'tools-01-search-desktop.png');

  // The older message (60 newer ones after it): loaded with `before`, scrolled to, marked.
  const older = await page.$$('[data-testid="wa-search-result"]');
  let target = null;
  for (const r of older) if ((await r.textContent()).includes('parcel')) target = r;
  assert.ok(target, 'the parcel message is listed');
  const id = await target.getAttribute('data-id');
  await target.click();
  await page.waitForSelector(`[data-testid="wa-message"][data-id="${id}"][data-found="true"]`, { timeout: 20000 });
  assert.equal(await page.textContent('[data-testid="wa-chat-title"]'), 'Nadia');
  // Scrolled into view (smoothly, unless the operator prefers reduced motion).
  await page.waitForFunction((sel) => {
    const el = document.querySelector(sel);
    const box = el.getBoundingClientRect();
    const view = el.closest('.wa-messages').getBoundingClientRect();
    return box.top >= view.top && box.bottom <= view.bottom;
  }, `[data-testid="wa-message"][data-id="${id}"]`);
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.dataset.found), 'true', 'and has the focus');
  await shot(page, 'tools-02-search-landed-desktop.png');
  // Only the open conversation (Nadia's): Omar's word is not found there, and is everywhere.
  await page.check('[data-testid="wa-msgsearch-here"]');
  await page.fill('[data-testid="wa-msgsearch-input"]', `otter${RUN}`);
  await page.waitForFunction((w) => document.querySelector('[data-testid="wa-msgsearch-note"]').textContent === `No message contains \u201c${w}\u201d.`, `otter${RUN}`);
  await page.uncheck('[data-testid="wa-msgsearch-here"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="wa-search-result"]').length === 1);
  assert.match(await page.textContent('[data-testid="wa-search-result"]'), /Omar/);
  // Escape closes the search.
  await page.focus('[data-testid="wa-msgsearch-input"]');
  await page.keyboard.press('Escape');
  assert.equal(await page.$eval('[data-testid="wa-msgsearch"]', (el) => el.hidden), true);
});

test('the campaigns view shows a bulk send and each recipient\'s outcome with its reason, and exports it', async () => {
  await post('/sandbox/control', { faults: [{ to: OTHER.slice(1), mode: 'refuse', code: 131026, times: 1 }] }, BASE);
  const bulk = await post('/send-bulk', { recipients: [CUSTOMER, OTHER, '12'], type: 'template', template: { name: 'hello_world', language: 'en_US' } });
  assert.equal(bulk.accepted, 2);
  for (let i = 0; i < 100; i++) {
    const b = await fetch(`${API}/batches/${bulk.batch_id}?limit=0`).then((r) => r.json());
    if (b.done) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  await post('/sandbox/control', { faults: [] }, BASE);

  await page.click('[data-testid="wa-campaigns-open"]');
  const row = `[data-testid="wa-campaign"][data-batch-id="${bulk.batch_id}"]`;
  await page.waitForSelector(row);
  assert.equal(await page.$eval('[data-testid="wa-campaign"]', (el) => el.dataset.batchId), bulk.batch_id, 'newest first');
  assert.match(await page.textContent(`${row} [data-testid="wa-campaign-counts"]`), /2\/2 finished · 1 sent · 1 failed/);
  assert.equal(await page.getAttribute(`${row} [data-testid="wa-campaign-progress"]`, 'aria-valuenow'), '100');
  await shot(page, 'tools-03-campaigns-desktop.png');
  await page.click(row);
  await page.waitForSelector('[data-testid="wa-campaign-item"]');
  const items = await page.$$eval('[data-testid="wa-campaign-item"]', (els) => els.map((el) => ({ state: el.dataset.state, text: el.textContent })));
  const failed = items.find((i) => i.state === 'failed');
  assert.ok(failed && failed.text.includes(OTHER) && failed.text.includes('131026'), `the failure and its reason: ${JSON.stringify(items)}`);
  assert.ok(items.some((i) => i.state === 'sent' && i.text.includes(CUSTOMER)));
  await shot(page, 'tools-04-campaign-detail-desktop.png');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="wa-campaign-export"]')]);
  assert.match(download.suggestedFilename(), new RegExp(`^batch-${bulk.batch_id}-.*\\.csv$`));
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv.split('\n')[0], /^id,phone_number,state/);
  assert.ok(csv.includes('131026'), 'the export has the failure');
  // Escape goes back to the list, Escape again closes the view.
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="wa-campaign-detail"][hidden]', { state: 'attached' });
  await page.keyboard.press('Escape');
  assert.equal(await page.$eval('[data-testid="wa-campaigns-sheet"]', (el) => el.hidden), true);
});

test('exports give files: every contact, and this conversation', async () => {
  const [contacts] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="wa-export-contacts"]')]);
  assert.match(contacts.suggestedFilename(), /^contacts-.*\.csv$/);
  const csv = readFileSync(await contacts.path(), 'utf8');
  assert.match(csv, /^id,phone_number,wa_id/);
  assert.ok(csv.includes(CUSTOMER) && csv.includes('Nadia'));
  const [chat] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="wa-export-chat"]')]);
  assert.match(chat.suggestedFilename(), /^messages-.*\.csv$/);
  const messages = readFileSync(await chat.path(), 'utf8');
  assert.ok(messages.includes(WORD) && !messages.includes(`otter${RUN}`), 'only this conversation');
});

test('importing contacts shows the refusal report for a bad line', async () => {
  await page.click('[data-testid="wa-import-open"]');
  const csv = `phone,name,tags\n+155572${RUN},Imported <b>Ina</b>,vip\n12,Bad number,\n+155572${RUN},Twice,\n`;
  await page.setInputFiles('[data-testid="wa-import-file"]', { name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('[data-testid="wa-import-send"]');
  await page.waitForSelector('[data-testid="wa-import-summary"]');
  assert.equal(await page.textContent('[data-testid="wa-import-summary"]'), '1 imported, 0 updated, 0 unchanged, 2 refused.');
  const refused = await page.$$eval('[data-testid="wa-import-refusal"]', (els) => els.map((el) => el.textContent));
  assert.equal(refused.length, 2);
  assert.match(refused[0], /^Line 3: /);
  assert.match(refused[1], /^Line 4: .*line 2/);
  await shot(page, 'tools-05-import-desktop.png');
  await page.keyboard.press('Escape');
  assert.equal(await page.$eval('[data-testid="wa-import-sheet"]', (el) => el.hidden), true);
  // The name with markup is a name, as text.
  const c = await fetch(`${API}/contacts?search=${encodeURIComponent(`155572${RUN}`)}`).then((r) => r.json());
  assert.equal(c.contacts[0].display_name || c.contacts[0].profile_name, 'Imported <b>Ina</b>');
});

test('quote a message, react to it with the keyboard, and the customer sees typing', async () => {
  const phone = `+155573${RUN}`;
  const question = `Do you have it in <b>blue</b>? ${RUN}`;
  await customerSays(phone, question, 'Rui');
  await page.evaluate((p) => window.wacloudWidget.openChat(p), phone);
  const inbound = `[data-testid="wa-message"][data-direction="inbound"]`;
  await page.waitForSelector(`${inbound}[data-wamid]`);
  // Quote: the reply bar names what is answered; the message goes out with reply_to.
  await page.hover(inbound);
  await page.click(`${inbound} [data-testid="wa-message-reply"]`);
  assert.equal(await page.textContent('[data-testid="wa-reply-text"]'), question, 'the quoted text, as text');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'wa-composer-input');
  const sentBefore = requests.filter((u) => u.includes('/typing')).length;
  await page.fill('[data-testid="wa-composer-input"]', 'Yes, in every size');
  await page.dispatchEvent('[data-testid="wa-composer-input"]', 'input');
  await shot(page, 'tools-09-reply-desktop.png');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="wa-message"][data-direction="outbound"] [data-testid="wa-message-quote"]');
  assert.match(await page.textContent('[data-testid="wa-message"][data-direction="outbound"] [data-testid="wa-message-quote"]'), /Do you have it in <b>blue<\/b>\?/);
  assert.equal(await page.$eval('[data-testid="wa-reply-bar"]', (el) => el.hidden), true, 'the reply bar closes after sending');
  assert.ok(requests.filter((u) => u.includes('/typing')).length > sentBefore, 'typing went to the server while the operator typed');
  const listed = await fetch(`${API}/messages?phone=${encodeURIComponent(phone)}`).then((r) => r.json());
  const wamid = listed.messages.find((m) => m.direction === 'inbound').message_id;
  assert.equal(listed.messages.find((m) => m.direction === 'outbound').reply_to, wamid, 'sent as a reply to the customer\u2019s message');

  // A reply can be dropped with Escape before sending.
  await page.click(`${inbound} [data-testid="wa-message-reply"]`);
  await page.focus('[data-testid="wa-composer-input"]');
  await page.keyboard.press('Escape');
  assert.equal(await page.$eval('[data-testid="wa-reply-bar"]', (el) => el.hidden), true);
  assert.equal(await page.$eval('[data-testid="wa-panel"]', (el) => el.hidden), false, 'Escape dropped the reply, not the panel');

  // React from the keyboard: the picker opens focused, arrows move, Enter picks.
  await page.focus(`${inbound} [data-testid="wa-message-react"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="wa-react-picker"]:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'wa-react-choice');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await page.waitForFunction((sel) => {
    const chip = document.querySelector(`${sel} [data-testid="wa-reaction-ours"]`);
    return chip && chip.textContent === '\u2764\uFE0F';
  }, inbound);
  const after = await fetch(`${API}/messages?phone=${encodeURIComponent(phone)}`).then((r) => r.json());
  assert.equal(after.messages.find((m) => m.message_id === wamid).business_reaction, '\u2764\uFE0F', 'stored on the message');
  await shot(page, 'tools-10-reaction-desktop.png');
  // Escape closes the picker and gives the focus back; removing the reaction clears it.
  await page.focus(`${inbound} [data-testid="wa-message-react"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="wa-react-picker"]:not([hidden])');
  await page.keyboard.press('Escape');
  assert.equal(await page.$eval('[data-testid="wa-react-picker"]', (el) => el.hidden), true);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'wa-message-react');
  await page.keyboard.press('Enter');
  await page.click('[data-testid="wa-react-remove"]');
  await page.waitForFunction((sel) => !document.querySelector(`${sel} [data-testid="wa-reaction-ours"]`), inbound);
  assert.equal(await page.evaluate(() => document.querySelectorAll('.wa-root img').length), 0, 'no <img> came from a message');

  // Phone size: the actions show and the picker fits the screen.
  const small = await newPage({ width: 390, height: 844 });
  await small.evaluate((p) => window.wacloudWidget.openChat(p), phone);
  await small.waitForSelector(`${inbound}[data-wamid]`);
  await small.click(`${inbound} [data-testid="wa-message-react"]`);
  await small.waitForSelector('[data-testid="wa-react-picker"]:not([hidden])');
  const box = await small.$eval('[data-testid="wa-react-picker"]', (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right }; });
  assert.ok(box.left >= 0 && box.right <= 390, `the picker fits: ${JSON.stringify(box)}`);
  await shot(small, 'tools-11-reaction-phone.png');
  await small.context().close();
});

test('the template picker fills a template\'s parameters with a live preview, refuses an empty one, and sends it', async () => {
  const phone = `+155574${RUN}`;
  await customerSays(phone, 'Where is my order?', 'Tia');
  await page.evaluate((p) => window.wacloudWidget.openChat(p), phone);
  await page.waitForSelector('[data-testid="wa-message"][data-direction="inbound"]');
  await page.click('[data-testid="wa-template-open"]');
  await page.waitForSelector('[data-testid="wa-template-sheet"]:not([hidden])');
  // The server read the sandbox's templates from its list at start.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="wa-template-select"] option').length >= 2);
  const options = await page.$$eval('[data-testid="wa-template-select"] option', (els) => els.map((o) => o.textContent));
  assert.ok(options.includes('order_update (en_US)') && options.includes('hello_world (en_US)'), options.join(', '));
  await page.selectOption('[data-testid="wa-template-select"]', { label: 'order_update (en_US)' });
  assert.equal(await page.$$eval('[data-testid="wa-template-param"]', (els) => els.length), 2);
  assert.equal(await page.textContent('[data-testid="wa-template-preview-body"]'), 'Hi {{1}}, your order {{2}} is on its way.');
  await page.fill('[data-testid="wa-template-param"] >> nth=0', '<b>Ana</b>');
  assert.equal(await page.textContent('[data-testid="wa-template-preview-body"]'), 'Hi <b>Ana</b>, your order {{2}} is on its way.', 'the preview follows the typing, as text');
  await page.click('[data-testid="wa-template-send"]');
  assert.equal(await page.textContent('[data-testid="wa-template-error"]'), 'Body {{2}} is empty.');
  assert.equal(await page.evaluate(() => document.activeElement === document.querySelectorAll('[data-testid="wa-template-param"]')[1]), true, 'the empty field has the focus');
  await page.keyboard.type('#1042');
  await shot(page, 'tools-12-template-desktop.png');
  // Tab stays in the sheet.
  for (let i = 0; i < 8; i++) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => Boolean(document.activeElement.closest('[data-testid="wa-template-sheet"]'))), true);
  await page.click('[data-testid="wa-template-send"]');
  await page.waitForSelector('[data-testid="wa-template-sheet"]', { state: 'hidden' });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="wa-message"][data-direction="outbound"] [data-testid="wa-message-text"]')]
    .some((el) => el.textContent === 'Hi <b>Ana</b>, your order #1042 is on its way.'));
  assert.equal(await page.evaluate(() => document.querySelectorAll('.wa-root .wa-messages b').length), 0, 'markup in a parameter stays text');
  // A header's and buttons' values: each its own field, sent as the template's components.
  await page.click('[data-testid="wa-template-open"]');
  await page.waitForSelector('[data-testid="wa-template-sheet"]:not([hidden])');
  await page.selectOption('[data-testid="wa-template-select"]', { label: 'order_shipped (en_US)' });
  const labels = await page.$$eval('[data-testid="wa-template-fields"] label', (els) => els.map((l) => l.textContent));
  assert.deepEqual(labels, ['Header {{1}}', 'Body {{1}}', 'Button \u201cTrack\u201d: the end of its link', 'Button \u201cCopy code\u201d: the coupon code (1\u201315 characters)']);
  const fields = await page.$$('[data-testid="wa-template-param"]');
  await fields[0].fill('#1042');
  await fields[1].fill('Ana');
  await fields[2].fill('1042');
  await fields[3].fill('A-COUPON-TOO-LONG');
  assert.match(await page.textContent('[data-testid="wa-template-preview"]'), /Order #1042 shipped/);
  await page.click('[data-testid="wa-template-send"]');
  assert.equal(await page.textContent('[data-testid="wa-template-error"]'), 'Button \u201cCopy code\u201d: the coupon code (1\u201315 characters) must be 1 to 15 characters.');
  await fields[3].fill('SAVE10');
  await page.click('[data-testid="wa-template-send"]');
  await page.waitForSelector('[data-testid="wa-template-sheet"]', { state: 'hidden' });
  const sent = await fetch(`${BASE}/sandbox/sent`).then((r) => r.json());
  const last = sent.requests.map((r) => r.body).filter((b) => b.to === phone.slice(1) && b.template && b.template.name === 'order_shipped').pop();
  assert.ok(last, 'order_shipped reached the sandbox');
  assert.deepEqual(last.template.components.find((c) => c.type === 'header').parameters, [{ type: 'text', text: '#1042' }]);
  assert.deepEqual(last.template.components.filter((c) => c.type === 'button').map((c) => [c.sub_type, c.index, c.parameters[0]]),
    [['url', '0', { type: 'text', text: '1042' }], ['copy_code', '1', { type: 'coupon_code', coupon_code: 'SAVE10' }]]);

  // Escape closes it and gives the focus back to its button.
  await page.click('[data-testid="wa-template-open"]');
  await page.waitForSelector('[data-testid="wa-template-sheet"]:not([hidden])');
  await page.keyboard.press('Escape');
  assert.equal(await page.$eval('[data-testid="wa-template-sheet"]', (el) => el.hidden), true);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'wa-template-open');

  const small = await newPage({ width: 390, height: 844 });
  await small.evaluate((p) => window.wacloudWidget.openChat(p), phone);
  await small.click('[data-testid="wa-template-open"]');
  await small.waitForFunction(() => document.querySelectorAll('[data-testid="wa-template-select"] option').length >= 2);
  await small.selectOption('[data-testid="wa-template-select"]', { label: 'order_update (en_US)' });
  const right = await small.$eval('[data-testid="wa-template-sheet"] .wa-sheet-card', (el) => el.getBoundingClientRect().right);
  assert.ok(right <= 390, `the sheet fits the screen: ${right}`);
  await shot(small, 'tools-13-template-phone.png');
  await small.context().close();
});

// A 2×2 PNG (red, green, blue, white), generated for this test.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAAMIM/4EAAB/uBfsL2WiLAAAAAElFTkSuQmCC', 'base64');

test('media: a customer\'s photo and document open in the chat; an attached photo is previewed, sent and shown; hostile names stay text', async () => {
  const phone = `+155575${RUN}`;
  const hostile = '"><img src=x onerror=alert(1)>.pdf';
  await post(`/sandbox/customers/${encodeURIComponent(phone)}/messages`, { text: 'my <b>receipt</b>', name: 'Uma', media: { type: 'image' } }, BASE);
  await post(`/sandbox/customers/${encodeURIComponent(phone)}/messages`, { media: { type: 'document', filename: hostile } }, BASE);
  await post(`/sandbox/customers/${encodeURIComponent(phone)}/messages`, { location: { latitude: -23.5505, longitude: -46.6333, name: 'Shop <i>One</i>', address: 'Av. Paulista 1000' } }, BASE);
  await page.evaluate((p) => window.wacloudWidget.openChat(p), phone);
  // The shared location: its kind, place and coordinates, as text.
  await page.waitForSelector('[data-testid="wa-message"][data-type="location"]');
  assert.equal(await page.textContent('[data-type="location"] [data-testid="wa-message-text"]'), 'Shop <i>One</i>, Av. Paulista 1000 \u00b7 -23.55050, -46.63330');
  assert.match(await page.textContent('[data-type="location"] [data-testid="wa-message-media"]'), /Location/);
  // The customer's photo, fetched through GET /messages/{id}/media, drawn.
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-direction="inbound"] [data-testid="wa-media-img"]');
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.match(await page.getAttribute('[data-direction="inbound"] [data-testid="wa-media-img"]', 'src'), /^blob:/);
  // The document downloads under its own name, which stays text.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-direction="inbound"] [data-testid="wa-media-download"]'),
  ]);
  assert.equal(download.suggestedFilename().includes('img src=x'), true, `named as sent: ${download.suggestedFilename()}`);
  assert.equal(await page.evaluate(() => document.querySelectorAll('.wa-root .wa-messages img:not([data-testid="wa-media-img"])').length), 0, 'no element came from a name');

  // Attach: preview first (the name as text), then the caption goes with it.
  await page.setInputFiles('[data-testid="wa-attach-input"]', { name: '<b>plan</b>.png', mimeType: 'image/png', buffer: PNG });
  await page.waitForSelector('[data-testid="wa-attach-bar"]:not([hidden])');
  assert.equal(await page.textContent('[data-testid="wa-attach-name"]'), '<b>plan</b>.png');
  await page.fill('[data-testid="wa-composer-input"]', 'Here is the plan');
  await shot(page, 'tools-14-attach-desktop.png');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="wa-attach-bar"]', { state: 'hidden' });
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-direction="outbound"][data-type="image"] [data-testid="wa-media-img"]');
    return img && img.complete && img.naturalWidth === 2;
  });
  const listed = await fetch(`${API}/messages?phone=${encodeURIComponent(phone)}`).then((r) => r.json());
  const sent = listed.messages.find((m) => m.direction === 'outbound');
  assert.equal(sent.message_type, 'image');
  assert.equal(sent.message_text, '[image] Here is the plan');
  await shot(page, 'tools-15-media-desktop.png');

  // A file over WhatsApp's limit for its kind is refused before any upload.
  const uploads = requests.filter((u) => u.endsWith('/api/whatsapp/media')).length;
  await page.setInputFiles('[data-testid="wa-attach-input"]', { name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
  assert.match(await page.textContent('[data-testid="wa-send-error"]'), /at most 5\.0 MB/);
  assert.equal(requests.filter((u) => u.endsWith('/api/whatsapp/media')).length, uploads, 'nothing uploaded');

  const small = await newPage({ width: 390, height: 844 });
  await small.evaluate((p) => window.wacloudWidget.openChat(p), phone);
  await small.waitForFunction(() => document.querySelectorAll('[data-testid="wa-media-img"]').length >= 2);
  const fits = await small.$$eval('[data-testid="wa-media-img"]', (els) => els.every((el) => el.getBoundingClientRect().right <= 390));
  assert.ok(fits, 'the photos fit the screen');
  await shot(small, 'tools-16-media-phone.png');
  await small.context().close();
});

test('phone size: the tools fit, search and campaigns are usable', async () => {
  const phone = await newPage({ width: 390, height: 844 });
  const overflow = await phone.$eval('[data-testid="wa-tools"]', (el) => el.scrollWidth > el.clientWidth + 1);
  assert.equal(overflow, false, 'the tools row fits');
  await phone.click('[data-testid="wa-msgsearch-open"]');
  await phone.fill('[data-testid="wa-msgsearch-input"]', WORD);
  await phone.waitForFunction(() => document.querySelectorAll('[data-testid="wa-search-result"]').length >= 2);
  await shot(phone, 'tools-06-search-phone.png');
  await phone.click('[data-testid="wa-msgsearch-close"]');
  await phone.click('[data-testid="wa-campaigns-open"]');
  await phone.waitForSelector('[data-testid="wa-campaign"]');
  await shot(phone, 'tools-07-campaigns-phone.png');
  await phone.click('[data-testid="wa-campaign"]');
  await phone.waitForSelector('[data-testid="wa-campaign-item"]');
  const wide = await phone.$eval('[data-testid="wa-campaigns-sheet"] .wa-sheet-card', (el) => el.getBoundingClientRect().right <= 390);
  assert.ok(wide, 'the campaign fits the screen');
  await shot(phone, 'tools-08-campaign-detail-phone.png');
  await phone.context().close();
});

test('an agent sees the search but not the admins\' tools (campaigns, export, import); an admin sees them', async (t) => {
  // Last: once it has operators the server wants a login.
  const ADMIN = { email: `ada${RUN}@example.com`, display_name: 'Ada', role: 'admin', password: 'correct-orbit-lamp-42' };
  const AGENT = { email: `bo${RUN}@example.com`, display_name: 'Bo', role: 'agent', password: 'velvet-harbor-cactus-9' };
  const first = await fetch(`${API}/operators`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ADMIN) });
  if (first.status === 401) { t.skip('this server has operators already (an earlier run)'); return; }
  assert.equal(first.status, 201);
  const login = await fetch(`${API}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const agent = await fetch(`${API}/operators`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: JSON.stringify(AGENT) });
  assert.equal(agent.status, 201);
  const admins = ['wa-campaigns-open', 'wa-export-contacts', 'wa-import-open', 'wa-bulk-open'];
  for (const [who, visible] of [[AGENT, false], [ADMIN, true]]) {
    const p = await newPage({ width: 1280, height: 800 });
    await p.waitForSelector('[data-testid="wa-login"]', { state: 'visible' });
    await p.fill('[data-testid="wa-login-email"]', who.email);
    await p.fill('[data-testid="wa-login-password"]', who.password);
    await p.click('[data-testid="wa-login-submit"]');
    await p.waitForSelector('[data-testid="wa-login"]', { state: 'hidden' });
    assert.equal(await p.isVisible('[data-testid="wa-msgsearch-open"]'), true, `${who.role} searches`);
    for (const id of admins) assert.equal(await p.isVisible(`[data-testid="${id}"]`), visible, `${id} for ${who.role}`);
    await p.context().close();
  }
});

test('no request left the server, no script error, no dialog', () => {
  const foreign = requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).host !== SERVER.host);
  assert.deepEqual(foreign, []);
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(dialogs, []);
});
