/**
 * wacloud operator widget: Opening and closing the panel, narrow-screen views, and the server's health.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { append, h, icon } from './dom.js';

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  // ---- Open / close / views -----------------------------------------------------------------

  w.open = function open() {
    if (w.state.open || w.state.destroyed) return;
    w.state.open = true;
    w.panel.hidden = false;
    w.root.dataset.open = 'true';
    w.launcher.setAttribute('aria-expanded', 'true');
    w.renderLauncher();
    w.panel.focus({ preventScroll: true });
    if (w.state.active) w.loadChat(false).catch(w.onChatError);
    w.pollSoon(0);
  };

  w.close = function close() {
    if (!w.state.open) return;
    w.state.open = false;
    w.panel.hidden = true;
    w.root.dataset.open = 'false';
    w.launcher.setAttribute('aria-expanded', 'false');
    w.renderLauncher();
    w.launcher.focus({ preventScroll: true });
  };

  w.toggle = function toggle() { if (w.state.open) w.close(); else w.open(); };

  w.setView = function setView(view) {
    w.state.view = view;
    w.panel.dataset.view = view;
  };

  w.showList = function showList() {
    w.setView('list');
    const key = w.state.active && w.state.active.key;
    w.state.active = null;
    w.state.chatGen++;
    w.syncSearchHere();
    w.renderChat();
    w.renderContacts();
    if (key) {
      const btn = w.contactList.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (btn) btn.focus({ preventScroll: false });
    }
  };

  // ---- Health -------------------------------------------------------------------------------

  w.computeHealthState = function computeHealthState(hlth, error) {
    if (!hlth && !error) return 'loading';
    if (error || !hlth || hlth.status === 'down') return 'error';
    if (hlth.mode === 'sandbox') return 'sandbox';
    return hlth.is_configured ? 'live' : 'not-configured';
  };

  w.refreshHealth = async function refreshHealth() {
    w.state.lastHealthAt = Date.now();
    try {
      w.state.health = await w.request('GET', '/health');
      w.state.healthError = null;
    } catch (err) {
      // A 503 with a JSON body still tells us the server is there but unhealthy.
      w.state.health = null;
      w.state.healthError = err;
    }
    w.renderHealth();
  };

  w.renderHealth = function renderHealth() {
    const hs = w.state.connError && !w.state.healthError ? 'error' : w.computeHealthState(w.state.health, w.state.healthError);
    w.state.healthState = hs;
    w.root.dataset.mode = hs;
    w.statusPill.dataset.state = hs;
    w.statusLabel.textContent = w.STATE_TEXT[hs] || hs;
    const hl = w.state.health;
    w.statusPill.title = (hl && hl.message) || (w.state.healthError && w.state.healthError.message) || '';
    const number = w.selectedNumber();
    w.businessLine.textContent = number && number.display_phone_number ? String(number.display_phone_number)
      : hl && hl.display_phone_number ? String(hl.display_phone_number) : 'Business inbox';

    w.modeBanner.replaceChildren();
    w.modeBanner.className = `wa-banner wa-banner--${hs}`;
    if (hs === 'sandbox') {
      append(w.modeBanner, [
        icon('flask', 'wa-banner-icon'),
        h('span', { class: 'wa-banner-text' },
          h('strong', { text: 'Sandbox' }), ' \u2014 messages go to a local Meta stand-in',
          h('span', { class: 'wa-wide-only', text: ', not to real WhatsApp users' }), '.'),
        h('button', {
          type: 'button', class: 'wa-btn wa-btn--small', 'data-testid': 'wa-simulate-open',
          'aria-label': 'Simulate a customer writing in', onclick: () => w.openSimulate(),
        }, icon('person', 'wa-btn-icon'), 'Simulate', h('span', { class: 'wa-wide-only', text: ' customer' })),
      ]);
    } else if (hs === 'not-configured') {
      append(w.modeBanner, [icon('warning', 'wa-banner-icon'), h('span', { class: 'wa-banner-text' },
        h('strong', { text: 'Not configured' }), ' \u2014 ',
        (hl && hl.message) || 'set WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_API_TOKEN to talk to Meta.')]);
    } else if (hs === 'error') {
      const why = w.state.connError ? w.state.connError.message
        : w.state.healthError ? w.state.healthError.message
          : (hl && hl.message) || 'The server reports that it is down.';
      append(w.modeBanner, [icon('error', 'wa-banner-icon'), h('span', { class: 'wa-banner-text' },
        h('strong', { text: 'Error' }), ' \u2014 ', why)]);
    }
    w.modeBanner.hidden = !(hs === 'sandbox' || hs === 'not-configured' || hs === 'error');
    if (hs !== 'sandbox' && w.state.simulateOpen) w.closeSimulate();

    const alerts = Array.isArray(hl && hl.alerts) ? hl.alerts : [];
    w.alertsBox.replaceChildren();
    for (const a of alerts) {
      const msg = typeof a === 'string' ? a : (a && (a.message || a.code)) || 'Alert';
      w.alertsBox.appendChild(h('div', { class: 'wa-alert', 'data-testid': 'wa-alert', 'data-code': a && a.code ? String(a.code) : null },
        icon('warning', 'wa-banner-icon'), h('span', { class: 'wa-banner-text', text: msg })));
    }
    if (!alerts.length && hl && hl.status === 'degraded' && hl.message) {
      w.alertsBox.appendChild(h('div', { class: 'wa-alert', 'data-testid': 'wa-alert' },
        icon('warning', 'wa-banner-icon'), h('span', { class: 'wa-banner-text', text: String(hl.message) })));
    }
    w.alertsBox.hidden = w.alertsBox.children.length === 0;
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.STATE_TEXT = { live: 'Live', sandbox: 'Sandbox', 'not-configured': 'Not configured', error: 'Error', loading: 'Connecting…' };
}
