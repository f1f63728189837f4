// Host-page stats, independent of the widget (numbers only, written as text).
async function loadStats() {
  try {
    const res = await fetch('/api/whatsapp/stats', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    // Logged out (401 login_required): show nothing rather than the last operator's numbers.
    const stats = res.ok ? await res.json() : {};
    if (!res.ok && res.status !== 401) return;
    for (const el of document.querySelectorAll('[data-stat]')) {
      const v = stats[el.dataset.stat];
      el.textContent = typeof v === 'number' ? v.toLocaleString() : '–';
    }
    // Costs at the rate card's prices: one rounded total per currency (decimal strings, shown
    // as given: never turned into floats), and how many paid messages had no price.
    for (const el of document.querySelectorAll('[data-cost]')) {
      const c = stats.costs && stats.costs[el.dataset.cost];
      if (!c) { el.textContent = '–'; continue; }
      const totals = (c.totals || []).map((t) => `${t.rounded} ${t.currency}`);
      let text = totals.length ? totals.join(' + ') : (c.paid ? '–' : '0');
      if (c.unpriced) text += ` (${c.unpriced.toLocaleString()} unpriced)`;
      el.textContent = text;
    }
  } catch { /* server not reachable: the widget says so */ }
}
loadStats();
// The widget says when an operator logs in or out.
document.addEventListener('wacloud:auth', () => loadStats());
// And when the widget's event stream says something changed (a send, a delivery, a status),
// at most every half second; every 10 s otherwise (the widget polls without a stream).
let pending = null;
document.addEventListener('wacloud:change', () => {
  if (pending) return;
  pending = setTimeout(() => { pending = null; loadStats(); }, 500);
});
setInterval(() => { if (!document.hidden) loadStats(); }, 10000);
