/**
 * wacloud operator widget: a WhatsApp chat panel that drops into any web page.
 *
 * Plain ES module, no framework, no build step, and it never loads anything from another
 * origin than the wacloud server it is pointed at (and its own stylesheet).
 *
 * This file is the entry embedding pages load; the widget's parts are plain ES modules in
 * `./widget/` (imported relative to this file's URL, so the one script tag keeps working from
 * any origin that serves both). The parts share one object `w`: the state, the elements and
 * every part's functions (`w.openChat`, `w.request`, …). Each part's `define(w)` puts its
 * functions on `w` first (so any part may call any other), then each part's `install(w)` builds
 * and wires its elements, in the order of `PARTS`.
 *
 * Embed with one tag:
 *
 *   <script type="module" src="/js/whatsapp-widget.js"
 *           data-api-base="http://127.0.0.1:8000/api/whatsapp" data-auto-mount></script>
 *
 * Script attributes (auto-mount only): `data-auto-mount` (required to mount), `data-api-base`,
 * `data-poll-interval-ms`, `data-live` ("false" turns live updates off), `data-start-open`
 * (present and not "false"), `data-css` (stylesheet
 * URL; default `../css/whatsapp-styles.css` next to this script; "none" injects nothing),
 * `data-container` (CSS selector; default `document.body`), `data-api-key` (the server's
 * `WACLOUD_API_KEY`, for a server that requires one). The auto-mounted controller is
 * published as `window.wacloudWidget` and in a `wacloud:widget-ready` event on `document`.
 *
 * Or from code:
 *
 *   import { mountWhatsAppWidget } from '/js/whatsapp-widget.js';
 *   const widget = mountWhatsAppWidget({ apiBase: '/api/whatsapp', startOpen: true });
 *   widget.openChat('+15550000001'); widget.close(); widget.destroy();
 *
 * Talks to the HTTP contract in docs/API.md: GET /health, GET /contacts, POST /contacts/{phone}/read,
 * GET /messages (and its `search`), POST /send, POST /messages/{id}/retry, POST /send-bulk,
 * GET /batches, GET /batches/{id} (and its export), GET /reports/{name} (the reports view, charts by the bundled uPlot), POST /batches/{id}/cancel, GET /export/contacts,
 * GET /export/messages, POST /contacts/import, POST /media, GET /messages/{id}/media, GET /templates, POST /templates, POST /templates/sync,
 * POST /contacts/{phone}/typing, GET|POST /contacts/{phone}/thread (who owns the conversation; take it
 * over), GET|POST /groups and its sub-routes (the groups view), the team inbox's and the login's routes, and in
 * sandbox mode POST {origin}/sandbox/customers/{phone}/messages.
 * Updates: live through `GET /events` (server-sent events: the server says when something
 * changed, on any instance behind a load balancer) where the browser and server support it; the
 * widget then re-reads what it shows, and keeps polling slowly as a safety net. Without live
 * updates (an older server, a proxy that buffers event streams) it polls every `pollIntervalMs`.
 * Both pause while the tab is hidden.
 *
 * Security rule: every server-provided string reaches the DOM through text nodes or
 * `setAttribute`, never through HTML parsing. No file of the widget contains `innerHTML`.
 */

import { DEFAULT_CSS_URL } from './widget/dom.js';
import * as state from './widget/state.js';
import * as skeleton from './widget/skeleton.js';
import * as panel from './widget/panel.js';
import * as contacts from './widget/contacts.js';
import * as chat from './widget/chat.js';
import * as messages from './widget/messages.js';
import * as composer from './widget/composer.js';
import * as reply from './widget/reply.js';
import * as media from './widget/media.js';
import * as sheets from './widget/sheets.js';
import * as inbox from './widget/inbox.js';
import * as routing from './widget/routing.js';
import * as calls from './widget/calls.js';
import * as search from './widget/search.js';
import * as campaigns from './widget/campaigns.js';
import * as reports from './widget/reports.js';
import * as groups from './widget/groups.js';
import * as transfer from './widget/transfer.js';
import * as templates from './widget/templates.js';
import * as templateAdmin from './widget/template_admin.js';
import * as automation from './widget/automation.js';
import * as rules from './widget/rules.js';
import * as live from './widget/live.js';
import * as auth from './widget/auth.js';
import * as numbers from './widget/numbers.js';

export { MAX_TEXT_CHARS, normalisePhone, failureReason } from './widget/format.js';
export { fillCanned } from './widget/dom.js';

const SCRIPT_URL = import.meta.url;

/** The widget's parts, in the order they are installed (the last one starts everything). */
const PARTS = [state, skeleton, numbers, panel, contacts, chat, messages, composer, reply, media, sheets, inbox, routing, calls, search, campaigns, reports, groups, transfer, templates, templateAdmin, automation, rules, live, auth];

/**
 * Mounts the widget and starts live updates (or polling).
 *
 * @param {object} [options]
 * @param {string} [options.apiBase='/api/whatsapp'] base URL of the wacloud API (relative to the page, or absolute)
 * @param {number} [options.pollIntervalMs=2000] polling period for contacts and the open chat
 *   when live updates are off or unavailable (with them: every 15 s, or 5× this, whichever is longer)
 * @param {boolean} [options.live=true] use live updates (`GET /events`) when available
 * @param {Element} [options.container=document.body] where the widget's root element is appended
 * @param {boolean} [options.startOpen=false] open the panel right away
 * @param {string|false} [options.css] stylesheet URL to inject (default next to this script); false for none
 * @param {string} [options.apiKey] the server's `WACLOUD_API_KEY`, sent as `Authorization: Bearer …`
 *   on every request. Browsers cannot put a header on an event stream, so with a key the widget
 *   polls instead of using live updates. Anyone who can read the page can read the key: use it
 *   on an operators' page behind your own login, not on a public one.
 * @returns {{element: HTMLElement, open(): void, close(): void, toggle(): void,
 *            openChat(phone: string): void, refresh(): void, destroy(): void}}
 */
export function mountWhatsAppWidget(options = {}) {
  const w = { options };
  for (const part of PARTS) if (part.define) part.define(w);
  for (const part of PARTS) part.install(w);
  return w.controller;
}

// ---------------------------------------------------------------------------------------------
// Auto-mount from the script tag

function ownScriptTag() {
  for (const s of document.querySelectorAll('script[type="module"][src]')) {
    if (s.src === SCRIPT_URL) return s;
  }
  return null;
}

function autoMount() {
  const tag = ownScriptTag();
  if (!tag || !tag.hasAttribute('data-auto-mount') || tag.dataset.waMounted) return;
  tag.dataset.waMounted = 'true';
  const d = tag.dataset;
  const flag = (v) => v !== undefined && v !== 'false' && v !== '0';
  const options = {
    apiBase: d.apiBase || '/api/whatsapp',
    pollIntervalMs: Number(d.pollIntervalMs || d.pollInterval) || 2000,
    live: d.live === undefined ? true : flag(d.live),
    startOpen: flag(d.startOpen),
    css: d.css === 'none' ? false : (d.css ? new URL(d.css, document.baseURI).href : DEFAULT_CSS_URL),
    container: d.container ? document.querySelector(d.container) : null,
    apiKey: d.apiKey || undefined,
  };
  const widget = mountWhatsAppWidget(options);
  window.wacloudWidget = widget;
  document.dispatchEvent(new CustomEvent('wacloud:widget-ready', { detail: widget }));
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', autoMount, { once: true });
  else autoMount();
}
