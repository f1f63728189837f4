/**
 * wacloud operator widget: the campaigns view (admins): bulk sends newest first with their
 * progress (`GET /batches`), and one campaign's recipients with their outcome and failure reason
 * (`GET /batches/{id}?limit=&offset=&state=`), exported with `GET /batches/{id}/export`.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { formatFull, formatListTime } from './format.js';
import { h, icon } from './dom.js';

const BATCHES_PAGE = 20;
const ITEMS_PAGE = 50;
const STATES = ['pending', 'sending', 'sent', 'failed', 'cancelled', 'unknown'];

/** Shows `text` in a note, or hides the note when there is none. */
function say(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

/** A bar (`role=progressbar`) and a line of counts for a batch as `GET /batches` gives it. */
export function batchProgress(b) {
  const total = Number(b.total) || 0;
  const finished = Number(b.finished) || 0;
  const pct = total ? Math.round((finished / total) * 100) : 100;
  const counts = b.counts || {};
  const bar = h('div', {
    class: 'wa-progress wa-progress--segments', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct),
    'aria-label': `${finished} of ${total} finished`, 'data-testid': 'wa-campaign-progress',
  });
  const parts = STATES.filter((s) => Number(counts[s]) > 0).map((s) => {
    const seg = h('span', { class: `wa-progress-seg wa-progress-seg--${s}` });
    seg.style.width = `${total ? (Number(counts[s]) / total) * 100 : 0}%`;
    return seg;
  });
  bar.append(...parts);
  const line = STATES.filter((s) => Number(counts[s]) > 0).map((s) => `${counts[s]} ${s}`).join(' \u00b7 ') || 'no recipients';
  return { bar, line, pct };
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  /** Admins, the API key and the open mode may see campaigns and exports; agents may not. */
  w.isAdmin = function isAdmin() {
    const op = w.state.auth.operator;
    return !op || op.role === 'admin';
  };

  /** Shows the tools an operator may use (called whenever the login changes). */
  w.renderTools = function renderTools() {
    const admin = w.isAdmin() && !(w.state.auth.required && !w.state.auth.operator);
    for (const el of w.adminTools) el.hidden = !admin;
    if (!admin && w.state.campaigns.open) w.closeCampaigns();
    if (!admin && w.state.importOpen) w.closeImport();
    if (!admin && w.state.bulkOpen) w.closeBulk();
    if (!admin && w.state.reports && w.state.reports.open) w.closeReports();
  };

  /** After a logout: no search result, campaign or import report stays on the page (the focus is left where it is). */
  w.forgetTools = function forgetTools() {
    const s = w.state.msgSearch;
    s.gen++;
    s.results = [];
    s.next = null;
    s.open = false;
    w.msgSearchInput.value = '';
    w.renderSearchResults('');
    w.msgSearchBox.hidden = true;
    w.contactsPane.classList.remove('wa-pane--searching');
    w.msgSearchBtn.setAttribute('aria-expanded', 'false');
    Object.assign(w.state.campaigns, { open: false, batches: [], next: null, detail: null });
    w.state.campaigns.gen++;
    w.campaignsSheet.hidden = true;
    w.campaignItems.replaceChildren();
    w.campaignTable.replaceChildren(w.campaignHead);
    if (w.state.reports) {
      Object.assign(w.state.reports, { open: false, report: null });
      w.state.reports.gen++;
      if (w.state.reports.chart) { w.state.reports.chart.destroy(); w.state.reports.chart = null; }
      w.reportsSheet.hidden = true;
      w.reportTotals.replaceChildren();
      w.reportTable.replaceChildren();
      w.reportChart.replaceChildren();
    }
    w.state.importOpen = false;
    w.importSheet.hidden = true;
    w.importReport.replaceChildren();
    w.importReport.hidden = true;
    w.importFile.value = '';
    w.toolsNote.hidden = true;
  };

  w.openCampaigns = function openCampaigns() {
    w.state.campaigns.open = true;
    w.campaignsSheet.hidden = false;
    w.showCampaignList();
    w.loadCampaigns(false);
    w.campaignsClose.focus();
  };

  w.closeCampaigns = function closeCampaigns() {
    w.state.campaigns.open = false;
    w.campaignsSheet.hidden = true;
    if (w.state.open && !w.campaignsBtn.hidden) w.campaignsBtn.focus({ preventScroll: true });
  };

  w.showCampaignList = function showCampaignList() {
    w.state.campaigns.detail = null;
    w.campaignList.hidden = false;
    w.campaignDetail.hidden = true;
  };

  w.loadCampaigns = async function loadCampaigns(more) {
    const c = w.state.campaigns;
    const gen = ++c.gen;
    say(w.campaignsNote, 'Loading…');
    try {
      const page = await w.request('GET', '/batches', { query: { limit: BATCHES_PAGE, before: more ? c.next : null } });
      if (gen !== c.gen) return;
      const list = Array.isArray(page && page.batches) ? page.batches : [];
      c.batches = more ? c.batches.concat(list) : list;
      c.next = (page && page.next) || null;
      say(w.campaignsNote, c.batches.length ? '' : 'No bulk send yet.');
      w.renderCampaigns();
    } catch (err) {
      if (gen === c.gen) say(w.campaignsNote, err.message);
    }
  };

  w.renderCampaigns = function renderCampaigns() {
    const c = w.state.campaigns;
    const rows = c.batches.map((b) => {
      const { bar, line, pct } = batchProgress(b);
      const when = b.scheduled_at && !b.done ? `scheduled for ${formatListTime(b.scheduled_at)}` : formatListTime(b.created_at);
      return h('li', {},
        h('button', { type: 'button', class: 'wa-campaign', 'data-testid': 'wa-campaign', 'data-batch-id': String(b.batch_id), onclick: () => w.openCampaign(b.batch_id) },
          h('span', { class: 'wa-campaign-top' },
            h('span', { class: 'wa-campaign-when', title: formatFull(b.created_at), text: when }),
            h('span', { class: 'wa-campaign-state', 'data-testid': 'wa-campaign-state', text: b.done ? 'Done' : `${pct} %` })),
          bar,
          h('span', { class: 'wa-campaign-counts', 'data-testid': 'wa-campaign-counts', text: `${b.finished}/${b.total} finished \u00b7 ${line}` })));
    });
    w.campaignItems.replaceChildren(...rows);
    w.campaignsMore.hidden = !c.next;
  };

  w.openCampaign = function openCampaign(id) {
    const c = w.state.campaigns;
    c.detail = { id: String(id), offset: 0, state: '' };
    w.campaignStateFilter.value = '';
    w.campaignList.hidden = true;
    w.campaignDetail.hidden = false;
    w.loadCampaign();
    w.campaignBack.focus();
  };

  w.loadCampaign = async function loadCampaign() {
    const c = w.state.campaigns;
    const d = c.detail;
    if (!d) return;
    const gen = ++c.gen;
    say(w.campaignDetailNote, 'Loading…');
    try {
      const b = await w.request('GET', `/batches/${encodeURIComponent(d.id)}`, { query: { limit: ITEMS_PAGE, offset: d.offset, state: d.state || null } });
      if (gen !== c.gen) return;
      w.renderCampaign(b);
    } catch (err) {
      if (gen === c.gen) say(w.campaignDetailNote, err.message);
    }
  };

  w.renderCampaign = function renderCampaign(b) {
    const d = w.state.campaigns.detail;
    const { bar, line } = batchProgress(b);
    w.campaignTitle.textContent = `Campaign of ${formatFull(b.created_at)}`;
    w.campaignSummary.replaceChildren(bar, h('span', { class: 'wa-campaign-counts', 'data-testid': 'wa-campaign-detail-counts', text: `${b.finished}/${b.total} finished${b.done ? ' (done)' : ''} \u00b7 ${line}` }));
    const items = Array.isArray(b.items) ? b.items : [];
    const rows = items.map((it) => {
      const error = it.last_error ? String(it.last_error) : '';
      const code = it.last_error_code ? String(it.last_error_code) : '';
      const reason = code && !error.includes(code) ? `${code} ${error}` : error;
      // The reason on a line of its own under its recipient: readable on a phone too.
      return h('tbody', { 'data-testid': 'wa-campaign-item', 'data-state': String(it.state) },
        h('tr', {},
          h('td', { dir: 'ltr', text: String(it.phone_number || '') }),
          h('td', {}, h('span', { class: `wa-item-state wa-item-state--${String(it.state)}`, text: String(it.state) })),
          h('td', { class: 'wa-num', text: String(it.attempts ?? '') })),
        reason ? h('tr', { class: 'wa-item-reason-row' },
          h('td', { colspan: '3', class: 'wa-item-reason', 'data-testid': 'wa-campaign-reason', dir: 'auto', text: reason })) : null);
    });
    w.campaignTable.replaceChildren(w.campaignHead, ...rows);
    const shown = d.state ? Number((b.counts || {})[d.state]) || 0 : Number(b.total) || 0;
    say(w.campaignDetailNote, items.length ? `Recipients ${d.offset + 1}\u2013${d.offset + items.length} of ${shown}` : 'No recipient in this state.');
    w.campaignPrev.hidden = d.offset === 0;
    w.campaignNext.hidden = d.offset + items.length >= shown;
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.campaigns = { open: false, batches: [], next: null, gen: 0, detail: null };
  const titleId = `${w.uid}-campaigns-title`;
  w.campaignsBtn = h('button', { type: 'button', class: 'wa-tool', 'data-testid': 'wa-campaigns-open', title: 'Bulk sends and their outcome', onclick: () => w.openCampaigns() },
    icon('bulk'), h('span', { text: 'Campaigns' }));
  w.toolsBar.appendChild(w.campaignsBtn);
  // Bulk sends (and so campaigns), exports and the import are admins' (an agent would get 403).
  w.adminTools = [w.campaignsBtn, w.bulkBtn];

  w.campaignsClose = h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-campaigns-close', 'aria-label': 'Close campaigns', title: 'Close (Esc)', onclick: () => w.closeCampaigns() }, icon('close'));
  w.campaignsNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-campaigns-note' });
  w.campaignItems = h('ul', { class: 'wa-campaigns', 'data-testid': 'wa-campaigns', 'aria-label': 'Campaigns, newest first' });
  w.campaignsMore = h('button', { type: 'button', class: 'wa-btn wa-btn--small wa-more', text: 'Older campaigns', hidden: true, onclick: () => w.loadCampaigns(true) });
  w.campaignList = h('div', { class: 'wa-campaign-list' }, w.campaignsNote, w.campaignItems, w.campaignsMore);

  w.campaignBack = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-campaign-back', onclick: () => { w.showCampaignList(); w.loadCampaigns(false); } },
    icon('back'), 'All campaigns');
  w.campaignTitle = h('h4', { class: 'wa-campaign-title', 'data-testid': 'wa-campaign-title' });
  w.campaignSummary = h('div', { class: 'wa-campaign-summary' });
  w.campaignStateFilter = h('select', { class: 'wa-status-filter', 'data-testid': 'wa-campaign-state-filter', 'aria-label': 'Show recipients' },
    h('option', { value: '', text: 'Every recipient' }), ...STATES.map((s) => h('option', { value: s, text: s[0].toUpperCase() + s.slice(1) })));
  w.campaignExport = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-campaign-export',
    onclick: () => w.download(`/batches/${encodeURIComponent(w.state.campaigns.detail.id)}/export`, { format: 'csv' }, w.campaignDetailNote) },
  icon('download'), 'Export CSV');
  w.campaignHead = h('thead', {}, h('tr', {}, ...['Recipient', 'Outcome', 'Attempts'].map((t) => h('th', { scope: 'col', text: t }))));
  w.campaignTable = h('table', { class: 'wa-table', 'data-testid': 'wa-campaign-items' }, w.campaignHead);
  w.campaignDetailNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-campaign-note' });
  w.campaignPrev = h('button', { type: 'button', class: 'wa-btn wa-btn--small', text: 'Previous', hidden: true, onclick: () => { w.state.campaigns.detail.offset = Math.max(0, w.state.campaigns.detail.offset - ITEMS_PAGE); w.loadCampaign(); } });
  w.campaignNext = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-campaign-next', text: 'Next', hidden: true, onclick: () => { w.state.campaigns.detail.offset += ITEMS_PAGE; w.loadCampaign(); } });
  w.campaignDetail = h('div', { class: 'wa-campaign-detail', 'data-testid': 'wa-campaign-detail', hidden: true },
    h('div', { class: 'wa-campaign-actions' }, w.campaignBack, w.campaignStateFilter, w.campaignExport),
    w.campaignTitle, w.campaignSummary,
    h('div', { class: 'wa-table-scroll' },
      w.campaignTable),
    w.campaignDetailNote,
    h('div', { class: 'wa-campaign-actions' }, w.campaignPrev, w.campaignNext));

  const card = h('div', { class: 'wa-sheet-card wa-sheet-card--wide' },
    h('div', { class: 'wa-sheet-head' }, h('h3', { class: 'wa-sheet-title', id: titleId, text: 'Campaigns' }), w.campaignsClose),
    w.campaignList, w.campaignDetail);
  w.campaignsSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, hidden: true, 'data-testid': 'wa-campaigns-sheet' }, card);
  w.panel.insertBefore(w.campaignsSheet, w.loginSheet);
  w.trapFocus(w.campaignsSheet);
  w.campaignStateFilter.addEventListener('change', () => {
    const d = w.state.campaigns.detail;
    if (!d) return;
    d.state = w.campaignStateFilter.value;
    d.offset = 0;
    w.loadCampaign();
  });
  w.campaignsSheet.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    if (w.state.campaigns.detail) { w.showCampaignList(); w.campaignBack.blur(); w.campaignsClose.focus(); } else w.closeCampaigns();
  });
}
