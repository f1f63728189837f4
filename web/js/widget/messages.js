/**
 * wacloud operator widget: Rendering messages and day separators in the conversation.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { KIND, STATUS_LABEL, clip, contactName, dayKey, failureReason, formatDayLabel, formatFull, formatTime, parseTime, previewOf, statusIcon } from './format.js';
import { appendLinkified, h, icon, reconcile } from './dom.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  /**
   * When a message or timeline entry happened, for ordering them. Meta's time of an inbound
   * message is in whole seconds; when it reached wacloud within that second (`received_at`,
   * milliseconds), that time places it among the notes and changes of the same second.
   */
  w.sortTime = function sortTime(m) {
    if (m._local) return Infinity;
    const t = (parseTime(m.created_at) || new Date(0)).getTime();
    const r = m.received_at ? (parseTime(m.received_at) || new Date(0)).getTime() : NaN;
    return r - t >= 0 && r - t < 1000 ? r : t;
  };

  /**
   * A reopening by the customer is recorded as their message is stored, within milliseconds of
   * its `received_at`: it takes that message's place (and shows right after it).
   */
  w.reopenTime = function reopenTime(t) {
    const at = (parseTime(t.at) || new Date(0)).getTime();
    let best = null;
    for (const m of w.state.messages.values()) {
      if (m.direction !== 'inbound' || !m.received_at) continue;
      const gap = Math.abs((parseTime(m.received_at) || new Date(0)).getTime() - at);
      if (gap <= 1000 && (!best || gap < best.gap)) best = { m, gap };
    }
    return best ? w.sortTime(best.m) : at;
  };

  /** Messages and timeline entries by time; at the same time a message first. */
  w.sortedMessages = function sortedMessages() {
    const all = Array.from(w.state.messages.values()).concat(Array.from(w.state.inbox.timeline.values()));
    const key = new Map(all.map((m) => [m, m._timeline && m.actor === 'customer' ? w.reopenTime(m) : w.sortTime(m)]));
    all.sort((a, b) => key.get(a) - key.get(b) || Number(Boolean(a._timeline)) - Number(Boolean(b._timeline)) || a._seq - b._seq);
    return all;
  };

  w.findByWamid = function findByWamid(wamid) {
    if (!wamid) return null;
    for (const m of w.state.messages.values()) if (m.message_id === wamid) return m;
    return null;
  };

  w.renderMessages = function renderMessages(scroll = 'auto') {
    const el = w.messagesScroll;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    const prevHeight = el.scrollHeight;
    const prevTop = el.scrollTop;

    const nodes = [];
    let lastDay = null;
    const keep = new Set();
    for (const m of w.sortedMessages()) {
      const d = m._local ? new Date() : parseTime(m.created_at);
      if (d) {
        const dk = dayKey(d);
        if (dk !== lastDay) {
          lastDay = dk;
          let sep = w.dayEls.get(dk);
          if (!sep) {
            sep = h('div', { class: 'wa-day', role: 'separator' }, h('span', { class: 'wa-day-label' }));
            w.dayEls.set(dk, sep);
          }
          sep.firstChild.textContent = formatDayLabel(d);
          nodes.push(sep);
        }
      }
      nodes.push(w.renderMessage(m));
      keep.add(m.id);
    }
    for (const id of w.messageEls.keys()) if (!keep.has(id)) w.messageEls.delete(id);
    reconcile(w.messageList, nodes);
    w.loadOlderBtn.hidden = !w.state.hasMore;
    w.chatEmpty.hidden = !(w.state.chatLoaded && w.state.messages.size === 0 && w.state.inbox.timeline.size === 0);

    if (scroll === 'end' || (scroll === 'auto' && nearBottom)) {
      el.scrollTop = el.scrollHeight;
    } else if (scroll === 'keep') {
      el.scrollTop = prevTop + (el.scrollHeight - prevHeight);
    }
  };

  w.renderMessage = function renderMessage(m) {
    if (m._timeline) return w.renderTimelineEntry(m);
    let el = w.messageEls.get(m.id);
    const target = m.reply_to ? w.findByWamid(typeof m.reply_to === 'object' ? m.reply_to.message_id : m.reply_to) : null;
    const reactTarget = m.reaction && typeof m.reaction === 'object' ? w.findByWamid(m.reaction.message_id) : null;
    const sig = JSON.stringify([m.status, m.message_type, m.message_text, m.created_at, m.edited_at, m.deleted_at, m.error_code,
      m.error_title, m.error_message, m.error_details, m.reaction, m.business_reaction, m.is_forwarded, m.media, m.reply_to,
      target && previewOf(target), reactTarget && previewOf(reactTarget), m._localError]);
    if (!el) {
      el = h('div', { class: 'wa-msg', 'data-testid': 'wa-message' });
      w.messageEls.set(m.id, el);
    }
    if (el._sig === sig) return el;
    el._sig = sig;

    const out = m.direction === 'outbound';
    const status = out ? String(m.status || 'pending') : String(m.status || 'received');
    const type = String(m.message_type || 'text');
    el.dataset.id = String(m.id);
    el.dataset.direction = out ? 'outbound' : 'inbound';
    el.dataset.status = status;
    el.dataset.type = type;
    if (m.message_id) el.dataset.wamid = String(m.message_id); else delete el.dataset.wamid;

    if (type === 'system' || type === 'request_welcome') {
      el.className = 'wa-msg wa-msg--system';
      const text = m.message_text || (type === 'request_welcome' ? 'The customer opened the chat for the first time.' : 'System message');
      el.replaceChildren(h('div', { class: 'wa-system', 'data-testid': 'wa-message-text', dir: 'auto', text: String(text), title: formatFull(m.created_at) }));
      return el;
    }

    el.className = `wa-msg ${out ? 'wa-msg--out' : 'wa-msg--in'}${status === 'failed' ? ' wa-msg--failed' : ''}`;
    const bubble = h('div', { class: 'wa-bubble' });
    const textEl = h('div', { class: 'wa-msg-text', 'data-testid': 'wa-message-text', dir: 'auto' });
    let showText = true;

    if (m.is_forwarded) bubble.appendChild(h('div', { class: 'wa-forwarded' }, icon('forward'), 'Forwarded'));
    if (m.reply_to && !m.deleted_at) {
      bubble.appendChild(h('div', { class: 'wa-quote', 'data-testid': 'wa-message-quote' },
        h('span', { class: 'wa-quote-who', text: target ? (target.direction === 'outbound' ? 'You' : contactName(w.activeContact()) || 'Customer') : 'Reply' }),
        h('span', { class: 'wa-quote-text', dir: 'auto', text: target ? previewOf(target) : 'Reply to an earlier message' })));
    }

    let text = m.message_text === null || m.message_text === undefined ? '' : String(m.message_text);
    // An outbound media message is listed as "[image] caption": the bubble shows the caption.
    if (out && KIND[type] && text.startsWith(`[${type}]`)) text = text.slice(type.length + 2).trim();
    if (m.deleted_at || type === 'deleted') {
      el.classList.add('wa-msg--deleted');
      textEl.appendChild(icon('blocked', 'wa-inline-icon'));
      textEl.appendChild(document.createTextNode('This message was deleted'));
      bubble.appendChild(textEl);
      showText = false;
    } else if (type === 'unsupported' || type === 'unknown') {
      el.classList.add('wa-msg--note');
      textEl.appendChild(icon('warning', 'wa-inline-icon'));
      textEl.appendChild(document.createTextNode('Unsupported message'));
      bubble.appendChild(textEl);
      if (text) bubble.appendChild(h('div', { class: 'wa-msg-caption', text }));
      showText = false;
    } else if (type === 'reaction') {
      el.classList.add('wa-msg--reaction');
      const emoji = m.reaction && typeof m.reaction === 'object' ? m.reaction.emoji : (typeof m.reaction === 'string' ? m.reaction : text);
      if (emoji) {
        textEl.appendChild(h('span', { class: 'wa-reaction-emoji', text: String(emoji) }));
        textEl.appendChild(h('span', { class: 'wa-reaction-text', text: reactTarget ? `reacted to \u201c${clip(previewOf(reactTarget), 60)}\u201d` : 'reacted to a message' }));
      } else {
        textEl.appendChild(h('span', { class: 'wa-reaction-text', text: 'removed a reaction' }));
      }
      bubble.appendChild(textEl);
      showText = false;
    } else {
      const kind = KIND[type === 'audio' && m.media && m.media.voice ? 'voice' : type];
      if (kind) {
        const media = m.media && typeof m.media === 'object' ? m.media : {};
        const sub = [media.filename, media.mime_type && String(media.mime_type).split(';')[0]].filter(Boolean);
        const filenameIsText = media.filename && text === media.filename;
        bubble.appendChild(h('div', { class: `wa-media wa-media--${type}`, 'data-testid': 'wa-message-media' },
          h('span', { class: 'wa-media-icon', 'aria-hidden': 'true' }, icon(kind.icon)),
          h('span', { class: 'wa-media-body' },
            h('span', { class: 'wa-media-label', text: kind.label }),
            sub.length ? h('span', { class: 'wa-media-sub', text: sub.join(' \u00b7 ') }) : null)));
        const view = w.mediaView(m, type);
        if (view) bubble.appendChild(view);
        if (!text || filenameIsText) showText = false;
      }
      if (!text && !kind) {
        showText = true;
        textEl.classList.add('wa-msg-text--muted');
        textEl.appendChild(document.createTextNode(`${type} message`));
      }
      if (showText && text) appendLinkified(textEl, text);
      if (showText) bubble.appendChild(textEl);
    }

    const meta = h('span', { class: 'wa-msg-meta' });
    // Who sent an outbound message, when an operator did (the server records it).
    if (out && m.actor_name) meta.appendChild(h('span', { class: 'wa-msg-sender', 'data-testid': 'wa-message-sender', text: String(m.actor_name) }));
    if (m.edited_at && !m.deleted_at) meta.appendChild(h('span', { class: 'wa-edited', 'data-testid': 'wa-message-edited', text: '(edited)', title: `Edited ${formatFull(m.edited_at)}` }));
    meta.appendChild(h('time', { class: 'wa-msg-time', datetime: m.created_at || null, title: formatFull(m.created_at), text: m._local ? '' : formatTime(m.created_at) }));
    let reason = null;
    if (out) {
      const label = STATUS_LABEL[status] || status;
      reason = status === 'failed' ? (m._localError || failureReason(m)) : null;
      const tick = h('span', {
        class: `wa-status-tick wa-status-tick--${status}`, 'data-testid': 'wa-message-status', role: 'img',
        'aria-label': reason ? `Failed: ${reason}` : label, title: reason ? `Failed: ${reason}` : label,
      }, statusIcon(status));
      meta.appendChild(tick);
    }
    bubble.appendChild(meta);

    const reactions = w.messageReactions(m);
    if (reactions) bubble.appendChild(reactions);
    const children = [bubble];
    const actions = w.messageActions(m);
    if (actions) children.push(actions);
    if (reason) {
      const canRetry = out && !m._local && m.source !== 'business_app' && m.source !== 'unknown';
      children.push(h('div', { class: 'wa-msg-error', 'data-testid': 'wa-message-error' },
        icon('error', 'wa-inline-icon'), h('span', { text: `Not delivered: ${reason}` }),
        canRetry ? h('button', {
          type: 'button', class: 'wa-inline-btn', 'data-testid': 'wa-message-retry',
          title: 'Send it again (a new message)', onclick: () => w.retryMessage(m.id),
        }, icon('retry', 'wa-inline-icon'), 'Retry') : null));
    }
    el.replaceChildren(...children);
    return el;
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  // ---- Message rendering -----------------------------------------------------------------

  w.messageEls = new Map();
  w.dayEls = new Map();
}
