/**
 * wacloud operator widget: the "Rules" tool — the automation rules in the order they run
 * (`GET /rules`), each with its counters (runs, failures, last error), enable/disable, edit and
 * delete; a form to create or change one (conditions: keywords, a regular expression, message
 * kind, first message, outside hours, a tag; actions: reply text or template, add/remove a
 * tag, assign or unassign, set the status, hand over to a bot); and the current number's
 * business hours and automatic replies (`GET/PUT /numbers/{phone_number_id}/automation`).
 * Every operator sees the list; the forms are admins' (the server refuses others' writes).
 * The server checks everything and answers 400 naming the field (`conditions.regex`).
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h, icon } from './dom.js';

const KINDS = ['', 'text', 'image', 'audio', 'video', 'document', 'location', 'interactive', 'button', 'sticker'];
const STATUSES = ['', 'open', 'pending', 'resolved'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const list = (s) => String(s || '').split(',').map((x) => x.trim()).filter(Boolean);

/** The `POST/PUT /rules` body of the form's values. */
export function ruleBody(v) {
  const conditions = {};
  if (list(v.keywords).length) conditions.keywords = list(v.keywords);
  if (v.regex.trim()) conditions.regex = v.regex.trim();
  if (v.kind) conditions.kinds = [v.kind];
  if (v.first) conditions.first_message = true;
  if (v.outside) conditions.outside_hours = true;
  if (v.hasTag.trim()) conditions.has_tag = v.hasTag.trim();
  const actions = [];
  if (v.replyText.trim()) actions.push({ type: 'reply_text', text: v.replyText });
  else if (v.template.trim()) actions.push({ type: 'reply_template', name: v.template.trim(), language: v.language.trim() || 'en_US' });
  if (v.addTag.trim()) actions.push({ type: 'add_tag', tag: v.addTag.trim() });
  if (v.removeTag.trim()) actions.push({ type: 'remove_tag', tag: v.removeTag.trim() });
  if (v.assign.trim() === '-') actions.push({ type: 'unassign' });
  else if (v.assign.trim()) actions.push({ type: 'assign', operator_id: v.assign.trim() });
  if (v.status) actions.push({ type: 'set_status', status: v.status });
  if (v.bot.trim()) actions.push({ type: 'hand_over', subscription_id: v.bot.trim() });
  return { name: v.name.trim(), enabled: v.enabled, stop_after: v.stop, conditions, actions };
}

/** `mon 09:00-17:00` lines → openings; answers null for a line it cannot read. */
export function parseOpenings(text) {
  const out = [];
  for (const line of String(text || '').split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = /^([a-z]{3})\s+(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/i.exec(line);
    if (!m) return null;
    out.push({ day: m[1].toLowerCase(), open: m[2], close: m[3] });
  }
  return out;
}

function describeRule(r) {
  const c = r.conditions || {};
  const when = [];
  if (c.keywords) when.push(`words: ${c.keywords.join(', ')}`);
  if (c.regex) when.push(`matches /${c.regex}/`);
  if (c.kinds) when.push(`kind: ${c.kinds.join(', ')}`);
  if (c.first_message) when.push('first message');
  if (c.outside_hours) when.push('outside hours');
  if (c.has_tag) when.push(`tag ${c.has_tag}`);
  const what = (r.actions || []).map((a) => (a.type === 'reply_text' ? `reply \u201c${a.text}\u201d` : a.type.replace(/_/g, ' ')));
  return `${when.join(' \u00b7 ')} \u2192 ${what.join(', ')}`;
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.openRules = async function openRules() {
    w.rulesSheet.hidden = false;
    const admin = w.isAdmin();
    w.ruleForm.hidden = !admin;
    w.hoursForm.hidden = !admin;
    w.rulesClose.focus();
    await Promise.all([w.loadRules(), admin ? w.loadHours() : null]);
  };

  w.closeRules = function closeRules() {
    w.rulesSheet.hidden = true;
    w.rulesBtn.focus({ preventScroll: true });
  };

  w.loadRules = async function loadRules() {
    w.rulesNote.textContent = 'Loading rules\u2026';
    w.rulesNote.hidden = false;
    try {
      const res = await w.request('GET', '/rules');
      const all = Array.isArray(res && res.rules) ? res.rules : [];
      w.state.rules = all;
      w.rulesNote.textContent = all.length ? '' : 'No rule yet.';
      w.rulesNote.hidden = Boolean(all.length);
      w.rulesRows.replaceChildren(...all.map((r) => h('tr', { 'data-testid': 'wa-rule-row', 'data-enabled': String(r.enabled) },
        h('td', { dir: 'auto', text: r.name }),
        h('td', { dir: 'auto', class: 'wa-rule-what', text: describeRule(r) }),
        h('td', { 'data-testid': 'wa-rule-counts', text: `${r.runs} run${r.runs === 1 ? '' : 's'}, ${r.failures} failed`, title: r.last_error || '' }),
        h('td', {}, w.isAdmin() ? h('span', { class: 'wa-rule-actions' },
          h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-rule-toggle', text: r.enabled ? 'Disable' : 'Enable', onclick: () => w.toggleRule(r) }),
          h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-rule-edit', text: 'Edit', onclick: () => w.editRule(r) }),
          h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-rule-delete', text: 'Delete', onclick: () => w.deleteRule(r) })) : ''))));
    } catch (err) {
      w.rulesNote.textContent = err.message;
      w.rulesNote.hidden = false;
    }
  };

  w.editRule = function editRule(r) {
    const f = w.ruleFields;
    const c = r.conditions || {};
    const a = (t) => (r.actions || []).find((x) => x.type === t) || {};
    w.state.editingRule = r.id;
    f.name.value = r.name;
    f.keywords.value = (c.keywords || []).join(', ');
    f.regex.value = c.regex || '';
    f.kind.value = (c.kinds || [''])[0];
    f.first.checked = Boolean(c.first_message);
    f.outside.checked = Boolean(c.outside_hours);
    f.hasTag.value = c.has_tag || '';
    f.replyText.value = a('reply_text').text || '';
    f.template.value = a('reply_template').name || '';
    f.language.value = a('reply_template').language || 'en_US';
    f.addTag.value = a('add_tag').tag || '';
    f.removeTag.value = a('remove_tag').tag || '';
    f.assign.value = a('unassign').type ? '-' : (a('assign').operator_id || '');
    f.status.value = a('set_status').status || '';
    f.bot.value = a('hand_over').subscription_id || '';
    f.enabled.checked = r.enabled;
    f.stop.checked = r.stop_after;
    w.ruleSubmit.textContent = 'Save rule';
    f.name.focus();
  };

  w.resetRuleForm = function resetRuleForm() {
    w.state.editingRule = null;
    w.ruleForm.reset();
    w.ruleFields.enabled.checked = true;
    w.ruleSubmit.textContent = 'Create rule';
  };

  w.saveRule = async function saveRule() {
    const f = w.ruleFields;
    const v = Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.type === 'checkbox' ? el.checked : el.value]));
    const id = w.state.editingRule;
    w.ruleError.hidden = true;
    w.ruleSubmit.disabled = true;
    try {
      await w.request(id ? 'PUT' : 'POST', id ? `/rules/${encodeURIComponent(id)}` : '/rules', { body: ruleBody(v) });
      w.resetRuleForm();
      await w.loadRules();
    } catch (err) {
      w.showFormError(w.ruleError, err.message);
    } finally {
      w.ruleSubmit.disabled = false;
    }
  };

  w.toggleRule = async function toggleRule(r) {
    const { id, runs, failures, last_run_at: _l, last_error: _e, created_at: _c, updated_at: _u, ...draft } = r;
    try {
      await w.request('PUT', `/rules/${encodeURIComponent(id)}`, { body: { ...draft, enabled: !r.enabled } });
    } catch (err) {
      w.rulesNote.textContent = err.message;
    }
    await w.loadRules();
  };

  w.deleteRule = async function deleteRule(r) {
    try {
      await w.request('DELETE', `/rules/${encodeURIComponent(r.id)}`);
    } catch (err) {
      w.rulesNote.textContent = err.message;
    }
    await w.loadRules();
  };

  w.hoursNumber = async function hoursNumber() {
    if (w.state.number) return w.state.number;
    const res = await w.request('GET', '/numbers');
    const all = Array.isArray(res && res.numbers) ? res.numbers : [];
    const n = all.find((x) => x.is_default) || all[0];
    return n ? n.phone_number_id : null;
  };

  w.loadHours = async function loadHours() {
    const f = w.hoursFields;
    try {
      const pid = await w.hoursNumber();
      w.state.hoursNumber = pid;
      const s = await w.request('GET', `/numbers/${encodeURIComponent(pid)}/automation`);
      const hrs = s.hours || {};
      f.zone.value = hrs.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
      f.openings.value = (hrs.openings || []).map((o) => `${o.day} ${o.open}-${o.close}`).join('\n');
      f.holidays.value = (hrs.holidays || []).join(', ');
      f.useHours.checked = Boolean(s.hours);
      f.welcome.value = s.welcome_text || '';
      f.away.value = s.away_text || '';
      f.awayTemplate.value = (s.away_template && s.away_template.name) || '';
      f.awayLanguage.value = (s.away_template && s.away_template.language) || 'en_US';
      f.interval.value = String(s.interval_minutes || 60);
      w.hoursNote.textContent = `Number ${pid}`;
    } catch (err) {
      w.hoursNote.textContent = err.message;
    }
  };

  w.saveHours = async function saveHours() {
    const f = w.hoursFields;
    w.hoursError.hidden = true;
    const openings = parseOpenings(f.openings.value);
    if (!openings) {
      w.showFormError(w.hoursError, 'Openings: one per line, like \u201cmon 09:00-17:00\u201d.');
      return;
    }
    const body = {
      hours: f.useHours.checked ? { time_zone: f.zone.value.trim(), openings, holidays: list(f.holidays.value) } : null,
      welcome_text: f.welcome.value.trim() ? f.welcome.value : null,
      away_text: f.away.value.trim() ? f.away.value : null,
      away_template: f.awayTemplate.value.trim() ? { name: f.awayTemplate.value.trim(), language: f.awayLanguage.value.trim() } : null,
      interval_minutes: Number(f.interval.value) || 60,
    };
    try {
      await w.request('PUT', `/numbers/${encodeURIComponent(w.state.hoursNumber)}/automation`, { body });
      w.hoursNote.textContent = `Saved for number ${w.state.hoursNumber}.`;
    } catch (err) {
      w.showFormError(w.hoursError, err.message);
    }
  };
}

function field(w, prefix, key, label, el) {
  el.id = `${w.uid}-${prefix}-${key}`;
  el.setAttribute('data-testid', `wa-${prefix}-${key}`);
  if (el.type === 'checkbox') return [h('label', { class: 'wa-form-check', for: el.id }, el, ` ${label}`)];
  return [h('label', { class: 'wa-form-label', for: el.id, text: label }), el];
}

const input = (attrs = {}) => h('input', { type: 'text', class: 'wa-input-field', autocomplete: 'off', ...attrs });
const check = (attrs = {}) => h('input', { type: 'checkbox', ...attrs });
const select = (values) => h('select', { class: 'wa-input-field' }, ...values.map((v) => h('option', { value: v, text: v || '(any)' })));

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.rules = [];
  w.state.editingRule = null;
  const titleId = `${w.uid}-rules-title`;
  w.rulesBtn = h('button', { type: 'button', class: 'wa-tool', 'data-testid': 'wa-rules-open', title: 'Automation rules, business hours and automatic replies', onclick: () => w.openRules() },
    icon('flask'), h('span', { text: 'Rules' }));
  w.toolsBar.appendChild(w.rulesBtn);
  w.rulesClose = h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-rules-close', 'aria-label': 'Close rules', title: 'Close (Esc)', onclick: () => w.closeRules() }, icon('close'));
  w.rulesNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-rules-note' });
  w.rulesRows = h('tbody', {});
  const table = h('table', { class: 'wa-table', 'data-testid': 'wa-rules-list' },
    h('thead', {}, h('tr', {}, ...['Rule', 'When \u2192 then', 'Counters', ''].map((t) => h('th', { scope: 'col', text: t })))),
    w.rulesRows);
  const f = {
    name: input({ maxlength: '100', placeholder: 'Prices' }),
    keywords: input({ placeholder: 'price, cost (whole words, any case)' }),
    regex: input({ placeholder: '(?i)order\\s+#?\\d+' }),
    kind: select(KINDS),
    first: check(),
    outside: check(),
    hasTag: input({ maxlength: '64' }),
    replyText: h('textarea', { class: 'wa-input-field', rows: '2', maxlength: '4096', placeholder: 'Our prices: \u2026' }),
    template: input({ placeholder: 'or a template name' }),
    language: input({ value: 'en_US' }),
    addTag: input({ maxlength: '64' }),
    removeTag: input({ maxlength: '64' }),
    assign: input({ placeholder: 'operator id, or - to unassign' }),
    status: select(STATUSES),
    bot: input({ placeholder: 'bot subscription id' }),
    enabled: check({ checked: true }),
    stop: check(),
  };
  w.ruleFields = f;
  w.ruleError = h('p', { class: 'wa-form-error', role: 'alert', 'data-testid': 'wa-rule-error', hidden: true });
  w.ruleSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-rule-submit', text: 'Create rule' });
  const r = (k, l) => field(w, 'rule', k, l, f[k]);
  w.ruleForm = h('form', { class: 'wa-tpl-admin-form', 'data-testid': 'wa-rule-form', novalidate: true },
    h('h4', { text: 'Rule' }), ...r('name', 'Name'),
    h('h5', { text: 'When a customer\u2019s message\u2026' }),
    ...r('keywords', 'has one of these words'), ...r('regex', 'matches this regular expression'), ...r('kind', 'is of kind'),
    ...r('first', 'is their first message'), ...r('outside', 'comes outside business hours'), ...r('hasTag', 'and the contact has the tag'),
    h('h5', { text: 'then\u2026' }),
    ...r('replyText', 'reply with text (inside the 24-hour window)'), ...r('template', 'or reply with the template'), ...r('language', 'template language'),
    ...r('addTag', 'add the tag'), ...r('removeTag', 'remove the tag'), ...r('assign', 'assign to'), ...r('status', 'set the status'),
    ...r('bot', 'hand over to the bot'), ...r('enabled', 'enabled'), ...r('stop', 'stop after this rule'),
    w.ruleError,
    h('div', { class: 'wa-sheet-actions' },
      h('button', { type: 'button', class: 'wa-btn', text: 'Clear', onclick: () => w.resetRuleForm() }), w.ruleSubmit));
  w.ruleForm.addEventListener('submit', (ev) => { ev.preventDefault(); w.saveRule(); });

  const g = {
    useHours: check(),
    zone: input({ placeholder: 'Europe/Berlin' }),
    openings: h('textarea', { class: 'wa-input-field', rows: '5', placeholder: DAYS.slice(0, 5).map((d) => `${d} 09:00-17:00`).join('\n') }),
    holidays: input({ placeholder: '2026-12-25, 2026-12-26' }),
    welcome: h('textarea', { class: 'wa-input-field', rows: '2', maxlength: '4096' }),
    away: h('textarea', { class: 'wa-input-field', rows: '2', maxlength: '4096' }),
    awayTemplate: input({ placeholder: 'template outside the window' }),
    awayLanguage: input({ value: 'en_US' }),
    interval: input({ type: 'number', min: '1', max: '10080', value: '60' }),
  };
  w.hoursFields = g;
  w.hoursNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-hours-note' });
  w.hoursError = h('p', { class: 'wa-form-error', role: 'alert', 'data-testid': 'wa-hours-error', hidden: true });
  const k = (key, l) => field(w, 'hours', key, l, g[key]);
  w.hoursForm = h('form', { class: 'wa-tpl-admin-form', 'data-testid': 'wa-hours-form', novalidate: true },
    h('h4', { text: 'Business hours and automatic replies' }), w.hoursNote,
    ...k('useHours', 'use business hours'), ...k('zone', 'time zone (IANA)'), ...k('openings', 'openings, one per line'), ...k('holidays', 'holidays (closed all day)'),
    ...k('welcome', 'welcome reply (first message, inside hours)'), ...k('away', 'away reply (outside hours, inside the window)'),
    ...k('awayTemplate', 'away template (outside the window)'), ...k('awayLanguage', 'its language'),
    ...k('interval', 'at most one automatic reply per conversation every (minutes)'),
    w.hoursError,
    h('div', { class: 'wa-sheet-actions' }, h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-hours-submit', text: 'Save hours and replies' })));
  w.hoursForm.addEventListener('submit', (ev) => { ev.preventDefault(); w.saveHours(); });

  const card = h('div', { class: 'wa-sheet-card wa-sheet-card--wide' },
    h('div', { class: 'wa-sheet-head' }, h('h3', { class: 'wa-sheet-title', id: titleId, text: 'Rules' }), w.rulesClose),
    h('div', { class: 'wa-table-scroll' }, table), w.rulesNote, w.ruleForm, w.hoursForm);
  w.rulesSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, hidden: true, 'data-testid': 'wa-rules-sheet' }, card);
  w.panel.insertBefore(w.rulesSheet, w.loginSheet);
  w.trapFocus(w.rulesSheet);
  w.rulesSheet.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    w.closeRules();
  });
}
