/**
 * wacloud operator widget: Media in the conversation: attach a file (button, drag and drop,
 * paste) with a preview before it goes, and show what a message carries (photos and stickers
 * inline, video and audio in a player, documents to download) through
 * `GET /messages/{id}/media`.
 *
 * Files go up with `POST /media` (the server checks Meta's type and size limits and answers a
 * media id), then `POST /send` with that id. Everything fetched becomes a `blob:` URL of this
 * page: nothing is loaded from anywhere but the wacloud server.
 *
 * Every part shares one object `w` (state, elements and functions); see whatsapp-widget.js.
 */

import { h, icon } from './dom.js';

/** Meta's limits by kind (Cloud API "Supported media types"), checked before uploading. */
const LIMITS = { image: 5 * 1024 * 1024, video: 16 * 1024 * 1024, audio: 16 * 1024 * 1024, document: 100 * 1024 * 1024, sticker: 500 * 1024 };

/** The message kind a file goes as, by its type. */
export function mediaKind(type) {
  const t = String(type || '').toLowerCase();
  if (t === 'image/webp') return 'sticker';
  if (t === 'image/jpeg' || t === 'image/png') return 'image';
  if (t === 'video/mp4' || t === 'video/3gpp') return 'video';
  if (t.startsWith('audio/')) return 'audio';
  return 'document';
}

/** A size for people: 1.2 MB, 340 KB. */
export function formatSize(bytes) {
  const n = Number(bytes) || 0;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** Defines this part's functions on `w` (every part's, before any part runs). */
export function define(w) {
  // ---- Attach ------------------------------------------------------------------------------

  w.attachFile = function attachFile(file) {
    if (!file || !w.state.active) return;
    const kind = mediaKind(file.type);
    w.sendError.hidden = true;
    if (file.size > LIMITS[kind]) {
      w.showSendError(`${file.name}: WhatsApp takes a ${kind} of at most ${formatSize(LIMITS[kind])}; this one is ${formatSize(file.size)}.`);
      return;
    }
    w.clearAttachment();
    const url = kind === 'image' || kind === 'sticker' ? URL.createObjectURL(file) : null;
    w.state.attachment = { file, kind, url, key: w.state.active.key };
    w.attachBar.replaceChildren(
      url ? h('img', { class: 'wa-attach-thumb', src: url, alt: '' }) : h('span', { class: 'wa-attach-icon', 'aria-hidden': 'true' }, icon(kind === 'sticker' ? 'sticker' : kind)),
      h('span', { class: 'wa-attach-name' },
        h('span', { 'data-testid': 'wa-attach-name', dir: 'auto', text: file.name || 'file' }),
        h('span', { class: 'wa-attach-size', text: ` \u00b7 ${formatSize(file.size)}` })),
      h('button', { type: 'button', class: 'wa-icon-btn', 'data-testid': 'wa-attach-cancel', 'aria-label': 'Remove the attachment', title: 'Remove the attachment',
        onclick: () => { w.clearAttachment(); w.input.focus({ preventScroll: true }); } }, icon('close')));
    w.attachBar.hidden = false;
    w.input.placeholder = kind === 'audio' || kind === 'sticker' ? 'Press Enter to send' : 'Add a caption (optional)';
    w.updateComposer();
    w.input.focus({ preventScroll: true });
  };

  w.clearAttachment = function clearAttachment() {
    const a = w.state.attachment;
    if (a && a.url) URL.revokeObjectURL(a.url);
    w.state.attachment = null;
    w.attachBar.hidden = true;
    w.attachBar.replaceChildren();
    w.input.placeholder = 'Type a message';
    w.updateComposer();
  };

  /** Uploads the attachment and sends it, the composer's text as its caption. */
  w.sendAttachment = async function sendAttachment() {
    const a = w.state.attachment;
    if (!a || !w.state.active || w.state.sending || a.key !== w.state.active.key) return;
    const gen = w.state.chatGen;
    const caption = w.input.value.trim();
    w.state.sending = true;
    w.sendError.hidden = true;
    w.updateComposer();
    try {
      const form = new FormData();
      form.append('file', a.file, a.file.name || 'file');
      const up = await (await w.rawRequest('POST', '/media', { body: form })).json();
      const body = { phone_number: a.key, type: a.kind, media: { id: up.media_id }, ...w.replyFields() };
      if (caption && ['image', 'video', 'document'].includes(a.kind)) body.caption = caption;
      if (a.kind === 'document' && a.file.name) body.filename = a.file.name;
      const res = await w.request('POST', '/send', { body });
      if (gen !== w.state.chatGen) return;
      w.clearAttachment();
      w.clearReply();
      w.input.value = '';
      if (res && res.message && res.message.id) w.mergeMessages([res.message]);
      w.renderMessages('end');
    } catch (err) {
      if (gen !== w.state.chatGen) return;
      w.showSendError(err.message);
    } finally {
      w.state.sending = false;
      w.updateComposer();
      w.pollSoon(300);
    }
  };

  // ---- Show --------------------------------------------------------------------------------

  /** The message's media as a `blob:` URL (fetched once per message), or an error. */
  w.mediaUrl = function mediaUrl(m) {
    let p = w.mediaUrls.get(m.id);
    if (!p) {
      p = w.rawRequest('GET', `/messages/${encodeURIComponent(m.id)}/media`)
        .then((res) => res.blob())
        .then((blob) => URL.createObjectURL(blob));
      p.catch(() => w.mediaUrls.delete(m.id));
      w.mediaUrls.set(m.id, p);
    }
    return p;
  };

  /**
   * What a media message shows besides its label: the photo or sticker itself, a button that
   * loads a video or audio player, a button that downloads a document. `null` for a message
   * whose media wacloud cannot fetch (sent by link, or not a media message).
   */
  w.mediaView = function mediaView(m, type) {
    const media = m.media && typeof m.media === 'object' ? m.media : null;
    if (!media || !media.id || m._local || !['image', 'sticker', 'video', 'audio', 'document'].includes(type)) return null;
    const box = h('div', { class: `wa-media-view wa-media-view--${type}`, 'data-testid': 'wa-media-view' });
    const failed = (err) => box.replaceChildren(h('span', { class: 'wa-media-missing', 'data-testid': 'wa-media-missing', text: err.message }));
    if (type === 'image' || type === 'sticker') {
      const alt = type === 'sticker' ? 'Sticker' : (m.message_text ? `Photo: ${m.message_text}` : 'Photo');
      w.mediaUrl(m).then((url) => {
        // A photo that loads while the chat is at its end keeps the chat at its end.
        const el = w.messagesScroll;
        const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        const img = h('img', { class: 'wa-media-img', 'data-testid': 'wa-media-img', src: url, alt });
        img.addEventListener('load', () => { if (atEnd) el.scrollTop = el.scrollHeight; }, { once: true });
        box.replaceChildren(img);
      }, failed);
      return box;
    }
    if (type === 'video' || type === 'audio') {
      const play = h('button', { type: 'button', class: 'wa-inline-btn', 'data-testid': 'wa-media-play', text: type === 'video' ? 'Play video' : 'Play audio',
        onclick: () => w.mediaUrl(m).then((url) => {
          const player = h(type, { class: `wa-media-${type}`, 'data-testid': 'wa-media-player', src: url, controls: true, preload: 'metadata' });
          box.replaceChildren(player);
          player.focus({ preventScroll: true });
        }, failed) });
      box.appendChild(play);
      return box;
    }
    const name = media.filename || 'document';
    box.appendChild(h('button', { type: 'button', class: 'wa-inline-btn', 'data-testid': 'wa-media-download', 'aria-label': `Download ${name}`,
      onclick: () => w.mediaUrl(m).then((url) => {
        const a = h('a', { href: url, download: name, hidden: true });
        document.body.appendChild(a);
        a.click();
        a.remove();
      }, failed) }, icon('download', 'wa-inline-icon'), 'Download'));
    return box;
  };

  /** Lets go of the fetched files when the conversation changes. */
  w.forgetMedia = function forgetMedia() {
    for (const p of w.mediaUrls.values()) p.then((url) => URL.revokeObjectURL(url), () => {});
    w.mediaUrls.clear();
  };
}

/** Builds and wires this part (parts run in order). */
export function install(w) {
  w.state.attachment = null;
  w.mediaUrls = new Map();
  w.attachInput = h('input', { type: 'file', class: 'wa-attach-input', 'data-testid': 'wa-attach-input', tabindex: '-1', 'aria-hidden': 'true',
    accept: 'image/jpeg,image/png,image/webp,video/mp4,video/3gpp,audio/*,application/pdf,text/plain,application/msword,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.ms-excel,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-powerpoint,application/vnd.openxmlformats-officedocument.presentationml.presentation' });
  w.attachInput.addEventListener('change', () => {
    const f = w.attachInput.files && w.attachInput.files[0];
    w.attachInput.value = '';
    if (f) w.attachFile(f);
  });
  w.attachBtn = h('button', { type: 'button', class: 'wa-icon-btn wa-composer-tool', 'data-testid': 'wa-attach', 'aria-label': 'Attach a file', title: 'Attach a photo, video, audio or document (or drop or paste it here)',
    onclick: () => w.attachInput.click() }, icon('attach'));
  const row = w.composer.querySelector('.wa-composer-row');
  row.insertBefore(w.attachBtn, row.firstChild);
  row.appendChild(w.attachInput);
  w.attachBar = h('div', { class: 'wa-attach-bar', 'data-testid': 'wa-attach-bar', hidden: true });
  w.composer.insertBefore(w.attachBar, row);

  // Drop a file on the conversation, or paste one into the composer.
  w.chatView.addEventListener('dragover', (ev) => {
    if (ev.dataTransfer && [...ev.dataTransfer.types].includes('Files')) { ev.preventDefault(); w.chatView.classList.add('wa-drop'); }
  });
  w.chatView.addEventListener('dragleave', (ev) => { if (!w.chatView.contains(ev.relatedTarget)) w.chatView.classList.remove('wa-drop'); });
  w.chatView.addEventListener('drop', (ev) => {
    w.chatView.classList.remove('wa-drop');
    const f = ev.dataTransfer && ev.dataTransfer.files && ev.dataTransfer.files[0];
    if (f) { ev.preventDefault(); w.attachFile(f); }
  });
  w.input.addEventListener('paste', (ev) => {
    const f = ev.clipboardData && ev.clipboardData.files && ev.clipboardData.files[0];
    if (f) { ev.preventDefault(); w.attachFile(f); }
  });
}
