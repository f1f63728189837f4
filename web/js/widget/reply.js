/**
 * wacloud operator widget: Answering one message: quote it (`reply_to`), react to it (Meta's
 * reaction messages, one emoji, shown on the message beside the customer's), and the typing
 * indicator the customer sees while an operator writes.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { clip, contactName, previewOf } from './format.js';
import { h, icon } from './dom.js';

/** The reactions offered in one click (any single emoji is accepted by the API). */
export const QUICK_REACTIONS = ['\u{1F44D}', '\u2764\uFE0F', '\u{1F602}', '\u{1F62E}', '\u{1F622}', '\u{1F64F}'];

/** Meta shows "typing…" for at most 25 s; the API asks for one call per 20 s at most. */
const TYPING_EVERY_MS = 20000;

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  /** Whether `m` can be quoted or reacted to: a message Meta knows (a wamid), not deleted. */
  w.canAnswer = function canAnswer(m) {
    const type = String(m.message_type || 'text');
    return Boolean(m.message_id) && !m._local && !m.deleted_at
      && !['system', 'request_welcome', 'reaction', 'deleted', 'unsupported', 'unknown'].includes(type);
  };

  /** The reply and react buttons shown on a message (keyboard reachable, labelled). */
  w.messageActions = function messageActions(m) {
    if (!w.canAnswer(m)) return null;
    const who = m.direction === 'outbound' ? 'your message' : 'the customer\u2019s message';
    const react = h('button', {
      type: 'button', class: 'wa-msg-action', 'data-testid': 'wa-message-react', 'aria-haspopup': 'true', 'aria-expanded': 'false',
      'aria-label': `React to ${who}`, title: 'React',
      onclick: (ev) => { ev.stopPropagation(); w.toggleReactPicker(m, react); },
    }, icon('react'));
    return h('span', { class: 'wa-msg-actions', 'data-testid': 'wa-message-actions' },
      h('button', {
        type: 'button', class: 'wa-msg-action', 'data-testid': 'wa-message-reply', 'aria-label': `Reply to ${who}`, title: 'Reply',
        onclick: () => w.startReply(m),
      }, icon('reply')),
      react);
  };

  /** The emojis on a message: the customer's and ours (each at most one, as in WhatsApp). */
  w.messageReactions = function messageReactions(m) {
    const chips = [];
    if (m.reaction) {
      chips.push(h('span', { class: 'wa-reaction-chip', 'data-testid': 'wa-reaction-customer', role: 'img',
        'aria-label': `${contactName(w.activeContact()) || 'The customer'} reacted ${m.reaction}`, title: 'The customer\u2019s reaction', text: String(m.reaction) }));
    }
    if (m.business_reaction) {
      chips.push(h('span', { class: 'wa-reaction-chip wa-reaction-chip--ours', 'data-testid': 'wa-reaction-ours', role: 'img',
        'aria-label': `You reacted ${m.business_reaction}`, title: 'Your reaction', text: String(m.business_reaction) }));
    }
    return chips.length ? h('div', { class: 'wa-reactions', 'data-testid': 'wa-message-reactions' }, ...chips) : null;
  };

  // ---- Quote -------------------------------------------------------------------------------

  w.startReply = function startReply(m) {
    if (!w.state.active || !w.canAnswer(m)) return;
    w.state.replyTo = {
      key: w.state.active.key,
      wamid: m.message_id,
      who: m.direction === 'outbound' ? 'You' : (contactName(w.activeContact()) || 'Customer'),
      text: previewOf(m),
    };
    w.renderReplyBar();
    w.input.focus({ preventScroll: true });
  };

  w.clearReply = function clearReply() {
    if (!w.state.replyTo) return;
    w.state.replyTo = null;
    w.renderReplyBar();
  };

  /** `{reply_to}` for the next send when a message of the open chat is quoted, else `{}`. */
  w.replyFields = function replyFields() {
    const r = w.state.replyTo;
    return r && w.state.active && r.key === w.state.active.key ? { reply_to: r.wamid } : {};
  };

  w.renderReplyBar = function renderReplyBar() {
    const r = w.state.replyTo;
    w.replyBar.hidden = !r;
    if (!r) { w.replyBar.replaceChildren(); return; }
    w.replyBar.replaceChildren(
      h('div', { class: 'wa-quote wa-reply-quote' },
        h('span', { class: 'wa-quote-who', text: `Replying to ${r.who}` }),
        h('span', { class: 'wa-quote-text', dir: 'auto', 'data-testid': 'wa-reply-text', text: clip(r.text, 120) })),
      h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-reply-cancel', 'aria-label': 'Cancel the reply', title: 'Cancel the reply (Escape)',
        onclick: () => { w.clearReply(); w.input.focus({ preventScroll: true }); } }, icon('close')));
  };

  // ---- React -------------------------------------------------------------------------------

  w.toggleReactPicker = function toggleReactPicker(m, opener) {
    if (w.state.reactFor === m.id) { w.closeReactPicker(); return; }
    w.closeReactPicker();
    w.state.reactFor = m.id;
    w.state.reactOpener = opener;
    opener.setAttribute('aria-expanded', 'true');
    const choices = QUICK_REACTIONS.map((emoji) => h('button', {
      type: 'button', class: `wa-react-choice${m.business_reaction === emoji ? ' wa-react-choice--on' : ''}`, 'data-testid': 'wa-react-choice',
      'aria-label': `React ${emoji}`, 'aria-pressed': m.business_reaction === emoji ? 'true' : 'false', text: emoji,
      onclick: () => w.sendReaction(m, m.business_reaction === emoji ? '' : emoji),
    }));
    if (m.business_reaction) {
      choices.push(h('button', { type: 'button', class: 'wa-react-choice wa-react-remove', 'data-testid': 'wa-react-remove',
        'aria-label': 'Remove your reaction', title: 'Remove your reaction', onclick: () => w.sendReaction(m, '') }, icon('close')));
    }
    w.reactPicker.replaceChildren(...choices);
    w.reactPicker.hidden = false;
    opener.closest('.wa-msg').appendChild(w.reactPicker);
    w.reactPicker.querySelector('button').focus({ preventScroll: true });
  };

  w.closeReactPicker = function closeReactPicker(refocus = false) {
    const opener = w.state.reactOpener;
    w.state.reactFor = null;
    w.state.reactOpener = null;
    w.reactPicker.hidden = true;
    if (opener) {
      opener.setAttribute('aria-expanded', 'false');
      if (refocus && opener.isConnected) opener.focus({ preventScroll: true });
    }
  };

  /** Sends our reaction (`''` removes it); the message shows it once Meta accepted it. */
  w.sendReaction = async function sendReaction(m, emoji) {
    w.closeReactPicker(true);
    if (!w.state.active) return;
    const gen = w.state.chatGen;
    w.sendError.hidden = true;
    try {
      await w.request('POST', '/send', {
        body: { phone_number: w.state.active.key, type: 'reaction', reaction: { message_id: m.message_id, emoji } },
      });
      if (gen !== w.state.chatGen) return;
      const shown = w.state.messages.get(m.id);
      if (shown) w.state.messages.set(m.id, { ...shown, business_reaction: emoji || null });
      w.renderMessages('auto');
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      w.showSendError(err.message);
    } finally {
      w.pollSoon(300);
    }
  };

  // ---- Typing ------------------------------------------------------------------------------

  /**
   * Tells Meta the operator is typing (the customer sees "typing…"), at most once per 20 s per
   * conversation and only when the customer has written (Meta ties the indicator to a read
   * receipt of their message). A refusal changes nothing the operator sees.
   */
  w.typingSoon = function typingSoon() {
    const a = w.state.active;
    if (!a || !w.input.value.trim() || w.state.inbox.mode === 'note') return;
    const now = Date.now();
    const last = w.state.typingAt.get(a.key) || 0;
    if (now - last < TYPING_EVERY_MS) return;
    const wrote = [...w.state.messages.values()].some((m) => m.direction === 'inbound' && !m._timeline);
    if (!wrote) return;
    w.state.typingAt.set(a.key, now);
    w.request('POST', `/contacts/${encodeURIComponent(a.key)}/typing`, { body: {} }).catch(() => {});
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.replyTo = null;
  w.state.reactFor = null;
  w.state.reactOpener = null;
  w.state.typingAt = new Map();
  w.replyBar = h('div', { class: 'wa-reply-bar', 'data-testid': 'wa-reply-bar', hidden: true });
  w.composer.insertBefore(w.replyBar, w.composer.querySelector('.wa-composer-row'));
  w.reactPicker = h('div', { class: 'wa-react-picker', 'data-testid': 'wa-react-picker', role: 'group', 'aria-label': 'Reactions', hidden: true });
  w.reactPicker.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { ev.stopPropagation(); w.closeReactPicker(true); return; }
    if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
    const all = [...w.reactPicker.querySelectorAll('button')];
    const i = all.indexOf(document.activeElement);
    const next = all[(i + (ev.key === 'ArrowRight' ? 1 : all.length - 1)) % all.length];
    if (next) { ev.preventDefault(); next.focus(); }
  });
  w.reactPicker.addEventListener('focusout', (ev) => {
    if (!w.reactPicker.contains(ev.relatedTarget)) w.closeReactPicker();
  });
  w.panel.addEventListener('click', (ev) => {
    if (!w.reactPicker.hidden && !w.reactPicker.contains(ev.target)) w.closeReactPicker();
  });
  w.input.addEventListener('input', () => w.typingSoon());
  w.input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && w.state.replyTo && !ev.defaultPrevented) {
      ev.stopPropagation();
      w.clearReply();
    }
  });
}
