/**
 * wacloud operator widget: Notifications, polling and live updates (`GET /events`).
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { HEALTH_EVERY_MS, LIVE_RETRY_MS, contactKey, contactName } from './format.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  /** Browsers let a page play sound only after a user gesture: make the context on one. */
  w.unlockAudio = function unlockAudio() {
    try {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return;
      w.audioCtx = w.audioCtx || new AC();
      if (w.audioCtx.state === 'suspended') w.audioCtx.resume().catch(() => {});
    } catch {
      w.audioCtx = null;
    }
  };

  w.chime = function chime() {
    if (!w.audioCtx || w.audioCtx.state !== 'running') return;
    const t = w.audioCtx.currentTime;
    const osc = w.audioCtx.createOscillator();
    const gain = w.audioCtx.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, t);
    osc.frequency.setValueAtTime(1320, t + 0.12);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.18, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
    osc.connect(gain).connect(w.audioCtx.destination);
    osc.start(t);
    osc.stop(t + 0.4);
  };

  w.renderNotifyButton = function renderNotifyButton() {
    const can = typeof Notification !== 'undefined';
    w.notifyBtn.hidden = !can || Notification.permission !== 'default';
  };

  w.enableNotifications = async function enableNotifications() {
    w.unlockAudio();
    if (typeof Notification === 'undefined') return;
    try { await Notification.requestPermission(); } catch { /* refused or not supported */ }
    w.renderNotifyButton();
  };

  w.noticeNewMessages = function noticeNewMessages(list) {
    const me = w.myId();
    const prev = w.state.seenUnread;
    const next = new Map();
    const fresh = [];
    for (const c of list) {
      const k = contactKey(c);
      const n = Number(c.unread_count) || 0;
      next.set(k, n);
      if (!prev || n <= (prev.get(k) || 0)) continue;
      const a = c.conversation && c.conversation.assignee;
      if (a && a.id !== me) continue; // someone else's conversation
      if (w.state.open && !document.hidden && document.hasFocus() && w.state.active && w.state.active.key === k) continue; // on screen
      fresh.push(c);
    }
    w.state.seenUnread = next;
    if (!fresh.length) return;
    w.state.notified += fresh.length;
    w.chime();
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    for (const c of fresh.slice(0, 3)) {
      try {
        const n = new Notification(contactName(c) || c.phone_number || 'WhatsApp', {
          body: c.last_message_preview ? String(c.last_message_preview) : 'New message', tag: `wacloud-${contactKey(c)}`,
        });
        n.onclick = () => { window.focus(); w.openChat(contactKey(c), c); n.close(); };
      } catch {
        // Some browsers allow notifications only from a service worker: the chime and the title remain.
      }
    }
  };

  w.onPollError = function onPollError(err) {
    if (err && err.code === 'network') {
      w.state.connError = err;
      w.renderHealth();
    }
  };

  w.tick = async function tick() {
    w.timer = null;
    if (w.state.destroyed || document.hidden) return;
    // Logged out: nothing to read until the login form is used.
    if (w.state.auth.required && !w.state.auth.operator) return;
    if (w.polling) { w.pollAgain = true; return; }
    w.polling = true;
    w.pollAgain = false;
    const jobs = [w.refreshContacts().then(() => {
      if (w.state.connError) { w.state.connError = null; w.renderHealth(); }
    })];
    if (w.state.open && w.state.active) jobs.push(w.loadChat(false));
    if (w.state.batches.size) jobs.push(w.refreshBatches());
    if (Date.now() - w.state.lastHealthAt >= Math.max(HEALTH_EVERY_MS, w.pollMs * 3) || w.state.healthState === 'error') jobs.push(w.refreshHealth());
    const results = await Promise.allSettled(jobs);
    for (const r of results) if (r.status === 'rejected') w.onPollError(r.reason);
    w.polling = false;
    w.schedule(w.pollAgain ? 0 : (w.live.on ? w.livePollMs : w.pollMs));
  };

  w.schedule = function schedule(delay) {
    clearTimeout(w.timer);
    w.timer = null;
    if (w.state.destroyed || document.hidden) return;
    w.timer = setTimeout(w.tick, delay);
  };

  w.pollSoon = function pollSoon(delay = 0) {
    if (w.polling) { w.pollAgain = true; return; }
    w.schedule(delay);
  };

  w.startLive = function startLive() {
    // An event stream cannot carry the API key's header: with a key, polling does the work.
    if (!w.opts.live || w.opts.apiKey || typeof EventSource === 'undefined' || w.state.destroyed || document.hidden || w.live.source) return;
    if (w.state.auth.required && !w.state.auth.operator) return;
    clearTimeout(w.live.retryTimer);
    w.live.retryTimer = null;
    let source;
    try {
      source = new EventSource(`${w.apiBase}/events`);
    } catch {
      return; // polling goes on
    }
    w.live.source = source;
    source.addEventListener('ready', () => {
      const wasOn = w.live.on;
      w.live.on = true;
      // Whatever changed while the stream was down: read it now.
      if (!wasOn) w.pollSoon(0);
    });
    source.addEventListener('change', () => {
      w.pollSoon(0);
      // The host page (the dashboard's figures) may follow what changed too.
      document.dispatchEvent(new CustomEvent('wacloud:change'));
    });
    source.addEventListener('error', () => {
      // The browser reconnects by itself (after the server's `retry`); meanwhile, poll.
      if (w.live.on) { w.live.on = false; w.pollSoon(0); }
      if (source.readyState === EventSource.CLOSED) {
        // Refused for good (no such endpoint, wrong content type): poll, and try again later.
        w.stopLive();
        w.live.retryTimer = setTimeout(w.startLive, LIVE_RETRY_MS);
      }
    });
  };

  w.stopLive = function stopLive() {
    if (w.live.source) w.live.source.close();
    w.live.source = null;
    w.live.on = false;
  };

  w.onVisibility = function onVisibility() {
    if (document.hidden) {
      clearTimeout(w.timer);
      w.timer = null;
      w.stopLive(); // no open connection for a tab nobody looks at
    } else {
      w.state.lastHealthAt = 0;
      w.startLive();
      w.pollSoon(0);
    }
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  // ---- Notifications -----------------------------------------------------------------------
  //
  // A new customer message in a conversation assigned to me or to nobody: a short chime made
  // with WebAudio (no file is loaded) and, once the operator allowed it, a browser
  // notification. The page title shows the unread count (renderLauncher).

  w.audioCtx = null;
  w.root.addEventListener('pointerdown', w.unlockAudio);
  w.root.addEventListener('keydown', w.unlockAudio);


  // ---- Polling -----------------------------------------------------------------------------

  w.timer = null;
  w.polling = false;
  w.pollAgain = false;

  // ---- Live updates ------------------------------------------------------------------------
  //
  // `GET /events` (server-sent events) says when messages, statuses or contacts changed; the
  // widget then polls at once. The data only names ids, so nothing from it reaches the page.

  w.live = { source: null, on: false, retryTimer: null };
  document.addEventListener('visibilitychange', w.onVisibility);
}
