/**
 * wacloud operator widget: the templates of the WhatsApp Business Account, each with its status
 * (PENDING, APPROVED, REJECTED with Meta's reason, …) and quality (GREEN, YELLOW, RED), and for
 * admins a form to create a simple one: name, language, category, a body with `{{1}}`, `{{2}}`, …
 * and an example for each. The server checks the template against Meta's rules before Meta sees
 * it (`POST /templates`, 400 naming the field); Meta's review then moves it from PENDING to
 * APPROVED or REJECTED, which the list shows once the status webhook has come (Refresh).
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h, icon } from './dom.js';
import { placeholders } from './templates.js';

/** Meta's template categories. */
const CATEGORIES = ['UTILITY', 'MARKETING', 'AUTHENTICATION'];

/** The `POST /templates` body of the form's values; `examples` one per `{{n}}` of the body. */
export function simpleTemplate({ name, language, category, body, examples }) {
  const out = { name: name.trim(), language: language.trim(), category, components: [{ type: 'BODY', text: body }] };
  const given = examples.map((e) => e.trim());
  if (given.length) out.components[0].example = { body_text: [given] };
  return out;
}

/** The examples the body needs (its highest `{{n}}`), from a comma-separated list. */
export function examplesFor(body, list) {
  const n = placeholders(body).count;
  const parts = String(list || '').split(',');
  return Array.from({ length: n }, (_, i) => (parts[i] || '').trim());
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.openTemplateAdmin = async function openTemplateAdmin() {
    w.state.tplAdmin.open = true;
    w.tplAdminSheet.hidden = false;
    w.tplAdminForm.hidden = !w.isAdmin();
    w.tplAdminClose.focus();
    await w.loadTemplateAdmin();
  };

  w.closeTemplateAdmin = function closeTemplateAdmin() {
    w.state.tplAdmin.open = false;
    w.tplAdminSheet.hidden = true;
    w.tplAdminBtn.focus({ preventScroll: true });
  };

  w.loadTemplateAdmin = async function loadTemplateAdmin() {
    w.tplAdminNote.textContent = 'Loading templates\u2026';
    try {
      const res = await w.request('GET', '/templates');
      const all = Array.isArray(res && res.templates) ? res.templates : [];
      w.tplAdminNote.textContent = all.length ? '' : 'No template is known yet.';
      w.tplAdminRows.replaceChildren(...all.map((t) => h('tr', { 'data-testid': 'wa-tpl-admin-row', 'data-status': String(t.status || '') },
        h('td', { dir: 'ltr', text: `${t.name} (${t.language})` }),
        h('td', { text: String(t.category || '') }),
        h('td', {}, h('span', { class: `wa-item-state wa-item-state--${String(t.status || 'unknown').toLowerCase()}`, text: String(t.status || 'unknown') })),
        h('td', { text: String(t.quality_score || '') }),
        h('td', { dir: 'auto', 'data-testid': 'wa-tpl-admin-reason', text: t.reason && t.reason !== 'NONE' ? String(t.reason) : '' }))));
    } catch (err) {
      w.tplAdminNote.textContent = err.message;
    }
  };

  w.createTemplate = async function createTemplate() {
    const f = w.tplAdminFields;
    const body = f.body.value;
    const draft = simpleTemplate({ name: f.name.value, language: f.language.value, category: f.category.value, body, examples: examplesFor(body, f.examples.value) });
    w.tplAdminError.hidden = true;
    w.tplAdminSubmit.disabled = true;
    try {
      const res = await w.request('POST', '/templates', { body: draft });
      w.tplAdminNote.textContent = `Submitted ${res.template.name}: ${res.template.status}. Meta reviews it; Refresh shows the outcome.`;
      f.name.value = '';
      f.body.value = '';
      f.examples.value = '';
      await w.loadTemplateAdmin();
    } catch (err) {
      w.showFormError(w.tplAdminError, err.message);
    } finally {
      w.tplAdminSubmit.disabled = false;
    }
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.tplAdmin = { open: false };
  const titleId = `${w.uid}-tpl-admin-title`;
  w.tplAdminBtn = h('button', { type: 'button', class: 'wa-tool', 'data-testid': 'wa-tpl-admin-open', title: 'Templates, their review status and quality', onclick: () => w.openTemplateAdmin() },
    icon('template'), h('span', { text: 'Templates' }));
  w.toolsBar.appendChild(w.tplAdminBtn);
  w.tplAdminClose = h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-tpl-admin-close', 'aria-label': 'Close templates', title: 'Close (Esc)', onclick: () => w.closeTemplateAdmin() }, icon('close'));
  w.tplAdminNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-tpl-admin-note' });
  w.tplAdminRows = h('tbody', {});
  const table = h('table', { class: 'wa-table', 'data-testid': 'wa-tpl-admin-list' },
    h('thead', {}, h('tr', {}, ...['Template', 'Category', 'Status', 'Quality', 'Reason'].map((t) => h('th', { scope: 'col', text: t })))),
    w.tplAdminRows);
  const field = (key, label, el) => {
    el.id = `${w.uid}-tpl-admin-${key}`;
    el.setAttribute('data-testid', `wa-tpl-admin-${key}`);
    return [h('label', { class: 'wa-form-label', for: el.id, text: label }), el];
  };
  const f = {
    name: h('input', { type: 'text', class: 'wa-input-field', autocomplete: 'off', placeholder: 'order_ready', pattern: '[a-z0-9_]+', maxlength: '512' }),
    language: h('input', { type: 'text', class: 'wa-input-field', autocomplete: 'off', value: 'en_US' }),
    category: h('select', { class: 'wa-input-field' }, ...CATEGORIES.map((c) => h('option', { value: c, text: c }))),
    body: h('textarea', { class: 'wa-input-field', rows: '4', maxlength: '1024', placeholder: 'Hi {{1}}, your order {{2}} is ready.' }),
    examples: h('input', { type: 'text', class: 'wa-input-field', autocomplete: 'off', placeholder: 'Ana, 1042 (one per {{n}}, comma-separated)' }),
  };
  w.tplAdminFields = f;
  w.tplAdminError = h('p', { class: 'wa-form-error', role: 'alert', 'data-testid': 'wa-tpl-admin-error', hidden: true });
  w.tplAdminSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-tpl-admin-submit', text: 'Submit for review' });
  w.tplAdminForm = h('form', { class: 'wa-tpl-admin-form', 'data-testid': 'wa-tpl-admin-form', novalidate: true },
    h('h4', { text: 'New template' }),
    ...field('name', 'Name (lowercase letters, digits, _)', f.name),
    ...field('language', 'Language', f.language),
    ...field('category', 'Category', f.category),
    ...field('body', 'Body (variables {{1}}, {{2}}, \u2026 in order)', f.body),
    ...field('examples', 'An example for each variable', f.examples),
    w.tplAdminError,
    h('div', { class: 'wa-sheet-actions' }, w.tplAdminSubmit));
  w.tplAdminForm.addEventListener('submit', (ev) => { ev.preventDefault(); w.createTemplate(); });
  const refresh = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-tpl-admin-refresh', onclick: () => w.loadTemplateAdmin() }, 'Refresh');
  const card = h('div', { class: 'wa-sheet-card wa-sheet-card--wide' },
    h('div', { class: 'wa-sheet-head' }, h('h3', { class: 'wa-sheet-title', id: titleId, text: 'Templates' }), w.tplAdminClose),
    h('div', { class: 'wa-campaign-actions' }, refresh),
    h('div', { class: 'wa-table-scroll' }, table), w.tplAdminNote, w.tplAdminForm);
  w.tplAdminSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, hidden: true, 'data-testid': 'wa-tpl-admin-sheet' }, card);
  w.panel.insertBefore(w.tplAdminSheet, w.loginSheet);
  w.trapFocus(w.tplAdminSheet);
  w.tplAdminSheet.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    w.closeTemplateAdmin();
  });
}
