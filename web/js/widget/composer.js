/**
 * wacloud operator widget: The composer: typing, sending, send errors, the template fallback.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { COUNTER_FROM, MAX_TEXT_CHARS, randomId } from './format.js';
import { FALLBACK_TEMPLATE, h, icon } from './dom.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  // ---- Composer ----------------------------------------------------------------------------

  w.textLength = function textLength(s) {
    let n = 0;
    for (const _ of s) n++; // code points, not UTF-16 units: an emoji counts once
    return n;
  };

  w.updateComposer = function updateComposer() {
    const value = w.input.value;
    const n = w.textLength(value);
    w.charCount.textContent = n >= COUNTER_FROM ? `${n} / ${MAX_TEXT_CHARS}` : '';
    w.charCount.classList.toggle('wa-char-count--over', n > MAX_TEXT_CHARS);
    w.charCount.hidden = n < COUNTER_FROM;
    w.sendBtn.disabled = w.state.sending || (!value.trim() && !w.state.attachment) || n > MAX_TEXT_CHARS;
    w.input.style.height = 'auto';
    w.input.style.height = `${Math.min(w.input.scrollHeight, 160)}px`;
  };

  w.showSendError = function showSendError(message, extra = null) {
    // replaceChildren writes null as the text "null": pass only what there is.
    w.sendError.replaceChildren(...[icon('error', 'wa-inline-icon'), h('span', { text: message }), ...(extra ? [' ', extra] : [])]);
    w.sendError.hidden = false;
  };

  /** A button that sends the template every account has (`hello_world`) to the open chat. */
  w.templateButton = function templateButton(testid, template = FALLBACK_TEMPLATE) {
    return h('button', {
      type: 'button', class: 'wa-inline-btn', 'data-testid': testid,
      title: 'Templates are allowed at any time', onclick: () => w.sendTemplate(template),
    }, icon('template', 'wa-inline-icon'), `Send template ${template.name}`);
  };

  w.sendTemplate = async function sendTemplate(template) {
    if (!w.state.active || w.state.sending) return;
    const gen = w.state.chatGen;
    const key = w.state.active.key;
    w.state.sending = true;
    w.sendError.hidden = true;
    w.updateComposer();
    try {
      const res = await w.request('POST', '/send', {
        body: { phone_number: key, type: 'template', template: { name: template.name, language: template.language } },
        headers: { 'Idempotency-Key': randomId() },
      });
      if (gen !== w.state.chatGen) return;
      if (res && res.message && res.message.id) w.mergeMessages([res.message]);
      w.renderMessages('end');
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      w.showSendError(err.message);
      if (err.code === 'sending_paused') w.refreshHealth();
    } finally {
      w.state.sending = false;
      w.updateComposer();
      w.pollSoon(300);
    }
  };

  w.retryMessage = async function retryMessage(id) {
    const gen = w.state.chatGen;
    w.sendError.hidden = true;
    try {
      const res = await w.request('POST', `/messages/${encodeURIComponent(id)}/retry`, { body: {} });
      if (gen !== w.state.chatGen) return;
      if (res && res.message && res.message.id) w.mergeMessages([res.message]);
      w.renderMessages('end');
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      if (err.code === 'window_closed') {
        const t = (err.detail && err.detail.suggested_template) || FALLBACK_TEMPLATE;
        w.showSendError(err.message, w.templateButton('wa-send-template', t));
      } else {
        w.showSendError(err.message);
      }
    } finally {
      w.pollSoon(300);
    }
  };

  w.send = async function send() {
    if (!w.state.active || w.state.sending) return;
    if (w.state.attachment) { await w.sendAttachment(); return; }
    const text = w.input.value;
    const n = w.textLength(text);
    if (!text.trim()) return;
    if (n > MAX_TEXT_CHARS) {
      w.showSendError(`A WhatsApp text message is limited to ${MAX_TEXT_CHARS} characters; this one has ${n}.`);
      return;
    }
    const gen = w.state.chatGen;
    const key = w.state.active.key;
    // Same key when the operator retries the same text after a network failure: the server
    // then answers with the first result instead of sending twice.
    if (!w.state.idempotencyKey) w.state.idempotencyKey = randomId();
    const idem = w.state.idempotencyKey;
    const localId = `local-${idem}`;
    // The quote goes with the message (shown on its placeholder); it comes back with the text
    // when the send fails.
    const reply = w.replyFields();
    const quoted = w.state.replyTo;
    w.clearReply();
    w.state.messages.set(localId, {
      id: localId, _local: true, _seq: ++w.state.seq, direction: 'outbound', message_type: 'text', message_text: text,
      status: 'pending', created_at: new Date().toISOString(), reply_to: reply.reply_to || null,
    });
    w.state.sending = true;
    w.sendError.hidden = true;
    w.input.value = '';
    w.updateComposer();
    w.renderMessages('end');
    try {
      const res = await w.request('POST', '/send', { body: { phone_number: key, message_text: text, ...reply }, headers: { 'Idempotency-Key': idem } });
      w.state.idempotencyKey = null;
      if (gen !== w.state.chatGen) return;
      w.state.messages.delete(localId);
      if (res && res.message && res.message.id) {
        w.mergeMessages([res.message]);
      } else {
        // No message object: keep a placeholder that the next poll replaces (matched by wamid).
        w.state.messages.set(localId, { ...w.state.messages.get(localId), id: localId, _local: true, _seq: ++w.state.seq,
          direction: 'outbound', message_type: 'text', message_text: text, status: 'accepted',
          message_id: res && res.message_id, created_at: new Date().toISOString() });
      }
      w.renderMessages('end');
      w.pollSoon(300);
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      w.state.messages.delete(localId);
      if (err.code !== 'network') w.state.idempotencyKey = null;
      // Give the text back so it can be fixed and resent, unless the server kept it as a failed
      // message (Meta refused it: 502), which the next poll shows with its reason.
      if (!w.input.value && err.status !== 502) {
        w.input.value = text;
        if (quoted && !w.state.replyTo) { w.state.replyTo = quoted; w.renderReplyBar(); }
      }
      w.updateComposer();
      w.renderMessages('auto');
      if (err.code === 'window_closed') {
        // The customer has not written in 24 hours: only a template can go. Offer one.
        const t = (err.detail && err.detail.suggested_template) || FALLBACK_TEMPLATE;
        w.showSendError(err.message, w.templateButton('wa-send-template', t));
      } else {
        w.showSendError(err.message);
      }
      if (err.code === 'sending_paused') w.refreshHealth();
      w.pollSoon(300); // a message refused by Meta is stored as failed: show it
    } finally {
      w.state.sending = false;
      w.updateComposer();
    }
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.input.addEventListener('input', () => {
    w.updateComposer();
    w.state.idempotencyKey = null; // an edited message is a new message
    w.updateCanned();
  });
  w.input.addEventListener('keydown', (ev) => {
    if (w.cannedKey(ev)) return;
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      w.composer.requestSubmit();
    }
  });
  w.composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (w.state.inbox.mode === 'note') w.addNote(); else w.send();
  });
}
