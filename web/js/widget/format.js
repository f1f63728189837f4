/** wacloud operator widget: Formatting and domain helpers: limits, times, phone numbers, names, statuses, previews. */

import { icon } from './dom.js';

/** Meta's limit for a text message body, in characters (counted as Unicode code points). */
export const MAX_TEXT_CHARS = 4096;
export const COUNTER_FROM = 3584;
export const PAGE_SIZE = 50;
export const CONTACTS_LIMIT = 200;
export const HEALTH_EVERY_MS = 10000;
export const LIVE_POLL_MS = 15000;
/** After the event stream failed for good (no endpoint, a buffering proxy), try again this late. */
export const LIVE_RETRY_MS = 30000;

let instanceCounter = 0;
/** A new widget instance's number (ids of its elements are unique on the page). */
export function nextInstance() { return ++instanceCounter; }


// ---------------------------------------------------------------------------------------------
// Formatting

export function parseTime(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
export const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
export const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
export const longDayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
export const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

export function dayKey(d) {
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function daysAgo(d) {
  const start = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  return Math.round((start(new Date()) - start(d)) / 86400000);
}

/** Short local time, e.g. "14:05". */
export function formatTime(value) {
  const d = parseTime(value);
  return d ? timeFmt.format(d) : '';
}

/** A coming moment: "3:05 PM" today, "tomorrow 3:05 PM", else "Dec 2, 2026, 3:05 PM". */
export function formatUntil(value) {
  const d = parseTime(value);
  if (!d) return '';
  const ago = daysAgo(d);
  const t = timeFmt.format(d);
  if (ago === 0) return t;
  if (ago === -1) return `tomorrow ${t}`;
  return `${dateFmt.format(d)}, ${t}`;
}

/** Contact-list time: today → time, yesterday, weekday within a week, else a date. */
export function formatListTime(value) {
  const d = parseTime(value);
  if (!d) return '';
  const ago = daysAgo(d);
  if (ago <= 0) return timeFmt.format(d);
  if (ago === 1) return 'Yesterday';
  if (ago < 7) return weekdayFmt.format(d);
  return dateFmt.format(d);
}

export function formatDayLabel(d) {
  const ago = daysAgo(d);
  if (ago <= 0) return 'Today';
  if (ago === 1) return 'Yesterday';
  return longDayFmt.format(d);
}

export function formatFull(value) {
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
export function contactKey(c) {
  return c.phone_number || c.user_id || (c.wa_id ? `+${c.wa_id}` : c.id);
}

export function contactName(c) {
  return (c && (c.display_name || c.profile_name || c.business_name)) || '';
}

export function initials(name) {
  const words = name.trim().split(/\s+/).filter((w) => /\p{L}|\p{N}/u.test(w));
  const first = (w) => Array.from(w.replace(/^[^\p{L}\p{N}]+/u, ''))[0] || '';
  const letters = words.slice(0, 2).map(first).join('');
  return letters.toUpperCase();
}

export function hueOf(key) {
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

export const STATUS_LABEL = {
  pending: 'Sending',
  accepted: 'Accepted by WhatsApp, waiting to be sent',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  played: 'Played',
  failed: 'Failed',
};

export function statusIcon(status) {
  switch (status) {
    case 'sent': return icon('check', 'wa-tick');
    case 'delivered': return icon('checks', 'wa-tick');
    case 'read':
    case 'played': return icon('checks', 'wa-tick wa-tick--read');
    case 'failed': return icon('error', 'wa-tick wa-tick--failed');
    default: return icon('clock', 'wa-tick wa-tick--pending');
  }
}

export const KIND = {
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

export function clip(text, max) {
  const chars = Array.from(String(text));
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}\u2026` : chars.join('');
}

/** One-line preview of a message, for quotes. */
export function previewOf(m) {
  if (!m) return '';
  if (m.deleted_at) return 'This message was deleted';
  const kind = KIND[m.message_type];
  const text = m.message_text || '';
  if (kind) return text ? `${kind.label}: ${text}` : kind.label;
  if (m.message_type === 'unsupported' || m.message_type === 'unknown') return 'Unsupported message';
  return text || m.message_type || '';
}

export class WidgetError extends Error {
  constructor(code, message, status = 0, detail = null) {
    super(message);
    this.code = code;
    this.status = status;
    this.detail = detail;
  }
}

export function randomId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
