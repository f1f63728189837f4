// Browser test of the API reference page (/api-reference.html) against a running wacloud
// server: it renders every operation and schema of /api/openapi.json from the server alone.
//
//   cd tests/browser && npm ci && WACLOUD_URL=http://127.0.0.1:8000 npm test
//
// Env: WACLOUD_URL (default http://127.0.0.1:8000), CHROMIUM_PATH (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.WACLOUD_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

let browser;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

test('the API reference renders every operation and schema of the document, from this server alone', async () => {
  const doc = await fetch(`${BASE}/api/openapi.json`).then((r) => r.json());
  const operations = Object.values(doc.paths).flatMap((item) => METHODS.filter((m) => item[m]).map((m) => item[m]));
  const schemas = Object.keys(doc.components.schemas);

  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (req) => requests.push(req.url()));
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });

  await page.goto(`${BASE}/api-reference.html`);
  await page.waitForSelector('section.operation');
  for (const op of operations) {
    const section = page.locator(`section.operation[id="${op.operationId}"]`);
    assert.equal(await section.count(), 1, `operation ${op.operationId} is shown`);
    const statuses = await section.locator('.status').allTextContents();
    assert.deepEqual(statuses, Object.keys(op.responses), `every answer of ${op.operationId} is listed`);
  }
  assert.equal(await page.locator('section.operation').count(), operations.length);
  for (const name of schemas) {
    assert.equal(await page.locator(`section.schema[id="schema-${name}"]`).count(), 1, `schema ${name} is shown`);
  }
  // A reference in an answer leads to its schema.
  const send = page.locator('section.operation[id="send"]');
  await send.locator('a.type', { hasText: 'ErrorBody' }).first().click();
  assert.match(page.url(), /#schema-ErrorBody$/);
  await page.screenshot({ path: join(SHOTS, 'api-reference.png') });

  const server = new URL(BASE).host;
  const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).host !== server);
  assert.deepEqual(foreign, [], 'nothing is loaded from anywhere but the server');
  assert.deepEqual(errors, [], 'no script error');
  await context.close();
});
