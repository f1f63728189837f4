/**
 * wacloud operator widget: The contact list: rendering, search, filters, paging, the launcher badge, new chats.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { CONTACTS_LIMIT, contactKey, contactName, formatFull, formatListTime, hueOf, initials, normalisePhone } from './format.js';
import { CONVERSATION_STATUS, h, icon, reconcile } from './dom.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  /**
   * Reloads the conversations shown: as many pages of the API's list as have been scrolled to
   * (`contactsWanted`), the same conversation never twice when one moved between pages.
   */
  w.refreshContacts = async function refreshContacts() {
    const { search, filter } = w.state;
    const { view, status } = w.state.inbox;
    const wanted = w.state.contactsWanted;
    const contacts = [];
    const seen = new Set();
    let list = null;
    for (let offset = 0; offset < wanted; offset += CONTACTS_LIMIT) {
      const limit = Math.min(CONTACTS_LIMIT, wanted - offset);
      const mine = view !== 'all' && w.state.auth.operator ? view : null;
      list = await w.request('GET', '/contacts', { query: { search, filter, view: mine, status, limit, offset } });
      if (search !== w.state.search || filter !== w.state.filter || view !== w.state.inbox.view || status !== w.state.inbox.status) return; // a newer list is on its way
      const page = Array.isArray(list && list.contacts) ? list.contacts : [];
      for (const c of page) {
        const key = contactKey(c);
        if (!seen.has(key)) { seen.add(key); contacts.push(c); }
      }
      if (page.length < limit) break;
    }
    // The API orders pinned first already; keep that guaranteed without disturbing its order.
    contacts.sort((a, b) => Number(Boolean(b.is_pinned)) - Number(Boolean(a.is_pinned)));
    w.state.contacts = contacts;
    w.state.contactsTotal = Number(list && list.total_count) || contacts.length;
    w.state.contactsLoaded = true;
    // Every unread conversation, whatever the list shows: the unread count (launcher, page
    // title) and what to notify of.
    const unread = await w.request('GET', '/contacts', { query: { filter: 'unread', limit: CONTACTS_LIMIT } });
    w.state.totalUnread = Number(unread && unread.unread_count) || 0;
    w.noticeNewMessages(Array.isArray(unread && unread.contacts) ? unread.contacts : []);
    w.renderContacts();
    w.renderLauncher();
    if (w.state.active) w.renderChatHeader();
  };

  w.activeContact = function activeContact() {
    if (!w.state.active) return null;
    return w.state.contacts.find((c) => contactKey(c) === w.state.active.key)
      || (w.state.active.contact && contactKey(w.state.active.contact) === w.state.active.key ? w.state.active.contact : null);
  };

  w.buildAvatar = function buildAvatar(el, c, key) {
    const name = contactName(c);
    const letters = name ? initials(name) : '';
    el.replaceChildren(letters ? document.createTextNode(letters) : icon('person'));
    el.style.setProperty('--wa-avatar-hue', String(hueOf(key)));
  };

  w.renderContactItem = function renderContactItem(c) {
    const key = contactKey(c);
    let li = w.contactEls.get(key);
    if (!li) {
      const btn = h('button', { type: 'button', class: 'wa-contact', 'data-testid': 'wa-contact', 'data-key': key, onclick: () => w.openChat(key, c) });
      li = h('li', { class: 'wa-contact-item' }, btn);
      li._btn = btn;
      w.contactEls.set(key, li);
    }
    const btn = li._btn;
    const name = contactName(c);
    const phone = c.phone_number || c.user_id || '';
    const unread = Number(c.unread_count) || 0;
    const conv = c.conversation || null;
    const sig = JSON.stringify([name, phone, unread, c.last_message_preview, c.last_message_time, c.last_message_direction,
      c.is_pinned, c.is_blocked, formatListTime(c.last_message_time), w.state.active && w.state.active.key === key, conv]);
    btn.dataset.phone = phone;
    btn.dataset.unread = String(unread);
    if (w.state.active && w.state.active.key === key) btn.setAttribute('aria-current', 'true'); else btn.removeAttribute('aria-current');
    if (btn._sig === sig) return li;
    btn._sig = sig;

    const avatar = h('span', { class: 'wa-avatar', 'aria-hidden': 'true' });
    w.buildAvatar(avatar, c, key);
    const preview = h('span', { class: 'wa-contact-preview', 'data-testid': 'wa-contact-preview', dir: 'auto' });
    if (c.last_message_direction === 'outbound' && c.last_message_preview) {
      preview.appendChild(h('span', { class: 'wa-preview-you', text: 'You: ' }));
    }
    preview.appendChild(document.createTextNode(c.last_message_preview ? String(c.last_message_preview) : (phone && name ? phone : '')));
    const badge = unread > 0
      ? h('span', { class: 'wa-badge', 'data-testid': 'wa-contact-unread', text: unread > 99 ? '99+' : String(unread) })
      : null;
    btn.replaceChildren(
      avatar,
      h('span', { class: 'wa-contact-body' },
        h('span', { class: 'wa-contact-row' },
          h('span', { class: 'wa-contact-name', 'data-testid': 'wa-contact-name', dir: 'auto', text: name || phone || 'Unknown' }),
          h('span', { class: `wa-contact-time${unread ? ' wa-contact-time--unread' : ''}`, text: formatListTime(c.last_message_time), title: formatFull(c.last_message_time) })),
        h('span', { class: 'wa-contact-row' },
          preview,
          c.is_blocked ? h('span', { class: 'wa-contact-flag', title: 'Blocked' }, icon('blocked')) : null,
          c.is_pinned ? h('span', { class: 'wa-contact-flag', title: 'Pinned', 'data-testid': 'wa-contact-pinned' }, icon('pin')) : null,
          badge),
        conv ? h('span', { class: 'wa-contact-row wa-contact-inbox' },
          h('span', {
            class: `wa-assignee-tag${conv.assignee ? '' : ' wa-assignee-tag--none'}`, 'data-testid': 'wa-contact-assignee',
            text: conv.assignee ? (conv.assignee.id === w.myId() ? 'You' : String(conv.assignee.display_name)) : 'Unassigned',
          }),
          conv.status !== 'open' ? h('span', {
            class: `wa-chip wa-chip--${conv.status}`, 'data-testid': 'wa-contact-status', text: CONVERSATION_STATUS[conv.status] || conv.status,
          }) : null) : null));
    const label = [name || phone, name && phone ? phone : null, unread ? `${unread} unread` : null, c.is_pinned ? 'pinned' : null,
      conv ? (conv.assignee ? `assigned to ${conv.assignee.display_name}` : 'unassigned') : null,
      conv && conv.status !== 'open' ? CONVERSATION_STATUS[conv.status] : null,
      c.last_message_preview ? `last message: ${c.last_message_preview}` : null].filter(Boolean).join(', ');
    btn.setAttribute('aria-label', label);
    return li;
  };

  w.renderContacts = function renderContacts() {
    const items = w.state.contacts.map(w.renderContactItem);
    const keep = new Set(w.state.contacts.map(contactKey));
    for (const key of w.contactEls.keys()) if (!keep.has(key)) w.contactEls.delete(key);
    reconcile(w.contactList, items);
    const rest = w.state.contactsTotal - w.state.contacts.length;
    w.contactsMore.hidden = !(w.state.contactsLoaded && rest > 0);
    w.contactsMore.textContent = rest > 0 ? `${rest} more \u2014 scroll to load` : '';
    if (w.state.contactsLoaded && !items.length) {
      const filtered = w.FILTERS.find(([v]) => v === w.state.filter);
      const st = w.state.inbox.status ? (CONVERSATION_STATUS[w.state.inbox.status] || w.state.inbox.status).toLowerCase() : '';
      const whose = w.state.auth.operator && w.state.inbox.view === 'mine' ? ' assigned to you'
        : w.state.auth.operator && w.state.inbox.view === 'unassigned' ? ' unassigned' : '';
      w.contactsEmpty.textContent = w.state.search ? `No contacts match \u201c${w.state.search}\u201d.`
        : w.state.filter ? `No conversations: ${filtered ? filtered[1].toLowerCase() : w.state.filter}.`
          : st || whose ? `No ${st} conversations${whose}.` : 'No conversations yet.';
      w.contactsEmpty.hidden = false;
    } else {
      w.contactsEmpty.hidden = true;
    }
  };

  w.renderLauncher = function renderLauncher() {
    const n = w.state.totalUnread;
    w.launcherBadge.hidden = n <= 0;
    w.launcherBadge.textContent = n > 99 ? '99+' : String(n);
    w.root.dataset.unread = String(n);
    const what = w.state.open ? 'Close WhatsApp chats' : 'Open WhatsApp chats';
    w.launcher.setAttribute('aria-label', n > 0 ? `${what} (${n} unread)` : what);
    // The page's title shows the unread count, as mail and chat apps do.
    if (w.opts.title !== false) document.title = n > 0 ? `(${n > 99 ? '99+' : n}) ${w.baseTitle}` : w.baseTitle;
  };

  w.setFilter = function setFilter(value) {
    if (w.state.filter === value) return;
    w.state.filter = value;
    w.state.contactsWanted = CONTACTS_LIMIT;
    for (const b of w.filterBar.querySelectorAll('[data-filter]')) b.setAttribute('aria-pressed', String(b.dataset.filter === value));
    w.contactScroll.scrollTop = 0;
    w.refreshContacts().catch(w.onPollError);
  };

  /** Near the end of the list: the next page, while the API has more. */
  w.loadMoreContacts = async function loadMoreContacts() {
    if (w.state.loadingMoreContacts || w.state.contacts.length >= w.state.contactsTotal) return;
    w.state.loadingMoreContacts = true;
    w.state.contactsWanted = w.state.contacts.length + CONTACTS_LIMIT;
    try {
      await w.refreshContacts();
    } catch (err) {
      w.onPollError(err);
    } finally {
      w.state.loadingMoreContacts = false;
    }
  };

  // ---- New chat ---------------------------------------------------------------------------

  w.toggleNewChat = function toggleNewChat(force) {
    const show = force === undefined ? w.newChatForm.hidden : force;
    w.newChatForm.hidden = !show;
    w.newChatBtn.setAttribute('aria-expanded', String(show));
    w.newChatError.hidden = true;
    if (show) w.newPhoneInput.focus();
  };

  w.showFormError = function showFormError(el, message) {
    el.textContent = message;
    el.hidden = false;
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  // ---- Contacts -----------------------------------------------------------------------------

  w.contactEls = new Map();

  w.searchTimer = null;
  w.searchInput.addEventListener('input', () => {
    clearTimeout(w.searchTimer);
    w.searchTimer = setTimeout(() => {
      w.state.search = w.searchInput.value.trim();
      w.state.contactsWanted = CONTACTS_LIMIT;
      w.refreshContacts().catch(w.onPollError);
    }, 250);
  });

  w.contactScroll.addEventListener('scroll', () => {
    if (w.contactScroll.scrollTop + w.contactScroll.clientHeight >= w.contactScroll.scrollHeight - 200) w.loadMoreContacts();
  }, { passive: true });

  w.newChatForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const typed = w.newPhoneInput.value.trim();
    if (!typed) {
      w.showFormError(w.newChatError, 'Type a phone number in international format, e.g. +15550000001.');
      return;
    }
    const phone = normalisePhone(typed);
    try {
      // Lets the server judge the number (it normalises and refuses what it cannot read).
      await w.request('GET', '/messages', { query: { phone, limit: 1 } });
    } catch (err) {
      if (err.status !== 404) {
        w.showFormError(w.newChatError, err.message);
        return;
      }
    }
    w.newPhoneInput.value = '';
    w.toggleNewChat(false);
    const existing = w.state.contacts.find((c) => contactKey(c) === phone);
    w.openChat(phone, existing || null);
  });
}
