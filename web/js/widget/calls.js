/**
 * wacloud operator widget: calls (WhatsApp Business Calling) in the open conversation.
 *
 * The contact's calls (`GET /contacts/{phone}/calls`, one entry per call folded from Meta's
 * `calls` webhooks) read as small lines of the conversation's timeline, at the time each call
 * started: "📞 Missed call · 14:02", "📞 Call · 3 min 12 s · 14:02". A bar under the
 * conversation's status shows the customer's call permission (`call_permission` on the
 * contact) and offers to ask for it (`POST /contacts/{phone}/call-permission`, Meta's call
 * permission request; only inside the customer service window). No audio.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h } from './dom.js';
import { formatFull, formatUntil } from './format.js';

const OUTCOME = {
  missed: 'Missed call',
  rejected: 'Declined call',
  failed: 'Failed call',
  ringing: 'Ringing call',
  ongoing: 'Call in progress',
};

/** "3 min 12 s", "45 s", "1 h 2 min". */
function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  const m = Math.floor((s % 3600) / 60);
  return m ? `${Math.floor(s / 3600)} h ${m} min` : `${Math.floor(s / 3600)} h`;
}

/** The line of one call, without its time. */
function callLine(c) {
  const dir = c.direction === 'outbound' ? ' (outgoing)' : '';
  if (c.outcome === 'answered') {
    return c.duration_seconds != null ? `\u{1F4DE} Call${dir} \u00b7 ${duration(c.duration_seconds)}` : `\u{1F4DE} Call${dir}`;
  }
  return `\u{1F4DE} ${OUTCOME[c.outcome] || 'Call'}${dir}`;
}

function permissionText(p) {
  if (!p || !p.state) return 'Calls: no permission asked yet';
  if (p.state === 'requested') return `Calls: permission asked ${formatFull(p.at)}`;
  if (p.state === 'accept') {
    if (p.expires_at && new Date(p.expires_at).getTime() <= Date.now()) return 'Calls: permission expired';
    return p.expires_at ? `Calls: allowed until ${formatUntil(p.expires_at) || formatFull(p.expires_at)}` : 'Calls: allowed';
  }
  if (p.state === 'reject') return 'Calls: the customer declined';
  return `Calls: ${p.state}`;
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.loadCalls = async function loadCalls(gen, key) {
    let r = null;
    try {
      r = await w.request('GET', `/contacts/${encodeURIComponent(key)}/calls`, { query: { limit: 50 } });
    } catch (err) {
      if (!err || err.status !== 404) throw err;
    }
    if (gen !== w.state.chatGen) return;
    const calls = Array.isArray(r && r.calls) ? r.calls : [];
    w.mergeTimeline(calls.map((c) => ({ id: `call:${c.id}`, kind: 'call', at: c.started_at, actor: 'meta', details: c })));
    w.renderCallBar();
    w.renderMessages('auto');
  };

  w.renderCallBar = function renderCallBar() {
    const c = w.state.active ? w.activeContact() : null;
    w.callBar.hidden = !c;
    if (!c) return;
    const p = c.call_permission || w.state.callPermission;
    w.callText.textContent = permissionText(p);
    w.askCallBtn.hidden = Boolean(p && p.state === 'accept' && !(p.expires_at && new Date(p.expires_at).getTime() <= Date.now()));
  };

  w.askCallPermission = async function askCallPermission() {
    if (!w.state.active) return;
    const gen = w.state.chatGen;
    const key = w.state.active.key;
    w.askCallBtn.disabled = true;
    w.sendError.hidden = true;
    try {
      const r = await w.request('POST', `/contacts/${encodeURIComponent(key)}/call-permission`, { body: {} });
      if (gen !== w.state.chatGen) return;
      w.state.callPermission = r && r.call_permission;
      const c = w.activeContact();
      if (c && r) c.call_permission = r.call_permission;
      w.renderCallBar();
    } catch (err) {
      if (gen === w.state.chatGen) w.showSendError(err.message);
    } finally {
      w.askCallBtn.disabled = false;
    }
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.callPermission = null;
  w.callText = h('span', { class: 'wa-call-text', 'data-testid': 'wa-call-permission' });
  w.askCallBtn = h('button', {
    type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-ask-call', text: 'Ask to call',
    title: 'Send the customer WhatsApp\u2019s call permission request (inside the 24-hour window)',
    onclick: () => w.askCallPermission(),
  });
  w.callBar = h('div', { class: 'wa-call-bar', 'data-testid': 'wa-call-bar', hidden: true }, w.callText, w.askCallBtn);
  w.convBar.after(w.callBar);

  const loadConversation = w.loadConversation;
  w.loadConversation = async function loadConversationAndCalls(gen, key) {
    w.state.callPermission = null;
    await Promise.all([loadConversation(gen, key), w.loadCalls(gen, key)]);
  };

  const describeEntry = w.describeEntry;
  w.describeEntry = function describeCall(t, who) {
    if (t.kind !== 'call') return describeEntry(t, who);
    return callLine(t.details || {});
  };
}
