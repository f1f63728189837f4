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
  } catch { /* server not reachable: the widget says so */ }
}
loadStats();
// The widget says when an operator logs in or out.
document.addEventListener('wacloud:auth', () => loadStats());
setInterval(() => { if (!document.hidden) loadStats(); }, 10000);
