/**
 * wacloud operator widget: Several business numbers: the number switcher (with each number's
 * unread count), and the selected number on every request about a contact.
 *
 * With one number nothing shows and no request changes. With more, the widget works on one
 * number at a time (`w.state.number`, the default number first): the contact list, a contact's
 * paths and history carry `number=`, and sends carry `from` — a customer who wrote to two numbers
 * is two conversations, as the API keeps them.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h } from './dom.js';

/** Least time between two reads of `GET /numbers` for the unread badges, in ms. */
const NUMBERS_EVERY_MS = 5000;

/** What a request about a contact or a send needs of the selected number. */
function withNumber(w, method, path, options) {
  const n = w.state.number;
  if (!n) return options;
  if (path === '/contacts' || path.startsWith('/contacts/') || path === '/messages') {
    if (path === '/contacts/import') return options;
    return { ...options, query: { number: n, ...(options.query || {}) } };
  }
  if ((path === '/send' || path === '/send-bulk') && method === 'POST' && options.body && typeof options.body === 'object') {
    return { ...options, body: { from: n, ...options.body } };
  }
  return options;
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.numbers = { list: [], readAt: 0 };

  const plain = w.request;
  w.request = function request(method, path, options = {}) {
    return plain(method, path, withNumber(w, method, path, options));
  };

  /** Reads the numbers (at most every few seconds unless `force`) and shows the switcher. */
  w.refreshNumbers = async function refreshNumbers(force = false) {
    const now = Date.now();
    if (!force && now - w.numbers.readAt < NUMBERS_EVERY_MS) return;
    w.numbers.readAt = now;
    let list;
    try {
      list = await plain('GET', '/numbers');
    } catch {
      return; // an older server, or a role without access: one number, as before
    }
    w.numbers.list = Array.isArray(list && list.numbers) ? list.numbers : [];
    if (w.numbers.list.length > 1 && !w.numbers.list.some((n) => n.phone_number_id === w.state.number)) {
      w.state.number = w.numbers.list[0].phone_number_id;
    }
    if (w.numbers.list.length <= 1) w.state.number = null;
    w.renderNumbers();
  };

  w.numberLabel = function numberLabel(n) {
    const name = n.label || n.verified_name || n.display_phone_number || n.phone_number_id;
    const unread = Number(n.unread_count) || 0;
    return unread > 0 ? `${name} (${unread})` : name;
  };

  w.renderNumbers = function renderNumbers() {
    const list = w.numbers.list;
    w.numberBox.hidden = list.length <= 1;
    if (list.length <= 1) return;
    const options = list.map((n) => h('option', { value: n.phone_number_id, text: w.numberLabel(n) }));
    w.numberSelect.replaceChildren(...options);
    w.numberSelect.value = w.state.number || '';
    const selected = w.selectedNumber();
    if (selected && selected.display_phone_number) w.businessLine.textContent = String(selected.display_phone_number);
  };

  /** The number worked on, when there are several (else null). */
  w.selectedNumber = function selectedNumber() {
    return (w.state.number && w.numbers.list.find((n) => n.phone_number_id === w.state.number)) || null;
  };

  /** Works on number `id` from now on: the list is read again and an open chat closes. */
  w.selectNumber = function selectNumber(id) {
    if (!id || id === w.state.number) return;
    w.state.number = id;
    if (w.state.active) w.showList();
    w.state.contacts = [];
    w.contactEls.clear();
    w.renderNumbers();
    w.refreshContacts().catch(w.onPollError);
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.number = null;
  w.numberSelect = h('select', {
    class: 'wa-number-select', 'data-testid': 'wa-number', 'aria-label': 'Business number',
    onchange: () => w.selectNumber(w.numberSelect.value),
  });
  w.numberBox = h('label', { class: 'wa-number', hidden: true }, w.numberSelect);
  w.businessLine.after(w.numberBox);
  const refresh = w.refreshContacts;
  w.refreshContacts = async function refreshContacts() {
    await w.refreshNumbers();
    await refresh();
    // The launcher counts every number's unread messages, not only the selected one's.
    if (w.numbers.list.length > 1) {
      w.state.totalUnread = w.numbers.list.reduce((sum, n) => sum + (Number(n.unread_count) || 0), 0);
      w.renderLauncher();
    }
  };
}
