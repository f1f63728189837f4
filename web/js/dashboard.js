// Host-page stats, independent of the widget (numbers only, written as text).
async function loadStats() {
  try {
    const res = await fetch('/api/whatsapp/stats', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) return;
    const stats = await res.json();
    for (const el of document.querySelectorAll('[data-stat]')) {
      const v = stats[el.dataset.stat];
      el.textContent = typeof v === 'number' ? v.toLocaleString() : '–';
    }
  } catch { /* server not reachable: the widget says so */ }
}
loadStats();
setInterval(() => { if (!document.hidden) loadStats(); }, 10000);
