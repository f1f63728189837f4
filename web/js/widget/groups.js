/**
 * wacloud operator widget: the groups view (Meta's Groups API), apart from the one-to-one
 * conversations: the groups (`GET /groups`), one group's participants, invite link and messages
 * (`GET /groups/{id}`, `GET /groups/{id}/messages`), a text to it (`POST /groups/{id}/messages`),
 * a new invite link (`POST /groups/{id}/invite-link`) and a new group (`POST /groups`; Meta's
 * limits: subject 1 to 128 characters, description at most 2048).
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { formatFull, formatListTime } from './format.js';
import { h, icon } from './dom.js';

const SUBJECT_MAX = 128;
const DESCRIPTION_MAX = 2048;
const TEXT_MAX = 4096;

/** Shows `text` in a note, or hides the note when there is none. */
function say(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

/** The participants in the group now. */
export function members(g) {
  return (Array.isArray(g && g.participants) ? g.participants : []).filter((p) => p.state === 'joined');
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  w.openGroups = function openGroups() {
    w.state.groups.open = true;
    w.groupsSheet.hidden = false;
    w.showGroupList();
    w.loadGroups();
    w.groupsClose.focus();
  };

  w.closeGroups = function closeGroups() {
    const g = w.state.groups;
    g.open = false;
    g.detail = null;
    g.gen++;
    w.groupsSheet.hidden = true;
    if (w.state.open && !w.groupsBtn.hidden) w.groupsBtn.focus({ preventScroll: true });
  };

  w.showGroupList = function showGroupList() {
    w.state.groups.detail = null;
    w.groupList.hidden = false;
    w.groupDetail.hidden = true;
    w.groupNew.hidden = true;
  };

  w.loadGroups = async function loadGroups() {
    const g = w.state.groups;
    const gen = ++g.gen;
    say(w.groupsNote, 'Loading…');
    try {
      const page = await w.request('GET', '/groups', { query: { number: w.state.number } });
      if (gen !== g.gen) return;
      g.list = Array.isArray(page && page.groups) ? page.groups : [];
      say(w.groupsNote, g.list.length ? '' : 'No group yet.');
      w.renderGroups();
    } catch (err) {
      if (gen === g.gen) say(w.groupsNote, err.message);
    }
  };

  w.renderGroups = function renderGroups() {
    const rows = w.state.groups.list.map((g) => h('li', {},
      h('button', { type: 'button', class: 'wa-campaign', 'data-testid': 'wa-group', 'data-group-id': String(g.id), onclick: () => w.openGroup(g.id) },
        h('span', { class: 'wa-campaign-top' },
          h('span', { class: 'wa-campaign-when', dir: 'auto', text: g.subject || '(no subject)' }),
          h('span', { class: 'wa-campaign-state', 'data-testid': 'wa-group-status', text: String(g.status) })),
        h('span', { class: 'wa-campaign-counts', text: `${members(g).length} participants \u00b7 ${formatListTime(g.updated_at)}` }))));
    w.groupItems.replaceChildren(...rows);
  };

  w.openGroup = function openGroup(id) {
    w.state.groups.detail = { id: String(id) };
    w.groupList.hidden = true;
    w.groupNew.hidden = true;
    w.groupDetail.hidden = false;
    w.groupText.value = '';
    w.loadGroup();
    w.groupBack.focus();
  };

  w.loadGroup = async function loadGroup() {
    const g = w.state.groups;
    const d = g.detail;
    if (!d) return;
    const gen = ++g.gen;
    say(w.groupNote, 'Loading…');
    try {
      const path = `/groups/${encodeURIComponent(d.id)}`;
      const [group, page] = await Promise.all([w.request('GET', path), w.request('GET', `${path}/messages`, { query: { limit: 50 } })]);
      if (gen !== g.gen) return;
      say(w.groupNote, '');
      w.renderGroup(group, Array.isArray(page && page.messages) ? page.messages : []);
    } catch (err) {
      if (gen === g.gen) say(w.groupNote, err.message);
    }
  };

  w.renderGroup = function renderGroup(g, messages) {
    w.groupTitle.textContent = g.subject || '(no subject)';
    w.groupDescription.textContent = g.description || '';
    w.groupDescription.hidden = !g.description;
    w.groupLink.textContent = g.invite_link || 'No invite link yet';
    w.groupStatus.textContent = g.status === 'active' ? '' : `Status: ${g.status}`;
    const people = (g.participants || []).map((p) => h('li', { 'data-testid': 'wa-group-participant', 'data-state': String(p.state), dir: 'ltr',
      text: `${p.wa_id ? `+${p.wa_id}` : p.user_id || ''}${p.state === 'joined' ? '' : ` (${p.state})`}` }));
    w.groupPeople.replaceChildren(...people);
    const rows = messages.slice().reverse().map((m) => h('li', {
      class: `wa-group-msg wa-group-msg--${m.direction}`, 'data-testid': 'wa-group-message', dir: 'auto', title: formatFull(m.created_at),
    },
    h('span', { class: 'wa-group-from', text: m.direction === 'outbound' ? 'You' : (m.from_phone || '') }),
    h('span', { text: `${m.message_text || `[${m.message_type}]`}${m.reaction ? ` ${m.reaction}` : ''}` }),
    m.direction === 'outbound' ? h('span', { class: 'wa-group-status', 'data-testid': 'wa-group-message-status', text: String(m.status) }) : null));
    w.groupMessages.replaceChildren(...rows);
    if (!rows.length) w.groupMessages.append(h('li', { class: 'wa-empty', text: 'No message yet.' }));
    const writable = g.status === 'active' && Boolean(g.group_id);
    w.groupSend.disabled = !writable;
    w.groupResetLink.disabled = !writable;
  };

  w.sendToGroup = async function sendToGroup(ev) {
    ev.preventDefault();
    const d = w.state.groups.detail;
    const text = w.groupText.value;
    if (!d || !text.trim()) return;
    w.groupSend.disabled = true;
    try {
      await w.request('POST', `/groups/${encodeURIComponent(d.id)}/messages`, { body: { text } });
      w.groupText.value = '';
      await w.loadGroup();
    } catch (err) {
      say(w.groupNote, err.message);
    } finally {
      w.groupSend.disabled = false;
    }
  };

  w.resetGroupLink = async function resetGroupLink() {
    const d = w.state.groups.detail;
    if (!d) return;
    try {
      const r = await w.request('POST', `/groups/${encodeURIComponent(d.id)}/invite-link`, { body: {} });
      w.groupLink.textContent = (r && r.invite_link) || '';
    } catch (err) {
      say(w.groupNote, err.message);
    }
  };

  w.showNewGroup = function showNewGroup() {
    w.groupList.hidden = true;
    w.groupDetail.hidden = true;
    w.groupNew.hidden = false;
    say(w.groupNewNote, '');
    w.groupSubject.focus();
  };

  w.createGroup = async function createGroup(ev) {
    ev.preventDefault();
    const subject = w.groupSubject.value.trim();
    const description = w.groupDescriptionInput.value;
    // Meta's limits, checked here too so the operator learns at once (the server checks again).
    if (!subject || subject.length > SUBJECT_MAX) return say(w.groupNewNote, `The subject is 1 to ${SUBJECT_MAX} characters.`);
    if (description.length > DESCRIPTION_MAX) return say(w.groupNewNote, `The description is at most ${DESCRIPTION_MAX} characters.`);
    try {
      const body = { subject };
      if (description) body.description = description;
      if (w.state.number) body.phone_number_id = w.state.number;
      const g = await w.request('POST', '/groups', { body });
      w.groupSubject.value = '';
      w.groupDescriptionInput.value = '';
      w.openGroup(g.id);
    } catch (err) {
      say(w.groupNewNote, err.message);
    }
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.groups = { open: false, list: [], gen: 0, detail: null };
  const titleId = `${w.uid}-groups-title`;
  w.groupsBtn = h('button', { type: 'button', class: 'wa-tool', 'data-testid': 'wa-groups-open', title: 'Groups of the business number', onclick: () => w.openGroups() },
    icon('person'), h('span', { text: 'Groups' }));
  w.toolsBar.appendChild(w.groupsBtn);

  w.groupsClose = h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-groups-close', 'aria-label': 'Close groups', title: 'Close (Esc)', onclick: () => w.closeGroups() }, icon('close'));
  w.groupsNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-groups-note' });
  w.groupItems = h('ul', { class: 'wa-campaigns', 'data-testid': 'wa-groups', 'aria-label': 'Groups, most recently changed first' });
  w.groupNewBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-group-new', text: 'New group', onclick: () => w.showNewGroup() });
  w.groupList = h('div', { class: 'wa-campaign-list' }, h('div', { class: 'wa-campaign-actions' }, w.groupNewBtn), w.groupsNote, w.groupItems);

  const back = () => { w.showGroupList(); w.loadGroups(); };
  w.groupBack = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-group-back', onclick: back }, icon('back'), 'All groups');
  w.groupTitle = h('h4', { class: 'wa-campaign-title', 'data-testid': 'wa-group-title', dir: 'auto' });
  w.groupDescription = h('p', { class: 'wa-group-description', dir: 'auto' });
  w.groupStatus = h('p', { class: 'wa-group-state', 'data-testid': 'wa-group-state' });
  w.groupLink = h('code', { class: 'wa-group-link', 'data-testid': 'wa-group-link' });
  w.groupResetLink = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-group-reset-link', text: 'New link', onclick: () => w.resetGroupLink() });
  w.groupPeople = h('ul', { class: 'wa-group-people', 'data-testid': 'wa-group-participants', 'aria-label': 'Participants' });
  w.groupMessages = h('ol', { class: 'wa-group-messages', 'data-testid': 'wa-group-messages', 'aria-label': 'Messages, oldest first' });
  w.groupText = h('textarea', { class: 'wa-input', rows: '2', maxlength: String(TEXT_MAX), 'data-testid': 'wa-group-text', 'aria-label': 'Message to the group', placeholder: 'Write to the group' });
  w.groupSend = h('button', { type: 'submit', class: 'wa-btn', 'data-testid': 'wa-group-send' }, icon('send'), 'Send');
  w.groupNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-group-note' });
  w.groupDetail = h('div', { class: 'wa-campaign-detail', 'data-testid': 'wa-group-detail', hidden: true },
    h('div', { class: 'wa-campaign-actions' }, w.groupBack),
    w.groupTitle, w.groupDescription, w.groupStatus,
    h('p', { class: 'wa-group-invite' }, 'Invite link: ', w.groupLink, ' ', w.groupResetLink),
    h('h5', { text: 'Participants' }), w.groupPeople,
    h('h5', { text: 'Messages' }), w.groupMessages,
    w.groupNote,
    h('form', { class: 'wa-group-compose', onsubmit: (ev) => w.sendToGroup(ev) }, w.groupText, w.groupSend));

  w.groupSubject = h('input', { class: 'wa-input', maxlength: String(SUBJECT_MAX), required: true, 'data-testid': 'wa-group-subject', 'aria-label': 'Subject', placeholder: `Subject (at most ${SUBJECT_MAX} characters)` });
  w.groupDescriptionInput = h('textarea', { class: 'wa-input', rows: '3', maxlength: String(DESCRIPTION_MAX), 'data-testid': 'wa-group-description', 'aria-label': 'Description', placeholder: 'Description (optional)' });
  w.groupNewNote = h('p', { class: 'wa-empty', role: 'status', 'data-testid': 'wa-group-new-note', hidden: true });
  w.groupNew = h('form', { class: 'wa-campaign-detail', 'data-testid': 'wa-group-new-form', hidden: true, onsubmit: (ev) => w.createGroup(ev) },
    h('div', { class: 'wa-campaign-actions' }, h('button', { type: 'button', class: 'wa-btn wa-btn--small', onclick: back }, icon('back'), 'All groups')),
    w.groupSubject, w.groupDescriptionInput, w.groupNewNote,
    h('button', { type: 'submit', class: 'wa-btn', 'data-testid': 'wa-group-create', text: 'Create group' }));

  const card = h('div', { class: 'wa-sheet-card wa-sheet-card--wide' },
    h('div', { class: 'wa-sheet-head' }, h('h3', { class: 'wa-sheet-title', id: titleId, text: 'Groups' }), w.groupsClose),
    w.groupList, w.groupDetail, w.groupNew);
  w.groupsSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, hidden: true, 'data-testid': 'wa-groups-sheet' }, card);
  w.panel.insertBefore(w.groupsSheet, w.loginSheet);
  w.trapFocus(w.groupsSheet);
  // After a logout no group stays on the page.
  const forget = w.forgetTools;
  w.forgetTools = function forgetTools() {
    forget();
    w.closeGroups();
    w.state.groups.list = [];
    w.groupItems.replaceChildren();
    w.groupMessages.replaceChildren();
    w.groupPeople.replaceChildren();
  };
  w.groupsSheet.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    if (w.state.groups.detail || !w.groupNew.hidden) { w.showGroupList(); w.groupsClose.focus(); } else w.closeGroups();
  });
}
