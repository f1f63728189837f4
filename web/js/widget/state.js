/**
 * wacloud operator widget: The widget's options, its state and the API client (`w.request`, `w.api`).
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { DEFAULT_CSS_URL, ensureStylesheet } from './dom.js';
import { CONTACTS_LIMIT, LIVE_POLL_MS, WidgetError, nextInstance } from './format.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  // ---- API -----------------------------------------------------------------------------------

  w.request = async function request(method, path, { query, body, root = w.apiBase, headers = {} } = {}) {
    const url = new URL(root + path);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== null && v !== undefined && v !== '') url.searchParams.set(k, String(v));
    }
    const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' };
    if (w.opts.apiKey) init.headers.Authorization = `Bearer ${String(w.opts.apiKey)}`;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(url.href, init);
    } catch {
      throw new WidgetError('network', 'Cannot reach the wacloud server. Check that it is running.');
    }
    const raw = await res.text().catch(() => '');
    let data = null;
    try { data = raw ? JSON.parse(raw) : null; } catch { data = null; }
    if (!res.ok) {
      const err = data && typeof data === 'object' ? data.error : null;
      let message = err && err.message ? String(err.message) : `The server answered HTTP ${res.status}.`;
      const graph = err && err.graph;
      if (graph && graph.code && !message.includes(String(graph.code))) {
        message += ` (${[graph.code, graph.title].filter(Boolean).join(' ')})`;
      }
      if (res.status === 401 && err && err.code === 'login_required' && !path.startsWith('/auth/login')) w.needLogin();
      throw new WidgetError((err && err.code) || `http_${res.status}`, message, res.status, err);
    }
    return data;
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.opts = {
    apiBase: '/api/whatsapp',
    pollIntervalMs: 2000,
    live: true,
    container: null,
    startOpen: false,
    css: DEFAULT_CSS_URL,
    ...w.options,
  };
  w.apiBase = new URL(String(w.opts.apiBase || '/api/whatsapp'), document.baseURI).href.replace(/\/+$/, '');
  // The sandbox customer endpoint is not under the API base: it hangs off the server's root.
  w.serverRoot = /\/api\/whatsapp$/.test(w.apiBase) ? w.apiBase.replace(/\/api\/whatsapp$/, '') : new URL(w.apiBase).origin;
  w.pollMs = Math.max(250, Number(w.opts.pollIntervalMs) || 2000);
  // With live updates, polling is only a safety net for a change the stream missed.
  w.livePollMs = Math.max(LIVE_POLL_MS, w.pollMs * 5);
  w.container = w.opts.container || document.body;
  w.uid = `wa${nextInstance()}`;

  if (w.opts.css !== false) ensureStylesheet(w.opts.css || DEFAULT_CSS_URL);

  w.state = {
    open: false,
    destroyed: false,
    health: null,
    healthState: 'loading',
    healthError: null,
    lastHealthAt: 0,
    connError: null,
    contacts: [],
    contactsLoaded: false,
    contactsTotal: 0,
    contactsWanted: CONTACTS_LIMIT,
    loadingMoreContacts: false,
    filter: '',
    totalUnread: 0,
    search: '',
    view: 'list', // which pane shows on narrow screens: 'list' | 'chat'
    active: null, // { key, fallbackName }
    chatGen: 0,
    messages: new Map(), // id -> message (with _seq)
    seq: 0,
    nextCursor: null,
    hasMore: false,
    chatLoaded: false,
    loadingOlder: false,
    sending: false,
    idempotencyKey: null,
    markingRead: false,
    simulateOpen: false,
    bulkOpen: false,
    bulkSending: false,
    bulkKey: null,
    batches: new Map(), // batch id -> { summary, accepted, rejected, error }
    // Operators: `required` once the server answered 401 `login_required`; `operator` while
    // logged in (GET /auth/me, POST /auth/login).
    auth: { required: false, operator: null, busy: false },
    // The team inbox: the list's view (`mine`, `unassigned`, `all`) and status filter, the
    // open conversation's state and timeline (notes, status changes, assignments), who can
    // be assigned, the canned replies, and whether the composer writes a reply or a note.
    inbox: { view: 'all', status: 'open', conversation: null, timeline: new Map(), assignees: [], canned: null, mode: 'reply' },
    // Notifications: unread counts last seen per conversation (null until the first read).
    seenUnread: null,
    notified: 0,
  };
  w.baseTitle = document.title;
  w.BATCHES_KEY = `wacloud:batches:${w.apiBase}`;
}
