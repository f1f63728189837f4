/**
 * wacloud operator widget: The template picker: choose an approved template of the WhatsApp
 * Business Account, fill its body's `{{1}}`, `{{2}}`, … with a live preview, and send it to the
 * open conversation (templates may go at any time, also outside the 24-hour window).
 *
 * Templates come from `GET /templates` (Meta's list, synced at the server's start and by
 * `POST /templates/sync`, and its template webhooks). `/send` fills body parameters only: a
 * template whose header or buttons take a parameter, or with a media header, is shown and
 * explained but cannot be sent from here.
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
 * What the picker can do with a template: its parts, how many body parameters it takes, and
 * why it cannot be sent from here (null when it can).
 */
export function describeTemplate(t) {
  const parts = { header: null, body: '', footer: null, buttons: [], examples: [] };
  let blocker = null;
  for (const c of templateComponents(t)) {
    const type = String(c.type || '').toUpperCase();
    if (type === 'HEADER') {
      const format = String(c.format || 'TEXT').toUpperCase();
      if (format !== 'TEXT') blocker = `its ${format.toLowerCase()} header needs a file, which this picker cannot attach yet`;
      else {
        parts.header = String(c.text || '');
        if (placeholders(parts.header).count || placeholders(parts.header).named.length) blocker = 'its header takes a parameter, which this picker cannot fill yet';
      }
    } else if (type === 'BODY') {
      parts.body = String(c.text || '');
      const ex = c.example && Array.isArray(c.example.body_text) && Array.isArray(c.example.body_text[0]) ? c.example.body_text[0] : [];
      parts.examples = ex.map(String);
    } else if (type === 'FOOTER') {
      parts.footer = String(c.text || '');
    } else if (type === 'BUTTONS') {
      for (const b of Array.isArray(c.buttons) ? c.buttons : []) {
        parts.buttons.push(String(b.text || b.type || 'Button'));
        if (/\{\{/.test(String(b.url || ''))) blocker = 'a button takes a parameter, which this picker cannot fill yet';
      }
    }
  }
  const p = placeholders(parts.body);
  if (p.named.length) blocker = blocker || 'its body uses named parameters, which this picker cannot fill yet';
  return { ...parts, count: p.count, blocker };
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
    for (let i = 1; i <= d.count; i++) {
      const id = `${w.uid}-tpl-p${i}`;
      const input = h('input', { type: 'text', id, class: 'wa-input-field', 'data-testid': 'wa-template-param', autocomplete: 'off',
        placeholder: d.examples[i - 1] ? `e.g. ${d.examples[i - 1]}` : '', 'aria-describedby': `${w.uid}-tpl-preview` });
      input.addEventListener('input', () => { w.tplError.hidden = true; w.renderTemplatePreview(); });
      inputs.push(h('label', { class: 'wa-form-label', for: id, text: `Body {{${i}}}` }), input);
    }
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
    w.tplPreview.hidden = false;
    w.tplPreview.replaceChildren(
      d.header ? h('div', { class: 'wa-tpl-header', dir: 'auto', text: d.header }) : '',
      h('div', { class: 'wa-tpl-body', 'data-testid': 'wa-template-preview-body', dir: 'auto', text: fillBody(d.body, values) || '(no body text known)' }),
      d.footer ? h('div', { class: 'wa-tpl-footer', dir: 'auto', text: d.footer }) : '',
      ...d.buttons.map((b) => h('div', { class: 'wa-tpl-button', dir: 'auto', text: b })));
  };

  w.sendChosenTemplate = async function sendChosenTemplate() {
    const cur = w.state.tpl.current;
    if (!cur || !w.state.active || cur.d.blocker) return;
    const values = w.templateValues();
    const inputs = [...w.tplFields.querySelectorAll('input')];
    for (let i = 0; i < values.length; i++) {
      const problem = parameterProblem(values[i]);
      if (problem) {
        w.showFormError(w.tplError, `Body {{${i + 1}}} ${problem}.`);
        inputs[i].focus();
        return;
      }
    }
    w.tplError.hidden = true;
    w.tplSubmit.disabled = true;
    const gen = w.state.chatGen;
    try {
      const res = await w.request('POST', '/send', {
        body: { phone_number: w.state.active.key, type: 'template',
          template: { name: cur.t.name, language: cur.t.language, body_parameters: values } },
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
