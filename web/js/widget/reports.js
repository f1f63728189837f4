/**
 * wacloud operator widget: the reports view (admins): `GET /reports/{name}` over a period, per
 * day, number or operator (or batch, for campaigns), as totals, a chart and a table, with the
 * same report downloadable as CSV (`format=csv`).
 *
 * The chart is uPlot (MIT), bundled with the server's files (`/vendor/uplot/`), loaded the first
 * time the reports open: nothing comes from another host.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h, icon } from './dom.js';

const REPORTS = [
  ['conversations', 'Conversations'],
  ['response-times', 'First response time'],
  ['resolution-times', 'Time to resolution'],
  ['messages', 'Messages'],
  ['campaigns', 'Campaigns'],
  ['automatic-replies', 'Automatic replies'],
];
const GROUPINGS = [['day', 'Per day'], ['number', 'Per number'], ['operator', 'Per operator'], ['batch', 'Per campaign']];
const LABELS = {
  opened: 'Opened', answered: 'Answered', resolved: 'Resolved', conversations: 'Conversations',
  median_seconds: 'Median', mean_seconds: 'Mean', p90_seconds: '90th percentile',
  received: 'Received', sent: 'Sent', automatic: 'Automatic', items: 'Recipients', delivered: 'Delivered',
  read: 'Read', failed: 'Failed', delivery_rate: 'Delivery rate', read_rate: 'Read rate',
};
const COLOURS = ['#128c7e', '#34b7f1', '#e67e22', '#8e44ad', '#c0392b', '#7f8c8d'];
const VENDOR = new URL('../../vendor/uplot/', import.meta.url);

let uplotLoading = null;

/** uPlot, loaded once (its script and stylesheet from this server). */
function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  if (!uplotLoading) {
    uplotLoading = new Promise((resolve, reject) => {
      document.head.appendChild(h('link', { rel: 'stylesheet', href: new URL('uPlot.min.css', VENDOR).href }));
      const s = h('script', { src: new URL('uPlot.iife.min.js', VENDOR).href });
      s.onload = () => (window.uPlot ? resolve(window.uPlot) : reject(new Error('the chart library did not load')));
      s.onerror = () => { uplotLoading = null; reject(new Error('the chart library did not load')); };
      document.head.appendChild(s);
    });
  }
  return uplotLoading;
}

/** `YYYY-MM-DD` of a local date. */
function ymd(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The browser's UTC offset now, as the API takes it (`+02:00`). */
export function browserOffset(date = new Date()) {
  const m = -date.getTimezoneOffset();
  const a = Math.abs(m);
  return `${m < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** A figure as shown: seconds as a duration, rates as percentages, counts as they are. */
export function showFigure(column, v) {
  if (v === null || v === undefined) return '–';
  if (column.endsWith('_rate')) return `${(Number(v) * 100).toFixed(1)} %`;
  if (column.endsWith('_seconds')) {
    const s = Number(v);
    if (s < 60) return `${s.toFixed(s % 1 ? 1 : 0)} s`;
    if (s < 3600) return `${(s / 60).toFixed(1)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  }
  return String(v);
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.openReports = function openReports() {
    w.state.reports.open = true;
    w.reportsSheet.hidden = false;
    w.loadReport();
    w.reportsClose.focus();
  };

  w.closeReports = function closeReports() {
    w.state.reports.open = false;
    w.reportsSheet.hidden = true;
    if (w.state.open && !w.reportsBtn.hidden) w.reportsBtn.focus({ preventScroll: true });
  };

  /** The query of the report the controls ask for. */
  w.reportQuery = function reportQuery() {
    // Local midnights, so the period is the days the operator picked where they are.
    const at = (day, plus) => {
      const [y, m, d] = day.split('-').map(Number);
      const t = new Date(y, m - 1, d + plus);
      return `${ymd(t)}T00:00:00${browserOffset(t)}`;
    };
    return {
      from: w.reportFrom.value ? at(w.reportFrom.value, 0) : null,
      to: w.reportTo.value ? at(w.reportTo.value, 1) : null,
      group_by: w.reportGroup.value,
      tz: browserOffset(),
    };
  };

  w.loadReport = async function loadReport() {
    const r = w.state.reports;
    const gen = ++r.gen;
    const name = w.reportName.value;
    w.reportBatchOption.disabled = name !== 'campaigns';
    if (name !== 'campaigns' && w.reportGroup.value === 'batch') w.reportGroup.value = 'day';
    w.reportNote.textContent = 'Loading…';
    w.reportNote.hidden = false;
    try {
      const [report, uPlot] = await Promise.all([
        w.request('GET', `/reports/${encodeURIComponent(name)}`, { query: w.reportQuery() }),
        loadUplot().catch(() => null),
      ]);
      if (gen !== r.gen) return;
      r.report = report;
      w.renderReport(report, uPlot);
    } catch (err) {
      if (gen === r.gen) w.reportNote.textContent = err.message;
    }
  };

  w.renderReport = function renderReport(report, uPlot) {
    const cols = Array.isArray(report.columns) ? report.columns : [];
    const rows = Array.isArray(report.rows) ? report.rows : [];
    const total = report.total || {};
    w.reportTotals.replaceChildren(...cols.map((c) => h('div', { class: 'wa-report-total', 'data-testid': 'wa-report-total', 'data-column': c },
      h('span', { class: 'wa-report-total-label', text: LABELS[c] || c }),
      h('span', { class: 'wa-report-total-value', text: showFigure(c, total[c]) }))));
    const head = h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: report.group_by === 'day' ? 'Day' : 'Group' }),
      ...cols.map((c) => h('th', { scope: 'col', class: 'wa-num', text: LABELS[c] || c }))));
    const body = h('tbody', {}, ...rows.map((row) => h('tr', { 'data-testid': 'wa-report-row', 'data-key': String(row.key) },
      h('td', { dir: 'auto', title: String(row.key), text: row.label ? `${row.label}` : String(row.key) }),
      ...cols.map((c) => h('td', { class: 'wa-num', text: showFigure(c, row[c]) })))));
    w.reportTable.replaceChildren(head, body);
    w.reportNote.textContent = rows.length ? '' : 'Nothing in this period.';
    w.reportNote.hidden = rows.length > 0;
    w.drawReportChart(report, uPlot);
  };

  /** The chart: counts or seconds (not rates) per group; lines per day, bars otherwise. */
  w.drawReportChart = function drawReportChart(report, uPlot) {
    const r = w.state.reports;
    if (r.chart) { r.chart.destroy(); r.chart = null; }
    w.reportChart.replaceChildren();
    const rows = Array.isArray(report.rows) ? report.rows : [];
    const cols = (report.columns || []).filter((c) => !c.endsWith('_rate') && c !== 'conversations' && c !== 'items');
    if (!uPlot || !rows.length || !cols.length) {
      w.reportChart.hidden = true;
      return;
    }
    w.reportChart.hidden = false;
    const byDay = report.group_by === 'day';
    const xs = byDay ? rows.map((row) => Date.parse(`${row.key}T12:00:00Z`) / 1000) : rows.map((_, i) => i);
    const names = rows.map((row) => String(row.label || row.key));
    const data = [xs, ...cols.map((c) => rows.map((row) => (row[c] === null || row[c] === undefined ? null : Number(row[c]))))];
    // Per group: bars nested, each figure narrower than the one before (opened ⊇ answered ⊇
    // resolved reads at a glance); per day: lines.
    const bars = (i) => (byDay ? undefined : uPlot.paths.bars({ size: [0.8 * (1 - i * 0.25), 80] }));
    const series = [{ label: byDay ? 'Day' : 'Group', value: (u, v) => (v === null ? '' : byDay ? new Date(v * 1000).toISOString().slice(0, 10) : names[v] || '') },
      ...cols.map((c, i) => ({
        label: LABELS[c] || c,
        stroke: COLOURS[i % COLOURS.length],
        fill: byDay ? null : `${COLOURS[i % COLOURS.length]}cc`,
        width: 2,
        paths: bars(i),
        points: { show: byDay && rows.length < 40 },
        value: (u, v) => showFigure(c, v),
      }))];
    const secondsChart = cols[0].endsWith('_seconds');
    const width = Math.max(260, Math.floor(w.reportChart.getBoundingClientRect().width || w.reportsCard.clientWidth - 32));
    const opts = {
      width,
      height: 220,
      series,
      scales: { x: byDay ? { time: true } : { time: false, range: [-0.5, rows.length - 0.5] } },
      axes: [
        byDay ? {} : { values: (u, vals) => vals.map((v) => (Number.isInteger(v) ? (names[v] || '').slice(0, 14) : '')), splits: () => xs },
        secondsChart
          ? { values: (u, vals) => vals.map((v) => showFigure(cols[0], v)), size: 60 }
          : { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6], size: 60 },
      ],
      legend: { live: false },
    };
    r.chart = new uPlot(opts, data, w.reportChart);
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.reports = { open: false, gen: 0, report: null, chart: null };
  const titleId = `${w.uid}-reports-title`;
  w.reportsBtn = h('button', { type: 'button', class: 'wa-tool', 'data-testid': 'wa-reports-open', title: 'Response times, resolutions, messages and campaigns over a period', onclick: () => w.openReports() },
    icon('clock'), h('span', { text: 'Reports' }));
  w.toolsBar.appendChild(w.reportsBtn);
  // Reports show figures per operator: admins only (an agent would get 403).
  w.adminTools.push(w.reportsBtn);

  const today = new Date();
  const monthAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
  w.reportsClose = h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-reports-close', 'aria-label': 'Close reports', title: 'Close (Esc)', onclick: () => w.closeReports() }, icon('close'));
  w.reportName = h('select', { class: 'wa-status-filter', 'data-testid': 'wa-report-name', 'aria-label': 'Report' },
    ...REPORTS.map(([v, t]) => h('option', { value: v, text: t })));
  w.reportBatchOption = h('option', { value: 'batch', text: GROUPINGS[3][1], disabled: true });
  w.reportGroup = h('select', { class: 'wa-status-filter', 'data-testid': 'wa-report-group', 'aria-label': 'Rows' },
    ...GROUPINGS.slice(0, 3).map(([v, t]) => h('option', { value: v, text: t })), w.reportBatchOption);
  w.reportFrom = h('input', { type: 'date', class: 'wa-input wa-input--date', 'data-testid': 'wa-report-from', 'aria-label': 'From (day)', value: ymd(monthAgo) });
  w.reportTo = h('input', { type: 'date', class: 'wa-input wa-input--date', 'data-testid': 'wa-report-to', 'aria-label': 'To (day, included)', value: ymd(today) });
  w.reportCsv = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-report-csv',
    onclick: () => w.download(`/reports/${encodeURIComponent(w.reportName.value)}`, { ...w.reportQuery(), format: 'csv' }, w.reportNote) },
  icon('download'), 'CSV');
  w.reportNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-report-note' });
  w.reportTotals = h('div', { class: 'wa-report-totals', 'data-testid': 'wa-report-totals' });
  w.reportChart = h('div', { class: 'wa-report-chart', 'data-testid': 'wa-report-chart', hidden: true });
  w.reportTable = h('table', { class: 'wa-table', 'data-testid': 'wa-report-table' });
  w.reportsCard = h('div', { class: 'wa-sheet-card wa-sheet-card--wide wa-reports' },
    h('div', { class: 'wa-sheet-head' }, h('h3', { class: 'wa-sheet-title', id: titleId, text: 'Reports' }), w.reportsClose),
    h('div', { class: 'wa-campaign-actions wa-report-controls' }, w.reportName, w.reportGroup,
      h('label', { class: 'wa-report-day' }, 'From ', w.reportFrom), h('label', { class: 'wa-report-day' }, 'to ', w.reportTo), w.reportCsv),
    w.reportTotals, w.reportChart, w.reportNote,
    h('div', { class: 'wa-table-scroll' }, w.reportTable));
  w.reportsSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, hidden: true, 'data-testid': 'wa-reports-sheet' }, w.reportsCard);
  w.panel.insertBefore(w.reportsSheet, w.loginSheet);
  w.trapFocus(w.reportsSheet);
  for (const el of [w.reportName, w.reportGroup, w.reportFrom, w.reportTo]) el.addEventListener('change', () => w.loadReport());
  w.reportsSheet.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    w.closeReports();
  });
}
