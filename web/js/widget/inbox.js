/**
 * wacloud operator widget: The team inbox: status, assignment, timeline, private notes, canned replies.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { CONTACTS_LIMIT, PAGE_SIZE, contactName, formatFull, formatTime, formatUntil } from './format.js';
import { CONVERSATION_STATUS, fillCanned, h, icon } from './dom.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  // ---- Team inbox: status, assignment, timeline, notes, canned replies -------------------
  //
  // A conversation's status and assignee (`GET|PUT /contacts/{phone}/conversation|status|
  // assignee`), its timeline beside the messages (`GET /contacts/{phone}/timeline`: private
  // notes, status changes, assignments), notes (`POST /contacts/{phone}/notes`), and canned
  // replies (`GET /canned-replies`) that `/` in the composer inserts.

  w.myId = function myId() {
    return w.state.auth.operator ? String(w.state.auth.operator.id || '') || null : null;
  };

  w.setInboxView = function setInboxView(value) {
    if (w.state.inbox.view === value) return;
    w.state.inbox.view = value;
    for (const b of w.viewBar.querySelectorAll('[data-inbox-view]')) b.setAttribute('aria-pressed', String(b.dataset.inboxView === value));
    w.state.contactsWanted = CONTACTS_LIMIT;
    w.contactScroll.scrollTop = 0;
    w.refreshContacts().catch(w.onPollError);
  };

  w.setInboxStatus = function setInboxStatus(value) {
    if (w.state.inbox.status === value) return;
    w.state.inbox.status = value;
    w.statusFilter.value = value;
    w.state.contactsWanted = CONTACTS_LIMIT;
    w.contactScroll.scrollTop = 0;
    w.refreshContacts().catch(w.onPollError);
  };

  w.loadAssignees = async function loadAssignees() {
    try {
      const r = await w.request('GET', '/assignees');
      w.state.inbox.assignees = Array.isArray(r && r.assignees) ? r.assignees : [];
    } catch {
      w.state.inbox.assignees = [];
    }
    if (w.state.active) w.renderConversation();
  };

  w.mergeTimeline = function mergeTimeline(entries) {
    if (!Array.isArray(entries)) return;
    for (const t of entries) {
      if (!t || !t.id) continue;
      const old = w.state.inbox.timeline.get(t.id);
      w.state.inbox.timeline.set(t.id, { ...t, created_at: t.at, _timeline: true, _seq: old ? old._seq : ++w.state.seq });
    }
  };

  w.loadConversation = async function loadConversation(gen, key) {
    const path = `/contacts/${encodeURIComponent(key)}`;
    const [conv, tl] = await Promise.all([
      w.request('GET', `${path}/conversation`).catch(w.orNull),
      w.request('GET', `${path}/timeline`, { query: { limit: PAGE_SIZE } }).catch(w.orNull),
    ]);
    if (gen !== w.state.chatGen) return;
    w.state.inbox.conversation = conv;
    w.mergeTimeline(tl && tl.entries);
    w.renderConversation();
    w.renderMessages('auto');
  };

  w.renderConversation = function renderConversation() {
    const c = w.activeContact();
    const conv = w.state.inbox.conversation || (c && c.conversation) || null;
    w.convBar.hidden = !w.state.active || !conv;
    if (!conv) return;
    const st = conv.status || 'open';
    w.convBar.dataset.status = st;
    w.convStatus.className = `wa-chip wa-chip--${st}`;
    w.convStatus.textContent = st === 'snoozed' && conv.snoozed_until
      ? `Snoozed until ${formatUntil(conv.snoozed_until) || formatFull(conv.snoozed_until)}`
      : CONVERSATION_STATUS[st] || st;
    const cur = conv.assignee ? String(conv.assignee.id) : '';
    const me = w.myId();
    const options = [['', 'Unassigned']].concat(w.state.inbox.assignees.map((a) => [String(a.id), a.id === me ? `${a.display_name} (you)` : String(a.display_name)]));
    if (cur && !options.some(([id]) => id === cur)) options.push([cur, String(conv.assignee.display_name)]);
    const sig = JSON.stringify(options);
    if (w.assigneeSelect._sig !== sig) {
      w.assigneeSelect._sig = sig;
      w.assigneeSelect.replaceChildren(...options.map(([id, label]) => h('option', { value: id, text: label })));
    }
    w.assigneeSelect.value = cur;
    w.assigneeSelect.title = conv.assignee ? `Assigned to ${conv.assignee.display_name}` : 'Unassigned';
    w.assignMeBtn.hidden = !me || cur === me;
    w.resolveBtn.hidden = st === 'resolved';
    w.reopenBtn.hidden = st === 'open';
    w.pendingBtn.hidden = st === 'pending';
  };

  /** When a snooze choice ends, as RFC 3339. */
  w.snoozeUntil = function snoozeUntil(choice) {
    const d = new Date();
    if (choice === '1h') d.setHours(d.getHours() + 1);
    else if (choice === '4h') d.setHours(d.getHours() + 4);
    else if (choice === 'tomorrow') { d.setDate(d.getDate() + 1); d.setHours(9, 0, 0, 0); }
    else if (choice === 'week') { d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7)); d.setHours(9, 0, 0, 0); }
    else return null;
    return d.toISOString();
  };

  w.changeConversation = async function changeConversation(what, body) {
    if (!w.state.active) return;
    const gen = w.state.chatGen;
    const key = w.state.active.key;
    w.sendError.hidden = true;
    try {
      const conv = await w.request('PUT', `/contacts/${encodeURIComponent(key)}/${what}`, { body });
      if (gen !== w.state.chatGen) return;
      w.state.inbox.conversation = conv;
      w.renderConversation();
      await w.loadConversation(gen, key);
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      w.renderConversation(); // puts the assignee list back as it was
      w.showSendError(err.message);
    } finally {
      w.pollSoon(0);
    }
  };

  w.snoozeAtChosen = function snoozeAtChosen() {
    const d = w.snoozeAt.value ? new Date(w.snoozeAt.value) : null;
    if (!d || Number.isNaN(d.getTime()) || d.getTime() <= Date.now()) {
      w.showSendError('Pick a time in the future to snooze until.');
      return;
    }
    w.snoozeAtBox.hidden = true;
    w.snoozeAt.value = '';
    w.setConversationStatus('snoozed', d.toISOString());
  };

  w.setConversationStatus = function setConversationStatus(status, until = null) {
    return w.changeConversation('status', until ? { status, snoozed_until: until } : { status });
  };

  w.assignTo = function assignTo(id) {
    return w.changeConversation('assignee', { assignee_id: id || null });
  };

  w.describeEntry = function describeEntry(t, who) {
    const d = t.details || {};
    if (t.kind === 'status_changed') {
      if (t.actor === 'customer') return 'Reopened by a new message from the customer';
      if (d.to === 'resolved') return `${who} resolved the conversation`;
      if (d.to === 'pending') return `${who} set it pending (waiting for the customer)`;
      if (d.to === 'snoozed') return `${who} snoozed it until ${formatUntil(d.snoozed_until) || formatFull(d.snoozed_until)}`;
      if (d.to === 'open') return `${who} reopened the conversation`;
      return `${who} set the status to ${d.to}`;
    }
    if (t.kind === 'assignee_changed') {
      if (!d.to) return `${who} unassigned the conversation`;
      if (t.actor === `operator:${d.to.id}`) return `${who} took the conversation`;
      return `${who} assigned it to ${d.to.display_name}`;
    }
    return String(t.kind);
  };

  /** A note's text with the operators it mentions marked (text nodes only). */
  w.appendMentions = function appendMentions(el, text, mentions) {
    const names = (Array.isArray(mentions) ? mentions : []).map((m) => String(m.display_name || '')).filter(Boolean)
      .sort((a, b) => b.length - a.length);
    if (!names.length) { el.textContent = text; return; }
    const re = new RegExp(`@(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
    let last = 0;
    for (const m of text.matchAll(re)) {
      el.append(text.slice(last, m.index), h('span', { class: 'wa-mention', 'data-testid': 'wa-mention', text: m[0] }));
      last = m.index + m[0].length;
    }
    el.append(text.slice(last));
  };

  w.renderTimelineEntry = function renderTimelineEntry(t) {
    let el = w.messageEls.get(t.id);
    const sig = JSON.stringify([t.kind, t.body, t.actor, t.actor_name, t.details, t.mentions, formatTime(t.at)]);
    if (!el) {
      el = h('div', { 'data-testid': t.kind === 'note' ? 'wa-note' : 'wa-event' });
      w.messageEls.set(t.id, el);
    }
    if (el._sig === sig) return el;
    el._sig = sig;
    el.dataset.id = String(t.id);
    el.dataset.kind = String(t.kind);
    const who = t.actor_name ? String(t.actor_name)
      : t.actor === 'api_key' ? 'A program' : t.actor === 'customer' ? 'The customer' : 'Someone';
    if (t.kind === 'note') {
      el.className = 'wa-msg wa-msg--private';
      const text = h('div', { class: 'wa-note-text', 'data-testid': 'wa-note-text', dir: 'auto' });
      w.appendMentions(text, String(t.body || ''), t.mentions);
      el.replaceChildren(h('div', { class: 'wa-note', role: 'note', 'aria-label': `Private note by ${who}` },
        h('div', { class: 'wa-note-head' },
          icon('lock', 'wa-inline-icon'),
          h('span', { class: 'wa-note-label', text: 'Private note' }),
          h('span', { class: 'wa-note-who', 'data-testid': 'wa-note-author', text: who }),
          h('time', { class: 'wa-msg-time', datetime: t.at || null, title: formatFull(t.at), text: formatTime(t.at) })),
        text));
      return el;
    }
    el.className = 'wa-msg wa-msg--event';
    el.replaceChildren(h('div', { class: 'wa-event', 'data-testid': 'wa-event-text', title: formatFull(t.at) },
      `${w.describeEntry(t, who)} \u00b7 ${formatTime(t.at)}`));
    return el;
  };

  w.setComposeMode = function setComposeMode(mode) {
    w.state.inbox.mode = mode;
    w.replyModeBtn.setAttribute('aria-pressed', String(mode === 'reply'));
    w.noteModeBtn.setAttribute('aria-pressed', String(mode === 'note'));
    w.composer.classList.toggle('wa-composer--note', mode === 'note');
    w.composer.dataset.mode = mode;
    w.input.placeholder = mode === 'note' ? 'Private note: only operators see it (@name mentions)' : 'Type a message';
    w.input.setAttribute('aria-label', mode === 'note' ? 'Private note' : 'Message');
    w.sendBtn.setAttribute('aria-label', mode === 'note' ? 'Add private note' : 'Send message');
    w.closeCanned();
    w.input.focus({ preventScroll: true });
  };

  w.addNote = async function addNote() {
    if (!w.state.active || w.state.sending) return;
    const text = w.input.value.trim();
    if (!text) return;
    const gen = w.state.chatGen;
    const key = w.state.active.key;
    w.state.sending = true;
    w.sendError.hidden = true;
    w.updateComposer();
    try {
      const entry = await w.request('POST', `/contacts/${encodeURIComponent(key)}/notes`, { body: { body: text } });
      if (gen !== w.state.chatGen) return;
      w.input.value = '';
      w.mergeTimeline([entry]);
      w.renderMessages('end');
    } catch (err) {
      if (gen === w.state.chatGen) w.showSendError(err.message);
    } finally {
      w.state.sending = false;
      w.updateComposer();
    }
  };

  w.loadCanned = async function loadCanned() {
    try {
      const r = await w.request('GET', '/canned-replies');
      w.state.inbox.canned = Array.isArray(r && r.canned_replies) ? r.canned_replies : [];
    } catch {
      w.state.inbox.canned = [];
    }
  };

  /** The `/word` being typed just before the caret, if any. */
  w.slashQuery = function slashQuery() {
    const pos = w.input.selectionStart;
    const m = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(w.input.value.slice(0, pos));
    return m ? { start: pos - m[2].length - 1, query: m[2].toLowerCase() } : null;
  };

  w.updateCanned = function updateCanned() {
    const q = w.state.inbox.mode === 'reply' ? w.slashQuery() : null;
    if (!q) { w.closeCanned(); return; }
    if (w.state.inbox.canned === null) { w.loadCanned().then(w.updateCanned); return; }
    const score = (c) => (c.short_code.startsWith(q.query) ? 0 : 1);
    w.canned.items = w.state.inbox.canned.filter((c) => String(c.short_code).includes(q.query)).sort((a, b) => score(a) - score(b)).slice(0, 8);
    w.canned.start = q.start;
    w.canned.index = 0;
    w.canned.open = true;
    w.renderCanned();
  };

  w.renderCanned = function renderCanned() {
    if (!w.canned.open) { w.cannedList.hidden = true; return; }
    w.cannedList.replaceChildren(...(w.canned.items.length
      ? w.canned.items.map((c, i) => h('li', {
        class: 'wa-canned-item', role: 'option', id: `${w.uid}-canned-${i}`, 'data-testid': 'wa-canned-item',
        'aria-selected': String(i === w.canned.index), onmousedown: (ev) => { ev.preventDefault(); w.pickCanned(i); },
      }, h('span', { class: 'wa-canned-code', text: `/${c.short_code}` }), h('span', { class: 'wa-canned-text', text: String(c.content) })))
      : [h('li', { class: 'wa-canned-empty', text: w.state.inbox.canned.length ? 'No canned reply matches.' : 'No canned replies yet (admins add them).' })]));
    w.cannedList.hidden = false;
    if (w.canned.items.length) w.input.setAttribute('aria-activedescendant', `${w.uid}-canned-${w.canned.index}`);
    else w.input.removeAttribute('aria-activedescendant');
  };

  w.closeCanned = function closeCanned() {
    w.canned.open = false;
    w.cannedList.hidden = true;
    w.input.removeAttribute('aria-activedescendant');
  };

  /** Keys for the open canned list: arrows move, Enter or Tab picks, Escape closes. */
  w.cannedKey = function cannedKey(ev) {
    if (!w.canned.open) return false;
    if ((ev.key === 'ArrowDown' || ev.key === 'ArrowUp') && w.canned.items.length) {
      ev.preventDefault();
      const n = w.canned.items.length;
      w.canned.index = (w.canned.index + (ev.key === 'ArrowDown' ? 1 : n - 1)) % n;
      w.renderCanned();
      return true;
    }
    if ((ev.key === 'Enter' || ev.key === 'Tab') && w.canned.items.length && !ev.shiftKey) {
      ev.preventDefault();
      w.pickCanned(w.canned.index);
      return true;
    }
    if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      w.closeCanned();
      return true;
    }
    return false;
  };

  w.pickCanned = function pickCanned(i) {
    const c = w.canned.items[i];
    if (!c || !w.state.active) return;
    const contact = w.activeContact();
    const key = w.state.active.key;
    const phone = (contact && contact.phone_number) || key;
    const text = fillCanned(c.content, {
      contactName: contactName(contact) || phone,
      phoneNumber: phone,
      operatorName: w.state.auth.operator ? w.state.auth.operator.display_name : '',
    });
    const end = w.input.selectionStart;
    w.input.value = w.input.value.slice(0, w.canned.start) + text + w.input.value.slice(end);
    const caret = w.canned.start + text.length;
    w.input.setSelectionRange(caret, caret);
    w.closeCanned();
    w.state.idempotencyKey = null;
    w.updateComposer();
    w.input.focus({ preventScroll: true });
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.orNull = (err) => { if (err && err.status === 404) return null; throw err; };

  w.canned = { open: false, items: [], index: 0, start: 0 };
}
