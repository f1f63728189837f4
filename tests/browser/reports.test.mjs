// Browser test of the reports view (issue 21): with customers' messages and a reply on the
// server, the reports open from the tools row, show totals, draw their chart (uPlot's canvas,
// served by wacloud itself) and a table, switch report and grouping, and download the CSV.
// Against a running wacloud server in sandbox mode with no operator (the open mode: reports are
// admins'; `npm run test:tools` runs it before inbox-tools, which adds operators).
//
//   cd tests/browser && WACLOUD_TOOLS_URL=http://127.0.0.1:8003 node --test reports.test.mjs
//
// Env: WACLOUD_TOOLS_URL (default http://127.0.0.1:8000), CHROMIUM_PATH.
// Screenshots: tests/browser/screenshots/reports-desktop.png, reports-phone.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_TOOLS_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const API = `${BASE}/api/whatsapp`;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, 'screenshots');
const RUN = String(Date.now() % 100000).padStart(5, '0');

let browser;
const pageErrors = [];
const requests = [];

async function post(path, body, root = API) {
  const res = await fetch(`${root}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  assert.ok(res.ok, `${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
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
  // Two customers write; one is answered.
  for (const [n, name] of [['1', 'Rita'], ['2', 'Sam']]) {
    await post(`/sandbox/customers/${encodeURIComponent(`+15557${RUN}${n}`)}/messages`, { text: `question ${n}`, name }, BASE);
  }
  await until('the customers stored', async () => {
    const res = await fetch(`${API}/reports/messages`);
    const r = await res.json();
    return res.ok && r.total.received >= 2;
  });
  await post('/send', { phone_number: `+15557${RUN}1`, message_text: 'answer' });
});

after(async () => {
  if (browser) await browser.close();
});

async function open(viewport) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const p = await context.newPage();
  p.on('pageerror', (err) => pageErrors.push(err.message));
  p.on('request', (req) => requests.push(req.url()));
  p.setDefaultTimeout(10000);
  await p.goto(`${BASE}/dashboard.html`);
  await p.waitForSelector('[data-testid="wa-panel"]:not([hidden])');
  return p;
}

const total = (p, column) => p.textContent(`[data-testid="wa-report-total"][data-column="${column}"] .wa-report-total-value`);

test('the reports show totals, a chart and a table, and download as CSV', async () => {
  const page = await open({ width: 1280, height: 900 });
  await page.click('[data-testid="wa-reports-open"]');
  await page.waitForSelector('[data-testid="wa-reports-sheet"]:not([hidden])');
  // Conversations per day over the last 30 days: at least the two opened today.
  await page.waitForSelector('[data-testid="wa-report-total"][data-column="opened"]');
  assert.ok(Number(await total(page, 'opened')) >= 2, 'two conversations opened');
  await page.waitForSelector('[data-testid="wa-report-chart"]:not([hidden]) canvas');
  const rows = await page.$$('[data-testid="wa-report-row"]');
  assert.ok(rows.length >= 30, `a row per day: ${rows.length}`);

  // Messages per operator: customers' received, the open mode's reply as `local`.
  await page.selectOption('[data-testid="wa-report-name"]', 'messages');
  await page.selectOption('[data-testid="wa-report-group"]', 'operator');
  await page.waitForSelector('[data-testid="wa-report-row"][data-key="customer"]');
  await page.waitForSelector('[data-testid="wa-report-row"][data-key="local"]');
  assert.ok(Number(await total(page, 'received')) >= 2);
  assert.ok(Number(await total(page, 'sent')) >= 1);
  await page.waitForSelector('[data-testid="wa-report-chart"]:not([hidden]) canvas');
  const drawn = await page.$eval('[data-testid="wa-report-chart"] canvas', (c) => c.width > 0 && c.height > 0);
  assert.ok(drawn, 'the chart has a size');
  await page.screenshot({ path: join(SHOTS, 'reports-desktop.png') });

  // The CSV of what is shown: a header line, then the rows and the total.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="wa-report-csv"]')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
  assert.equal(csv[0], 'key,label,received,sent,automatic');
  assert.ok(csv.some((l) => l.startsWith('customer,')), csv.join('\n'));
  assert.ok(csv[csv.length - 1].startsWith('total,'), csv.join('\n'));

  // Response times: nothing an operator answered in the open mode, shown as dashes.
  await page.selectOption('[data-testid="wa-report-name"]', 'response-times');
  await until('the response times', async () => (await total(page, 'median_seconds')) === '–');
  await page.context().close();
});

test('on a phone the reports fit the screen', async () => {
  const page = await open({ width: 390, height: 844 });
  await page.click('[data-testid="wa-reports-open"]');
  await page.waitForSelector('[data-testid="wa-report-chart"]:not([hidden]) canvas');
  const overflow = await page.$eval('[data-testid="wa-reports-sheet"] .wa-sheet-card', (el) => el.scrollWidth - el.clientWidth);
  assert.ok(overflow <= 1, `no sideways scrolling: ${overflow}px`);
  await page.screenshot({ path: join(SHOTS, 'reports-phone.png') });
  await page.context().close();
});

test('nothing came from another host and no script failed', () => {
  const origin = new URL(BASE).origin;
  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(foreign, []);
  assert.ok(requests.some((u) => u.includes('/vendor/uplot/uPlot.iife.min.js')), 'uPlot came from the server');
  assert.deepEqual(pageErrors, []);
});
