/**
 * wacloud operator widget: automations in the conversation — messages sent by a rule or a
 * number's welcome/away reply carry a small "Automatic" label (the server answers
 * `"automatic": true` and the `actor`, `rule:<id>` or `automation:welcome|away`); a banner says
 * when a bot subscription answers the conversation (`GET /contacts/{phone}` answers `bot`) and
 * lets the operator take it back (`DELETE /contacts/{phone}/bot`); the timeline reads the
 * entries rules and bots leave (`tags_changed`, `bot_changed`).
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h, icon } from './dom.js';

/** What the label under an automatic message says, by its actor. */
export function automaticLabel(actor) {
  const a = String(actor || '');
  if (a === 'automation:welcome') return 'Automatic \u00b7 welcome';
  if (a === 'automation:away') return 'Automatic \u00b7 away';
  if (a.startsWith('rule:')) return 'Automatic \u00b7 rule';
  return 'Automatic';
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.loadBot = async function loadBot(gen, key) {
    let c = null;
    try {
      c = await w.request('GET', `/contacts/${encodeURIComponent(key)}`);
    } catch (err) {
      if (!err || err.status !== 404) throw err;
    }
    if (gen !== w.state.chatGen) return;
    w.state.bot = { bot: (c && c.bot) || null, _key: key };
    w.renderBot();
  };

  w.renderBot = function renderBot() {
    const cur = w.state.bot;
    const b = w.state.active && cur && cur._key === w.state.active.key ? cur.bot : null;
    w.botBanner.hidden = !b;
    if (!b) return;
    w.botText.textContent = `Bot ${b.subscription_id} is answering this conversation: no automatic reply is sent meanwhile.`;
    w.takeBackBtn.disabled = false;
  };

  w.takeBackFromBot = async function takeBackFromBot() {
    if (!w.state.active) return;
    const gen = w.state.chatGen;
    const key = w.state.active.key;
    w.takeBackBtn.disabled = true;
    try {
      await w.request('DELETE', `/contacts/${encodeURIComponent(key)}/bot`);
      if (gen !== w.state.chatGen) return;
      w.state.bot = { bot: null, _key: key };
      w.renderBot();
      await w.loadConversation(gen, key);
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      w.renderBot();
      w.showSendError(err.message);
    }
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.bot = null;
  w.botText = h('span', { class: 'wa-thread-text', 'data-testid': 'wa-bot-text' });
  w.takeBackBtn = h('button', {
    type: 'button', class: 'wa-btn wa-btn--small wa-btn--primary', 'data-testid': 'wa-bot-take-back', text: 'Take back',
    title: 'Hand the conversation back from the bot to the operators', onclick: () => w.takeBackFromBot(),
  });
  w.botBanner = h('div', { class: 'wa-thread-banner wa-bot-banner', 'data-testid': 'wa-bot-banner', role: 'status', hidden: true },
    icon('flask', 'wa-inline-icon'), w.botText, w.takeBackBtn);
  w.convBar.after(w.botBanner);

  const loadConversation = w.loadConversation;
  w.loadConversation = async function loadConversationAndBot(gen, key) {
    await Promise.all([loadConversation(gen, key), w.loadBot(gen, key)]);
  };

  const renderMessage = w.renderMessage;
  w.renderMessage = function renderAutomaticMessage(m) {
    const el = renderMessage(m);
    if (m && !m._timeline && m.automatic && el && !el.querySelector('.wa-auto-label')) {
      el.classList.add('wa-msg--automatic');
      el.appendChild(h('div', {
        class: 'wa-auto-label', 'data-testid': 'wa-auto-label', title: String(m.actor || ''), text: automaticLabel(m.actor),
      }));
    }
    return el;
  };

  const describeEntry = w.describeEntry;
  w.describeEntry = function describeAutomationEntry(t, who) {
    const d = t.details || {};
    const by = String(t.actor || '').startsWith('rule:') ? 'A rule' : who;
    if (t.kind === 'tags_changed') {
      const added = (d.added || []).map((x) => `+${x}`);
      const removed = (d.removed || []).map((x) => `\u2212${x}`);
      return `${by}: tags ${[...added, ...removed].join(' ')}`;
    }
    if (t.kind === 'bot_changed') {
      return d.to ? `${by}: bot ${d.to} answers the conversation` : `${by}: the operators answer the conversation again`;
    }
    if (String(t.actor || '').startsWith('rule:')) return describeEntry(t, 'A rule');
    return describeEntry(t, who);
  };
}
