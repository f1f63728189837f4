/**
 * wacloud operator widget: a WhatsApp chat panel that drops into any web page.
 *
 * Plain ES module, no framework, no build step, and it never loads anything from another
 * origin than the wacloud server it is pointed at (and its own stylesheet).
 *
 * Why one file of this size: the panel's state (contacts, open chat, live stream, composer) lives
 * in one closure that every part reads; embedding pages load this one URL. Splitting it into
 * modules (list, chat, composer, API client) is the operator's-inbox rework's first step.
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
 * GET /messages, POST /send, POST /messages/{id}/retry, POST /send-bulk, GET /batches/{id},
 * POST /batches/{id}/cancel, and in sandbox mode POST {origin}/sandbox/customers/{phone}/messages.
 * Updates: live through `GET /events` (server-sent events: the server says when something
 * changed, on any instance behind a load balancer) where the browser and server support it; the
 * widget then re-reads what it shows, and keeps polling slowly as a safety net. Without live
 * updates (an older server, a proxy that buffers event streams) it polls every `pollIntervalMs`.
 * Both pause while the tab is hidden.
 *
 * Security rule: every server-provided string reaches the DOM through text nodes or
 * `setAttribute`, never through HTML parsing. This file contains no `innerHTML`.
 */

const SCRIPT_URL = import.meta.url;
const DEFAULT_CSS_URL = new URL('../css/whatsapp-styles.css', SCRIPT_URL).href;
const SVG_NS = 'http://www.w3.org/2000/svg';

/** Meta's limit for a text message body, in characters (counted as Unicode code points). */
export const MAX_TEXT_CHARS = 4096;
const COUNTER_FROM = 3584;
const PAGE_SIZE = 50;
const CONTACTS_LIMIT = 200;
const HEALTH_EVERY_MS = 10000;
const LIVE_POLL_MS = 15000;
/** After the event stream failed for good (no endpoint, a buffering proxy), try again this late. */
const LIVE_RETRY_MS = 30000;

let instanceCounter = 0;

// ---------------------------------------------------------------------------------------------
// Small DOM helpers (no HTML parsing anywhere)

/**
 * Creates an element. `attrs`: `class`, `text` (textContent), `hidden` (boolean), `on<event>`
 * (listener), `props` (assigned as properties), anything else via setAttribute (null skipped).
 * `children`: nodes or strings (strings become text nodes), null/false skipped.
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'hidden') el.hidden = Boolean(value);
    else if (key === 'props') Object.assign(el, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/** Material-style 24×24 icon paths (constants of this file, never server data). */
const ICONS = {
  chat: 'M20 2H4c-1.1 0-1.99.9-1.99 2L2 22l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zM6 9h12v2H6V9zm8 5H6v-2h8v2zm4-6H6V6h12v2z',
  close: 'M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z',
  back: 'M20 11H7.83l5.59-5.59L12 4l-8 8 8 8 1.41-1.41L7.83 13H20v-2z',
  send: 'M2.01 21 23 12 2.01 3 2 10l15 2-15 2z',
  search: 'M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19l-4.99-5zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14z',
  newChat: 'M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zm-3 9h-4v4h-2v-4H7V9h4V5h2v4h4v2z',
  check: 'M9 16.17 4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z',
  checks: 'M18 7l-1.41-1.41-6.34 6.34 1.41 1.41L18 7zm4.24-1.41L11.66 16.17 7.48 12l-1.41 1.41L11.66 19l12-12-1.42-1.41zM.41 13.41 6 19l1.41-1.41L1.83 12 .41 13.41z',
  clock: 'M11.99 2C6.47 2 2 6.48 2 12s4.47 10 9.99 10C17.52 22 22 17.52 22 12S17.52 2 11.99 2zM12 20c-4.42 0-8-3.58-8-8s3.58-8 8-8 8 3.58 8 8-3.58 8-8 8zm.5-13H11v6l5.25 3.15.75-1.23-4.5-2.67z',
  error: 'M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm1 15h-2v-2h2v2zm0-4h-2V7h2v6z',
  warning: 'M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z',
  pin: 'M16 9V4h1c.55 0 1-.45 1-1s-.45-1-1-1H7c-.55 0-1 .45-1 1s.45 1 1 1h1v5c0 1.66-1.34 3-3 3v2h5.97v7l1 1 1-1v-7H19v-2c-1.66 0-3-1.34-3-3z',
  flask: 'M19.8 18.4 14 10.67V6.5l1.35-1.69c.26-.33.03-.81-.39-.81H9.04c-.42 0-.65.48-.39.81L10 6.5v4.17L4.2 18.4c-.49.66-.02 1.6.8 1.6h14c.82 0 1.29-.94.8-1.6z',
  image: 'M12 15.2a3.2 3.2 0 1 0 0-6.4 3.2 3.2 0 0 0 0 6.4zM9 2 7.17 4H4c-1.1 0-2 .9-2 2v12c0 1.1.9 2 2 2h16c1.1 0 2-.9 2-2V6c0-1.1-.9-2-2-2h-3.17L15 2H9zm3 15c-2.76 0-5-2.24-5-5s2.24-5 5-5 5 2.24 5 5-2.24 5-5 5z',
  video: 'M17 10.5V7c0-.55-.45-1-1-1H4c-.55 0-1 .45-1 1v10c0 .55.45 1 1 1h12c.55 0 1-.45 1-1v-3.5l4 4v-11l-4 4z',
  document: 'M14 2H6c-1.1 0-1.99.9-1.99 2L4 20c0 1.1.89 2 1.99 2H18c1.1 0 2-.9 2-2V8l-6-6zm2 16H8v-2h8v2zm0-4H8v-2h8v2zm-3-5V3.5L18.5 9H13z',
  audio: 'M12 14c1.66 0 2.99-1.34 2.99-3L15 5c0-1.66-1.34-3-3-3S9 3.34 9 5v6c0 1.66 1.34 3 3 3zm5.3-3c0 3-2.54 5.1-5.3 5.1S6.7 14 6.7 11H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c3.28-.48 6-3.3 6-6.72h-1.7z',
  sticker: 'M11.99 2C6.47 2 2 6.48 2 12s4.47 10 9.99 10C17.52 22 22 17.52 22 12S17.52 2 11.99 2zM12 20c-4.42 0-8-3.58-8-8s3.58-8 8-8 8 3.58 8 8-3.58 8-8 8zm3.5-9c.83 0 1.5-.67 1.5-1.5S16.33 8 15.5 8 14 8.67 14 9.5s.67 1.5 1.5 1.5zm-7 0c.83 0 1.5-.67 1.5-1.5S9.33 8 8.5 8 7 8.67 7 9.5 7.67 11 8.5 11zm3.5 6.5c2.33 0 4.31-1.46 5.11-3.5H6.89c.8 2.04 2.78 3.5 5.11 3.5z',
  location: 'M12 2C8.13 2 5 5.13 5 9c0 5.25 7 13 7 13s7-7.75 7-13c0-3.87-3.13-7-7-7zm0 9.5a2.5 2.5 0 0 1 0-5 2.5 2.5 0 0 1 0 5z',
  person: 'M12 12c2.21 0 4-1.79 4-4s-1.79-4-4-4-4 1.79-4 4 1.79 4 4 4zm0 2c-2.67 0-8 1.34-8 4v2h16v-2c0-2.66-5.33-4-8-4z',
  blocked: 'M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zM4 12c0-4.42 3.58-8 8-8 1.85 0 3.55.63 4.9 1.69L5.69 16.9A7.9 7.9 0 0 1 4 12zm8 8c-1.85 0-3.55-.63-4.9-1.69L18.31 7.1A7.9 7.9 0 0 1 20 12c0 4.42-3.58 8-8 8z',
  cart: 'M7 18c-1.1 0-1.99.9-1.99 2S5.9 22 7 22s2-.9 2-2-.9-2-2-2zM1 2v2h2l3.6 7.59-1.35 2.45c-.16.28-.25.61-.25.96 0 1.1.9 2 2 2h12v-2H7.42c-.14 0-.25-.11-.25-.25l.03-.12.9-1.63h7.45c.75 0 1.41-.41 1.75-1.03l3.58-6.49A1 1 0 0 0 20 4H5.21l-.94-2H1z',
  forward: 'M14 9V5l7 7-7 7v-4.1c-5 0-8.5 1.6-11 5.1 1-5 4-10 11-11z',
  template: 'M19 3H5c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h14c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2zm-5 14H7v-2h7v2zm3-4H7v-2h10v2zm0-4H7V7h10v2z',
  bulk: 'M18 11v2h4v-2h-4zm-2 6.61c.96.71 2.21 1.65 3.2 2.39.4-.53.8-1.07 1.2-1.6-.99-.74-2.24-1.68-3.2-2.4-.4.54-.8 1.08-1.2 1.61zM20.4 5.6c-.4-.53-.8-1.07-1.2-1.6-.99.74-2.24 1.68-3.2 2.4.4.53.8 1.07 1.2 1.6.96-.72 2.21-1.65 3.2-2.4zM4 9c-1.1 0-2 .9-2 2v2c0 1.1.9 2 2 2h1v4h2v-4h1l5 3V6L8 9H4zm11.5 3c0-1.33-.58-2.53-1.5-3.35v6.69c.92-.81 1.5-2.01 1.5-3.34z',
  lock: 'M18 8h-1V6c0-2.76-2.24-5-5-5S7 3.24 7 6v2H6c-1.1 0-2 .9-2 2v10c0 1.1.9 2 2 2h12c1.1 0 2-.9 2-2V10c0-1.1-.9-2-2-2zm-6 9c-1.1 0-2-.9-2-2s.9-2 2-2 2 .9 2 2-.9 2-2 2zm3.1-9H8.9V6c0-1.71 1.39-3.1 3.1-3.1 1.71 0 3.1 1.39 3.1 3.1v2z',
  bell: 'M12 22c1.1 0 2-.9 2-2h-4c0 1.1.89 2 2 2zm6-6v-5c0-3.07-1.64-5.64-4.5-6.32V4c0-.83-.67-1.5-1.5-1.5s-1.5.67-1.5 1.5v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1l-2-2z',
  retry: 'M17.65 6.35A7.96 7.96 0 0 0 12 4a8 8 0 1 0 7.75 10h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4l-2.35 2.35z',
};

/** A conversation's status as the team inbox shows it. */
const CONVERSATION_STATUS = { open: 'Open', pending: 'Pending', snoozed: 'Snoozed', resolved: 'Resolved' };

/**
 * A canned reply's `{{placeholders}}` filled as the server's `wacloud_core::canned::render`
 * does: `name` and `contact_name` (the contact's name), `phone_number`, `operator_name`; an
 * unknown one stays as written.
 */
export function fillCanned(content, fill) {
  return String(content).replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (all, name) => {
    if (name === 'name' || name === 'contact_name') return String(fill.contactName || '');
    if (name === 'phone_number') return String(fill.phoneNumber || '');
    if (name === 'operator_name') return String(fill.operatorName || '');
    return all;
  });
}

/** The template every WhatsApp Business Account has: offered when a free-form message cannot go. */
const FALLBACK_TEMPLATE = { name: 'hello_world', language: 'en_US' };

function icon(name, className = '') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `wa-icon ${className}`.trim());
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name] || ICONS.chat);
  path.setAttribute('fill', 'currentColor');
  svg.appendChild(path);
  return svg;
}

/** Reorders `parent`'s children to exactly `nodes`, moving only what is out of place. */
function reconcile(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

/** Appends `text` to `el`, turning http(s) URLs into links (text nodes only; href checked). */
function appendLinkified(el, text) {
  const re = /\bhttps?:\/\/[^\s<>"']+/gi;
  let last = 0;
  for (const match of text.matchAll(re)) {
    let raw = match[0].replace(/[.,;:!?)\]}]+$/, '');
    if (match.index > last) el.appendChild(document.createTextNode(text.slice(last, match.index)));
    let href = null;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch { /* not a URL after all: stays text */ }
    if (href) {
      el.appendChild(h('a', { class: 'wa-link', href, target: '_blank', rel: 'noopener noreferrer nofollow', text: raw }));
    } else {
      el.appendChild(document.createTextNode(raw));
    }
    last = match.index + raw.length;
  }
  if (last < text.length) el.appendChild(document.createTextNode(text.slice(last)));
}

// ---------------------------------------------------------------------------------------------
// Formatting

function parseTime(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const longDayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

function dayKey(d) {
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

function daysAgo(d) {
  const start = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  return Math.round((start(new Date()) - start(d)) / 86400000);
}

/** Short local time, e.g. "14:05". */
function formatTime(value) {
  const d = parseTime(value);
  return d ? timeFmt.format(d) : '';
}

/** A coming moment: "3:05 PM" today, "tomorrow 3:05 PM", else "Dec 2, 2026, 3:05 PM". */
function formatUntil(value) {
  const d = parseTime(value);
  if (!d) return '';
  const ago = daysAgo(d);
  const t = timeFmt.format(d);
  if (ago === 0) return t;
  if (ago === -1) return `tomorrow ${t}`;
  return `${dateFmt.format(d)}, ${t}`;
}

/** Contact-list time: today → time, yesterday, weekday within a week, else a date. */
function formatListTime(value) {
  const d = parseTime(value);
  if (!d) return '';
  const ago = daysAgo(d);
  if (ago <= 0) return timeFmt.format(d);
  if (ago === 1) return 'Yesterday';
  if (ago < 7) return weekdayFmt.format(d);
  return dateFmt.format(d);
}

function formatDayLabel(d) {
  const ago = daysAgo(d);
  if (ago <= 0) return 'Today';
  if (ago === 1) return 'Yesterday';
  return longDayFmt.format(d);
}

function formatFull(value) {
  const d = parseTime(value);
  return d ? fullFmt.format(d) : '';
}

/**
 * Best-effort E.164 clean-up of a typed number, mirroring docs/API.md: `00` → `+`, separators
 * allowed only after a leading `+`/`00`, bare digits read as E.164 without `+`. Anything else
 * is passed through unchanged so the server can refuse it with its own message.
 */
export function normalisePhone(input) {
  let s = String(input || '').trim();
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  if (s.startsWith('+')) {
    const digits = s.slice(1).replace(/[\s\-.()]/g, '');
    return /^\d+$/.test(digits) ? `+${digits}` : s;
  }
  return /^\d+$/.test(s) ? `+${s}` : s;
}

/** The identifier of a contact for `?phone=` and `/contacts/{phone}`: E.164, else its BSUID. */
function contactKey(c) {
  return c.phone_number || c.user_id || (c.wa_id ? `+${c.wa_id}` : c.id);
}

function contactName(c) {
  return (c && (c.display_name || c.profile_name || c.business_name)) || '';
}

function initials(name) {
  const words = name.trim().split(/\s+/).filter((w) => /\p{L}|\p{N}/u.test(w));
  const first = (w) => Array.from(w.replace(/^[^\p{L}\p{N}]+/u, ''))[0] || '';
  const letters = words.slice(0, 2).map(first).join('');
  return letters.toUpperCase();
}

function hueOf(key) {
  let hash = 0;
  for (const ch of String(key)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 360;
}

/** `error_code error_title: error_message (error_details)`, leaving out what is missing. */
export function failureReason(m) {
  const head = [m.error_code, m.error_title].filter((x) => x !== null && x !== undefined && x !== '').join(' ');
  let text = head;
  if (m.error_message) text = head ? `${head}: ${m.error_message}` : String(m.error_message);
  if (m.error_details) text = text ? `${text} (${m.error_details})` : String(m.error_details);
  return text || 'The message could not be delivered';
}

const STATUS_LABEL = {
  pending: 'Sending',
  accepted: 'Accepted by WhatsApp, waiting to be sent',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  played: 'Played',
  failed: 'Failed',
};

function statusIcon(status) {
  switch (status) {
    case 'sent': return icon('check', 'wa-tick');
    case 'delivered': return icon('checks', 'wa-tick');
    case 'read':
    case 'played': return icon('checks', 'wa-tick wa-tick--read');
    case 'failed': return icon('error', 'wa-tick wa-tick--failed');
    default: return icon('clock', 'wa-tick wa-tick--pending');
  }
}

const KIND = {
  image: { icon: 'image', label: 'Photo' },
  video: { icon: 'video', label: 'Video' },
  document: { icon: 'document', label: 'Document' },
  audio: { icon: 'audio', label: 'Audio' },
  voice: { icon: 'audio', label: 'Voice message' },
  sticker: { icon: 'sticker', label: 'Sticker' },
  location: { icon: 'location', label: 'Location' },
  contacts: { icon: 'person', label: 'Contact card' },
  order: { icon: 'cart', label: 'Order' },
  template: { icon: 'template', label: 'Template' },
};

function clip(text, max) {
  const chars = Array.from(String(text));
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}\u2026` : chars.join('');
}

/** One-line preview of a message, for quotes. */
function previewOf(m) {
  if (!m) return '';
  if (m.deleted_at) return 'This message was deleted';
  const kind = KIND[m.message_type];
  const text = m.message_text || '';
  if (kind) return text ? `${kind.label}: ${text}` : kind.label;
  if (m.message_type === 'unsupported' || m.message_type === 'unknown') return 'Unsupported message';
  return text || m.message_type || '';
}

class WidgetError extends Error {
  constructor(code, message, status = 0, detail = null) {
    super(message);
    this.code = code;
    this.status = status;
    this.detail = detail;
  }
}

function randomId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

// ---------------------------------------------------------------------------------------------
// Stylesheet

/** Adds `<link rel=stylesheet href=url>` to <head> once per URL. `false`/"none" adds nothing. */
function ensureStylesheet(url) {
  if (!url || url === 'none') return;
  const href = new URL(url, document.baseURI).href;
  for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
    if (link.href === href) return;
  }
  document.head.appendChild(h('link', { rel: 'stylesheet', href, 'data-wa-widget-css': '' }));
}

// ---------------------------------------------------------------------------------------------
// The widget

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
  const opts = {
    apiBase: '/api/whatsapp',
    pollIntervalMs: 2000,
    live: true,
    container: null,
    startOpen: false,
    css: DEFAULT_CSS_URL,
    ...options,
  };
  const apiBase = new URL(String(opts.apiBase || '/api/whatsapp'), document.baseURI).href.replace(/\/+$/, '');
  // The sandbox customer endpoint is not under the API base: it hangs off the server's root.
  const serverRoot = /\/api\/whatsapp$/.test(apiBase) ? apiBase.replace(/\/api\/whatsapp$/, '') : new URL(apiBase).origin;
  const pollMs = Math.max(250, Number(opts.pollIntervalMs) || 2000);
  // With live updates, polling is only a safety net for a change the stream missed.
  const livePollMs = Math.max(LIVE_POLL_MS, pollMs * 5);
  const container = opts.container || document.body;
  const uid = `wa${++instanceCounter}`;

  if (opts.css !== false) ensureStylesheet(opts.css || DEFAULT_CSS_URL);

  const state = {
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
  const baseTitle = document.title;
  const BATCHES_KEY = `wacloud:batches:${apiBase}`;

  // ---- API -----------------------------------------------------------------------------------

  async function request(method, path, { query, body, root = apiBase, headers = {} } = {}) {
    const url = new URL(root + path);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== null && v !== undefined && v !== '') url.searchParams.set(k, String(v));
    }
    const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' };
    if (opts.apiKey) init.headers.Authorization = `Bearer ${String(opts.apiKey)}`;
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
      if (res.status === 401 && err && err.code === 'login_required' && !path.startsWith('/auth/login')) needLogin();
      throw new WidgetError((err && err.code) || `http_${res.status}`, message, res.status, err);
    }
    return data;
  }

  // ---- DOM skeleton ------------------------------------------------------------------------

  const ids = {
    title: `${uid}-title`,
    search: `${uid}-search`,
    newPhone: `${uid}-new-phone`,
    input: `${uid}-input`,
    count: `${uid}-count`,
    simPhone: `${uid}-sim-phone`,
    simName: `${uid}-sim-name`,
    simText: `${uid}-sim-text`,
    simTitle: `${uid}-sim-title`,
    bulkTitle: `${uid}-bulk-title`,
    bulkRecipients: `${uid}-bulk-recipients`,
    bulkText: `${uid}-bulk-text`,
    bulkTemplate: `${uid}-bulk-template`,
    bulkLanguage: `${uid}-bulk-language`,
    bulkSchedule: `${uid}-bulk-schedule`,
    loginTitle: `${uid}-login-title`,
    loginEmail: `${uid}-login-email`,
    loginPassword: `${uid}-login-password`,
  };

  const launcherBadge = h('span', { class: 'wa-launcher-badge', 'data-testid': 'wa-launcher-badge', 'aria-hidden': 'true', hidden: true });
  const launcher = h('button', {
    type: 'button', class: 'wa-launcher', 'data-testid': 'wa-launcher', 'aria-label': 'Open WhatsApp chats',
    'aria-expanded': 'false', 'aria-controls': `${uid}-panel`, onclick: () => toggle(),
  }, icon('chat', 'wa-launcher-icon'), launcherBadge);

  // Header
  const statusDot = h('span', { class: 'wa-status-dot', 'aria-hidden': 'true' });
  const statusLabel = h('span', { class: 'wa-status-label', text: 'Connecting…' });
  const statusPill = h('span', {
    class: 'wa-status', 'data-testid': 'wa-status', 'data-state': 'loading', role: 'status',
  }, statusDot, statusLabel);
  const businessLine = h('span', { class: 'wa-header-sub', 'data-testid': 'wa-business-number' });
  // The logged-in operator and the way out (shown only when operators log in).
  const operatorName = h('span', { class: 'wa-operator-name', 'data-testid': 'wa-operator-name' });
  const logoutBtn = h('button', {
    type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-logout', text: 'Log out', onclick: () => logout(),
  });
  const operatorBox = h('span', { class: 'wa-operator', 'data-testid': 'wa-operator', hidden: true }, operatorName, logoutBtn);
  const notifyBtn = h('button', {
    type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-notify', 'aria-label': 'Turn on notifications',
    title: 'Notify me of new messages (sound and browser notification)', hidden: true, onclick: () => enableNotifications(),
  }, icon('bell'));
  const closeBtn = h('button', {
    type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-close', 'aria-label': 'Close WhatsApp panel', onclick: () => close(),
  }, icon('close'));
  const header = h('div', { class: 'wa-header' },
    h('div', { class: 'wa-header-brand' },
      h('span', { class: 'wa-header-logo', 'aria-hidden': 'true' }, icon('chat')),
      h('div', { class: 'wa-header-text' },
        h('h2', { class: 'wa-header-title', id: ids.title, text: 'WhatsApp' }),
        businessLine)),
    operatorBox,
    statusPill,
    notifyBtn,
    closeBtn);

  // Banners: sandbox / not configured / error / alerts
  const modeBanner = h('div', { class: 'wa-banner', 'data-testid': 'wa-mode-banner', hidden: true });
  const alertsBox = h('div', { class: 'wa-alerts', 'data-testid': 'wa-alerts', role: 'alert', hidden: true });

  // Contacts pane
  const searchInput = h('input', {
    type: 'search', id: ids.search, class: 'wa-search-input', 'data-testid': 'wa-search', placeholder: 'Search name or number',
    'aria-label': 'Search contacts', autocomplete: 'off', spellcheck: 'false',
  });
  const newChatBtn = h('button', {
    type: 'button', class: 'wa-icon-btn wa-icon-btn--accent', 'data-testid': 'wa-new-chat', 'aria-label': 'New chat',
    title: 'New chat', 'aria-expanded': 'false', onclick: () => toggleNewChat(),
  }, icon('newChat'));
  const newPhoneInput = h('input', {
    type: 'tel', id: ids.newPhone, class: 'wa-input-field', 'data-testid': 'wa-new-chat-phone',
    placeholder: '+15550000001', autocomplete: 'off', inputmode: 'tel', required: true,
  });
  const newChatError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-new-chat-error', role: 'alert', hidden: true });
  const newChatForm = h('form', { class: 'wa-new-chat', 'data-testid': 'wa-new-chat-form', hidden: true, novalidate: true },
    h('label', { class: 'wa-form-label', for: ids.newPhone, text: 'Phone number in international format' }),
    h('div', { class: 'wa-new-chat-row' },
      newPhoneInput,
      h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-new-chat-start', text: 'Chat' })),
    newChatError);
  const bulkBtn = h('button', {
    type: 'button', class: 'wa-icon-btn wa-icon-btn--accent', 'data-testid': 'wa-bulk-open', 'aria-label': 'Send to many (bulk)',
    title: 'Send to many', onclick: () => openBulk(),
  }, icon('bulk'));
  const batchesBox = h('div', { class: 'wa-batches', 'data-testid': 'wa-batches', 'aria-label': 'Bulk sends', role: 'region', hidden: true });
  const contactList = h('ul', { class: 'wa-contact-list', 'data-testid': 'wa-contact-list', 'aria-label': 'Conversations' });
  const contactsEmpty = h('p', { class: 'wa-empty', 'data-testid': 'wa-contacts-empty', hidden: true });
  const FILTERS = [['', 'All'], ['unread', 'Unread'], ['needs_reply', 'Needs reply'], ['window_open', 'Window open']];
  const filterBar = h('div', { class: 'wa-filters', role: 'group', 'aria-label': 'Show conversations', 'data-testid': 'wa-filters' },
    FILTERS.map(([value, label]) => h('button', {
      type: 'button', class: 'wa-filter', 'data-testid': `wa-filter-${value || 'all'}`, 'data-filter': value,
      'aria-pressed': value === '' ? 'true' : 'false', text: label, onclick: () => setFilter(value),
    })));
  const VIEWS = [['mine', 'Mine'], ['unassigned', 'Unassigned'], ['all', 'All']];
  const viewBar = h('div', { class: 'wa-views', role: 'group', 'aria-label': 'Whose conversations', 'data-testid': 'wa-views', hidden: true },
    VIEWS.map(([value, label]) => h('button', {
      type: 'button', class: 'wa-view', 'data-testid': `wa-view-${value}`, 'data-inbox-view': value,
      'aria-pressed': value === 'all' ? 'true' : 'false', text: label, onclick: () => setInboxView(value),
    })));
  const statusFilter = h('select', { class: 'wa-status-filter', 'data-testid': 'wa-status-filter', 'aria-label': 'Conversation status' },
    [['open', 'Open'], ['pending', 'Pending'], ['snoozed', 'Snoozed'], ['resolved', 'Resolved'], ['', 'Any status']]
      .map(([v, l]) => h('option', { value: v, text: l })));
  statusFilter.addEventListener('change', () => setInboxStatus(statusFilter.value));
  const inboxBar = h('div', { class: 'wa-inbox-bar', 'data-testid': 'wa-inbox-bar' }, viewBar, statusFilter);
  const contactsMore = h('p', { class: 'wa-empty wa-contacts-more', 'data-testid': 'wa-contacts-more', 'aria-live': 'polite', hidden: true });
  const contactScroll = h('div', { class: 'wa-contact-scroll' }, contactList, contactsEmpty, contactsMore);
  const contactsPane = h('section', { class: 'wa-pane wa-pane--contacts', 'aria-label': 'Contacts' },
    h('div', { class: 'wa-toolbar' },
      h('label', { class: 'wa-search' , for: ids.search }, icon('search', 'wa-search-icon'), searchInput),
      bulkBtn,
      newChatBtn),
    inboxBar,
    filterBar,
    newChatForm,
    batchesBox,
    contactScroll);

  // Chat pane
  const backBtn = h('button', {
    type: 'button', class: 'wa-icon-btn wa-back', 'data-testid': 'wa-back', 'aria-label': 'Back to conversations', onclick: () => showList(),
  }, icon('back'));
  const chatAvatar = h('span', { class: 'wa-avatar wa-avatar--sm', 'aria-hidden': 'true' });
  const chatTitle = h('h3', { class: 'wa-chat-title', 'data-testid': 'wa-chat-title', dir: 'auto' });
  const chatSub = h('p', { class: 'wa-chat-sub', 'data-testid': 'wa-chat-sub' });
  const chatHeader = h('div', { class: 'wa-chat-header' }, backBtn, chatAvatar, h('div', { class: 'wa-chat-heading' }, chatTitle, chatSub));
  // The conversation's status and assignee, and what changes them.
  const convStatus = h('span', { class: 'wa-conv-status', 'data-testid': 'wa-conv-status' });
  const assigneeSelect = h('select', { class: 'wa-assignee', 'data-testid': 'wa-assignee', 'aria-label': 'Assigned to' });
  assigneeSelect.addEventListener('change', () => assignTo(assigneeSelect.value || null));
  const assignMeBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-assign-me', text: 'Assign to me', onclick: () => assignTo(myId()) });
  const resolveBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small wa-btn--primary', 'data-testid': 'wa-resolve', text: 'Resolve', onclick: () => setConversationStatus('resolved') });
  const reopenBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-reopen', text: 'Reopen', onclick: () => setConversationStatus('open') });
  const pendingBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-pending', text: 'Pending', title: 'Waiting for the customer', onclick: () => setConversationStatus('pending') });
  const snoozeSelect = h('select', { class: 'wa-snooze', 'data-testid': 'wa-snooze', 'aria-label': 'Snooze until' },
    h('option', { value: '', text: 'Snooze\u2026' }),
    h('option', { value: '1h', text: 'For 1 hour' }),
    h('option', { value: '4h', text: 'For 4 hours' }),
    h('option', { value: 'tomorrow', text: 'Until tomorrow 9:00' }),
    h('option', { value: 'week', text: 'Until next week' }),
    h('option', { value: 'custom', text: 'Until\u2026 (pick a time)' }));
  // A time of the operator's choosing, in its local time.
  const snoozeAt = h('input', { type: 'datetime-local', class: 'wa-snooze-at', 'data-testid': 'wa-snooze-at', 'aria-label': 'Snooze until (your local time)' });
  const snoozeAtBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-snooze-at-go', text: 'Snooze', onclick: () => snoozeAtChosen() });
  const snoozeAtBox = h('span', { class: 'wa-snooze-custom', hidden: true }, snoozeAt, snoozeAtBtn);
  snoozeSelect.addEventListener('change', () => {
    const choice = snoozeSelect.value;
    snoozeSelect.value = '';
    if (choice === 'custom') {
      snoozeAtBox.hidden = false;
      snoozeAt.focus();
      return;
    }
    const until = snoozeUntil(choice);
    if (until) setConversationStatus('snoozed', until);
  });
  const convBar = h('div', { class: 'wa-conv-bar', 'data-testid': 'wa-conv-bar', hidden: true },
    convStatus,
    h('span', { class: 'wa-conv-assign' }, icon('person', 'wa-inline-icon'), assigneeSelect, assignMeBtn),
    h('span', { class: 'wa-conv-actions' }, pendingBtn, snoozeSelect, snoozeAtBox, reopenBtn, resolveBtn));
  const loadOlderBtn = h('button', {
    type: 'button', class: 'wa-load-older', 'data-testid': 'wa-load-older', hidden: true, text: 'Load older messages', onclick: () => loadOlder(),
  });
  const messageList = h('div', { class: 'wa-message-list', 'data-testid': 'wa-message-list', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const chatEmpty = h('p', { class: 'wa-chat-empty', 'data-testid': 'wa-chat-empty', hidden: true, text: 'No messages yet.' });
  const messagesScroll = h('div', { class: 'wa-messages' }, loadOlderBtn, chatEmpty, messageList);
  const windowNote = h('p', { class: 'wa-window-note', 'data-testid': 'wa-window-note', hidden: true });
  const sendError = h('p', { class: 'wa-send-error', 'data-testid': 'wa-send-error', role: 'alert', hidden: true });
  const input = h('textarea', {
    id: ids.input, class: 'wa-composer-input', 'data-testid': 'wa-composer-input', rows: '1', placeholder: 'Type a message',
    'aria-label': 'Message', 'aria-describedby': ids.count, enterkeyhint: 'send',
  });
  const charCount = h('span', { id: ids.count, class: 'wa-char-count', 'data-testid': 'wa-char-count', 'aria-live': 'polite' });
  const sendBtn = h('button', {
    type: 'submit', class: 'wa-send', 'data-testid': 'wa-send', 'aria-label': 'Send message', disabled: true,
  }, icon('send'));
  const replyModeBtn = h('button', { type: 'button', class: 'wa-mode', 'data-testid': 'wa-mode-reply', 'aria-pressed': 'true', text: 'Reply', onclick: () => setComposeMode('reply') });
  const noteModeBtn = h('button', { type: 'button', class: 'wa-mode wa-mode--note', 'data-testid': 'wa-mode-note', 'aria-pressed': 'false', onclick: () => setComposeMode('note') },
    icon('lock', 'wa-inline-icon'), 'Private note');
  const composeModes = h('div', { class: 'wa-modes', role: 'group', 'aria-label': 'Write', 'data-testid': 'wa-modes' }, replyModeBtn, noteModeBtn);
  const cannedList = h('ul', { class: 'wa-canned', 'data-testid': 'wa-canned', role: 'listbox', 'aria-label': 'Canned replies', hidden: true });
  const composer = h('form', { class: 'wa-composer', 'data-testid': 'wa-composer', novalidate: true },
    windowNote, sendError, composeModes,
    h('div', { class: 'wa-composer-row' }, h('div', { class: 'wa-composer-field' }, cannedList, input, charCount), sendBtn));
  const chatView = h('div', { class: 'wa-chat-view', hidden: true }, chatHeader, convBar, messagesScroll, composer);
  const chatPlaceholder = h('div', { class: 'wa-chat-placeholder', 'data-testid': 'wa-chat-placeholder' },
    h('span', { class: 'wa-placeholder-icon', 'aria-hidden': 'true' }, icon('chat')),
    h('p', { class: 'wa-placeholder-title', text: 'wacloud for WhatsApp' }),
    h('p', { class: 'wa-placeholder-text', text: 'Pick a conversation, or start a new chat with a phone number.' }));
  const chatPane = h('section', { class: 'wa-pane wa-pane--chat', 'data-testid': 'wa-chat', 'aria-label': 'Conversation' }, chatPlaceholder, chatView);

  // Simulate-customer sheet (sandbox only)
  const simPhone = h('input', { type: 'tel', id: ids.simPhone, class: 'wa-input-field', 'data-testid': 'wa-simulate-phone', value: '+15550000001', autocomplete: 'off', required: true });
  const simName = h('input', { type: 'text', id: ids.simName, class: 'wa-input-field', 'data-testid': 'wa-simulate-name', placeholder: 'Optional: keeps the name this customer last had', autocomplete: 'off' });
  const simText = h('textarea', { id: ids.simText, class: 'wa-input-field wa-textarea', 'data-testid': 'wa-simulate-text', rows: '3', placeholder: 'Hi! Is my order on the way?', required: true });
  const simError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-simulate-error', role: 'alert', hidden: true });
  const simSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-simulate-send', text: 'Send as customer' });
  const simForm = h('form', { class: 'wa-sheet-card', 'data-testid': 'wa-simulate-form', novalidate: true },
    h('div', { class: 'wa-sheet-head' },
      h('h3', { class: 'wa-sheet-title', id: ids.simTitle, text: 'Simulate a customer' }),
      h('button', { type: 'button', class: 'wa-icon-btn', 'aria-label': 'Close simulator', 'data-testid': 'wa-simulate-close', onclick: () => closeSimulate() }, icon('close'))),
    h('p', { class: 'wa-sheet-note', text: 'The sandbox delivers this to wacloud as a signed webhook, exactly as Meta would deliver a customer\u2019s message.' }),
    h('label', { class: 'wa-form-label', for: ids.simPhone, text: 'Customer phone number' }), simPhone,
    h('label', { class: 'wa-form-label', for: ids.simName, text: 'Profile name' }), simName,
    h('label', { class: 'wa-form-label', for: ids.simText, text: 'Message' }), simText,
    simError,
    h('div', { class: 'wa-sheet-actions' },
      h('button', { type: 'button', class: 'wa-btn', text: 'Cancel', onclick: () => closeSimulate() }),
      simSubmit));
  const simSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': ids.simTitle, hidden: true }, simForm);

  // Bulk-send sheet
  const bulkRecipients = h('textarea', {
    id: ids.bulkRecipients, class: 'wa-input-field wa-textarea', 'data-testid': 'wa-bulk-recipients', rows: '4',
    placeholder: '+15550000001\n+15550000002', autocomplete: 'off', spellcheck: 'false', required: true,
  });
  const bulkKindText = h('input', { type: 'radio', name: `${uid}-bulk-kind`, value: 'text', 'data-testid': 'wa-bulk-kind-text', checked: true });
  const bulkKindTemplate = h('input', { type: 'radio', name: `${uid}-bulk-kind`, value: 'template', 'data-testid': 'wa-bulk-kind-template' });
  const bulkText = h('textarea', { id: ids.bulkText, class: 'wa-input-field wa-textarea', 'data-testid': 'wa-bulk-text', rows: '3', placeholder: 'Our shop opens at 9 tomorrow.' });
  const bulkTemplate = h('input', { type: 'text', id: ids.bulkTemplate, class: 'wa-input-field', 'data-testid': 'wa-bulk-template-name', value: FALLBACK_TEMPLATE.name, autocomplete: 'off', spellcheck: 'false' });
  const bulkLanguage = h('input', { type: 'text', id: ids.bulkLanguage, class: 'wa-input-field', 'data-testid': 'wa-bulk-template-language', value: FALLBACK_TEMPLATE.language, autocomplete: 'off', spellcheck: 'false' });
  const bulkSchedule = h('input', { type: 'datetime-local', id: ids.bulkSchedule, class: 'wa-input-field', 'data-testid': 'wa-bulk-schedule' });
  const bulkAllow = h('input', { type: 'checkbox', 'data-testid': 'wa-bulk-allow' });
  const bulkTextFields = h('div', { class: 'wa-bulk-fields', 'data-testid': 'wa-bulk-text-fields' },
    h('label', { class: 'wa-form-label', for: ids.bulkText, text: 'Message' }), bulkText,
    h('label', { class: 'wa-check' }, bulkAllow,
      h('span', { text: 'Also to customers who have not written in 24 hours (WhatsApp will refuse free text to them; use only if you know their window is open)' })));
  const bulkTemplateFields = h('div', { class: 'wa-bulk-fields', 'data-testid': 'wa-bulk-template-fields', hidden: true },
    h('div', { class: 'wa-bulk-row' },
      h('div', {}, h('label', { class: 'wa-form-label', for: ids.bulkTemplate, text: 'Template name' }), bulkTemplate),
      h('div', {}, h('label', { class: 'wa-form-label', for: ids.bulkLanguage, text: 'Language' }), bulkLanguage)));
  const bulkError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-bulk-error', role: 'alert', hidden: true });
  const bulkResult = h('div', { class: 'wa-bulk-result', 'data-testid': 'wa-bulk-result', role: 'status', hidden: true });
  const bulkSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-bulk-send', text: 'Queue messages' });
  const bulkForm = h('form', { class: 'wa-sheet-card', 'data-testid': 'wa-bulk-form', novalidate: true },
    h('div', { class: 'wa-sheet-head' },
      h('h3', { class: 'wa-sheet-title', id: ids.bulkTitle, text: 'Send to many' }),
      h('button', { type: 'button', class: 'wa-icon-btn', 'aria-label': 'Close bulk send', 'data-testid': 'wa-bulk-close', onclick: () => closeBulk() }, icon('close'))),
    h('p', { class: 'wa-sheet-note', text: 'One message to each number, paced to the rate WhatsApp allows. Progress shows in the contact list.' }),
    h('label', { class: 'wa-form-label', for: ids.bulkRecipients, text: 'Phone numbers (international format, one per line)' }), bulkRecipients,
    h('div', { class: 'wa-radio-row', role: 'radiogroup', 'aria-label': 'Message kind' },
      h('label', { class: 'wa-radio' }, bulkKindText, h('span', { text: 'Text' })),
      h('label', { class: 'wa-radio' }, bulkKindTemplate, h('span', { text: 'Template' }))),
    bulkTextFields, bulkTemplateFields,
    h('label', { class: 'wa-form-label', for: ids.bulkSchedule, text: 'Send at (optional, your local time)' }), bulkSchedule,
    bulkError, bulkResult,
    h('div', { class: 'wa-sheet-actions' },
      h('button', { type: 'button', class: 'wa-btn', text: 'Close', onclick: () => closeBulk() }),
      bulkSubmit));
  const bulkSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': ids.bulkTitle, hidden: true, 'data-testid': 'wa-bulk-sheet' }, bulkForm);

  // Login sheet: shown when the server answers 401 `login_required`.
  const loginEmail = h('input', { type: 'email', id: ids.loginEmail, class: 'wa-input-field', 'data-testid': 'wa-login-email', autocomplete: 'username', required: true });
  const loginPassword = h('input', { type: 'password', id: ids.loginPassword, class: 'wa-input-field', 'data-testid': 'wa-login-password', autocomplete: 'current-password', required: true });
  const loginError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-login-error', role: 'alert', hidden: true });
  const loginSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-login-submit', text: 'Log in' });
  const loginForm = h('form', { class: 'wa-sheet-card', 'data-testid': 'wa-login-form', novalidate: true },
    h('div', { class: 'wa-sheet-head' }, h('h3', { class: 'wa-sheet-title', id: ids.loginTitle, text: 'Log in to the team inbox' })),
    h('p', { class: 'wa-sheet-note', text: 'This server asks operators to log in.' }),
    h('label', { class: 'wa-form-label', for: ids.loginEmail, text: 'E-mail address' }), loginEmail,
    h('label', { class: 'wa-form-label', for: ids.loginPassword, text: 'Password' }), loginPassword,
    loginError,
    h('div', { class: 'wa-sheet-actions' }, loginSubmit));
  const loginSheet = h('div', { class: 'wa-sheet wa-sheet--login', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': ids.loginTitle, hidden: true, 'data-testid': 'wa-login' }, loginForm);

  const body = h('div', { class: 'wa-body' }, contactsPane, chatPane);
  const panel = h('div', {
    id: `${uid}-panel`, class: 'wa-panel', 'data-testid': 'wa-panel', role: 'dialog', 'aria-modal': 'false',
    'aria-labelledby': ids.title, tabindex: '-1', hidden: true, 'data-view': 'list',
  }, header, modeBanner, alertsBox, body, simSheet, bulkSheet, loginSheet);

  const root = h('div', { class: 'wa-root', 'data-testid': 'wa-widget', 'data-open': 'false' }, panel, launcher);
  container.appendChild(root);

  // ---- Open / close / views -----------------------------------------------------------------

  function open() {
    if (state.open || state.destroyed) return;
    state.open = true;
    panel.hidden = false;
    root.dataset.open = 'true';
    launcher.setAttribute('aria-expanded', 'true');
    renderLauncher();
    panel.focus({ preventScroll: true });
    if (state.active) loadChat(false).catch(onChatError);
    pollSoon(0);
  }

  function close() {
    if (!state.open) return;
    state.open = false;
    panel.hidden = true;
    root.dataset.open = 'false';
    launcher.setAttribute('aria-expanded', 'false');
    renderLauncher();
    launcher.focus({ preventScroll: true });
  }

  function toggle() { if (state.open) close(); else open(); }

  function setView(view) {
    state.view = view;
    panel.dataset.view = view;
  }

  function showList() {
    setView('list');
    const key = state.active && state.active.key;
    state.active = null;
    state.chatGen++;
    renderChat();
    renderContacts();
    if (key) {
      const btn = contactList.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (btn) btn.focus({ preventScroll: false });
    }
  }

  // ---- Health -------------------------------------------------------------------------------

  function computeHealthState(hlth, error) {
    if (!hlth && !error) return 'loading';
    if (error || !hlth || hlth.status === 'down') return 'error';
    if (hlth.mode === 'sandbox') return 'sandbox';
    return hlth.is_configured ? 'live' : 'not-configured';
  }

  async function refreshHealth() {
    state.lastHealthAt = Date.now();
    try {
      state.health = await request('GET', '/health');
      state.healthError = null;
    } catch (err) {
      // A 503 with a JSON body still tells us the server is there but unhealthy.
      state.health = null;
      state.healthError = err;
    }
    renderHealth();
  }

  const STATE_TEXT = { live: 'Live', sandbox: 'Sandbox', 'not-configured': 'Not configured', error: 'Error', loading: 'Connecting…' };

  function renderHealth() {
    const hs = state.connError && !state.healthError ? 'error' : computeHealthState(state.health, state.healthError);
    state.healthState = hs;
    root.dataset.mode = hs;
    statusPill.dataset.state = hs;
    statusLabel.textContent = STATE_TEXT[hs] || hs;
    const hl = state.health;
    statusPill.title = (hl && hl.message) || (state.healthError && state.healthError.message) || '';
    businessLine.textContent = hl && hl.display_phone_number ? String(hl.display_phone_number) : 'Business inbox';

    modeBanner.replaceChildren();
    modeBanner.className = `wa-banner wa-banner--${hs}`;
    if (hs === 'sandbox') {
      append(modeBanner, [
        icon('flask', 'wa-banner-icon'),
        h('span', { class: 'wa-banner-text' },
          h('strong', { text: 'Sandbox' }), ' \u2014 messages go to a local Meta stand-in',
          h('span', { class: 'wa-wide-only', text: ', not to real WhatsApp users' }), '.'),
        h('button', {
          type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-simulate-open',
          'aria-label': 'Simulate a customer writing in', onclick: () => openSimulate(),
        }, icon('person', 'wa-btn-icon'), 'Simulate', h('span', { class: 'wa-wide-only', text: ' customer' })),
      ]);
    } else if (hs === 'not-configured') {
      append(modeBanner, [icon('warning', 'wa-banner-icon'), h('span', { class: 'wa-banner-text' },
        h('strong', { text: 'Not configured' }), ' \u2014 ',
        (hl && hl.message) || 'set WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_API_TOKEN to talk to Meta.')]);
    } else if (hs === 'error') {
      const why = state.connError ? state.connError.message
        : state.healthError ? state.healthError.message
          : (hl && hl.message) || 'The server reports that it is down.';
      append(modeBanner, [icon('error', 'wa-banner-icon'), h('span', { class: 'wa-banner-text' },
        h('strong', { text: 'Error' }), ' \u2014 ', why)]);
    }
    modeBanner.hidden = !(hs === 'sandbox' || hs === 'not-configured' || hs === 'error');
    if (hs !== 'sandbox' && state.simulateOpen) closeSimulate();

    const alerts = Array.isArray(hl && hl.alerts) ? hl.alerts : [];
    alertsBox.replaceChildren();
    for (const a of alerts) {
      const msg = typeof a === 'string' ? a : (a && (a.message || a.code)) || 'Alert';
      alertsBox.appendChild(h('div', { class: 'wa-alert', 'data-testid': 'wa-alert', 'data-code': a && a.code ? String(a.code) : null },
        icon('warning', 'wa-banner-icon'), h('span', { class: 'wa-banner-text', text: msg })));
    }
    if (!alerts.length && hl && hl.status === 'degraded' && hl.message) {
      alertsBox.appendChild(h('div', { class: 'wa-alert', 'data-testid': 'wa-alert' },
        icon('warning', 'wa-banner-icon'), h('span', { class: 'wa-banner-text', text: String(hl.message) })));
    }
    alertsBox.hidden = alertsBox.children.length === 0;
  }

  // ---- Contacts -----------------------------------------------------------------------------

  const contactEls = new Map();

  /**
   * Reloads the conversations shown: as many pages of the API's list as have been scrolled to
   * (`contactsWanted`), the same conversation never twice when one moved between pages.
   */
  async function refreshContacts() {
    const { search, filter } = state;
    const { view, status } = state.inbox;
    const wanted = state.contactsWanted;
    const contacts = [];
    const seen = new Set();
    let list = null;
    for (let offset = 0; offset < wanted; offset += CONTACTS_LIMIT) {
      const limit = Math.min(CONTACTS_LIMIT, wanted - offset);
      const mine = view !== 'all' && state.auth.operator ? view : null;
      list = await request('GET', '/contacts', { query: { search, filter, view: mine, status, limit, offset } });
      if (search !== state.search || filter !== state.filter || view !== state.inbox.view || status !== state.inbox.status) return; // a newer list is on its way
      const page = Array.isArray(list && list.contacts) ? list.contacts : [];
      for (const c of page) {
        const key = contactKey(c);
        if (!seen.has(key)) { seen.add(key); contacts.push(c); }
      }
      if (page.length < limit) break;
    }
    // The API orders pinned first already; keep that guaranteed without disturbing its order.
    contacts.sort((a, b) => Number(Boolean(b.is_pinned)) - Number(Boolean(a.is_pinned)));
    state.contacts = contacts;
    state.contactsTotal = Number(list && list.total_count) || contacts.length;
    state.contactsLoaded = true;
    // Every unread conversation, whatever the list shows: the unread count (launcher, page
    // title) and what to notify of.
    const unread = await request('GET', '/contacts', { query: { filter: 'unread', limit: CONTACTS_LIMIT } });
    state.totalUnread = Number(unread && unread.unread_count) || 0;
    noticeNewMessages(Array.isArray(unread && unread.contacts) ? unread.contacts : []);
    renderContacts();
    renderLauncher();
    if (state.active) renderChatHeader();
  }

  function activeContact() {
    if (!state.active) return null;
    return state.contacts.find((c) => contactKey(c) === state.active.key)
      || (state.active.contact && contactKey(state.active.contact) === state.active.key ? state.active.contact : null);
  }

  function buildAvatar(el, c, key) {
    const name = contactName(c);
    const letters = name ? initials(name) : '';
    el.replaceChildren(letters ? document.createTextNode(letters) : icon('person'));
    el.style.setProperty('--wa-avatar-hue', String(hueOf(key)));
  }

  function renderContactItem(c) {
    const key = contactKey(c);
    let li = contactEls.get(key);
    if (!li) {
      const btn = h('button', { type: 'button', class: 'wa-contact', 'data-testid': 'wa-contact', 'data-key': key, onclick: () => openChat(key, c) });
      li = h('li', { class: 'wa-contact-item' }, btn);
      li._btn = btn;
      contactEls.set(key, li);
    }
    const btn = li._btn;
    const name = contactName(c);
    const phone = c.phone_number || c.user_id || '';
    const unread = Number(c.unread_count) || 0;
    const conv = c.conversation || null;
    const sig = JSON.stringify([name, phone, unread, c.last_message_preview, c.last_message_time, c.last_message_direction,
      c.is_pinned, c.is_blocked, formatListTime(c.last_message_time), state.active && state.active.key === key, conv]);
    btn.dataset.phone = phone;
    btn.dataset.unread = String(unread);
    if (state.active && state.active.key === key) btn.setAttribute('aria-current', 'true'); else btn.removeAttribute('aria-current');
    if (btn._sig === sig) return li;
    btn._sig = sig;

    const avatar = h('span', { class: 'wa-avatar', 'aria-hidden': 'true' });
    buildAvatar(avatar, c, key);
    const preview = h('span', { class: 'wa-contact-preview', 'data-testid': 'wa-contact-preview', dir: 'auto' });
    if (c.last_message_direction === 'outbound' && c.last_message_preview) {
      preview.appendChild(h('span', { class: 'wa-preview-you', text: 'You: ' }));
    }
    preview.appendChild(document.createTextNode(c.last_message_preview ? String(c.last_message_preview) : (phone && name ? phone : '')));
    const badge = unread > 0
      ? h('span', { class: 'wa-badge', 'data-testid': 'wa-contact-unread', text: unread > 99 ? '99+' : String(unread) })
      : null;
    btn.replaceChildren(
      avatar,
      h('span', { class: 'wa-contact-body' },
        h('span', { class: 'wa-contact-row' },
          h('span', { class: 'wa-contact-name', 'data-testid': 'wa-contact-name', dir: 'auto', text: name || phone || 'Unknown' }),
          h('span', { class: `wa-contact-time${unread ? ' wa-contact-time--unread' : ''}`, text: formatListTime(c.last_message_time), title: formatFull(c.last_message_time) })),
        h('span', { class: 'wa-contact-row' },
          preview,
          c.is_blocked ? h('span', { class: 'wa-contact-flag', title: 'Blocked' }, icon('blocked')) : null,
          c.is_pinned ? h('span', { class: 'wa-contact-flag', title: 'Pinned', 'data-testid': 'wa-contact-pinned' }, icon('pin')) : null,
          badge),
        conv ? h('span', { class: 'wa-contact-row wa-contact-inbox' },
          h('span', {
            class: `wa-assignee-tag${conv.assignee ? '' : ' wa-assignee-tag--none'}`, 'data-testid': 'wa-contact-assignee',
            text: conv.assignee ? (conv.assignee.id === myId() ? 'You' : String(conv.assignee.display_name)) : 'Unassigned',
          }),
          conv.status !== 'open' ? h('span', {
            class: `wa-chip wa-chip--${conv.status}`, 'data-testid': 'wa-contact-status', text: CONVERSATION_STATUS[conv.status] || conv.status,
          }) : null) : null));
    const label = [name || phone, name && phone ? phone : null, unread ? `${unread} unread` : null, c.is_pinned ? 'pinned' : null,
      conv ? (conv.assignee ? `assigned to ${conv.assignee.display_name}` : 'unassigned') : null,
      conv && conv.status !== 'open' ? CONVERSATION_STATUS[conv.status] : null,
      c.last_message_preview ? `last message: ${c.last_message_preview}` : null].filter(Boolean).join(', ');
    btn.setAttribute('aria-label', label);
    return li;
  }

  function renderContacts() {
    const items = state.contacts.map(renderContactItem);
    const keep = new Set(state.contacts.map(contactKey));
    for (const key of contactEls.keys()) if (!keep.has(key)) contactEls.delete(key);
    reconcile(contactList, items);
    const rest = state.contactsTotal - state.contacts.length;
    contactsMore.hidden = !(state.contactsLoaded && rest > 0);
    contactsMore.textContent = rest > 0 ? `${rest} more \u2014 scroll to load` : '';
    if (state.contactsLoaded && !items.length) {
      const filtered = FILTERS.find(([v]) => v === state.filter);
      const st = state.inbox.status ? (CONVERSATION_STATUS[state.inbox.status] || state.inbox.status).toLowerCase() : '';
      const whose = state.auth.operator && state.inbox.view === 'mine' ? ' assigned to you'
        : state.auth.operator && state.inbox.view === 'unassigned' ? ' unassigned' : '';
      contactsEmpty.textContent = state.search ? `No contacts match \u201c${state.search}\u201d.`
        : state.filter ? `No conversations: ${filtered ? filtered[1].toLowerCase() : state.filter}.`
          : st || whose ? `No ${st} conversations${whose}.` : 'No conversations yet.';
      contactsEmpty.hidden = false;
    } else {
      contactsEmpty.hidden = true;
    }
  }

  function renderLauncher() {
    const n = state.totalUnread;
    launcherBadge.hidden = n <= 0;
    launcherBadge.textContent = n > 99 ? '99+' : String(n);
    root.dataset.unread = String(n);
    const what = state.open ? 'Close WhatsApp chats' : 'Open WhatsApp chats';
    launcher.setAttribute('aria-label', n > 0 ? `${what} (${n} unread)` : what);
    // The page's title shows the unread count, as mail and chat apps do.
    if (opts.title !== false) document.title = n > 0 ? `(${n > 99 ? '99+' : n}) ${baseTitle}` : baseTitle;
  }

  let searchTimer = null;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.search = searchInput.value.trim();
      state.contactsWanted = CONTACTS_LIMIT;
      refreshContacts().catch(onPollError);
    }, 250);
  });

  function setFilter(value) {
    if (state.filter === value) return;
    state.filter = value;
    state.contactsWanted = CONTACTS_LIMIT;
    for (const b of filterBar.querySelectorAll('[data-filter]')) b.setAttribute('aria-pressed', String(b.dataset.filter === value));
    contactScroll.scrollTop = 0;
    refreshContacts().catch(onPollError);
  }

  /** Near the end of the list: the next page, while the API has more. */
  async function loadMoreContacts() {
    if (state.loadingMoreContacts || state.contacts.length >= state.contactsTotal) return;
    state.loadingMoreContacts = true;
    state.contactsWanted = state.contacts.length + CONTACTS_LIMIT;
    try {
      await refreshContacts();
    } catch (err) {
      onPollError(err);
    } finally {
      state.loadingMoreContacts = false;
    }
  }

  contactScroll.addEventListener('scroll', () => {
    if (contactScroll.scrollTop + contactScroll.clientHeight >= contactScroll.scrollHeight - 200) loadMoreContacts();
  }, { passive: true });

  // ---- New chat ---------------------------------------------------------------------------

  function toggleNewChat(force) {
    const show = force === undefined ? newChatForm.hidden : force;
    newChatForm.hidden = !show;
    newChatBtn.setAttribute('aria-expanded', String(show));
    newChatError.hidden = true;
    if (show) newPhoneInput.focus();
  }

  newChatForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const typed = newPhoneInput.value.trim();
    if (!typed) {
      showFormError(newChatError, 'Type a phone number in international format, e.g. +15550000001.');
      return;
    }
    const phone = normalisePhone(typed);
    try {
      // Lets the server judge the number (it normalises and refuses what it cannot read).
      await request('GET', '/messages', { query: { phone, limit: 1 } });
    } catch (err) {
      if (err.status !== 404) {
        showFormError(newChatError, err.message);
        return;
      }
    }
    newPhoneInput.value = '';
    toggleNewChat(false);
    const existing = state.contacts.find((c) => contactKey(c) === phone);
    openChat(phone, existing || null);
  });

  function showFormError(el, message) {
    el.textContent = message;
    el.hidden = false;
  }

  // ---- Chat -------------------------------------------------------------------------------

  function openChat(key, contact) {
    key = String(key);
    const same = state.active && state.active.key === key;
    setView('chat');
    if (!same) {
      state.active = { key, contact: contact || null };
      state.chatGen++;
      state.messages = new Map();
      messageEls.clear();
      dayEls.clear();
      messageList.replaceChildren();
      state.nextCursor = null;
      state.hasMore = false;
      state.chatLoaded = false;
      state.idempotencyKey = null;
      state.inbox.conversation = null;
      state.inbox.timeline = new Map();
      sendError.hidden = true;
      input.value = '';
      closeCanned();
      updateComposer();
    }
    if (!state.open) open();
    renderContacts();
    renderChat();
    loadChat(true).catch(onChatError);
    if (!same) setTimeout(() => input.focus({ preventScroll: true }), 0);
  }

  async function loadChat(scrollToEnd) {
    if (!state.active) return;
    const gen = state.chatGen;
    const key = state.active.key;
    try {
      const page = await request('GET', '/messages', { query: { phone: key, limit: PAGE_SIZE } });
      if (gen !== state.chatGen) return;
      const firstLoad = !state.chatLoaded;
      mergeMessages(page.messages);
      if (firstLoad) {
        state.nextCursor = page.next_cursor || null;
        state.hasMore = Boolean(page.has_more && page.next_cursor);
        state.chatLoaded = true;
      }
      renderMessages(scrollToEnd || firstLoad ? 'end' : 'auto');
      markReadIfNeeded();
      loadConversation(gen, key).catch(onChatError);
    } catch (err) {
      if (gen !== state.chatGen) return;
      if (err.status === 404) { // a number with no history yet
        state.chatLoaded = true;
        renderMessages('end');
        renderConversation();
        return;
      }
      throw err;
    }
  }

  /** A chat that cannot be loaded says why where the operator is looking (e.g. a refused number). */
  function onChatError(err) {
    if (err && err.code === 'network') onPollError(err);
    else if (err) showSendError(err.message);
  }

  async function loadOlder() {
    if (!state.active || !state.nextCursor || state.loadingOlder) return;
    const gen = state.chatGen;
    state.loadingOlder = true;
    loadOlderBtn.disabled = true;
    loadOlderBtn.textContent = 'Loading…';
    try {
      const page = await request('GET', '/messages', { query: { phone: state.active.key, limit: PAGE_SIZE, before: state.nextCursor } });
      if (gen !== state.chatGen) return;
      mergeMessages(page.messages);
      state.nextCursor = page.next_cursor || null;
      state.hasMore = Boolean(page.has_more && page.next_cursor);
      renderMessages('keep');
    } catch (err) {
      showSendError(err.message);
    } finally {
      state.loadingOlder = false;
      loadOlderBtn.disabled = false;
      loadOlderBtn.textContent = 'Load older messages';
    }
  }

  function mergeMessages(list) {
    if (!Array.isArray(list)) return;
    // The API answers newest first; walk oldest first so ties in time keep the server's order.
    for (const m of list.slice().reverse()) {
      if (!m || !m.id) continue;
      if (m.message_id) {
        for (const [id, local] of state.messages) {
          if (local._local && local.message_id === m.message_id) state.messages.delete(id);
        }
      }
      const old = state.messages.get(m.id);
      state.messages.set(m.id, { ...m, _seq: old ? old._seq : ++state.seq });
    }
  }

  async function markReadIfNeeded(force = false) {
    const c = activeContact();
    if (!state.active || state.markingRead || !state.open || document.hidden) return;
    if (!force && !(c && Number(c.unread_count) > 0)) return;
    if (!c && !force) return;
    const key = state.active.key;
    state.markingRead = true;
    try {
      const res = await request('POST', `/contacts/${encodeURIComponent(key)}/read`, { body: {} });
      const local = state.contacts.find((x) => contactKey(x) === key);
      if (local) {
        state.totalUnread = Math.max(0, state.totalUnread - (Number(local.unread_count) || 0));
        Object.assign(local, res && res.contact ? res.contact : {}, { unread_count: 0 });
        if (state.seenUnread) state.seenUnread.set(key, 0);
        renderContacts();
        renderLauncher();
      }
    } catch (err) {
      if (err.status !== 404) console.warn('[wacloud widget] marking read failed:', err.message);
    } finally {
      state.markingRead = false;
    }
  }

  function renderChat() {
    const hasChat = Boolean(state.active);
    chatView.hidden = !hasChat;
    chatPlaceholder.hidden = hasChat;
    if (hasChat) renderChatHeader();
  }

  function renderChatHeader() {
    const c = activeContact();
    const key = state.active.key;
    const name = contactName(c);
    const phone = (c && (c.phone_number || c.user_id)) || key;
    chatTitle.textContent = name || phone;
    buildAvatar(chatAvatar, c || {}, key);
    const parts = [];
    if (name) parts.push(phone);
    let windowText = '';
    let closed = false;
    if (c && c.window_open === true) {
      const until = formatUntil(c.window_expires_at);
      windowText = until ? `Service window open until ${until}` : 'Service window open';
    } else if (c && c.window_open === false) {
      closed = true;
      windowText = 'Service window closed';
    } else if (!c) {
      closed = true;
      windowText = 'New conversation';
    }
    if (windowText) parts.push(windowText);
    chatSub.textContent = parts.join(' \u00b7 ');
    chatSub.title = c && c.window_expires_at ? `Customer service window ends ${formatFull(c.window_expires_at)}` : '';
    if (c && c.is_blocked) {
      windowNote.textContent = 'This contact is blocked.';
      windowNote.hidden = false;
    } else if (closed) {
      windowNote.replaceChildren(
        h('span', { text: 'No customer message in the last 24 hours: WhatsApp only accepts template messages until the customer writes again. ' }),
        templateButton('wa-window-template'));
      windowNote.hidden = false;
    } else {
      windowNote.hidden = true;
    }
    backBtn.setAttribute('aria-label', 'Back to conversations');
    renderConversation();
  }

  // ---- Message rendering -----------------------------------------------------------------

  const messageEls = new Map();
  const dayEls = new Map();

  /**
   * When a message or timeline entry happened, for ordering them. Meta's time of an inbound
   * message is in whole seconds; when it reached wacloud within that second (`received_at`,
   * milliseconds), that time places it among the notes and changes of the same second.
   */
  function sortTime(m) {
    if (m._local) return Infinity;
    const t = (parseTime(m.created_at) || new Date(0)).getTime();
    const r = m.received_at ? (parseTime(m.received_at) || new Date(0)).getTime() : NaN;
    return r - t >= 0 && r - t < 1000 ? r : t;
  }

  /**
   * A reopening by the customer is recorded as their message is stored, within milliseconds of
   * its `received_at`: it takes that message's place (and shows right after it).
   */
  function reopenTime(t) {
    const at = (parseTime(t.at) || new Date(0)).getTime();
    let best = null;
    for (const m of state.messages.values()) {
      if (m.direction !== 'inbound' || !m.received_at) continue;
      const gap = Math.abs((parseTime(m.received_at) || new Date(0)).getTime() - at);
      if (gap <= 1000 && (!best || gap < best.gap)) best = { m, gap };
    }
    return best ? sortTime(best.m) : at;
  }

  /** Messages and timeline entries by time; at the same time a message first. */
  function sortedMessages() {
    const all = Array.from(state.messages.values()).concat(Array.from(state.inbox.timeline.values()));
    const key = new Map(all.map((m) => [m, m._timeline && m.actor === 'customer' ? reopenTime(m) : sortTime(m)]));
    all.sort((a, b) => key.get(a) - key.get(b) || Number(Boolean(a._timeline)) - Number(Boolean(b._timeline)) || a._seq - b._seq);
    return all;
  }

  function findByWamid(wamid) {
    if (!wamid) return null;
    for (const m of state.messages.values()) if (m.message_id === wamid) return m;
    return null;
  }

  function renderMessages(scroll = 'auto') {
    const el = messagesScroll;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    const prevHeight = el.scrollHeight;
    const prevTop = el.scrollTop;

    const nodes = [];
    let lastDay = null;
    const keep = new Set();
    for (const m of sortedMessages()) {
      const d = m._local ? new Date() : parseTime(m.created_at);
      if (d) {
        const dk = dayKey(d);
        if (dk !== lastDay) {
          lastDay = dk;
          let sep = dayEls.get(dk);
          if (!sep) {
            sep = h('div', { class: 'wa-day', role: 'separator' }, h('span', { class: 'wa-day-label' }));
            dayEls.set(dk, sep);
          }
          sep.firstChild.textContent = formatDayLabel(d);
          nodes.push(sep);
        }
      }
      nodes.push(renderMessage(m));
      keep.add(m.id);
    }
    for (const id of messageEls.keys()) if (!keep.has(id)) messageEls.delete(id);
    reconcile(messageList, nodes);
    loadOlderBtn.hidden = !state.hasMore;
    chatEmpty.hidden = !(state.chatLoaded && state.messages.size === 0 && state.inbox.timeline.size === 0);

    if (scroll === 'end' || (scroll === 'auto' && nearBottom)) {
      el.scrollTop = el.scrollHeight;
    } else if (scroll === 'keep') {
      el.scrollTop = prevTop + (el.scrollHeight - prevHeight);
    }
  }

  function renderMessage(m) {
    if (m._timeline) return renderTimelineEntry(m);
    let el = messageEls.get(m.id);
    const target = m.reply_to ? findByWamid(typeof m.reply_to === 'object' ? m.reply_to.message_id : m.reply_to) : null;
    const reactTarget = m.reaction && typeof m.reaction === 'object' ? findByWamid(m.reaction.message_id) : null;
    const sig = JSON.stringify([m.status, m.message_type, m.message_text, m.created_at, m.edited_at, m.deleted_at, m.error_code,
      m.error_title, m.error_message, m.error_details, m.reaction, m.is_forwarded, m.media, m.reply_to,
      target && previewOf(target), reactTarget && previewOf(reactTarget), m._localError]);
    if (!el) {
      el = h('div', { class: 'wa-msg', 'data-testid': 'wa-message' });
      messageEls.set(m.id, el);
    }
    if (el._sig === sig) return el;
    el._sig = sig;

    const out = m.direction === 'outbound';
    const status = out ? String(m.status || 'pending') : String(m.status || 'received');
    const type = String(m.message_type || 'text');
    el.dataset.id = String(m.id);
    el.dataset.direction = out ? 'outbound' : 'inbound';
    el.dataset.status = status;
    el.dataset.type = type;
    if (m.message_id) el.dataset.wamid = String(m.message_id); else delete el.dataset.wamid;

    if (type === 'system' || type === 'request_welcome') {
      el.className = 'wa-msg wa-msg--system';
      const text = m.message_text || (type === 'request_welcome' ? 'The customer opened the chat for the first time.' : 'System message');
      el.replaceChildren(h('div', { class: 'wa-system', 'data-testid': 'wa-message-text', dir: 'auto', text: String(text), title: formatFull(m.created_at) }));
      return el;
    }

    el.className = `wa-msg ${out ? 'wa-msg--out' : 'wa-msg--in'}${status === 'failed' ? ' wa-msg--failed' : ''}`;
    const bubble = h('div', { class: 'wa-bubble' });
    const textEl = h('div', { class: 'wa-msg-text', 'data-testid': 'wa-message-text', dir: 'auto' });
    let showText = true;

    if (m.is_forwarded) bubble.appendChild(h('div', { class: 'wa-forwarded' }, icon('forward'), 'Forwarded'));
    if (m.reply_to && !m.deleted_at) {
      bubble.appendChild(h('div', { class: 'wa-quote', 'data-testid': 'wa-message-quote' },
        h('span', { class: 'wa-quote-who', text: target ? (target.direction === 'outbound' ? 'You' : contactName(activeContact()) || 'Customer') : 'Reply' }),
        h('span', { class: 'wa-quote-text', dir: 'auto', text: target ? previewOf(target) : 'Reply to an earlier message' })));
    }

    const text = m.message_text === null || m.message_text === undefined ? '' : String(m.message_text);
    if (m.deleted_at || type === 'deleted') {
      el.classList.add('wa-msg--deleted');
      textEl.appendChild(icon('blocked', 'wa-inline-icon'));
      textEl.appendChild(document.createTextNode('This message was deleted'));
      bubble.appendChild(textEl);
      showText = false;
    } else if (type === 'unsupported' || type === 'unknown') {
      el.classList.add('wa-msg--note');
      textEl.appendChild(icon('warning', 'wa-inline-icon'));
      textEl.appendChild(document.createTextNode('Unsupported message'));
      bubble.appendChild(textEl);
      if (text) bubble.appendChild(h('div', { class: 'wa-msg-caption', text }));
      showText = false;
    } else if (type === 'reaction') {
      el.classList.add('wa-msg--reaction');
      const emoji = m.reaction && typeof m.reaction === 'object' ? m.reaction.emoji : (typeof m.reaction === 'string' ? m.reaction : text);
      if (emoji) {
        textEl.appendChild(h('span', { class: 'wa-reaction-emoji', text: String(emoji) }));
        textEl.appendChild(h('span', { class: 'wa-reaction-text', text: reactTarget ? `reacted to \u201c${clip(previewOf(reactTarget), 60)}\u201d` : 'reacted to a message' }));
      } else {
        textEl.appendChild(h('span', { class: 'wa-reaction-text', text: 'removed a reaction' }));
      }
      bubble.appendChild(textEl);
      showText = false;
    } else {
      const kind = KIND[type === 'audio' && m.media && m.media.voice ? 'voice' : type];
      if (kind) {
        const media = m.media && typeof m.media === 'object' ? m.media : {};
        const sub = [media.filename, media.mime_type && String(media.mime_type).split(';')[0]].filter(Boolean);
        const filenameIsText = media.filename && text === media.filename;
        bubble.appendChild(h('div', { class: `wa-media wa-media--${type}`, 'data-testid': 'wa-message-media' },
          h('span', { class: 'wa-media-icon', 'aria-hidden': 'true' }, icon(kind.icon)),
          h('span', { class: 'wa-media-body' },
            h('span', { class: 'wa-media-label', text: kind.label }),
            sub.length ? h('span', { class: 'wa-media-sub', text: sub.join(' \u00b7 ') }) : null)));
        if (!text || filenameIsText) showText = false;
      }
      if (!text && !kind) {
        showText = true;
        textEl.classList.add('wa-msg-text--muted');
        textEl.appendChild(document.createTextNode(`${type} message`));
      }
      if (showText && text) appendLinkified(textEl, text);
      if (showText) bubble.appendChild(textEl);
    }

    const meta = h('span', { class: 'wa-msg-meta' });
    // Who sent an outbound message, when an operator did (the server records it).
    if (out && m.actor_name) meta.appendChild(h('span', { class: 'wa-msg-sender', 'data-testid': 'wa-message-sender', text: String(m.actor_name) }));
    if (m.edited_at && !m.deleted_at) meta.appendChild(h('span', { class: 'wa-edited', 'data-testid': 'wa-message-edited', text: '(edited)', title: `Edited ${formatFull(m.edited_at)}` }));
    meta.appendChild(h('time', { class: 'wa-msg-time', datetime: m.created_at || null, title: formatFull(m.created_at), text: m._local ? '' : formatTime(m.created_at) }));
    let reason = null;
    if (out) {
      const label = STATUS_LABEL[status] || status;
      reason = status === 'failed' ? (m._localError || failureReason(m)) : null;
      const tick = h('span', {
        class: `wa-status-tick wa-status-tick--${status}`, 'data-testid': 'wa-message-status', role: 'img',
        'aria-label': reason ? `Failed: ${reason}` : label, title: reason ? `Failed: ${reason}` : label,
      }, statusIcon(status));
      meta.appendChild(tick);
    }
    bubble.appendChild(meta);

    const children = [bubble];
    if (reason) {
      const canRetry = out && !m._local && m.source !== 'business_app' && m.source !== 'unknown';
      children.push(h('div', { class: 'wa-msg-error', 'data-testid': 'wa-message-error' },
        icon('error', 'wa-inline-icon'), h('span', { text: `Not delivered: ${reason}` }),
        canRetry ? h('button', {
          type: 'button', class: 'wa-inline-btn', 'data-testid': 'wa-message-retry',
          title: 'Send it again (a new message)', onclick: () => retryMessage(m.id),
        }, icon('retry', 'wa-inline-icon'), 'Retry') : null));
    }
    el.replaceChildren(...children);
    return el;
  }

  // ---- Composer ----------------------------------------------------------------------------

  function textLength(s) {
    let n = 0;
    for (const _ of s) n++; // code points, not UTF-16 units: an emoji counts once
    return n;
  }

  function updateComposer() {
    const value = input.value;
    const n = textLength(value);
    charCount.textContent = n >= COUNTER_FROM ? `${n} / ${MAX_TEXT_CHARS}` : '';
    charCount.classList.toggle('wa-char-count--over', n > MAX_TEXT_CHARS);
    charCount.hidden = n < COUNTER_FROM;
    sendBtn.disabled = state.sending || !value.trim() || n > MAX_TEXT_CHARS;
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  input.addEventListener('input', () => {
    updateComposer();
    state.idempotencyKey = null; // an edited message is a new message
    updateCanned();
  });
  input.addEventListener('keydown', (ev) => {
    if (cannedKey(ev)) return;
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (state.inbox.mode === 'note') addNote(); else send();
  });

  function showSendError(message, extra = null) {
    // replaceChildren writes null as the text "null": pass only what there is.
    sendError.replaceChildren(...[icon('error', 'wa-inline-icon'), h('span', { text: message }), ...(extra ? [' ', extra] : [])]);
    sendError.hidden = false;
  }

  /** A button that sends the template every account has (`hello_world`) to the open chat. */
  function templateButton(testid, template = FALLBACK_TEMPLATE) {
    return h('button', {
      type: 'button', class: 'wa-inline-btn', 'data-testid': testid,
      title: 'Templates are allowed at any time', onclick: () => sendTemplate(template),
    }, icon('template', 'wa-inline-icon'), `Send template ${template.name}`);
  }

  async function sendTemplate(template) {
    if (!state.active || state.sending) return;
    const gen = state.chatGen;
    const key = state.active.key;
    state.sending = true;
    sendError.hidden = true;
    updateComposer();
    try {
      const res = await request('POST', '/send', {
        body: { phone_number: key, type: 'template', template: { name: template.name, language: template.language } },
        headers: { 'Idempotency-Key': randomId() },
      });
      if (gen !== state.chatGen) return;
      if (res && res.message && res.message.id) mergeMessages([res.message]);
      renderMessages('end');
    } catch (err) {
      if (gen !== state.chatGen) return;
      showSendError(err.message);
      if (err.code === 'sending_paused') refreshHealth();
    } finally {
      state.sending = false;
      updateComposer();
      pollSoon(300);
    }
  }

  async function retryMessage(id) {
    const gen = state.chatGen;
    sendError.hidden = true;
    try {
      const res = await request('POST', `/messages/${encodeURIComponent(id)}/retry`, { body: {} });
      if (gen !== state.chatGen) return;
      if (res && res.message && res.message.id) mergeMessages([res.message]);
      renderMessages('end');
    } catch (err) {
      if (gen !== state.chatGen) return;
      if (err.code === 'window_closed') {
        const t = (err.detail && err.detail.suggested_template) || FALLBACK_TEMPLATE;
        showSendError(err.message, templateButton('wa-send-template', t));
      } else {
        showSendError(err.message);
      }
    } finally {
      pollSoon(300);
    }
  }

  async function send() {
    if (!state.active || state.sending) return;
    const text = input.value;
    const n = textLength(text);
    if (!text.trim()) return;
    if (n > MAX_TEXT_CHARS) {
      showSendError(`A WhatsApp text message is limited to ${MAX_TEXT_CHARS} characters; this one has ${n}.`);
      return;
    }
    const gen = state.chatGen;
    const key = state.active.key;
    // Same key when the operator retries the same text after a network failure: the server
    // then answers with the first result instead of sending twice.
    if (!state.idempotencyKey) state.idempotencyKey = randomId();
    const idem = state.idempotencyKey;
    const localId = `local-${idem}`;
    state.messages.set(localId, {
      id: localId, _local: true, _seq: ++state.seq, direction: 'outbound', message_type: 'text', message_text: text,
      status: 'pending', created_at: new Date().toISOString(),
    });
    state.sending = true;
    sendError.hidden = true;
    input.value = '';
    updateComposer();
    renderMessages('end');
    try {
      const res = await request('POST', '/send', { body: { phone_number: key, message_text: text }, headers: { 'Idempotency-Key': idem } });
      state.idempotencyKey = null;
      if (gen !== state.chatGen) return;
      state.messages.delete(localId);
      if (res && res.message && res.message.id) {
        mergeMessages([res.message]);
      } else {
        // No message object: keep a placeholder that the next poll replaces (matched by wamid).
        state.messages.set(localId, { ...state.messages.get(localId), id: localId, _local: true, _seq: ++state.seq,
          direction: 'outbound', message_type: 'text', message_text: text, status: 'accepted',
          message_id: res && res.message_id, created_at: new Date().toISOString() });
      }
      renderMessages('end');
      pollSoon(300);
    } catch (err) {
      if (gen !== state.chatGen) return;
      state.messages.delete(localId);
      if (err.code !== 'network') state.idempotencyKey = null;
      // Give the text back so it can be fixed and resent, unless the server kept it as a failed
      // message (Meta refused it: 502), which the next poll shows with its reason.
      if (!input.value && err.status !== 502) input.value = text;
      updateComposer();
      renderMessages('auto');
      if (err.code === 'window_closed') {
        // The customer has not written in 24 hours: only a template can go. Offer one.
        const t = (err.detail && err.detail.suggested_template) || FALLBACK_TEMPLATE;
        showSendError(err.message, templateButton('wa-send-template', t));
      } else {
        showSendError(err.message);
      }
      if (err.code === 'sending_paused') refreshHealth();
      pollSoon(300); // a message refused by Meta is stored as failed: show it
    } finally {
      state.sending = false;
      updateComposer();
    }
  }

  // ---- Simulate customer (sandbox) -------------------------------------------------------

  function openSimulate() {
    state.simulateOpen = true;
    simSheet.hidden = false;
    simError.hidden = true;
    (simText.value ? simSubmit : simText).focus();
  }

  function closeSimulate() {
    state.simulateOpen = false;
    simSheet.hidden = true;
    const opener = modeBanner.querySelector('[data-testid="wa-simulate-open"]');
    if (opener && state.open) opener.focus({ preventScroll: true });
  }

  simForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const phone = normalisePhone(simPhone.value);
    const text = simText.value;
    const name = simName.value.trim();
    if (!phone || !text.trim()) {
      showFormError(simError, 'A phone number and a message are needed.');
      return;
    }
    simSubmit.disabled = true;
    simError.hidden = true;
    try {
      const payload = { text };
      if (name) payload.name = name;
      await request('POST', `/sandbox/customers/${encodeURIComponent(phone)}/messages`, { body: payload, root: serverRoot });
      simText.value = '';
      closeSimulate();
      // The sandbox delivers through a webhook, a moment later: look twice.
      pollSoon(400);
      setTimeout(() => pollSoon(0), 1500);
    } catch (err) {
      showFormError(simError, err.message);
    } finally {
      simSubmit.disabled = false;
    }
  });
  simText.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); simForm.requestSubmit(); }
  });

  // ---- Bulk send and batch progress ---------------------------------------------------------

  function bulkKind() { return bulkKindTemplate.checked ? 'template' : 'text'; }

  function syncBulkKind() {
    const tpl = bulkKind() === 'template';
    bulkTemplateFields.hidden = !tpl;
    bulkTextFields.hidden = tpl;
  }
  bulkKindText.addEventListener('change', () => { syncBulkKind(); state.bulkKey = null; });
  bulkKindTemplate.addEventListener('change', () => { syncBulkKind(); state.bulkKey = null; });
  for (const el of [bulkRecipients, bulkText, bulkTemplate, bulkLanguage, bulkSchedule, bulkAllow]) {
    el.addEventListener('input', () => { state.bulkKey = null; }); // an edited request is a new request
  }

  function openBulk() {
    state.bulkOpen = true;
    bulkSheet.hidden = false;
    bulkError.hidden = true;
    bulkResult.hidden = true;
    syncBulkKind();
    bulkRecipients.focus();
  }

  function closeBulk() {
    state.bulkOpen = false;
    bulkSheet.hidden = true;
    if (state.open) bulkBtn.focus({ preventScroll: true });
  }

  bulkForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (state.bulkSending) return;
    const recipients = bulkRecipients.value.split(/[\n,;]+/).map((r) => r.trim()).filter(Boolean);
    if (!recipients.length) {
      showFormError(bulkError, 'Type at least one phone number, one per line.');
      return;
    }
    const body = { recipients };
    if (bulkKind() === 'template') {
      const name = bulkTemplate.value.trim();
      if (!name) { showFormError(bulkError, 'Type the template\u2019s name, e.g. hello_world.'); return; }
      body.type = 'template';
      body.template = { name, language: bulkLanguage.value.trim() || FALLBACK_TEMPLATE.language };
    } else {
      if (!bulkText.value.trim()) { showFormError(bulkError, 'Type the message.'); return; }
      body.message_text = bulkText.value;
      if (bulkAllow.checked) body.allow_outside_window = true;
    }
    if (bulkSchedule.value) {
      const at = new Date(bulkSchedule.value);
      if (Number.isNaN(at.getTime())) { showFormError(bulkError, 'The time is not valid.'); return; }
      body.scheduled_at = at.toISOString();
    }
    // The same key while the request is unchanged: a double click or a resend queues it once.
    if (!state.bulkKey) state.bulkKey = randomId();
    state.bulkSending = true;
    bulkSubmit.disabled = true;
    bulkError.hidden = true;
    try {
      const res = await request('POST', '/send-bulk', { body, headers: { 'Idempotency-Key': state.bulkKey } });
      state.bulkKey = null;
      const rejected = Array.isArray(res && res.rejected) ? res.rejected : [];
      const lines = [h('p', { class: 'wa-bulk-summary', 'data-testid': 'wa-bulk-summary',
        text: `${res.accepted} queued${rejected.length ? `, ${rejected.length} refused` : ''}.` })];
      if (rejected.length) {
        const list = h('ul', { class: 'wa-bulk-rejected', 'data-testid': 'wa-bulk-rejected' });
        for (const r of rejected.slice(0, 50)) {
          list.appendChild(h('li', {}, h('strong', { text: String(r.phone_number) }), ` \u2014 ${String(r.reason || r.code || '')}`));
        }
        lines.push(list);
      }
      bulkResult.replaceChildren(...lines);
      bulkResult.hidden = false;
      if (res.batch_id) {
        state.batches.set(String(res.batch_id), { summary: null, accepted: res.accepted, scheduledAt: res.scheduled_at });
        saveBatches();
        await refreshBatches();
        if (!rejected.length) {
          bulkRecipients.value = '';
          bulkText.value = '';
          closeBulk();
        }
      }
    } catch (err) {
      if (err.code !== 'network') state.bulkKey = null;
      showFormError(bulkError, err.message);
    } finally {
      state.bulkSending = false;
      bulkSubmit.disabled = false;
    }
  });

  function saveBatches() {
    try {
      sessionStorage.setItem(BATCHES_KEY, JSON.stringify(Array.from(state.batches.keys()).slice(-20)));
    } catch { /* storage unavailable: progress is kept for this page only */ }
  }

  function loadBatches() {
    try {
      const ids = JSON.parse(sessionStorage.getItem(BATCHES_KEY) || '[]');
      if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') state.batches.set(id, { summary: null });
    } catch { /* nothing saved */ }
  }

  async function refreshBatches() {
    const pending = Array.from(state.batches.entries()).filter(([, b]) => !(b.summary && b.summary.done));
    await Promise.all(pending.map(async ([id, b]) => {
      try {
        b.summary = await request('GET', `/batches/${encodeURIComponent(id)}`, { query: { limit: 0 } });
        b.error = null;
      } catch (err) {
        if (err.status === 404) state.batches.delete(id);
        else b.error = err.message;
      }
    }));
    saveBatches();
    renderBatches();
  }

  async function cancelBatch(id) {
    try {
      await request('POST', `/batches/${encodeURIComponent(id)}/cancel`, { body: {} });
    } catch (err) {
      const b = state.batches.get(id);
      if (b) b.error = err.message;
    }
    const b = state.batches.get(id);
    if (b && b.summary) b.summary.done = false; // poll it once more
    await refreshBatches();
  }

  function renderBatches() {
    const rows = [];
    for (const [id, b] of state.batches) {
      const s = b.summary;
      const total = s ? Number(s.total) || 0 : Number(b.accepted) || 0;
      const counts = (s && s.counts) || {};
      const finished = s ? Number(s.finished) || 0 : 0;
      const pct = total ? Math.round((finished / total) * 100) : 0;
      const done = Boolean(s && s.done);
      const scheduled = s && !done && counts.sending === 0 && finished === 0 && parseTime(s.scheduled_at) > new Date();
      const parts = [`${Number(counts.sent) || 0} of ${total} sent`];
      if (counts.failed) parts.push(`${counts.failed} failed`);
      if (counts.cancelled) parts.push(`${counts.cancelled} cancelled`);
      if (counts.unknown) parts.push(`${counts.unknown} unconfirmed`);
      const bar = h('span', { class: 'wa-progress-bar' });
      bar.style.width = `${pct}%`;
      const progress = h('div', {
        class: `wa-progress${done ? ' wa-progress--done' : ''}`, role: 'progressbar', 'data-testid': 'wa-batch-progress',
        'aria-valuemin': '0', 'aria-valuemax': String(total), 'aria-valuenow': String(finished),
        'aria-label': `Bulk send: ${parts.join(', ')}`,
      }, bar);
      const title = done ? 'Bulk send done' : scheduled ? 'Scheduled' : 'Sending\u2026';
      if (scheduled) {
        const due = parseTime(s.scheduled_at);
        parts.push(`due ${due.toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}`);
      }
      const actions = done
        ? h('button', { type: 'button', class: 'wa-icon-btn wa-icon-btn--tiny', 'aria-label': 'Hide this bulk send', 'data-testid': 'wa-batch-dismiss',
          onclick: () => { state.batches.delete(id); saveBatches(); renderBatches(); } }, icon('close'))
        : h('button', { type: 'button', class: 'wa-inline-btn', 'data-testid': 'wa-batch-cancel', onclick: () => cancelBatch(id), text: 'Cancel' });
      rows.push(h('div', { class: 'wa-batch', 'data-testid': 'wa-batch', 'data-batch-id': id, 'data-done': String(done), 'data-percent': String(pct) },
        h('div', { class: 'wa-batch-head' },
          h('span', { class: 'wa-batch-title', text: title }),
          h('span', { class: 'wa-batch-pct', 'data-testid': 'wa-batch-percent', text: `${pct}%` }),
          actions),
        progress,
        h('span', { class: 'wa-batch-meta', 'data-testid': 'wa-batch-meta', text: b.error ? b.error : parts.join(' \u00b7 ') })));
    }
    batchesBox.replaceChildren(...rows);
    batchesBox.hidden = rows.length === 0;
  }

  // ---- Keyboard ----------------------------------------------------------------------------

  /** Keeps Tab and Shift+Tab inside an open modal sheet (`aria-modal`), wrapping at its ends. */
  function trapFocus(sheet) {
    sheet.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Tab' || sheet.hidden) return;
      const focusable = [...sheet.querySelectorAll('button, input, textarea, select, a[href], [tabindex]:not([tabindex="-1"])')]
        .filter((el) => !el.disabled && !el.hidden && el.getClientRects().length > 0);
      if (!focusable.length) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const inside = sheet.contains(document.activeElement);
      if (ev.shiftKey && (document.activeElement === first || !inside)) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && (document.activeElement === last || !inside)) {
        ev.preventDefault();
        first.focus();
      }
    });
  }
  trapFocus(simSheet);
  trapFocus(bulkSheet);

  panel.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    if (state.simulateOpen) closeSimulate();
    else if (state.bulkOpen) closeBulk();
    else if (!newChatForm.hidden && newChatForm.contains(document.activeElement)) toggleNewChat(false);
    else if (state.view === 'chat' && getComputedStyle(backBtn).display !== 'none') showList();
    else close();
  });

  // ---- Team inbox: status, assignment, timeline, notes, canned replies -------------------
  //
  // A conversation's status and assignee (`GET|PUT /contacts/{phone}/conversation|status|
  // assignee`), its timeline beside the messages (`GET /contacts/{phone}/timeline`: private
  // notes, status changes, assignments), notes (`POST /contacts/{phone}/notes`), and canned
  // replies (`GET /canned-replies`) that `/` in the composer inserts.

  function myId() {
    return state.auth.operator ? String(state.auth.operator.id || '') || null : null;
  }

  function setInboxView(value) {
    if (state.inbox.view === value) return;
    state.inbox.view = value;
    for (const b of viewBar.querySelectorAll('[data-inbox-view]')) b.setAttribute('aria-pressed', String(b.dataset.inboxView === value));
    state.contactsWanted = CONTACTS_LIMIT;
    contactScroll.scrollTop = 0;
    refreshContacts().catch(onPollError);
  }

  function setInboxStatus(value) {
    if (state.inbox.status === value) return;
    state.inbox.status = value;
    statusFilter.value = value;
    state.contactsWanted = CONTACTS_LIMIT;
    contactScroll.scrollTop = 0;
    refreshContacts().catch(onPollError);
  }

  async function loadAssignees() {
    try {
      const r = await request('GET', '/assignees');
      state.inbox.assignees = Array.isArray(r && r.assignees) ? r.assignees : [];
    } catch {
      state.inbox.assignees = [];
    }
    if (state.active) renderConversation();
  }

  function mergeTimeline(entries) {
    if (!Array.isArray(entries)) return;
    for (const t of entries) {
      if (!t || !t.id) continue;
      const old = state.inbox.timeline.get(t.id);
      state.inbox.timeline.set(t.id, { ...t, created_at: t.at, _timeline: true, _seq: old ? old._seq : ++state.seq });
    }
  }

  const orNull = (err) => { if (err && err.status === 404) return null; throw err; };

  async function loadConversation(gen, key) {
    const path = `/contacts/${encodeURIComponent(key)}`;
    const [conv, tl] = await Promise.all([
      request('GET', `${path}/conversation`).catch(orNull),
      request('GET', `${path}/timeline`, { query: { limit: PAGE_SIZE } }).catch(orNull),
    ]);
    if (gen !== state.chatGen) return;
    state.inbox.conversation = conv;
    mergeTimeline(tl && tl.entries);
    renderConversation();
    renderMessages('auto');
  }

  function renderConversation() {
    const c = activeContact();
    const conv = state.inbox.conversation || (c && c.conversation) || null;
    convBar.hidden = !state.active || !conv;
    if (!conv) return;
    const st = conv.status || 'open';
    convBar.dataset.status = st;
    convStatus.className = `wa-chip wa-chip--${st}`;
    convStatus.textContent = st === 'snoozed' && conv.snoozed_until
      ? `Snoozed until ${formatUntil(conv.snoozed_until) || formatFull(conv.snoozed_until)}`
      : CONVERSATION_STATUS[st] || st;
    const cur = conv.assignee ? String(conv.assignee.id) : '';
    const me = myId();
    const options = [['', 'Unassigned']].concat(state.inbox.assignees.map((a) => [String(a.id), a.id === me ? `${a.display_name} (you)` : String(a.display_name)]));
    if (cur && !options.some(([id]) => id === cur)) options.push([cur, String(conv.assignee.display_name)]);
    const sig = JSON.stringify(options);
    if (assigneeSelect._sig !== sig) {
      assigneeSelect._sig = sig;
      assigneeSelect.replaceChildren(...options.map(([id, label]) => h('option', { value: id, text: label })));
    }
    assigneeSelect.value = cur;
    assigneeSelect.title = conv.assignee ? `Assigned to ${conv.assignee.display_name}` : 'Unassigned';
    assignMeBtn.hidden = !me || cur === me;
    resolveBtn.hidden = st === 'resolved';
    reopenBtn.hidden = st === 'open';
    pendingBtn.hidden = st === 'pending';
  }

  /** When a snooze choice ends, as RFC 3339. */
  function snoozeUntil(choice) {
    const d = new Date();
    if (choice === '1h') d.setHours(d.getHours() + 1);
    else if (choice === '4h') d.setHours(d.getHours() + 4);
    else if (choice === 'tomorrow') { d.setDate(d.getDate() + 1); d.setHours(9, 0, 0, 0); }
    else if (choice === 'week') { d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7)); d.setHours(9, 0, 0, 0); }
    else return null;
    return d.toISOString();
  }

  async function changeConversation(what, body) {
    if (!state.active) return;
    const gen = state.chatGen;
    const key = state.active.key;
    sendError.hidden = true;
    try {
      const conv = await request('PUT', `/contacts/${encodeURIComponent(key)}/${what}`, { body });
      if (gen !== state.chatGen) return;
      state.inbox.conversation = conv;
      renderConversation();
      await loadConversation(gen, key);
    } catch (err) {
      if (gen !== state.chatGen) return;
      renderConversation(); // puts the assignee list back as it was
      showSendError(err.message);
    } finally {
      pollSoon(0);
    }
  }

  function snoozeAtChosen() {
    const d = snoozeAt.value ? new Date(snoozeAt.value) : null;
    if (!d || Number.isNaN(d.getTime()) || d.getTime() <= Date.now()) {
      showSendError('Pick a time in the future to snooze until.');
      return;
    }
    snoozeAtBox.hidden = true;
    snoozeAt.value = '';
    setConversationStatus('snoozed', d.toISOString());
  }

  function setConversationStatus(status, until = null) {
    return changeConversation('status', until ? { status, snoozed_until: until } : { status });
  }

  function assignTo(id) {
    return changeConversation('assignee', { assignee_id: id || null });
  }

  function describeEntry(t, who) {
    const d = t.details || {};
    if (t.kind === 'status_changed') {
      if (t.actor === 'customer') return 'Reopened by a new message from the customer';
      if (d.to === 'resolved') return `${who} resolved the conversation`;
      if (d.to === 'pending') return `${who} set it pending (waiting for the customer)`;
      if (d.to === 'snoozed') return `${who} snoozed it until ${formatUntil(d.snoozed_until) || formatFull(d.snoozed_until)}`;
      if (d.to === 'open') return `${who} reopened the conversation`;
      return `${who} set the status to ${d.to}`;
    }
    if (t.kind === 'assignee_changed') {
      if (!d.to) return `${who} unassigned the conversation`;
      if (t.actor === `operator:${d.to.id}`) return `${who} took the conversation`;
      return `${who} assigned it to ${d.to.display_name}`;
    }
    return String(t.kind);
  }

  /** A note's text with the operators it mentions marked (text nodes only). */
  function appendMentions(el, text, mentions) {
    const names = (Array.isArray(mentions) ? mentions : []).map((m) => String(m.display_name || '')).filter(Boolean)
      .sort((a, b) => b.length - a.length);
    if (!names.length) { el.textContent = text; return; }
    const re = new RegExp(`@(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
    let last = 0;
    for (const m of text.matchAll(re)) {
      el.append(text.slice(last, m.index), h('span', { class: 'wa-mention', 'data-testid': 'wa-mention', text: m[0] }));
      last = m.index + m[0].length;
    }
    el.append(text.slice(last));
  }

  function renderTimelineEntry(t) {
    let el = messageEls.get(t.id);
    const sig = JSON.stringify([t.kind, t.body, t.actor, t.actor_name, t.details, t.mentions, formatTime(t.at)]);
    if (!el) {
      el = h('div', { 'data-testid': t.kind === 'note' ? 'wa-note' : 'wa-event' });
      messageEls.set(t.id, el);
    }
    if (el._sig === sig) return el;
    el._sig = sig;
    el.dataset.id = String(t.id);
    el.dataset.kind = String(t.kind);
    const who = t.actor_name ? String(t.actor_name)
      : t.actor === 'api_key' ? 'A program' : t.actor === 'customer' ? 'The customer' : 'Someone';
    if (t.kind === 'note') {
      el.className = 'wa-msg wa-msg--private';
      const text = h('div', { class: 'wa-note-text', 'data-testid': 'wa-note-text', dir: 'auto' });
      appendMentions(text, String(t.body || ''), t.mentions);
      el.replaceChildren(h('div', { class: 'wa-note', role: 'note', 'aria-label': `Private note by ${who}` },
        h('div', { class: 'wa-note-head' },
          icon('lock', 'wa-inline-icon'),
          h('span', { class: 'wa-note-label', text: 'Private note' }),
          h('span', { class: 'wa-note-who', 'data-testid': 'wa-note-author', text: who }),
          h('time', { class: 'wa-msg-time', datetime: t.at || null, title: formatFull(t.at), text: formatTime(t.at) })),
        text));
      return el;
    }
    el.className = 'wa-msg wa-msg--event';
    el.replaceChildren(h('div', { class: 'wa-event', 'data-testid': 'wa-event-text', title: formatFull(t.at) },
      `${describeEntry(t, who)} \u00b7 ${formatTime(t.at)}`));
    return el;
  }

  function setComposeMode(mode) {
    state.inbox.mode = mode;
    replyModeBtn.setAttribute('aria-pressed', String(mode === 'reply'));
    noteModeBtn.setAttribute('aria-pressed', String(mode === 'note'));
    composer.classList.toggle('wa-composer--note', mode === 'note');
    composer.dataset.mode = mode;
    input.placeholder = mode === 'note' ? 'Private note: only operators see it (@name mentions)' : 'Type a message';
    input.setAttribute('aria-label', mode === 'note' ? 'Private note' : 'Message');
    sendBtn.setAttribute('aria-label', mode === 'note' ? 'Add private note' : 'Send message');
    closeCanned();
    input.focus({ preventScroll: true });
  }

  async function addNote() {
    if (!state.active || state.sending) return;
    const text = input.value.trim();
    if (!text) return;
    const gen = state.chatGen;
    const key = state.active.key;
    state.sending = true;
    sendError.hidden = true;
    updateComposer();
    try {
      const entry = await request('POST', `/contacts/${encodeURIComponent(key)}/notes`, { body: { body: text } });
      if (gen !== state.chatGen) return;
      input.value = '';
      mergeTimeline([entry]);
      renderMessages('end');
    } catch (err) {
      if (gen === state.chatGen) showSendError(err.message);
    } finally {
      state.sending = false;
      updateComposer();
    }
  }

  const canned = { open: false, items: [], index: 0, start: 0 };

  async function loadCanned() {
    try {
      const r = await request('GET', '/canned-replies');
      state.inbox.canned = Array.isArray(r && r.canned_replies) ? r.canned_replies : [];
    } catch {
      state.inbox.canned = [];
    }
  }

  /** The `/word` being typed just before the caret, if any. */
  function slashQuery() {
    const pos = input.selectionStart;
    const m = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(input.value.slice(0, pos));
    return m ? { start: pos - m[2].length - 1, query: m[2].toLowerCase() } : null;
  }

  function updateCanned() {
    const q = state.inbox.mode === 'reply' ? slashQuery() : null;
    if (!q) { closeCanned(); return; }
    if (state.inbox.canned === null) { loadCanned().then(updateCanned); return; }
    const score = (c) => (c.short_code.startsWith(q.query) ? 0 : 1);
    canned.items = state.inbox.canned.filter((c) => String(c.short_code).includes(q.query)).sort((a, b) => score(a) - score(b)).slice(0, 8);
    canned.start = q.start;
    canned.index = 0;
    canned.open = true;
    renderCanned();
  }

  function renderCanned() {
    if (!canned.open) { cannedList.hidden = true; return; }
    cannedList.replaceChildren(...(canned.items.length
      ? canned.items.map((c, i) => h('li', {
        class: 'wa-canned-item', role: 'option', id: `${uid}-canned-${i}`, 'data-testid': 'wa-canned-item',
        'aria-selected': String(i === canned.index), onmousedown: (ev) => { ev.preventDefault(); pickCanned(i); },
      }, h('span', { class: 'wa-canned-code', text: `/${c.short_code}` }), h('span', { class: 'wa-canned-text', text: String(c.content) })))
      : [h('li', { class: 'wa-canned-empty', text: state.inbox.canned.length ? 'No canned reply matches.' : 'No canned replies yet (admins add them).' })]));
    cannedList.hidden = false;
    if (canned.items.length) input.setAttribute('aria-activedescendant', `${uid}-canned-${canned.index}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function closeCanned() {
    canned.open = false;
    cannedList.hidden = true;
    input.removeAttribute('aria-activedescendant');
  }

  /** Keys for the open canned list: arrows move, Enter or Tab picks, Escape closes. */
  function cannedKey(ev) {
    if (!canned.open) return false;
    if ((ev.key === 'ArrowDown' || ev.key === 'ArrowUp') && canned.items.length) {
      ev.preventDefault();
      const n = canned.items.length;
      canned.index = (canned.index + (ev.key === 'ArrowDown' ? 1 : n - 1)) % n;
      renderCanned();
      return true;
    }
    if ((ev.key === 'Enter' || ev.key === 'Tab') && canned.items.length && !ev.shiftKey) {
      ev.preventDefault();
      pickCanned(canned.index);
      return true;
    }
    if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      closeCanned();
      return true;
    }
    return false;
  }

  function pickCanned(i) {
    const c = canned.items[i];
    if (!c || !state.active) return;
    const contact = activeContact();
    const key = state.active.key;
    const phone = (contact && contact.phone_number) || key;
    const text = fillCanned(c.content, {
      contactName: contactName(contact) || phone,
      phoneNumber: phone,
      operatorName: state.auth.operator ? state.auth.operator.display_name : '',
    });
    const end = input.selectionStart;
    input.value = input.value.slice(0, canned.start) + text + input.value.slice(end);
    const caret = canned.start + text.length;
    input.setSelectionRange(caret, caret);
    closeCanned();
    state.idempotencyKey = null;
    updateComposer();
    input.focus({ preventScroll: true });
  }

  // ---- Notifications -----------------------------------------------------------------------
  //
  // A new customer message in a conversation assigned to me or to nobody: a short chime made
  // with WebAudio (no file is loaded) and, once the operator allowed it, a browser
  // notification. The page title shows the unread count (renderLauncher).

  let audioCtx = null;

  /** Browsers let a page play sound only after a user gesture: make the context on one. */
  function unlockAudio() {
    try {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return;
      audioCtx = audioCtx || new AC();
      if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
    } catch {
      audioCtx = null;
    }
  }
  root.addEventListener('pointerdown', unlockAudio);
  root.addEventListener('keydown', unlockAudio);

  function chime() {
    if (!audioCtx || audioCtx.state !== 'running') return;
    const t = audioCtx.currentTime;
    const osc = audioCtx.createOscillator();
    const gain = audioCtx.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, t);
    osc.frequency.setValueAtTime(1320, t + 0.12);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.18, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
    osc.connect(gain).connect(audioCtx.destination);
    osc.start(t);
    osc.stop(t + 0.4);
  }

  function renderNotifyButton() {
    const can = typeof Notification !== 'undefined';
    notifyBtn.hidden = !can || Notification.permission !== 'default';
  }

  async function enableNotifications() {
    unlockAudio();
    if (typeof Notification === 'undefined') return;
    try { await Notification.requestPermission(); } catch { /* refused or not supported */ }
    renderNotifyButton();
  }

  function noticeNewMessages(list) {
    const me = myId();
    const prev = state.seenUnread;
    const next = new Map();
    const fresh = [];
    for (const c of list) {
      const k = contactKey(c);
      const n = Number(c.unread_count) || 0;
      next.set(k, n);
      if (!prev || n <= (prev.get(k) || 0)) continue;
      const a = c.conversation && c.conversation.assignee;
      if (a && a.id !== me) continue; // someone else's conversation
      if (state.open && !document.hidden && document.hasFocus() && state.active && state.active.key === k) continue; // on screen
      fresh.push(c);
    }
    state.seenUnread = next;
    if (!fresh.length) return;
    state.notified += fresh.length;
    chime();
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    for (const c of fresh.slice(0, 3)) {
      try {
        const n = new Notification(contactName(c) || c.phone_number || 'WhatsApp', {
          body: c.last_message_preview ? String(c.last_message_preview) : 'New message', tag: `wacloud-${contactKey(c)}`,
        });
        n.onclick = () => { window.focus(); openChat(contactKey(c), c); n.close(); };
      } catch {
        // Some browsers allow notifications only from a service worker: the chime and the title remain.
      }
    }
  }


  // ---- Polling -----------------------------------------------------------------------------

  let timer = null;
  let polling = false;
  let pollAgain = false;

  function onPollError(err) {
    if (err && err.code === 'network') {
      state.connError = err;
      renderHealth();
    }
  }

  async function tick() {
    timer = null;
    if (state.destroyed || document.hidden) return;
    // Logged out: nothing to read until the login form is used.
    if (state.auth.required && !state.auth.operator) return;
    if (polling) { pollAgain = true; return; }
    polling = true;
    pollAgain = false;
    const jobs = [refreshContacts().then(() => {
      if (state.connError) { state.connError = null; renderHealth(); }
    })];
    if (state.open && state.active) jobs.push(loadChat(false));
    if (state.batches.size) jobs.push(refreshBatches());
    if (Date.now() - state.lastHealthAt >= Math.max(HEALTH_EVERY_MS, pollMs * 3) || state.healthState === 'error') jobs.push(refreshHealth());
    const results = await Promise.allSettled(jobs);
    for (const r of results) if (r.status === 'rejected') onPollError(r.reason);
    polling = false;
    schedule(pollAgain ? 0 : (live.on ? livePollMs : pollMs));
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = null;
    if (state.destroyed || document.hidden) return;
    timer = setTimeout(tick, delay);
  }

  function pollSoon(delay = 0) {
    if (polling) { pollAgain = true; return; }
    schedule(delay);
  }

  // ---- Live updates ------------------------------------------------------------------------
  //
  // `GET /events` (server-sent events) says when messages, statuses or contacts changed; the
  // widget then polls at once. The data only names ids, so nothing from it reaches the page.

  const live = { source: null, on: false, retryTimer: null };

  function startLive() {
    // An event stream cannot carry the API key's header: with a key, polling does the work.
    if (!opts.live || opts.apiKey || typeof EventSource === 'undefined' || state.destroyed || document.hidden || live.source) return;
    if (state.auth.required && !state.auth.operator) return;
    clearTimeout(live.retryTimer);
    live.retryTimer = null;
    let source;
    try {
      source = new EventSource(`${apiBase}/events`);
    } catch {
      return; // polling goes on
    }
    live.source = source;
    source.addEventListener('ready', () => {
      const wasOn = live.on;
      live.on = true;
      // Whatever changed while the stream was down: read it now.
      if (!wasOn) pollSoon(0);
    });
    source.addEventListener('change', () => pollSoon(0));
    source.addEventListener('error', () => {
      // The browser reconnects by itself (after the server's `retry`); meanwhile, poll.
      if (live.on) { live.on = false; pollSoon(0); }
      if (source.readyState === EventSource.CLOSED) {
        // Refused for good (no such endpoint, wrong content type): poll, and try again later.
        stopLive();
        live.retryTimer = setTimeout(startLive, LIVE_RETRY_MS);
      }
    });
  }

  function stopLive() {
    if (live.source) live.source.close();
    live.source = null;
    live.on = false;
  }

  function onVisibility() {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
      stopLive(); // no open connection for a tab nobody looks at
    } else {
      state.lastHealthAt = 0;
      startLive();
      pollSoon(0);
    }
  }
  document.addEventListener('visibilitychange', onVisibility);

  // ---- Operators' login ---------------------------------------------------------------------
  //
  // The session is an HttpOnly cookie the server sets: the page never sees it. A 401
  // `login_required` from any request shows the login sheet; after a login everything is read
  // again.

  function renderAuth() {
    const op = state.auth.operator;
    operatorBox.hidden = !op;
    viewBar.hidden = !op;
    renderNotifyButton();
    operatorName.textContent = op ? String(op.display_name || op.email || '') : '';
    operatorName.title = op ? `${op.email || ''} (${op.role || ''})` : '';
    logoutBtn.title = op ? `Log out ${op.display_name || op.email || ''}` : '';
    const show = state.auth.required && !op;
    loginSheet.hidden = !show;
    const was = root.dataset.auth;
    root.dataset.auth = op ? 'operator' : (state.auth.required ? 'login' : 'open');
    // The host page (the dashboard's statistics) reads again, or forgets, with the operator.
    if (was && was !== root.dataset.auth) {
      document.dispatchEvent(new CustomEvent('wacloud:auth', { detail: { operator: op ? String(op.display_name || '') : null } }));
    }
  }

  function forgetData() {
    state.contacts = [];
    state.contactsLoaded = false;
    state.messages.clear();
    state.active = null;
    state.chatGen++;
    setView('list');
    renderContacts();
    renderChat();
  }

  function needLogin() {
    const wasIn = !!state.auth.operator;
    state.auth.required = true;
    state.auth.operator = null;
    stopLive();
    if (wasIn) forgetData();
    renderAuth();
    if (state.open && !loginSheet.hidden) loginEmail.focus({ preventScroll: true });
  }

  async function refreshMe() {
    try {
      const me = await request('GET', '/auth/me');
      state.auth.operator = (me && me.operator) || null;
      // A program's key (`api_key`) or the open mode (`local`) needs no login form.
      state.auth.required = !!(me && me.login_required && me.operator);
      loadAssignees();
    } catch {
      // 401 `login_required` already showed the form; anything else: the server predates
      // operators or is down, which the health check reports.
    }
    renderAuth();
  }

  loginForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (state.auth.busy) return;
    const email = loginEmail.value.trim();
    const password = loginPassword.value;
    loginError.hidden = true;
    if (!email || !password) {
      showFormError(loginError, 'Enter your e-mail address and password.');
      return;
    }
    state.auth.busy = true;
    loginSubmit.disabled = true;
    try {
      const me = await request('POST', '/auth/login', { body: { email, password } });
      loginPassword.value = '';
      state.auth.operator = (me && me.operator) || null;
      state.auth.required = true;
      state.seenUnread = null;
      renderAuth();
      loadAssignees();
      state.lastHealthAt = 0;
      startLive();
      pollSoon(0);
    } catch (err) {
      loginPassword.value = '';
      showFormError(loginError, err && err.message ? err.message : 'Could not log in.');
    } finally {
      state.auth.busy = false;
      loginSubmit.disabled = false;
    }
  });

  async function logout() {
    try {
      await request('POST', '/auth/logout');
    } catch {
      // Logged out already, or the server is away: forget the data either way.
    }
    needLogin();
    forgetData();
  }

  // ---- Start ---------------------------------------------------------------------------------

  renderHealth();
  renderLauncher();
  renderChat();
  updateComposer();
  loadBatches();
  renderBatches();
  if (opts.startOpen) open();
  refreshHealth();
  renderAuth();
  // Whether to log in first; the list is read meanwhile (a 401 shows the form).
  refreshMe().then(() => { startLive(); });
  pollSoon(0);

  const controller = {
    element: root,
    open,
    close,
    toggle,
    /** Opens the conversation with `phone` (E.164, with or without `+`, or a BSUID). */
    openChat: (phone) => openChat(normalisePhone(phone), null),
    /** Polls now instead of waiting for the next tick. */
    refresh: () => { state.lastHealthAt = 0; pollSoon(0); },
    /** Stops live updates and polling and removes the widget from the page. */
    destroy() {
      state.destroyed = true;
      stopLive();
      clearTimeout(live.retryTimer);
      clearTimeout(timer);
      clearTimeout(searchTimer);
      document.removeEventListener('visibilitychange', onVisibility);
      root.remove();
    },
    get state() {
      return {
        open: state.open, mode: state.healthState, unread: state.totalUnread, active: state.active && state.active.key, live: live.on,
        operator: state.auth.operator ? state.auth.operator.display_name : null, loginRequired: state.auth.required && !state.auth.operator,
        view: state.inbox.view, status: state.inbox.status, notified: state.notified,
        conversation: state.inbox.conversation ? { ...state.inbox.conversation } : null,
      };
    },
  };
  return controller;
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
