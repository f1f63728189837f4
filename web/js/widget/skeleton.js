/**
 * wacloud operator widget: The panel's DOM skeleton: header, banners, contact list, chat, composer and the sheets.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { FALLBACK_TEMPLATE, h, icon } from './dom.js';

/** Builds and wires this part (parts run in order). */
export function install(w) {
  // ---- DOM skeleton ------------------------------------------------------------------------

  w.ids = {
    title: `${w.uid}-title`,
    search: `${w.uid}-search`,
    newPhone: `${w.uid}-new-phone`,
    input: `${w.uid}-input`,
    count: `${w.uid}-count`,
    simPhone: `${w.uid}-sim-phone`,
    simName: `${w.uid}-sim-name`,
    simText: `${w.uid}-sim-text`,
    simTitle: `${w.uid}-sim-title`,
    bulkTitle: `${w.uid}-bulk-title`,
    bulkRecipients: `${w.uid}-bulk-recipients`,
    bulkText: `${w.uid}-bulk-text`,
    bulkTemplate: `${w.uid}-bulk-template`,
    bulkLanguage: `${w.uid}-bulk-language`,
    bulkSchedule: `${w.uid}-bulk-schedule`,
    loginTitle: `${w.uid}-login-title`,
    loginEmail: `${w.uid}-login-email`,
    loginPassword: `${w.uid}-login-password`,
  };

  w.launcherBadge = h('span', { class: 'wa-launcher-badge', 'data-testid': 'wa-launcher-badge', 'aria-hidden': 'true', hidden: true });
  w.launcher = h('button', {
    type: 'button', class: 'wa-launcher', 'data-testid': 'wa-launcher', 'aria-label': 'Open WhatsApp chats',
    'aria-expanded': 'false', 'aria-controls': `${w.uid}-panel`, onclick: () => w.toggle(),
  }, icon('chat', 'wa-launcher-icon'), w.launcherBadge);

  // Header
  w.statusDot = h('span', { class: 'wa-status-dot', 'aria-hidden': 'true' });
  w.statusLabel = h('span', { class: 'wa-status-label', text: 'Connecting…' });
  w.statusPill = h('span', {
    class: 'wa-status', 'data-testid': 'wa-status', 'data-state': 'loading', role: 'status',
  }, w.statusDot, w.statusLabel);
  w.businessLine = h('span', { class: 'wa-header-sub', 'data-testid': 'wa-business-number' });
  // The logged-in operator and the way out (shown only when operators log in).
  w.operatorName = h('span', { class: 'wa-operator-name', 'data-testid': 'wa-operator-name' });
  w.logoutBtn = h('button', {
    type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-logout', text: 'Log out', onclick: () => w.logout(),
  });
  w.operatorBox = h('span', { class: 'wa-operator', 'data-testid': 'wa-operator', hidden: true }, w.operatorName, w.logoutBtn);
  w.notifyBtn = h('button', {
    type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-notify', 'aria-label': 'Turn on notifications',
    title: 'Notify me of new messages (sound and browser notification)', hidden: true, onclick: () => w.enableNotifications(),
  }, icon('bell'));
  w.closeBtn = h('button', {
    type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-close', 'aria-label': 'Close WhatsApp panel', onclick: () => w.close(),
  }, icon('close'));
  w.header = h('div', { class: 'wa-header' },
    h('div', { class: 'wa-header-brand' },
      h('span', { class: 'wa-header-logo', 'aria-hidden': 'true' }, icon('chat')),
      h('div', { class: 'wa-header-text' },
        h('h2', { class: 'wa-header-title', id: w.ids.title, text: 'WhatsApp' }),
        w.businessLine)),
    w.operatorBox,
    w.statusPill,
    w.notifyBtn,
    w.closeBtn);

  // Banners: sandbox / not configured / error / alerts
  w.modeBanner = h('div', { class: 'wa-banner', 'data-testid': 'wa-mode-banner', hidden: true });
  w.alertsBox = h('div', { class: 'wa-alerts', 'data-testid': 'wa-alerts', role: 'alert', hidden: true });

  // Contacts pane
  w.searchInput = h('input', {
    type: 'search', id: w.ids.search, class: 'wa-search-input', 'data-testid': 'wa-search', placeholder: 'Search name or number',
    'aria-label': 'Search contacts', autocomplete: 'off', spellcheck: 'false',
  });
  w.newChatBtn = h('button', {
    type: 'button', class: 'wa-icon-btn wa-icon-btn--accent', 'data-testid': 'wa-new-chat', 'aria-label': 'New chat',
    title: 'New chat', 'aria-expanded': 'false', onclick: () => w.toggleNewChat(),
  }, icon('newChat'));
  w.newPhoneInput = h('input', {
    type: 'tel', id: w.ids.newPhone, class: 'wa-input-field', 'data-testid': 'wa-new-chat-phone',
    placeholder: '+15550000001', autocomplete: 'off', inputmode: 'tel', required: true,
  });
  w.newChatError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-new-chat-error', role: 'alert', hidden: true });
  w.newChatForm = h('form', { class: 'wa-new-chat', 'data-testid': 'wa-new-chat-form', hidden: true, novalidate: true },
    h('label', { class: 'wa-form-label', for: w.ids.newPhone, text: 'Phone number in international format' }),
    h('div', { class: 'wa-new-chat-row' },
      w.newPhoneInput,
      h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-new-chat-start', text: 'Chat' })),
    w.newChatError);
  w.bulkBtn = h('button', {
    type: 'button', class: 'wa-icon-btn wa-icon-btn--accent', 'data-testid': 'wa-bulk-open', 'aria-label': 'Send to many (bulk)',
    title: 'Send to many', onclick: () => w.openBulk(),
  }, icon('bulk'));
  w.batchesBox = h('div', { class: 'wa-batches', 'data-testid': 'wa-batches', 'aria-label': 'Bulk sends', role: 'region', hidden: true });
  w.contactList = h('ul', { class: 'wa-contact-list', 'data-testid': 'wa-contact-list', 'aria-label': 'Conversations' });
  w.contactsEmpty = h('p', { class: 'wa-empty', 'data-testid': 'wa-contacts-empty', hidden: true });
  w.FILTERS = [['', 'All'], ['unread', 'Unread'], ['needs_reply', 'Needs reply'], ['window_open', 'Window open']];
  w.filterBar = h('div', { class: 'wa-filters', role: 'group', 'aria-label': 'Show conversations', 'data-testid': 'wa-filters' },
    w.FILTERS.map(([value, label]) => h('button', {
      type: 'button', class: 'wa-filter', 'data-testid': `wa-filter-${value || 'all'}`, 'data-filter': value,
      'aria-pressed': value === '' ? 'true' : 'false', text: label, onclick: () => w.setFilter(value),
    })));
  w.VIEWS = [['mine', 'Mine'], ['unassigned', 'Unassigned'], ['all', 'All']];
  w.viewBar = h('div', { class: 'wa-views', role: 'group', 'aria-label': 'Whose conversations', 'data-testid': 'wa-views', hidden: true },
    w.VIEWS.map(([value, label]) => h('button', {
      type: 'button', class: 'wa-view', 'data-testid': `wa-view-${value}`, 'data-inbox-view': value,
      'aria-pressed': value === 'all' ? 'true' : 'false', text: label, onclick: () => w.setInboxView(value),
    })));
  w.statusFilter = h('select', { class: 'wa-status-filter', 'data-testid': 'wa-status-filter', 'aria-label': 'Conversation status' },
    [['open', 'Open'], ['pending', 'Pending'], ['snoozed', 'Snoozed'], ['resolved', 'Resolved'], ['', 'Any status']]
      .map(([v, l]) => h('option', { value: v, text: l })));
  w.statusFilter.addEventListener('change', () => w.setInboxStatus(w.statusFilter.value));
  w.inboxBar = h('div', { class: 'wa-inbox-bar', 'data-testid': 'wa-inbox-bar' }, w.viewBar, w.statusFilter);
  w.contactsMore = h('p', { class: 'wa-empty wa-contacts-more', 'data-testid': 'wa-contacts-more', 'aria-live': 'polite', hidden: true });
  w.contactScroll = h('div', { class: 'wa-contact-scroll' }, w.contactList, w.contactsEmpty, w.contactsMore);
  w.contactsPane = h('section', { class: 'wa-pane wa-pane--contacts', 'aria-label': 'Contacts' },
    h('div', { class: 'wa-toolbar' },
      h('label', { class: 'wa-search' , for: w.ids.search }, icon('search', 'wa-search-icon'), w.searchInput),
      w.bulkBtn,
      w.newChatBtn),
    w.inboxBar,
    w.filterBar,
    w.newChatForm,
    w.batchesBox,
    w.contactScroll);

  // Chat pane
  w.backBtn = h('button', {
    type: 'button', class: 'wa-icon-btn wa-back', 'data-testid': 'wa-back', 'aria-label': 'Back to conversations', onclick: () => w.showList(),
  }, icon('back'));
  w.chatAvatar = h('span', { class: 'wa-avatar wa-avatar--sm', 'aria-hidden': 'true' });
  w.chatTitle = h('h3', { class: 'wa-chat-title', 'data-testid': 'wa-chat-title', dir: 'auto' });
  w.chatSub = h('p', { class: 'wa-chat-sub', 'data-testid': 'wa-chat-sub' });
  w.chatHeader = h('div', { class: 'wa-chat-header' }, w.backBtn, w.chatAvatar, h('div', { class: 'wa-chat-heading' }, w.chatTitle, w.chatSub));
  // The conversation's status and assignee, and what changes them.
  w.convStatus = h('span', { class: 'wa-conv-status', 'data-testid': 'wa-conv-status' });
  w.assigneeSelect = h('select', { class: 'wa-assignee', 'data-testid': 'wa-assignee', 'aria-label': 'Assigned to' });
  w.assigneeSelect.addEventListener('change', () => w.assignTo(w.assigneeSelect.value || null));
  w.assignMeBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-assign-me', text: 'Assign to me', onclick: () => w.assignTo(w.myId()) });
  w.resolveBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small wa-btn--primary', 'data-testid': 'wa-resolve', text: 'Resolve', onclick: () => w.setConversationStatus('resolved') });
  w.reopenBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-reopen', text: 'Reopen', onclick: () => w.setConversationStatus('open') });
  w.pendingBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-pending', text: 'Pending', title: 'Waiting for the customer', onclick: () => w.setConversationStatus('pending') });
  w.snoozeSelect = h('select', { class: 'wa-snooze', 'data-testid': 'wa-snooze', 'aria-label': 'Snooze until' },
    h('option', { value: '', text: 'Snooze\u2026' }),
    h('option', { value: '1h', text: 'For 1 hour' }),
    h('option', { value: '4h', text: 'For 4 hours' }),
    h('option', { value: 'tomorrow', text: 'Until tomorrow 9:00' }),
    h('option', { value: 'week', text: 'Until next week' }),
    h('option', { value: 'custom', text: 'Until\u2026 (pick a time)' }));
  // A time of the operator's choosing, in its local time.
  w.snoozeAt = h('input', { type: 'datetime-local', class: 'wa-snooze-at', 'data-testid': 'wa-snooze-at', 'aria-label': 'Snooze until (your local time)' });
  w.snoozeAtBtn = h('button', { type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-snooze-at-go', text: 'Snooze', onclick: () => w.snoozeAtChosen() });
  w.snoozeAtBox = h('span', { class: 'wa-snooze-custom', hidden: true }, w.snoozeAt, w.snoozeAtBtn);
  w.snoozeSelect.addEventListener('change', () => {
    const choice = w.snoozeSelect.value;
    w.snoozeSelect.value = '';
    if (choice === 'custom') {
      w.snoozeAtBox.hidden = false;
      w.snoozeAt.focus();
      return;
    }
    const until = w.snoozeUntil(choice);
    if (until) w.setConversationStatus('snoozed', until);
  });
  w.convBar = h('div', { class: 'wa-conv-bar', 'data-testid': 'wa-conv-bar', hidden: true },
    w.convStatus,
    h('span', { class: 'wa-conv-assign' }, icon('person', 'wa-inline-icon'), w.assigneeSelect, w.assignMeBtn),
    h('span', { class: 'wa-conv-actions' }, w.pendingBtn, w.snoozeSelect, w.snoozeAtBox, w.reopenBtn, w.resolveBtn));
  w.loadOlderBtn = h('button', {
    type: 'button', class: 'wa-load-older', 'data-testid': 'wa-load-older', hidden: true, text: 'Load older messages', onclick: () => w.loadOlder(),
  });
  w.messageList = h('div', { class: 'wa-message-list', 'data-testid': 'wa-message-list', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  w.chatEmpty = h('p', { class: 'wa-chat-empty', 'data-testid': 'wa-chat-empty', hidden: true, text: 'No messages yet.' });
  w.messagesScroll = h('div', { class: 'wa-messages' }, w.loadOlderBtn, w.chatEmpty, w.messageList);
  w.windowNote = h('p', { class: 'wa-window-note', 'data-testid': 'wa-window-note', hidden: true });
  w.sendError = h('p', { class: 'wa-send-error', 'data-testid': 'wa-send-error', role: 'alert', hidden: true });
  w.input = h('textarea', {
    id: w.ids.input, class: 'wa-composer-input', 'data-testid': 'wa-composer-input', rows: '1', placeholder: 'Type a message',
    'aria-label': 'Message', 'aria-describedby': w.ids.count, enterkeyhint: 'send',
  });
  w.charCount = h('span', { id: w.ids.count, class: 'wa-char-count', 'data-testid': 'wa-char-count', 'aria-live': 'polite' });
  w.sendBtn = h('button', {
    type: 'submit', class: 'wa-send', 'data-testid': 'wa-send', 'aria-label': 'Send message', disabled: true,
  }, icon('send'));
  w.replyModeBtn = h('button', { type: 'button', class: 'wa-mode', 'data-testid': 'wa-mode-reply', 'aria-pressed': 'true', text: 'Reply', onclick: () => w.setComposeMode('reply') });
  w.noteModeBtn = h('button', { type: 'button', class: 'wa-mode wa-mode--note', 'data-testid': 'wa-mode-note', 'aria-pressed': 'false', onclick: () => w.setComposeMode('note') },
    icon('lock', 'wa-inline-icon'), 'Private note');
  w.composeModes = h('div', { class: 'wa-modes', role: 'group', 'aria-label': 'Write', 'data-testid': 'wa-modes' }, w.replyModeBtn, w.noteModeBtn);
  w.cannedList = h('ul', { class: 'wa-canned', 'data-testid': 'wa-canned', role: 'listbox', 'aria-label': 'Canned replies', hidden: true });
  w.composer = h('form', { class: 'wa-composer', 'data-testid': 'wa-composer', novalidate: true },
    w.windowNote, w.sendError, w.composeModes,
    h('div', { class: 'wa-composer-row' }, h('div', { class: 'wa-composer-field' }, w.cannedList, w.input, w.charCount), w.sendBtn));
  w.chatView = h('div', { class: 'wa-chat-view', hidden: true }, w.chatHeader, w.convBar, w.messagesScroll, w.composer);
  w.chatPlaceholder = h('div', { class: 'wa-chat-placeholder', 'data-testid': 'wa-chat-placeholder' },
    h('span', { class: 'wa-placeholder-icon', 'aria-hidden': 'true' }, icon('chat')),
    h('p', { class: 'wa-placeholder-title', text: 'wacloud for WhatsApp' }),
    h('p', { class: 'wa-placeholder-text', text: 'Pick a conversation, or start a new chat with a phone number.' }));
  w.chatPane = h('section', { class: 'wa-pane wa-pane--chat', 'data-testid': 'wa-chat', 'aria-label': 'Conversation' }, w.chatPlaceholder, w.chatView);

  // Simulate-customer sheet (sandbox only)
  w.simPhone = h('input', { type: 'tel', id: w.ids.simPhone, class: 'wa-input-field', 'data-testid': 'wa-simulate-phone', value: '+15550000001', autocomplete: 'off', required: true });
  w.simName = h('input', { type: 'text', id: w.ids.simName, class: 'wa-input-field', 'data-testid': 'wa-simulate-name', placeholder: 'Optional: keeps the name this customer last had', autocomplete: 'off' });
  w.simText = h('textarea', { id: w.ids.simText, class: 'wa-input-field wa-textarea', 'data-testid': 'wa-simulate-text', rows: '3', placeholder: 'Hi! Is my order on the way?', required: true });
  w.simError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-simulate-error', role: 'alert', hidden: true });
  w.simSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-simulate-send', text: 'Send as customer' });
  w.simForm = h('form', { class: 'wa-sheet-card', 'data-testid': 'wa-simulate-form', novalidate: true },
    h('div', { class: 'wa-sheet-head' },
      h('h3', { class: 'wa-sheet-title', id: w.ids.simTitle, text: 'Simulate a customer' }),
      h('button', { type: 'button', class: 'wa-icon-btn', 'aria-label': 'Close simulator', 'data-testid': 'wa-simulate-close', onclick: () => w.closeSimulate() }, icon('close'))),
    h('p', { class: 'wa-sheet-note', text: 'The sandbox delivers this to wacloud as a signed webhook, exactly as Meta would deliver a customer\u2019s message.' }),
    h('label', { class: 'wa-form-label', for: w.ids.simPhone, text: 'Customer phone number' }), w.simPhone,
    h('label', { class: 'wa-form-label', for: w.ids.simName, text: 'Profile name' }), w.simName,
    h('label', { class: 'wa-form-label', for: w.ids.simText, text: 'Message' }), w.simText,
    w.simError,
    h('div', { class: 'wa-sheet-actions' },
      h('button', { type: 'button', class: 'wa-btn', text: 'Cancel', onclick: () => w.closeSimulate() }),
      w.simSubmit));
  w.simSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': w.ids.simTitle, hidden: true }, w.simForm);

  // Bulk-send sheet
  w.bulkRecipients = h('textarea', {
    id: w.ids.bulkRecipients, class: 'wa-input-field wa-textarea', 'data-testid': 'wa-bulk-recipients', rows: '4',
    placeholder: '+15550000001\n+15550000002', autocomplete: 'off', spellcheck: 'false', required: true,
  });
  w.bulkKindText = h('input', { type: 'radio', name: `${w.uid}-bulk-kind`, value: 'text', 'data-testid': 'wa-bulk-kind-text', checked: true });
  w.bulkKindTemplate = h('input', { type: 'radio', name: `${w.uid}-bulk-kind`, value: 'template', 'data-testid': 'wa-bulk-kind-template' });
  w.bulkText = h('textarea', { id: w.ids.bulkText, class: 'wa-input-field wa-textarea', 'data-testid': 'wa-bulk-text', rows: '3', placeholder: 'Our shop opens at 9 tomorrow.' });
  w.bulkTemplate = h('input', { type: 'text', id: w.ids.bulkTemplate, class: 'wa-input-field', 'data-testid': 'wa-bulk-template-name', value: FALLBACK_TEMPLATE.name, autocomplete: 'off', spellcheck: 'false' });
  w.bulkLanguage = h('input', { type: 'text', id: w.ids.bulkLanguage, class: 'wa-input-field', 'data-testid': 'wa-bulk-template-language', value: FALLBACK_TEMPLATE.language, autocomplete: 'off', spellcheck: 'false' });
  w.bulkSchedule = h('input', { type: 'datetime-local', id: w.ids.bulkSchedule, class: 'wa-input-field', 'data-testid': 'wa-bulk-schedule' });
  w.bulkAllow = h('input', { type: 'checkbox', 'data-testid': 'wa-bulk-allow' });
  w.bulkTextFields = h('div', { class: 'wa-bulk-fields', 'data-testid': 'wa-bulk-text-fields' },
    h('label', { class: 'wa-form-label', for: w.ids.bulkText, text: 'Message' }), w.bulkText,
    h('label', { class: 'wa-check' }, w.bulkAllow,
      h('span', { text: 'Also to customers who have not written in 24 hours (WhatsApp will refuse free text to them; use only if you know their window is open)' })));
  w.bulkTemplateFields = h('div', { class: 'wa-bulk-fields', 'data-testid': 'wa-bulk-template-fields', hidden: true },
    h('div', { class: 'wa-bulk-row' },
      h('div', {}, h('label', { class: 'wa-form-label', for: w.ids.bulkTemplate, text: 'Template name' }), w.bulkTemplate),
      h('div', {}, h('label', { class: 'wa-form-label', for: w.ids.bulkLanguage, text: 'Language' }), w.bulkLanguage)));
  w.bulkError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-bulk-error', role: 'alert', hidden: true });
  w.bulkResult = h('div', { class: 'wa-bulk-result', 'data-testid': 'wa-bulk-result', role: 'status', hidden: true });
  w.bulkSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-bulk-send', text: 'Queue messages' });
  w.bulkForm = h('form', { class: 'wa-sheet-card', 'data-testid': 'wa-bulk-form', novalidate: true },
    h('div', { class: 'wa-sheet-head' },
      h('h3', { class: 'wa-sheet-title', id: w.ids.bulkTitle, text: 'Send to many' }),
      h('button', { type: 'button', class: 'wa-icon-btn', 'aria-label': 'Close bulk send', 'data-testid': 'wa-bulk-close', onclick: () => w.closeBulk() }, icon('close'))),
    h('p', { class: 'wa-sheet-note', text: 'One message to each number, paced to the rate WhatsApp allows. Progress shows in the contact list.' }),
    h('label', { class: 'wa-form-label', for: w.ids.bulkRecipients, text: 'Phone numbers (international format, one per line)' }), w.bulkRecipients,
    h('div', { class: 'wa-radio-row', role: 'radiogroup', 'aria-label': 'Message kind' },
      h('label', { class: 'wa-radio' }, w.bulkKindText, h('span', { text: 'Text' })),
      h('label', { class: 'wa-radio' }, w.bulkKindTemplate, h('span', { text: 'Template' }))),
    w.bulkTextFields, w.bulkTemplateFields,
    h('label', { class: 'wa-form-label', for: w.ids.bulkSchedule, text: 'Send at (optional, your local time)' }), w.bulkSchedule,
    w.bulkError, w.bulkResult,
    h('div', { class: 'wa-sheet-actions' },
      h('button', { type: 'button', class: 'wa-btn', text: 'Close', onclick: () => w.closeBulk() }),
      w.bulkSubmit));
  w.bulkSheet = h('div', { class: 'wa-sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': w.ids.bulkTitle, hidden: true, 'data-testid': 'wa-bulk-sheet' }, w.bulkForm);

  // Login sheet: shown when the server answers 401 `login_required`.
  w.loginEmail = h('input', { type: 'email', id: w.ids.loginEmail, class: 'wa-input-field', 'data-testid': 'wa-login-email', autocomplete: 'username', required: true });
  w.loginPassword = h('input', { type: 'password', id: w.ids.loginPassword, class: 'wa-input-field', 'data-testid': 'wa-login-password', autocomplete: 'current-password', required: true });
  w.loginError = h('p', { class: 'wa-form-error', 'data-testid': 'wa-login-error', role: 'alert', hidden: true });
  w.loginSubmit = h('button', { type: 'submit', class: 'wa-btn wa-btn--primary', 'data-testid': 'wa-login-submit', text: 'Log in' });
  w.loginForm = h('form', { class: 'wa-sheet-card', 'data-testid': 'wa-login-form', novalidate: true },
    h('div', { class: 'wa-sheet-head' }, h('h3', { class: 'wa-sheet-title', id: w.ids.loginTitle, text: 'Log in to the team inbox' })),
    h('p', { class: 'wa-sheet-note', text: 'This server asks operators to log in.' }),
    h('label', { class: 'wa-form-label', for: w.ids.loginEmail, text: 'E-mail address' }), w.loginEmail,
    h('label', { class: 'wa-form-label', for: w.ids.loginPassword, text: 'Password' }), w.loginPassword,
    w.loginError,
    h('div', { class: 'wa-sheet-actions' }, w.loginSubmit));
  w.loginSheet = h('div', { class: 'wa-sheet wa-sheet--login', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': w.ids.loginTitle, hidden: true, 'data-testid': 'wa-login' }, w.loginForm);

  w.body = h('div', { class: 'wa-body' }, w.contactsPane, w.chatPane);
  w.panel = h('div', {
    id: `${w.uid}-panel`, class: 'wa-panel', 'data-testid': 'wa-panel', role: 'dialog', 'aria-modal': 'false',
    'aria-labelledby': w.ids.title, tabindex: '-1', hidden: true, 'data-view': 'list',
  }, w.header, w.modeBanner, w.alertsBox, w.body, w.simSheet, w.bulkSheet, w.loginSheet);

  w.root = h('div', { class: 'wa-root', 'data-testid': 'wa-widget', 'data-open': 'false' }, w.panel, w.launcher);
  w.container.appendChild(w.root);
}
