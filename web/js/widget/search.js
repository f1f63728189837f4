/**
 * wacloud operator widget: searching every conversation's messages (`GET /messages?search=`).
 *
 * A result shows its contact and the API's `snippet` with its `highlights` (`[start, end)` in
 * Unicode characters) as `<mark>` elements made with DOM APIs: the text only ever reaches the page
 * as text nodes. Opening a result opens its conversation, loads older pages until the message is
 * there, scrolls to it and marks it.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { formatFull, formatListTime, normalisePhone } from './format.js';
import { h, icon } from './dom.js';

const SEARCH_LIMIT = 30;
/** How many older pages opening a result may load to reach its message. */
const MAX_PAGES = 40;

/**
 * Appends `text` to `el` with each `[start, end)` range of `highlights` (offsets in Unicode
 * characters, as the API gives them) in a `<mark>`; bad or overlapping ranges are skipped.
 */
export function appendHighlighted(el, text, highlights) {
  const chars = Array.from(String(text || ''));
  const ranges = (Array.isArray(highlights) ? highlights : [])
    .filter((r) => Array.isArray(r) && Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] < r[1])
    .sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at || start >= chars.length) continue;
    if (start > at) el.appendChild(document.createTextNode(chars.slice(at, start).join('')));
    const mark = document.createElement('mark');
    mark.className = 'wa-hit';
    mark.textContent = chars.slice(start, Math.min(end, chars.length)).join('');
    el.appendChild(mark);
    at = Math.min(end, chars.length);
  }
  if (at < chars.length) el.appendChild(document.createTextNode(chars.slice(at).join('')));
  return el;
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.openMessageSearch = function openMessageSearch() {
    w.state.msgSearch.open = true;
    w.msgSearchBox.hidden = false;
    w.contactsPane.classList.add('wa-pane--searching');
    w.msgSearchBtn.setAttribute('aria-expanded', 'true');
    w.syncSearchHere();
    w.msgSearchInput.focus();
  };

  /** "Only the open conversation" is offered while one is open. */
  w.syncSearchHere = function syncSearchHere() {
    w.msgSearchHereBox.hidden = !w.state.active;
    if (!w.state.active) w.msgSearchHere.checked = false;
  };

  w.closeMessageSearch = function closeMessageSearch() {
    const s = w.state.msgSearch;
    s.open = false;
    s.gen++;
    clearTimeout(s.timer);
    w.msgSearchBox.hidden = true;
    w.contactsPane.classList.remove('wa-pane--searching');
    w.msgSearchBtn.setAttribute('aria-expanded', 'false');
    if (w.state.open) w.msgSearchBtn.focus({ preventScroll: true });
  };

  /** Runs the search typed (or its next page with `more`). */
  w.runMessageSearch = async function runMessageSearch(more = false) {
    const s = w.state.msgSearch;
    const q = w.msgSearchInput.value.trim();
    const gen = ++s.gen;
    if (!more) { s.results = []; s.next = null; }
    if (!q) { s.query = ''; w.renderSearchResults(''); return; }
    s.query = q;
    s.loading = true;
    w.renderSearchResults('Searching…');
    try {
      const phone = w.msgSearchHere.checked && w.state.active ? w.state.active.key : null;
      const page = await w.request('GET', '/messages', { query: { search: q, phone, limit: SEARCH_LIMIT, before: more ? s.next : null } });
      if (gen !== s.gen) return;
      s.results = s.results.concat(Array.isArray(page && page.messages) ? page.messages : []);
      s.next = page && page.has_more ? page.next_cursor : null;
      s.loading = false;
      w.renderSearchResults(s.results.length ? '' : `No message contains \u201c${q}\u201d.`);
    } catch (err) {
      if (gen !== s.gen) return;
      s.loading = false;
      w.renderSearchResults(err.message);
    }
  };

  w.renderSearchResults = function renderSearchResults(note) {
    const s = w.state.msgSearch;
    w.msgSearchNote.textContent = note || (s.results.length ? `${s.results.length}${s.next ? '+' : ''} message${s.results.length === 1 ? '' : 's'} found` : '');
    w.msgSearchNote.hidden = !w.msgSearchNote.textContent;
    const items = s.results.map((m) => {
      const name = m.contact_name ? String(m.contact_name) : String(m.contact_phone || '');
      const snippet = appendHighlighted(h('span', { class: 'wa-result-snippet', 'data-testid': 'wa-search-snippet', dir: 'auto' }),
        m.snippet !== undefined && m.snippet !== null ? m.snippet : (m.message_text || ''), m.highlights);
      const btn = h('button', { type: 'button', class: 'wa-result', 'data-testid': 'wa-search-result', 'data-id': String(m.id), onclick: () => w.openSearchResult(m) },
        h('span', { class: 'wa-result-top' },
          h('span', { class: 'wa-result-name', dir: 'auto', text: name }),
          m.contact_name && m.contact_phone ? h('span', { class: 'wa-result-phone', text: String(m.contact_phone) }) : null,
          h('time', { class: 'wa-result-time', datetime: m.created_at || null, title: formatFull(m.created_at), text: formatListTime(m.created_at) })),
        h('span', { class: 'wa-result-dir', text: m.direction === 'outbound' ? 'You: ' : '' }),
        snippet);
      return h('li', {}, btn);
    });
    w.msgSearchList.replaceChildren(...items);
    w.msgSearchMore.hidden = !s.next || s.loading;
  };

  /** Opens a result's conversation at its message. */
  w.openSearchResult = async function openSearchResult(m) {
    const key = normalisePhone(m.contact_phone) || String(m.contact_phone || '');
    if (!key) return;
    w.openChat(key, null);
    const gen = w.state.chatGen;
    const until = Date.now() + 15000;
    // The first page arrives with openChat; older ones until the message is there.
    while (!w.state.chatLoaded && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    for (let pages = 0; !w.state.messages.has(m.id) && w.state.hasMore && pages < MAX_PAGES; pages++) {
      if (gen !== w.state.chatGen) return;
      await w.loadOlder();
    }
    if (gen !== w.state.chatGen) return;
    const el = w.messageEls.get(m.id);
    if (!el) { w.showSendError('That message is no longer in this conversation.'); return; }
    for (const other of w.messageList.querySelectorAll('[data-found]')) delete other.dataset.found;
    el.dataset.found = 'true';
    el.tabIndex = -1;
    // At once, not smoothly: a list that re-renders while a smooth scroll starts (at the bottom)
    // would take it back to the newest message.
    el.scrollIntoView({ block: 'center', behavior: 'auto' });
    el.focus({ preventScroll: true });
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.msgSearch = { open: false, query: '', results: [], next: null, gen: 0, timer: null, loading: false };
  const inputId = `${w.uid}-msgsearch`;
  w.msgSearchInput = h('input', {
    type: 'search', id: inputId, class: 'wa-search-input', 'data-testid': 'wa-msgsearch-input', placeholder: 'Words in any message',
    autocomplete: 'off', spellcheck: 'false', maxlength: '400',
  });
  w.msgSearchNote = h('p', { class: 'wa-empty wa-msgsearch-note', 'data-testid': 'wa-msgsearch-note', role: 'status', hidden: true });
  w.msgSearchList = h('ul', { class: 'wa-results', 'data-testid': 'wa-msgsearch-results', 'aria-label': 'Messages found' });
  w.msgSearchMore = h('button', { type: 'button', class: 'wa-btn wa-btn--small wa-more', 'data-testid': 'wa-msgsearch-more', text: 'More results', hidden: true, onclick: () => w.runMessageSearch(true) });
  const closeBtn = h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-msgsearch-close', 'aria-label': 'Close message search', title: 'Close (Esc)', onclick: () => w.closeMessageSearch() }, icon('close'));
  const form = h('form', { class: 'wa-msgsearch-form', role: 'search', novalidate: true },
    h('label', { class: 'wa-search', for: inputId }, icon('search', 'wa-search-icon'), h('span', { class: 'wa-sr-only', text: 'Search all messages' }), w.msgSearchInput),
    closeBtn);
  // Only the open conversation's messages (`phone`), when one is open.
  w.msgSearchHere = h('input', { type: 'checkbox', 'data-testid': 'wa-msgsearch-here', onchange: () => w.runMessageSearch() });
  w.msgSearchHereBox = h('label', { class: 'wa-msgsearch-here', hidden: true }, w.msgSearchHere, ' Only the open conversation');
  w.msgSearchBox = h('section', { class: 'wa-msgsearch', 'data-testid': 'wa-msgsearch', 'aria-label': 'Search messages', hidden: true },
    form, w.msgSearchHereBox, w.msgSearchNote, h('div', { class: 'wa-results-scroll' }, w.msgSearchList, w.msgSearchMore));
  w.msgSearchBtn = h('button', {
    type: 'button', class: 'wa-tool', 'data-testid': 'wa-msgsearch-open', 'aria-expanded': 'false', title: 'Search the messages of every conversation', 'aria-label': 'Search messages',
    onclick: () => (w.state.msgSearch.open ? w.closeMessageSearch() : w.openMessageSearch()),
  }, icon('search'), h('span', { text: 'Search' }));
  // The tools row (search, campaigns, export, import) under the contact list's toolbar.
  w.toolsBar = h('div', { class: 'wa-tools', role: 'toolbar', 'aria-label': 'Inbox tools', 'data-testid': 'wa-tools' }, w.msgSearchBtn);
  w.contactsPane.insertBefore(w.toolsBar, w.inboxBar);
  w.contactsPane.insertBefore(w.msgSearchBox, w.inboxBar);

  form.addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(w.state.msgSearch.timer); w.runMessageSearch(); });
  w.msgSearchInput.addEventListener('input', () => {
    const s = w.state.msgSearch;
    clearTimeout(s.timer);
    s.timer = setTimeout(() => w.runMessageSearch(), 350);
  });
  w.msgSearchBox.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    w.closeMessageSearch();
  });
}
