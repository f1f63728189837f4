/**
 * wacloud operator widget: The Simulate-customer and bulk-send sheets, bulk progress, and focus trapping.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { normalisePhone, parseTime, randomId } from './format.js';
import { FALLBACK_TEMPLATE, h, icon } from './dom.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  // ---- Simulate customer (sandbox) -------------------------------------------------------

  w.openSimulate = function openSimulate() {
    w.state.simulateOpen = true;
    w.simSheet.hidden = false;
    w.simError.hidden = true;
    (w.simText.value ? w.simSubmit : w.simText).focus();
  };

  w.closeSimulate = function closeSimulate() {
    w.state.simulateOpen = false;
    w.simSheet.hidden = true;
    const opener = w.modeBanner.querySelector('[data-testid="wa-simulate-open"]');
    if (opener && w.state.open) opener.focus({ preventScroll: true });
  };

  // ---- Bulk send and batch progress ---------------------------------------------------------

  w.bulkKind = function bulkKind() { return w.bulkKindTemplate.checked ? 'template' : 'text'; };

  w.syncBulkKind = function syncBulkKind() {
    const tpl = w.bulkKind() === 'template';
    w.bulkTemplateFields.hidden = !tpl;
    w.bulkTextFields.hidden = tpl;
  };

  w.openBulk = function openBulk() {
    w.state.bulkOpen = true;
    w.bulkSheet.hidden = false;
    w.bulkError.hidden = true;
    w.bulkResult.hidden = true;
    w.syncBulkKind();
    w.bulkRecipients.focus();
  };

  w.closeBulk = function closeBulk() {
    w.state.bulkOpen = false;
    w.bulkSheet.hidden = true;
    if (w.state.open) w.bulkBtn.focus({ preventScroll: true });
  };

  w.saveBatches = function saveBatches() {
    try {
      sessionStorage.setItem(w.BATCHES_KEY, JSON.stringify(Array.from(w.state.batches.keys()).slice(-20)));
    } catch { /* storage unavailable: progress is kept for this page only */ }
  };

  w.loadBatches = function loadBatches() {
    try {
      const ids = JSON.parse(sessionStorage.getItem(w.BATCHES_KEY) || '[]');
      if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') w.state.batches.set(id, { summary: null });
    } catch { /* nothing saved */ }
  };

  w.refreshBatches = async function refreshBatches() {
    const pending = Array.from(w.state.batches.entries()).filter(([, b]) => !(b.summary && b.summary.done));
    await Promise.all(pending.map(async ([id, b]) => {
      try {
        b.summary = await w.request('GET', `/batches/${encodeURIComponent(id)}`, { query: { limit: 0 } });
        b.error = null;
      } catch (err) {
        if (err.status === 404) w.state.batches.delete(id);
        else b.error = err.message;
      }
    }));
    w.saveBatches();
    w.renderBatches();
  };

  w.cancelBatch = async function cancelBatch(id) {
    try {
      await w.request('POST', `/batches/${encodeURIComponent(id)}/cancel`, { body: {} });
    } catch (err) {
      const b = w.state.batches.get(id);
      if (b) b.error = err.message;
    }
    const b = w.state.batches.get(id);
    if (b && b.summary) b.summary.done = false; // poll it once more
    await w.refreshBatches();
  };

  w.renderBatches = function renderBatches() {
    const rows = [];
    for (const [id, b] of w.state.batches) {
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
          onclick: () => { w.state.batches.delete(id); w.saveBatches(); w.renderBatches(); } }, icon('close'))
        : h('button', { type: 'button', class: 'wa-inline-btn', 'data-testid': 'wa-batch-cancel', onclick: () => w.cancelBatch(id), text: 'Cancel' });
      rows.push(h('div', { class: 'wa-batch', 'data-testid': 'wa-batch', 'data-batch-id': id, 'data-done': String(done), 'data-percent': String(pct) },
        h('div', { class: 'wa-batch-head' },
          h('span', { class: 'wa-batch-title', text: title }),
          h('span', { class: 'wa-batch-pct', 'data-testid': 'wa-batch-percent', text: `${pct}%` }),
          actions),
        progress,
        h('span', { class: 'wa-batch-meta', 'data-testid': 'wa-batch-meta', text: b.error ? b.error : parts.join(' \u00b7 ') })));
    }
    w.batchesBox.replaceChildren(...rows);
    w.batchesBox.hidden = rows.length === 0;
  };

  // ---- Keyboard ----------------------------------------------------------------------------

  /** Keeps Tab and Shift+Tab inside an open modal sheet (`aria-modal`), wrapping at its ends. */
  w.trapFocus = function trapFocus(sheet) {
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
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.simForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const phone = normalisePhone(w.simPhone.value);
    const text = w.simText.value;
    const name = w.simName.value.trim();
    if (!phone || !text.trim()) {
      w.showFormError(w.simError, 'A phone number and a message are needed.');
      return;
    }
    w.simSubmit.disabled = true;
    w.simError.hidden = true;
    try {
      const payload = { text };
      if (name) payload.name = name;
      // With several numbers the customer writes to the one the widget works on.
      if (w.state.number) payload.to = w.state.number;
      await w.request('POST', `/sandbox/customers/${encodeURIComponent(phone)}/messages`, { body: payload, root: w.serverRoot });
      w.simText.value = '';
      w.closeSimulate();
      // The sandbox delivers through a webhook, a moment later: look twice.
      w.pollSoon(400);
      setTimeout(() => w.pollSoon(0), 1500);
    } catch (err) {
      w.showFormError(w.simError, err.message);
    } finally {
      w.simSubmit.disabled = false;
    }
  });
  w.simText.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); w.simForm.requestSubmit(); }
  });
  w.bulkKindText.addEventListener('change', () => { w.syncBulkKind(); w.state.bulkKey = null; });
  w.bulkKindTemplate.addEventListener('change', () => { w.syncBulkKind(); w.state.bulkKey = null; });
  for (const el of [w.bulkRecipients, w.bulkText, w.bulkTemplate, w.bulkLanguage, w.bulkSchedule, w.bulkAllow]) {
    el.addEventListener('input', () => { w.state.bulkKey = null; }); // an edited request is a new request
  }

  w.bulkForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (w.state.bulkSending) return;
    const recipients = w.bulkRecipients.value.split(/[\n,;]+/).map((r) => r.trim()).filter(Boolean);
    if (!recipients.length) {
      w.showFormError(w.bulkError, 'Type at least one phone number, one per line.');
      return;
    }
    const body = { recipients };
    if (w.bulkKind() === 'template') {
      const name = w.bulkTemplate.value.trim();
      if (!name) { w.showFormError(w.bulkError, 'Type the template\u2019s name, e.g. hello_world.'); return; }
      body.type = 'template';
      body.template = { name, language: w.bulkLanguage.value.trim() || FALLBACK_TEMPLATE.language };
    } else {
      if (!w.bulkText.value.trim()) { w.showFormError(w.bulkError, 'Type the message.'); return; }
      body.message_text = w.bulkText.value;
      if (w.bulkAllow.checked) body.allow_outside_window = true;
    }
    if (w.bulkSchedule.value) {
      const at = new Date(w.bulkSchedule.value);
      if (Number.isNaN(at.getTime())) { w.showFormError(w.bulkError, 'The time is not valid.'); return; }
      body.scheduled_at = at.toISOString();
    }
    // The same key while the request is unchanged: a double click or a resend queues it once.
    if (!w.state.bulkKey) w.state.bulkKey = randomId();
    w.state.bulkSending = true;
    w.bulkSubmit.disabled = true;
    w.bulkError.hidden = true;
    try {
      const res = await w.request('POST', '/send-bulk', { body, headers: { 'Idempotency-Key': w.state.bulkKey } });
      w.state.bulkKey = null;
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
      w.bulkResult.replaceChildren(...lines);
      w.bulkResult.hidden = false;
      if (res.batch_id) {
        w.state.batches.set(String(res.batch_id), { summary: null, accepted: res.accepted, scheduledAt: res.scheduled_at });
        w.saveBatches();
        await w.refreshBatches();
        if (!rejected.length) {
          w.bulkRecipients.value = '';
          w.bulkText.value = '';
          w.closeBulk();
        }
      }
    } catch (err) {
      if (err.code !== 'network') w.state.bulkKey = null;
      w.showFormError(w.bulkError, err.message);
    } finally {
      w.state.bulkSending = false;
      w.bulkSubmit.disabled = false;
    }
  });
  w.trapFocus(w.simSheet);
  w.trapFocus(w.bulkSheet);

  w.panel.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    if (w.state.simulateOpen) w.closeSimulate();
    else if (w.state.bulkOpen) w.closeBulk();
    else if (w.state.campaigns.open) w.closeCampaigns();
    else if (w.state.importOpen) w.closeImport();
    else if (!w.newChatForm.hidden && w.newChatForm.contains(document.activeElement)) w.toggleNewChat(false);
    else if (w.state.view === 'chat' && getComputedStyle(w.backBtn).display !== 'none') w.showList();
    else w.close();
  });
}
