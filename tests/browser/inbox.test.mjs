// Browser test of the team inbox against a server of its own (it adds operators, after which
// that server requires a login, so it shares no server with the other tests).
//
//   cd tests/browser && WACLOUD_INBOX_URL=http://127.0.0.1:8002 node --test inbox.test.mjs
//
// The server must be in sandbox mode with no operator yet. The test adds an admin (Ada) and an
// agent (Bo) through the API, a canned reply as Ada, and has a simulated customer (Cleo) write
// in. In the browser, Bo logs in, takes the unassigned conversation, answers, resolves it; Cleo
// writes again and the conversation opens again; Bo writes a private note mentioning Ada and
// answers with a canned reply picked with `/`. A second customer writing meanwhile notifies Bo
// (the page title and a browser notification). Screenshots at desktop and phone size.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_INBOX_URL || '').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const CLEO = '+15550000071';
const DAN = '+15550000072';
const ADMIN = { email: 'ada@example.com', display_name: 'Ada', role: 'admin', password: 'correct-orbit-lamp-42' };
const AGENT = { email: 'bo@example.com', display_name: 'Bo', role: 'agent', password: 'velvet-harbor-cactus-9' };

let browser;
let admin;
const pageErrors = [];

async function api(method, path, { body, cookie } = {}) {
  const headers = { Accept: 'application/json' };
  if (body) headers['Content-Type'] = 'application/json';
  if (cookie) headers.Cookie = cookie;
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, setCookie: res.headers.get('set-cookie') };
}

async function customerWrites(phone, text, name) {
  const r = await api('POST', `/sandbox/customers/${encodeURIComponent(phone)}/messages`, { body: { text, name }, cookie: admin });
  assert.equal(r.status, 202, JSON.stringify(r.json));
}

before(async () => {
  if (!BASE) throw new Error('set WACLOUD_INBOX_URL to a sandbox server with no operators');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}`);
  mkdirSync(SHOTS, { recursive: true });
  let r = await api('POST', '/api/whatsapp/operators', { body: ADMIN });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  r = await api('POST', '/api/whatsapp/auth/login', { body: { email: ADMIN.email, password: ADMIN.password } });
  assert.equal(r.status, 200);
  admin = r.setCookie.split(';')[0];
  r = await api('POST', '/api/whatsapp/operators', { body: AGENT, cookie: admin });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  r = await api('POST', '/api/whatsapp/canned-replies', {
    body: { short_code: 'thanks', content: 'Thanks {{name}}, {{operator_name}} will look into it today.' }, cookie: admin,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  r = await api('POST', '/api/whatsapp/canned-replies', { body: { short_code: 'hours', content: 'We are open 9 to 17.' }, cookie: admin });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  await customerWrites(CLEO, 'my parcel never arrived', 'Cleo');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
});

after(async () => {
  await browser?.close();
});

/** A page logged in as Bo, with browser notifications allowed and recorded. */
async function agentPage(viewport) {
  const context = await browser.newContext({ viewport });
  await context.addInitScript(() => {
    window.__notifications = [];
    class FakeNotification {
      static permission = 'granted';
      static requestPermission() { return Promise.resolve('granted'); }
      constructor(title, options) { window.__notifications.push({ title, body: options && options.body }); }
      close() {}
    }
    window.Notification = FakeNotification;
    // Count the chimes the widget plays (WebAudio oscillators; no sound file is fetched).
    window.__chimes = 0;
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function createOscillator() {
      window.__chimes += 1;
      return create.call(this);
    };
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.setDefaultTimeout(10000);
  await page.goto(`${BASE}/dashboard.html`);
  await page.waitForSelector('[data-testid="wa-login"]', { state: 'visible' });
  await page.fill('[data-testid="wa-login-email"]', AGENT.email);
  await page.fill('[data-testid="wa-login-password"]', AGENT.password);
  await page.click('[data-testid="wa-login-submit"]');
  await page.waitForSelector('[data-testid="wa-login"]', { state: 'hidden' });
  return { context, page };
}

const contactSel = (phone) => `[data-testid="wa-contact"][data-phone="${phone}"]`;

test('an agent takes, answers, resolves; the customer reopens; a note and a canned reply', async () => {
  const { context, page } = await agentPage({ width: 1280, height: 800 });
  // The views show for an operator; the page title counts the unread message.
  await page.waitForSelector('[data-testid="wa-views"]', { state: 'visible' });
  await page.waitForFunction(() => /^\(1\) /.test(document.title));
  await page.click('[data-testid="wa-view-unassigned"]');
  await page.waitForSelector(contactSel(CLEO));
  assert.equal(await page.textContent(`${contactSel(CLEO)} [data-testid="wa-contact-assignee"]`), 'Unassigned');
  await page.click('[data-testid="wa-view-mine"]');
  await page.waitForSelector('[data-testid="wa-contacts-empty"]', { state: 'visible' });
  assert.match(await page.textContent('[data-testid="wa-contacts-empty"]'), /assigned to you/);
  await page.click('[data-testid="wa-view-unassigned"]');
  await page.click(contactSel(CLEO));
  await page.waitForSelector('[data-testid="wa-conv-bar"]', { state: 'visible' });
  assert.equal(await page.textContent('[data-testid="wa-conv-status"]'), 'Open');
  await page.waitForFunction(() => document.title.indexOf('(') !== 0, null, { timeout: 15000 }); // read: no count

  // Take it.
  await page.click('[data-testid="wa-assign-me"]');
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="wa-event-text"]'))
    .some((e) => e.textContent.startsWith('Bo took the conversation')));
  assert.equal(await page.$eval('[data-testid="wa-assignee"]', (s) => s.selectedOptions[0].textContent), 'Bo (you)');
  assert.equal(await page.isVisible('[data-testid="wa-assign-me"]'), false);
  await page.click('[data-testid="wa-view-mine"]');
  await page.waitForSelector(`${contactSel(CLEO)} [data-testid="wa-contact-assignee"]:text("You")`);

  // Answer.
  await page.fill('[data-testid="wa-composer-input"]', 'Sorry to hear that, checking now.');
  await page.press('[data-testid="wa-composer-input"]', 'Enter');
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="wa-message"][data-direction="outbound"]'))
    .some((e) => !e.dataset.id.startsWith('local-') && e.querySelector('[data-testid="wa-message-sender"]')?.textContent === 'Bo'));

  // Resolve: it leaves the list of open conversations, and says so in the timeline.
  await page.click('[data-testid="wa-resolve"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="wa-conv-status"]').textContent === 'Resolved');
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="wa-event-text"]'))
    .some((e) => e.textContent.startsWith('Bo resolved the conversation')));
  await page.waitForSelector(contactSel(CLEO), { state: 'detached' });
  assert.equal(await page.isVisible('[data-testid="wa-reopen"]'), true);
  await page.screenshot({ path: join(SHOTS, 'inbox-01-resolved-desktop.png') });

  // The customer writes again: it opens again, by itself, live; and another customer's
  // message in an unassigned conversation notifies Bo.
  await customerWrites(CLEO, 'still nothing here', 'Cleo');
  await page.waitForFunction(() => document.querySelector('[data-testid="wa-conv-status"]').textContent === 'Open', null, { timeout: 15000 });
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="wa-event-text"]'))
    .some((e) => e.textContent.startsWith('Reopened by a new message from the customer')));
  await page.waitForSelector(contactSel(CLEO));
  // The timeline interleaves by time: the customer's message, then the reopening it caused.
  const order = await page.$$eval('[data-testid="wa-message-list"] > *', (els) => els.map((e) => e.textContent));
  const said = order.findIndex((t) => t.includes('still nothing here'));
  const reopened = order.findIndex((t) => t.startsWith('Reopened by'));
  const resolved = order.findIndex((t) => t.startsWith('Bo resolved'));
  assert.ok(resolved < said && said < reopened, JSON.stringify(order));
  await customerWrites(DAN, 'do you ship to Norway?', 'Dan');
  await page.waitForFunction(() => window.__notifications.some((n) => n.title === 'Dan'), null, { timeout: 15000 });
  assert.ok((await page.evaluate(() => window.__chimes)) >= 1, 'a chime was played');
  await page.waitForFunction(() => /^\(\d+\) /.test(document.title));
  assert.ok((await page.evaluate(() => window.wacloudWidget.state.notified)) >= 1);
  assert.ok(!(await page.evaluate(() => window.__notifications.some((n) => n.title === 'Cleo'))),
    'no notification for the conversation on screen');

  // A private note, mentioning Ada: a card unlike any message, in the timeline (after the
  // reopening, even within the same second).
  await page.click('[data-testid="wa-mode-note"]');
  await page.fill('[data-testid="wa-composer-input"]', '@Ada the courier lost it, can you approve a refund?');
  await page.press('[data-testid="wa-composer-input"]', 'Enter');
  const note = await page.waitForSelector('[data-testid="wa-note"]');
  assert.equal(await note.$eval('[data-testid="wa-note-author"]', (e) => e.textContent), 'Bo');
  assert.equal(await note.$eval('[data-testid="wa-mention"]', (e) => e.textContent), '@Ada');
  assert.equal(await page.locator('[data-testid="wa-message"] >> text=courier lost it').count(), 0, 'not a message');
  const after = await page.$$eval('[data-testid="wa-message-list"] > *', (els) => els.map((e) => e.textContent));
  assert.ok(after.findIndex((t) => t.startsWith('Reopened by')) < after.findIndex((t) => t.includes('courier lost it')), JSON.stringify(after));
  const notes = await api('GET', `/api/whatsapp/contacts/${encodeURIComponent(CLEO)}/notes`, { cookie: admin });
  assert.equal(notes.json.entries[0].mentions[0].display_name, 'Ada');
  const counts = await api('GET', '/sandbox/counts', { cookie: admin });
  assert.equal(counts.json.accepted, 1, 'only the answer reached Graph, never the note');

  // A canned reply with `/`: the list filters, Enter picks, the placeholders are filled.
  await page.click('[data-testid="wa-mode-reply"]');
  await page.fill('[data-testid="wa-composer-input"]', '');
  await page.type('[data-testid="wa-composer-input"]', '/th');
  await page.waitForSelector('[data-testid="wa-canned"]', { state: 'visible' });
  const items = await page.$$eval('[data-testid="wa-canned-item"]', (els) => els.map((e) => e.querySelector('.wa-canned-code').textContent));
  assert.deepEqual(items, ['/thanks']);
  await page.screenshot({ path: join(SHOTS, 'inbox-02-note-and-canned-desktop.png') });
  await page.press('[data-testid="wa-composer-input"]', 'Enter');
  assert.equal(await page.inputValue('[data-testid="wa-composer-input"]'), 'Thanks Cleo, Bo will look into it today.');
  await page.press('[data-testid="wa-composer-input"]', 'Enter');
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="wa-message"][data-direction="outbound"] [data-testid="wa-message-text"]'))
    .some((e) => e.textContent === 'Thanks Cleo, Bo will look into it today.'));
  await page.screenshot({ path: join(SHOTS, 'inbox-03-canned-sent-desktop.png') });
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('on a phone the conversation bar, a note and the canned list fit', async () => {
  const { context, page } = await agentPage({ width: 390, height: 844 });
  await page.click('[data-testid="wa-view-all"]');
  await page.click(contactSel(CLEO));
  await page.waitForSelector('[data-testid="wa-conv-bar"]', { state: 'visible' });
  await page.waitForSelector('[data-testid="wa-note"]');
  await page.screenshot({ path: join(SHOTS, 'inbox-04-conversation-phone.png') });
  // Nothing of the bar spills out of the screen.
  const overflow = await page.$eval('[data-testid="wa-conv-bar"]', (bar) => Array.from(bar.querySelectorAll('button, select'))
    .filter((e) => e.offsetParent).some((e) => e.getBoundingClientRect().right > window.innerWidth + 1));
  assert.equal(overflow, false);
  await page.type('[data-testid="wa-composer-input"]', '/');
  await page.waitForSelector('[data-testid="wa-canned"]', { state: 'visible' });
  assert.equal(await page.locator('[data-testid="wa-canned-item"]').count(), 2);
  await page.screenshot({ path: join(SHOTS, 'inbox-05-canned-phone.png') });
  await page.press('[data-testid="wa-composer-input"]', 'Escape');
  assert.equal(await page.isVisible('[data-testid="wa-canned"]'), false);
  // Snooze until a time of one's choosing; the conversation says until when.
  await page.selectOption('[data-testid="wa-snooze"]', 'custom');
  await page.waitForSelector('[data-testid="wa-snooze-at"]', { state: 'visible' });
  const later = new Date(Date.now() + 3 * 3600 * 1000);
  const local = new Date(later.getTime() - later.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await page.fill('[data-testid="wa-snooze-at"]', local);
  await page.screenshot({ path: join(SHOTS, 'inbox-06-snooze-at-phone.png') });
  await page.click('[data-testid="wa-snooze-at-go"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="wa-conv-status"]').textContent.startsWith('Snoozed until'));
  const conv = await api('GET', `/api/whatsapp/contacts/${encodeURIComponent(CLEO)}/conversation`, { cookie: admin });
  assert.equal(conv.json.status, 'snoozed');
  assert.ok(Math.abs(new Date(conv.json.snoozed_until).getTime() - Math.floor(later.getTime() / 60000) * 60000) < 60000);
  await page.click('[data-testid="wa-back"]');
  await page.waitForSelector('[data-testid="wa-inbox-bar"]', { state: 'visible' });
  await page.screenshot({ path: join(SHOTS, 'inbox-07-list-phone.png') });
  assert.deepEqual(pageErrors, []);
  await context.close();
});
