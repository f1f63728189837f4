/**
 * wacloud operator widget: The template picker: choose an approved template of the WhatsApp
 * Business Account, fill its body's `{{1}}`, `{{2}}`, … with a live preview, and send it to the
 * open conversation (templates may go at any time, also outside the 24-hour window).
 *
 * Templates come from `GET /templates` (Meta's list, synced at the server's start and by
 * `POST /templates/sync`, and its template webhooks). The picker fills the body's and a text
 * header's `{{1}}`, a media header (a link or a media id), a dynamic URL button's end and a
 * copy-code button's coupon. A template with named parameters is shown and explained but cannot
 * be sent from here.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { randomId } from './format.js';
import { h, icon } from './dom.js';

/** Meta's limit for one body parameter (characters). */
const MAX_PARAMETER = 1024;

/** Statuses Meta sends a template in (a template without one is offered too). */
const SENDABLE = new Set(['APPROVED']);

/** The components of a stored template as an array (Meta's JSON text), or []. */
export function templateComponents(t) {
  try {
    const c = JSON.parse(t && t.components ? t.components : '[]');
    return Array.isArray(c) ? c : [];
  } catch {
    return [];
  }
}

/** The highest positional `{{n}}` in `text`, and the named `{{name}}` ones. */
export function placeholders(text) {
  let max = 0;
  const named = [];
  for (const m of String(text || '').matchAll(/\{\{\s*([^{}]+?)\s*\}\}/g)) {
    if (/^\d+$/.test(m[1])) max = Math.max(max, Number(m[1]));
    else if (!named.includes(m[1])) named.push(m[1]);
  }
  return { count: max, named };
}

/** What is wrong with one body parameter by Meta's rules, or null. */
export function parameterProblem(value) {
  if (!value.trim()) return 'is empty';
  if (/[\n\t]/.test(value)) return 'may not contain a new line or a tab';
  if (/ {5,}/.test(value)) return 'may not contain more than four spaces in a row';
  if ([...value].length > MAX_PARAMETER) return `is longer than ${MAX_PARAMETER} characters`;
  return null;
}

/**
 * What the picker can do with a template: its parts, the values it needs (`fields`: each with
 * its label, where it goes and its check) and why it cannot be sent from here (null when it can).
 */
export function describeTemplate(t) {
  const parts = { header: null, headerMedia: null, body: '', footer: null, buttons: [], examples: [], fields: [] };
  let blocker = null;
  const named = (text) => placeholders(text).named.length > 0;
  for (const c of templateComponents(t)) {
    const type = String(c.type || '').toUpperCase();
    if (type === 'HEADER') {
      const format = String(c.format || 'TEXT').toUpperCase();
      if (['IMAGE', 'VIDEO', 'DOCUMENT'].includes(format)) {
        parts.headerMedia = format.toLowerCase();
        parts.fields.push({ key: 'header_media', label: `Header ${parts.headerMedia}: an https link or a media id` });
      } else if (format === 'TEXT') {
        parts.header = String(c.text || '');
        if (named(parts.header)) blocker = 'its header uses a named parameter, which this picker cannot fill yet';
        else if (placeholders(parts.header).count) parts.fields.push({ key: 'header_text', label: 'Header {{1}}' });
      } else {
        blocker = `its ${format.toLowerCase()} header cannot be filled here`;
      }
    } else if (type === 'BODY') {
      parts.body = String(c.text || '');
      const ex = c.example && Array.isArray(c.example.body_text) && Array.isArray(c.example.body_text[0]) ? c.example.body_text[0] : [];
      parts.examples = ex.map(String);
    } else if (type === 'FOOTER') {
      parts.footer = String(c.text || '');
    } else if (type === 'BUTTONS') {
      (Array.isArray(c.buttons) ? c.buttons : []).forEach((b, index) => {
        const kind = String(b.type || '').toUpperCase();
        // A copy-code button has no text of its own: WhatsApp labels it "Copy code".
        const label = String(b.text || (kind === 'COPY_CODE' ? 'Copy code' : b.type) || 'Button');
        parts.buttons.push(label);
        if (kind === 'URL' && /\{\{/.test(String(b.url || ''))) parts.fields.push({ key: 'button', index, type: 'url', label: `Button \u201c${label}\u201d: the end of its link` });
        if (kind === 'COPY_CODE') parts.fields.push({ key: 'button', index, type: 'copy_code', label: `Button \u201c${label}\u201d: the coupon code (1\u201315 characters)` });
      });
    }
  }
  const p = placeholders(parts.body);
  if (p.named.length) blocker = blocker || 'its body uses named parameters, which this picker cannot fill yet';
  for (let i = 1; i <= p.count; i++) parts.fields.splice(i - 1 + (parts.fields[0] && parts.fields[0].key.startsWith('header') ? 1 : 0), 0, { key: 'body', index: i - 1, label: `Body {{${i}}}`, example: parts.examples[i - 1] });
  return { ...parts, count: p.count, blocker };
}

/** What is wrong with the value of `field`, or null. */
export function fieldProblem(field, value) {
  if (field.key === 'header_media') {
    const v = value.trim();
    if (!v) return 'is empty';
    if (/^https:\/\/\S+$/.test(v) || /^[A-Za-z0-9_.-]{1,128}$/.test(v)) return null;
    return 'must be an https link or a media id';
  }
  if (field.key === 'button' && field.type === 'copy_code') {
    const n = [...value].length;
    return n < 1 || n > 15 ? 'must be 1 to 15 characters' : null;
  }
  if (field.key === 'header_text' && [...value].length > 60) return 'is longer than 60 characters';
  return parameterProblem(value);
}

/** The `template` object of `POST /send` for template `t` described as `d`, with `values`. */
export function templateRequest(t, d, values) {
  const out = { name: t.name, language: t.language, body_parameters: [] };
  d.fields.forEach((f, i) => {
    const v = values[i];
    if (f.key === 'body') out.body_parameters[f.index] = v;
    else if (f.key === 'header_text') out.header_text = v;
    else if (f.key === 'header_media') out.header_media = { type: d.headerMedia, media: /^https:\/\//.test(v.trim()) ? { link: v.trim() } : { id: v.trim() } };
    else if (f.key === 'button') (out.buttons = out.buttons || []).push({ index: f.index, type: f.type, value: v });
  });
  return out;
}

/** `text` with `{{n}}` replaced by `values[n - 1]` where given (as the server fills it). */
export function fillBody(text, values) {
  return String(text || '').replace(/\{\{\s*(\d+)\s*\}\}/g, (all, n) => {
    const v = values[Number(n) - 1];
    return v ? v : all;
  });
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.openTemplates = async function openTemplates() {
    if (!w.state.active) return;
    w.state.tpl.open = true;
    w.tplSheet.hidden = false;
    w.tplError.hidden = true;
    w.tplTo.textContent = `To ${w.state.active.key}`;
    w.tplSelect.focus();
    await w.loadTemplates();
  };

  w.closeTemplates = function closeTemplates() {
    w.state.tpl.open = false;
    w.tplSheet.hidden = true;
    if (w.state.open && !w.tplBtn.hidden) w.tplBtn.focus({ preventScroll: true });
  };

  w.loadTemplates = async function loadTemplates() {
    w.tplNote.hidden = false;
    w.tplNote.textContent = 'Loading templates\u2026';
    try {
      const res = await w.request('GET', '/templates');
      const all = (res && Array.isArray(res.templates) ? res.templates : [])
        .filter((t) => !t.status || SENDABLE.has(String(t.status).toUpperCase()))
        .sort((a, b) => `${a.name} ${a.language}`.localeCompare(`${b.name} ${b.language}`));
      w.state.tpl.list = all;
      const keep = w.tplSelect.value;
      w.tplSelect.replaceChildren(...all.map((t, i) => h('option', { value: String(i), text: `${t.name} (${t.language})` })));
      if (keep && Number(keep) < all.length) w.tplSelect.value = keep;
      w.tplNote.hidden = all.length > 0;
      w.tplNote.replaceChildren(...(all.length ? [] : [
        h('span', { text: 'No approved template is known yet. ' }),
        w.isAdmin() ? h('button', { type: 'button', class: 'wa-inline-btn', 'data-testid': 'wa-template-sync', text: 'Read them from Meta', onclick: () => w.syncTemplates() }) : h('span', { text: 'An admin can read them from Meta.' }),
      ]));
      w.renderTemplate();
    } catch (err) {
      w.tplNote.hidden = false;
      w.tplNote.textContent = err.message;
    }
  };

  w.syncTemplates = async function syncTemplates() {
    w.tplNote.textContent = 'Reading the templates from Meta\u2026';
    try {
      await w.request('POST', '/templates/sync', { body: {} });
      await w.loadTemplates();
    } catch (err) {
      w.tplNote.textContent = err.message;
    }
  };

  /** The chosen template, its fields and its preview. */
  w.renderTemplate = function renderTemplate() {
    const t = w.state.tpl.list[Number(w.tplSelect.value)];
    w.tplSubmit.disabled = !t;
    if (!t) { w.tplFields.replaceChildren(); w.tplPreview.hidden = true; return; }
    const d = describeTemplate(t);
    w.state.tpl.current = { t, d };
    const inputs = [];
    d.fields.forEach((f, i) => {
      const id = `${w.uid}-tpl-p${i}`;
      const input = h('input', { type: 'text', id, class: 'wa-input-field', 'data-testid': 'wa-template-param', 'data-key': f.key, autocomplete: 'off',
        placeholder: f.example ? `e.g. ${f.example}` : '', 'aria-describedby': `${w.uid}-tpl-preview` });
      input.addEventListener('input', () => { w.tplError.hidden = true; w.renderTemplatePreview(); });
      inputs.push(h('label', { class: 'wa-form-label', for: id, text: f.label }), input);
    });
    w.tplFields.replaceChildren(...inputs);
    w.tplBlocked.hidden = !d.blocker;
    w.tplBlocked.textContent = d.blocker ? `This template cannot be sent from here: ${d.blocker}.` : '';
    w.tplSubmit.disabled = Boolean(d.blocker);
    w.renderTemplatePreview();
  };

  w.templateValues = function templateValues() {
    return [...w.tplFields.querySelectorAll('input')].map((i) => i.value);
  };

  w.renderTemplatePreview = function renderTemplatePreview() {
    const cur = w.state.tpl.current;
    if (!cur) return;
    const { d } = cur;
    const values = w.templateValues();
    const body = d.fields.map((f, i) => (f.key === 'body' ? values[i] : null)).filter((v) => v !== null);
    const headerValue = d.fields.findIndex((f) => f.key === 'header_text');
    w.tplPreview.hidden = false;
    w.tplPreview.replaceChildren(
      d.headerMedia ? h('div', { class: 'wa-tpl-header', text: `[${d.headerMedia}]` }) : '',
      d.header ? h('div', { class: 'wa-tpl-header', dir: 'auto', text: fillBody(d.header, headerValue >= 0 ? [values[headerValue]] : []) }) : '',
      h('div', { class: 'wa-tpl-body', 'data-testid': 'wa-template-preview-body', dir: 'auto', text: fillBody(d.body, body) || '(no body text known)' }),
      d.footer ? h('div', { class: 'wa-tpl-footer', dir: 'auto', text: d.footer }) : '',
      ...d.buttons.map((b) => h('div', { class: 'wa-tpl-button', dir: 'auto', text: b })));
  };

  w.sendChosenTemplate = async function sendChosenTemplate() {
    const cur = w.state.tpl.current;
    if (!cur || !w.state.active || cur.d.blocker) return;
    const values = w.templateValues();
    const inputs = [...w.tplFields.querySelectorAll('input')];
    for (let i = 0; i < values.length; i++) {
      const problem = fieldProblem(cur.d.fields[i], values[i]);
      if (problem) {
        w.showFormError(w.tplError, `${cur.d.fields[i].label} ${problem}.`);
        inputs[i].focus();
        return;
      }
    }
    w.tplError.hidden = true;
    w.tplSubmit.disabled = true;
    const gen = w.state.chatGen;
    try {
      const res = await w.request('POST', '/send', {
        body: { phone_number: w.state.active.key, type: 'template', template: templateRequest(cur.t, cur.d, values) },
        headers: { 'Idempotency-Key': randomId() },
      });
      if (gen === w.state.chatGen && res && res.message && res.message.id) w.mergeMessages([res.message]);
      w.closeTemplates();
      w.renderMessages('end');
    } catch (err) {
      w.showFormError(w.tplError, err.message);
    } finally {
      w.tplSubmit.disabled = false;
      w.pollSoon(300);
    }
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.tpl = { open: false, list: [], current: null };
  w.tplBtn = h('button', { type: 'button', class: 'wa-icon-btn wa-composer-tool', 'data-testid': 'wa-template-open', 'aria-label': 'Send a template', title: 'Send a template (allowed at any time)',
    onclick: () => w.openTemplates() }, icon('template'));
  const row = w.composer.querySelector('.wa-composer-row');
  row.insertBefore(w.tplBtn, row.firstChild);

  const ids = { title: `${w.uid}-tpl-title`, select: `${w.uid}-tpl-select` };
  w.tplTo = h('p', { class: 'wa-sheet-note', 'data-testid': 'wa-template-to' });
  w.tplSelect = h('select', { id: ids.select, class: 'wa-input-field', 'data-testid': 'wa-template-select' });
  w.tplSelect.addEventListener('change', () => w.renderTemplate());
  w.tplNote = h('p', { class: 'wa-sheet-note', 'data-testid': 'wa-template-note', role: 'status', hidden: true });
  w.tplFields = h('div', { class: 'wa-tpl-fields', 'data-testid': 'wa-template-fields' });
  w.tplPreview = h('div', { class: 'wa-tpl-preview', id: `${w.uid}-tpl-preview`, 'data-testid': 'wa-template-preview', 'aria-live': 'polite', hidden: true });
  w.tplBlocked = h('p', { class: 'wa-form-error', 'data-testid': 'wa-template-blocked', hidden: true });
  w.tplError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-template-error', role: 'alert', hidden: true });
  w.tplSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-template-send', text: 'Send template' });
  const form = h('form', { class: 'wa-sheet-card', 'data-testid': 'wa-template-form', novalidate: true },
    h('div', { class: 'wa-sheet-head' },
      h('h3', { class: 'wa-sheet-title', id: ids.title, text: 'Send a template' }),
      h('button', { type: 'button', class: 'wa-icon-btn', 'aria-label': 'Close templates', 'data-testid': 'wa-template-close', onclick: () => w.closeTemplates() }, icon('close'))),
    w.tplTo,
    h('label', { class: 'wa-form-label', for: ids.select, text: 'Template' }), w.tplSelect,
    w.tplNote, w.tplFields,
    h('p', { class: 'wa-form-label', text: 'Preview' }), w.tplPreview,
    w.tplBlocked, w.tplError,
    h('div', { class: 'wa-sheet-actions' },
      h('button', { type: 'button', class: 'wa-btn', text: 'Cancel', onclick: () => w.closeTemplates() }),
      w.tplSubmit));
  w.tplSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': ids.title, hidden: true, 'data-testid': 'wa-template-sheet' }, form);
  w.panel.insertBefore(w.tplSheet, w.loginSheet);
  w.trapFocus(w.tplSheet);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); w.sendChosenTemplate(); });
  w.tplSheet.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    w.closeTemplates();
  });
}
