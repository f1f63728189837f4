/**
 * wacloud operator widget: exports and the contacts' import (admins).
 *
 * Exports (`GET /export/contacts`, `GET /export/messages?phone=`, a campaign's
 * `GET /batches/{id}/export`) are fetched with the widget's credentials (its session cookie or
 * API key, which a plain link could not carry) and handed to the browser as a download with the
 * server's file name. The import sends the chosen CSV file as it is (`POST /contacts/import`,
 * `Content-Type: text/csv`) and shows the report: counts, and each refused line with its reason
 * (as text).
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h, icon } from './dom.js';

/** The file name of a `Content-Disposition` header, or `fallback`. */
export function dispositionName(header, fallback) {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(String(header || ''));
  const name = m ? decodeURIComponent(m[1]).replace(/[\\/]/g, '_') : '';
  return name || fallback;
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  /** A request with the widget's credentials and a body sent as it is; the raw `Response`. */
  w.rawRequest = async function rawRequest(method, path, { query, body, type } = {}) {
    const url = new URL(w.apiBase + path);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== null && v !== undefined && v !== '') url.searchParams.set(k, String(v));
    }
    const init = { method, headers: {}, cache: 'no-store' };
    if (w.opts.apiKey) init.headers.Authorization = `Bearer ${String(w.opts.apiKey)}`;
    // A FormData body sets its own type (with the multipart boundary).
    if (body !== undefined) { init.body = body; if (type) init.headers['Content-Type'] = type; }
    let res;
    try {
      res = await fetch(url.href, init);
    } catch {
      throw new Error('Cannot reach the wacloud server. Check that it is running.');
    }
    if (!res.ok) {
      let err = null;
      try { err = (await res.json()).error; } catch { err = null; }
      if (res.status === 401 && err && err.code === 'login_required') w.needLogin();
      const e = new Error(err && err.message ? String(err.message) : `The server answered HTTP ${res.status}.`);
      e.status = res.status;
      throw e;
    }
    return res;
  };

  /** Downloads an export; `note` (optional) says what happened, `onError` (optional) a failure. */
  w.download = async function download(path, query, note, onError = null) {
    const say = (text) => { if (note) { note.textContent = text; note.hidden = !text; } };
    say('Preparing the file…');
    try {
      const res = await w.rawRequest('GET', path, { query });
      const blob = await res.blob();
      const name = dispositionName(res.headers.get('Content-Disposition'), 'export.csv');
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: name, hidden: true });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      w.state.lastDownload = name;
      say(`Downloaded ${name}.`);
    } catch (err) {
      if (onError) { say(''); onError(err.message); } else say(err.message);
    }
  };

  w.openImport = function openImport() {
    w.state.importOpen = true;
    w.importSheet.hidden = false;
    w.importFile.focus();
  };

  w.closeImport = function closeImport() {
    w.state.importOpen = false;
    w.importSheet.hidden = true;
    if (w.state.open && !w.importBtn.hidden) w.importBtn.focus({ preventScroll: true });
  };

  w.runImport = async function runImport() {
    const file = w.importFile.files && w.importFile.files[0];
    if (!file) { w.showFormError(w.importError, 'Choose a CSV file with a header row (phone, name, tags).'); return; }
    w.importError.hidden = true;
    w.importSubmit.disabled = true;
    w.importReport.hidden = false;
    w.importReport.replaceChildren(h('p', { text: `Importing ${file.name}…` }));
    try {
      const res = await w.rawRequest('POST', '/contacts/import', { body: file, type: 'text/csv' });
      w.renderImportReport(await res.json());
      w.importReport.focus({ preventScroll: true });
      w.pollSoon(0);
    } catch (err) {
      w.importReport.hidden = true;
      w.showFormError(w.importError, err.message);
    } finally {
      w.importSubmit.disabled = false;
    }
  };

  w.renderImportReport = function renderImportReport(r) {
    const n = (x) => Number(x) || 0;
    const refused = Array.isArray(r && r.refused) ? r.refused : [];
    const summary = h('p', { class: 'wa-import-summary', 'data-testid': 'wa-import-summary',
      text: `${n(r.imported)} imported, ${n(r.updated)} updated, ${n(r.unchanged)} unchanged, ${refused.length} refused.` });
    const list = refused.length
      ? h('ul', { class: 'wa-import-refused', 'data-testid': 'wa-import-refused', 'aria-label': 'Refused lines' },
        ...refused.map((x) => h('li', { 'data-testid': 'wa-import-refusal' },
          h('strong', { text: `Line ${n(x.line)}: ` }), h('span', { dir: 'auto', text: String(x.reason || '') }))))
      : null;
    w.importReport.replaceChildren(summary, list || '');
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.importOpen = false;
  w.toolsNote = h('p', { class: 'wa-tools-note', role: 'status', 'data-testid': 'wa-tools-note', hidden: true });
  w.exportContactsBtn = h('button', { type: 'button', class: 'wa-tool', 'data-testid': 'wa-export-contacts', title: 'Download every contact as CSV', 'aria-label': 'Export contacts (CSV)',
    onclick: () => w.download('/export/contacts', { format: 'csv' }, w.toolsNote) }, icon('download'), h('span', { text: 'Export' }));
  w.importBtn = h('button', { type: 'button', class: 'wa-tool', 'data-testid': 'wa-import-open', title: 'Add or update contacts from a CSV file', 'aria-label': 'Import contacts (CSV)',
    onclick: () => w.openImport() }, icon('upload'), h('span', { text: 'Import' }));
  w.toolsBar.append(w.exportContactsBtn, w.importBtn);
  w.toolsBar.after(w.toolsNote);

  // This conversation's export, in the chat's header.
  w.exportChatBtn = h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-export-chat', 'aria-label': 'Export this conversation (CSV)', title: 'Export this conversation (CSV)',
    onclick: () => { if (w.state.active) w.download('/export/messages', { format: 'csv', phone: w.state.active.key }, w.toolsNote, w.showSendError); } }, icon('download'));
  w.chatHeader.appendChild(w.exportChatBtn);
  w.adminTools.push(w.exportContactsBtn, w.importBtn, w.exportChatBtn);

  const ids = { title: `${w.uid}-import-title`, file: `${w.uid}-import-file` };
  w.importFile = h('input', { type: 'file', id: ids.file, class: 'wa-input-field', 'data-testid': 'wa-import-file', accept: '.csv,text/csv' });
  w.importError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-import-error', role: 'alert', hidden: true });
  w.importReport = h('div', { class: 'wa-import-report', 'data-testid': 'wa-import-report', role: 'status', tabindex: '-1', hidden: true });
  w.importSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-import-send', text: 'Import' });
  const form = h('form', { class: 'wa-sheet-card', 'data-testid': 'wa-import-form', novalidate: true },
    h('div', { class: 'wa-sheet-head' },
      h('h3', { class: 'wa-sheet-title', id: ids.title, text: 'Import contacts' }),
      h('button', { type: 'button', class: 'wa-icon-btn', 'aria-label': 'Close import', 'data-testid': 'wa-import-close', onclick: () => w.closeImport() }, icon('close'))),
    h('p', { class: 'wa-sheet-note', text: 'A CSV file with a header row: phone (with its country code), name, tags (separated by ;). A bad line is refused with its reason; the others are imported.' }),
    h('label', { class: 'wa-form-label', for: ids.file, text: 'CSV file' }), w.importFile,
    w.importError, w.importReport,
    h('div', { class: 'wa-sheet-actions' },
      h('button', { type: 'button', class: 'wa-btn', text: 'Close', onclick: () => w.closeImport() }),
      w.importSubmit));
  w.importSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': ids.title, hidden: true, 'data-testid': 'wa-import-sheet' }, form);
  w.panel.insertBefore(w.importSheet, w.loginSheet);
  w.trapFocus(w.importSheet);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); w.runImport(); });
  w.importSheet.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    w.closeImport();
  });
}
