/**
 * wacloud operator widget: Operators' login and logout, then starting everything and the controller.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { normalisePhone } from './format.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  // ---- Operators' login ---------------------------------------------------------------------
  //
  // The session is an HttpOnly cookie the server sets: the page never sees it. A 401
  // `login_required` from any request shows the login sheet; after a login everything is read
  // again.

  w.renderAuth = function renderAuth() {
    const op = w.state.auth.operator;
    w.operatorBox.hidden = !op;
    w.viewBar.hidden = !op;
    w.renderNotifyButton();
    w.operatorName.textContent = op ? String(op.display_name || op.email || '') : '';
    w.operatorName.title = op ? `${op.email || ''} (${op.role || ''})` : '';
    w.logoutBtn.title = op ? `Log out ${op.display_name || op.email || ''}` : '';
    const show = w.state.auth.required && !op;
    w.loginSheet.hidden = !show;
    w.renderTools();
    const was = w.root.dataset.auth;
    w.root.dataset.auth = op ? 'operator' : (w.state.auth.required ? 'login' : 'open');
    // The host page (the dashboard's statistics) reads again, or forgets, with the operator.
    if (was && was !== w.root.dataset.auth) {
      document.dispatchEvent(new CustomEvent('wacloud:auth', { detail: { operator: op ? String(op.display_name || '') : null } }));
    }
  };

  w.forgetData = function forgetData() {
    w.state.contacts = [];
    w.state.contactsLoaded = false;
    w.state.messages.clear();
    w.state.active = null;
    w.state.chatGen++;
    w.setView('list');
    w.renderContacts();
    w.renderChat();
    w.forgetTools();
  };

  w.needLogin = function needLogin() {
    const wasIn = !!w.state.auth.operator;
    w.state.auth.required = true;
    w.state.auth.operator = null;
    w.stopLive();
    if (wasIn) w.forgetData();
    w.renderAuth();
    if (w.state.open && !w.loginSheet.hidden) w.loginEmail.focus({ preventScroll: true });
  };

  w.refreshMe = async function refreshMe() {
    try {
      const me = await w.request('GET', '/auth/me');
      w.state.auth.operator = (me && me.operator) || null;
      // A program's key (`api_key`) or the open mode (`local`) needs no login form.
      w.state.auth.required = !!(me && me.login_required && me.operator);
      w.loadAssignees();
    } catch {
      // 401 `login_required` already showed the form; anything else: the server predates
      // operators or is down, which the health check reports.
    }
    w.renderAuth();
  };

  w.logout = async function logout() {
    try {
      await w.request('POST', '/auth/logout');
    } catch {
      // Logged out already, or the server is away: forget the data either way.
    }
    w.needLogin();
    w.forgetData();
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.loginForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (w.state.auth.busy) return;
    const email = w.loginEmail.value.trim();
    const password = w.loginPassword.value;
    w.loginError.hidden = true;
    if (!email || !password) {
      w.showFormError(w.loginError, 'Enter your e-mail address and password.');
      return;
    }
    w.state.auth.busy = true;
    w.loginSubmit.disabled = true;
    try {
      const me = await w.request('POST', '/auth/login', { body: { email, password } });
      w.loginPassword.value = '';
      w.state.auth.operator = (me && me.operator) || null;
      w.state.auth.required = true;
      w.state.seenUnread = null;
      w.renderAuth();
      w.loadAssignees();
      w.state.lastHealthAt = 0;
      w.startLive();
      w.pollSoon(0);
    } catch (err) {
      w.loginPassword.value = '';
      w.showFormError(w.loginError, err && err.message ? err.message : 'Could not log in.');
    } finally {
      w.state.auth.busy = false;
      w.loginSubmit.disabled = false;
    }
  });

  // ---- Start ---------------------------------------------------------------------------------

  w.renderHealth();
  w.renderLauncher();
  w.renderChat();
  w.updateComposer();
  w.loadBatches();
  w.renderBatches();
  if (w.opts.startOpen) w.open();
  w.refreshHealth();
  w.renderAuth();
  // Whether to log in first; the list is read meanwhile (a 401 shows the form).
  w.refreshMe().then(() => { w.startLive(); });
  w.pollSoon(0);

  w.controller = {
    element: w.root,
    open: w.open,
    close: w.close,
    toggle: w.toggle,
    /** Opens the conversation with `phone` (E.164, with or without `+`, or a BSUID). */
    openChat: (phone) => w.openChat(normalisePhone(phone), null),
    /** Polls now instead of waiting for the next tick. */
    refresh: () => { w.state.lastHealthAt = 0; w.pollSoon(0); },
    /** Stops live updates and polling and removes the widget from the page. */
    destroy() {
      w.state.destroyed = true;
      w.stopLive();
      clearTimeout(w.live.retryTimer);
      clearTimeout(w.timer);
      clearTimeout(w.searchTimer);
      document.removeEventListener('visibilitychange', w.onVisibility);
      w.root.remove();
    },
    get state() {
      return {
        open: w.state.open, mode: w.state.healthState, unread: w.state.totalUnread, active: w.state.active && w.state.active.key, live: w.live.on,
        operator: w.state.auth.operator ? w.state.auth.operator.display_name : null, loginRequired: w.state.auth.required && !w.state.auth.operator,
        view: w.state.inbox.view, status: w.state.inbox.status, notified: w.state.notified,
        conversation: w.state.inbox.conversation ? { ...w.state.inbox.conversation } : null,
      };
    },
  };
}
