/**
 * wacloud operator widget: Conversation Routing — who owns the open conversation's thread.
 *
 * When several responders share the number (Meta's business AI, another app, the WhatsApp
 * Business app), one owns each conversation; the others may not send free-form messages.
 * A banner above the messages says who owns it and offers "Take over"
 * (`POST /contacts/{phone}/thread` `{"action": "take"}`); `GET /contacts/{phone}/thread` is
 * read with the conversation. Messages received on `standby` (while another responder owned
 * the conversation) are marked as such, and ownership changes read as timeline events.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h, icon } from './dom.js';

/** What an owner is called in the banner and the timeline. */
const OWNER = {
  wacloud: 'this inbox',
  ai_agent: "Meta's business AI",
  app: 'another app',
  business_app: 'the WhatsApp Business app',
  released: 'nobody',
};

function ownerName(t) {
  if (!t) return 'someone';
  if (t.owner === 'app' && t.app_id) return `another app (id ${t.app_id})`;
  return OWNER[t.owner] || String(t.owner || 'someone');
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.loadThread = async function loadThread(gen, key) {
    let t = null;
    try {
      t = await w.request('GET', `/contacts/${encodeURIComponent(key)}/thread`);
    } catch (err) {
      if (!err || err.status !== 404) throw err;
    }
    if (gen !== w.state.chatGen) return;
    w.state.thread = t && { ...t, _key: key };
    w.renderThread();
  };

  w.renderThread = function renderThread() {
    const cur = w.state.thread;
    const t = w.state.active && cur && cur._key === w.state.active.key ? cur : null;
    const shown = Boolean(t && t.owner && t.owner !== 'wacloud');
    w.threadBanner.hidden = !shown;
    if (!shown) return;
    w.threadBanner.dataset.owner = String(t.owner);
    if (t.owner === 'released') {
      w.threadText.textContent = 'Released: the customer\u2019s next message decides who answers.';
    } else {
      w.threadText.textContent = `${ownerName(t)} owns this conversation. Free-form replies are refused until you take it over; templates still go.`;
    }
    w.takeOverBtn.hidden = false;
    w.takeOverBtn.disabled = false;
  };

  w.takeOver = async function takeOver() {
    if (!w.state.active) return;
    const gen = w.state.chatGen;
    const key = w.state.active.key;
    w.takeOverBtn.disabled = true;
    w.sendError.hidden = true;
    try {
      const t = await w.request('POST', `/contacts/${encodeURIComponent(key)}/thread`, { body: { action: 'take' } });
      if (gen !== w.state.chatGen) return;
      w.state.thread = { ...t, _key: key };
      w.renderThread();
      await w.loadConversation(gen, key);
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      w.renderThread();
      w.showSendError(err.message);
    }
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.thread = null;
  w.threadText = h('span', { class: 'wa-thread-text', 'data-testid': 'wa-thread-text' });
  w.takeOverBtn = h('button', {
    type: 'button', class: 'wa-btn wa-btn--small wa-btn--primary', 'data-testid': 'wa-take-over', text: 'Take over',
    title: 'Take the conversation from its owner (Meta\u2019s thread control)', onclick: () => w.takeOver(),
  });
  w.threadBanner = h('div', { class: 'wa-thread-banner', 'data-testid': 'wa-thread-banner', role: 'status', hidden: true },
    icon('person', 'wa-inline-icon'), w.threadText, w.takeOverBtn);
  w.convBar.after(w.threadBanner);

  // The thread is read with the conversation's status and timeline.
  const loadConversation = w.loadConversation;
  w.loadConversation = async function loadConversationAndThread(gen, key) {
    await Promise.all([loadConversation(gen, key), w.loadThread(gen, key)]);
  };

  // A message received on `standby` says so under its bubble.
  const renderMessage = w.renderMessage;
  w.renderMessage = function renderMessageOnStandby(m) {
    const el = renderMessage(m);
    if (m && !m._timeline && m.source === 'standby' && el && !el.querySelector('.wa-standby-note')) {
      el.classList.add('wa-msg--standby');
      el.appendChild(h('div', {
        class: 'wa-standby-note', 'data-testid': 'wa-standby-note',
        text: m.direction === 'outbound' ? 'Sent by the conversation\u2019s owner (seen on standby)' : 'Seen on standby, while another app owned the conversation',
      }));
    }
    return el;
  };

  const describeEntry = w.describeEntry;
  w.describeEntry = function describeThreadEntry(t, who) {
    if (t.kind !== 'thread_owner_changed') return describeEntry(t, who);
    const to = t.details && t.details.to;
    const by = t.actor === 'meta' ? 'WhatsApp' : who;
    return `${by}: the conversation is now owned by ${ownerName(to)}`;
  };
}
