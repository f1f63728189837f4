/**
 * wacloud operator widget: The open conversation: loading, paging older messages, merging, its header.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { PAGE_SIZE, contactKey, contactName, formatFull, formatUntil } from './format.js';
import { h, icon } from './dom.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  // ---- Chat -------------------------------------------------------------------------------

  w.openChat = function openChat(key, contact) {
    key = String(key);
    const same = w.state.active && w.state.active.key === key;
    w.setView('chat');
    if (!same) {
      w.state.active = { key, contact: contact || null };
      w.state.chatGen++;
      w.state.messages = new Map();
      w.messageEls.clear();
      w.dayEls.clear();
      w.messageList.replaceChildren();
      w.state.nextCursor = null;
      w.state.hasMore = false;
      w.state.chatLoaded = false;
      w.state.idempotencyKey = null;
      w.state.inbox.conversation = null;
      w.state.inbox.timeline = new Map();
      w.sendError.hidden = true;
      w.input.value = '';
      w.closeCanned();
      w.clearReply();
      w.closeReactPicker();
      w.clearAttachment();
      w.forgetMedia();
      w.updateComposer();
    }
    if (!w.state.open) w.open();
    w.syncSearchHere();
    w.renderContacts();
    w.renderChat();
    w.loadChat(true).catch(w.onChatError);
    if (!same) setTimeout(() => w.input.focus({ preventScroll: true }), 0);
  };

  w.loadChat = async function loadChat(scrollToEnd) {
    if (!w.state.active) return;
    const gen = w.state.chatGen;
    const key = w.state.active.key;
    try {
      const page = await w.request('GET', '/messages', { query: { phone: key, limit: PAGE_SIZE } });
      if (gen !== w.state.chatGen) return;
      const firstLoad = !w.state.chatLoaded;
      w.mergeMessages(page.messages);
      if (firstLoad) {
        w.state.nextCursor = page.next_cursor || null;
        w.state.hasMore = Boolean(page.has_more && page.next_cursor);
        w.state.chatLoaded = true;
      }
      w.renderMessages(scrollToEnd || firstLoad ? 'end' : 'auto');
      w.markReadIfNeeded();
      w.loadConversation(gen, key).catch(w.onChatError);
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      if (err.status === 404) { // a number with no history yet
        w.state.chatLoaded = true;
        w.renderMessages('end');
        w.renderConversation();
        return;
      }
      throw err;
    }
  };

  /** A chat that cannot be loaded says why where the operator is looking (e.g. a refused number). */
  w.onChatError = function onChatError(err) {
    if (err && err.code === 'network') w.onPollError(err);
    else if (err) w.showSendError(err.message);
  };

  w.loadOlder = async function loadOlder() {
    if (!w.state.active || !w.state.nextCursor || w.state.loadingOlder) return;
    const gen = w.state.chatGen;
    w.state.loadingOlder = true;
    w.loadOlderBtn.disabled = true;
    w.loadOlderBtn.textContent = 'Loading…';
    try {
      const page = await w.request('GET', '/messages', { query: { phone: w.state.active.key, limit: PAGE_SIZE, before: w.state.nextCursor } });
      if (gen !== w.state.chatGen) return;
      w.mergeMessages(page.messages);
      w.state.nextCursor = page.next_cursor || null;
      w.state.hasMore = Boolean(page.has_more && page.next_cursor);
      w.renderMessages('keep');
    } catch (err) {
      w.showSendError(err.message);
    } finally {
      w.state.loadingOlder = false;
      w.loadOlderBtn.disabled = false;
      w.loadOlderBtn.textContent = 'Load older messages';
    }
  };

  w.mergeMessages = function mergeMessages(list) {
    if (!Array.isArray(list)) return;
    // The API answers newest first; walk oldest first so ties in time keep the server's order.
    for (const m of list.slice().reverse()) {
      if (!m || !m.id) continue;
      if (m.message_id) {
        for (const [id, local] of w.state.messages) {
          if (local._local && local.message_id === m.message_id) w.state.messages.delete(id);
        }
      }
      const old = w.state.messages.get(m.id);
      w.state.messages.set(m.id, { ...m, _seq: old ? old._seq : ++w.state.seq });
    }
  };

  w.markReadIfNeeded = async function markReadIfNeeded(force = false) {
    const c = w.activeContact();
    if (!w.state.active || w.state.markingRead || !w.state.open || document.hidden) return;
    if (!force && !(c && Number(c.unread_count) > 0)) return;
    if (!c && !force) return;
    const key = w.state.active.key;
    w.state.markingRead = true;
    try {
      const res = await w.request('POST', `/contacts/${encodeURIComponent(key)}/read`, { body: {} });
      const local = w.state.contacts.find((x) => contactKey(x) === key);
      if (local) {
        w.state.totalUnread = Math.max(0, w.state.totalUnread - (Number(local.unread_count) || 0));
        Object.assign(local, res && res.contact ? res.contact : {}, { unread_count: 0 });
        if (w.state.seenUnread) w.state.seenUnread.set(key, 0);
        w.renderContacts();
        w.renderLauncher();
      }
    } catch (err) {
      if (err.status !== 404) console.warn('[wacloud widget] marking read failed:', err.message);
    } finally {
      w.state.markingRead = false;
    }
  };

  w.renderChat = function renderChat() {
    const hasChat = Boolean(w.state.active);
    w.chatView.hidden = !hasChat;
    w.chatPlaceholder.hidden = hasChat;
    if (hasChat) w.renderChatHeader();
  };

  w.renderChatHeader = function renderChatHeader() {
    const c = w.activeContact();
    const key = w.state.active.key;
    const name = contactName(c);
    const phone = (c && (c.phone_number || c.user_id)) || key;
    w.chatTitle.textContent = name || phone;
    w.buildAvatar(w.chatAvatar, c || {}, key);
    const parts = [];
    if (name) parts.push(phone);
    let windowText = '';
    let closed = false;
    if (c && c.window_open === true) {
      const until = formatUntil(c.window_expires_at);
      windowText = until ? `Service window open until ${until}` : 'Service window open';
    } else if (c && c.window_open === false) {
      closed = true;
      windowText = 'Service window closed';
    } else if (!c) {
      closed = true;
      windowText = 'New conversation';
    }
    if (windowText) parts.push(windowText);
    w.chatSub.textContent = parts.join(' \u00b7 ');
    w.chatSub.title = c && c.window_expires_at ? `Customer service window ends ${formatFull(c.window_expires_at)}` : '';
    if (c && c.is_blocked) {
      w.windowNote.textContent = 'This contact is blocked.';
      w.windowNote.hidden = false;
    } else if (closed) {
      w.windowNote.replaceChildren(
        h('span', { text: 'No customer message in the last 24 hours: WhatsApp only accepts template messages until the customer writes again. ' }),
        w.templateButton('wa-window-template'), ' ',
        h('button', { type: 'button', class: 'wa-inline-btn', 'data-testid': 'wa-window-templates', onclick: () => w.openTemplates() },
          icon('template', 'wa-inline-icon'), 'Choose a template\u2026'));
      w.windowNote.hidden = false;
    } else {
      w.windowNote.hidden = true;
    }
    w.backBtn.setAttribute('aria-label', 'Back to conversations');
    w.renderConversation();
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {

}
