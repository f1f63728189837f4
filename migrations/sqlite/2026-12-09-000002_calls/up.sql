-- Calls (issue 17, WhatsApp Business Calling): one row per call (Meta's call id, `wacid.…`),
-- folded from the `calls` webhook's `connect` and `terminate` events and its call `statuses`
-- (`wacloud_core::calls::CallLog`); a redelivered event changes nothing. Keep in step with the
-- other backend's folder.
--
-- `direction`: `inbound` (USER_INITIATED) or `outbound` (BUSINESS_INITIATED).
-- `outcome`: `ringing`, `ongoing`, `answered`, `missed`, `rejected` or `failed`.
-- `status`: Meta's last call status (`RINGING`, `ACCEPTED`, `REJECTED`, `COMPLETED`, `FAILED`).
-- `events`: JSON list of what was seen (`connect`, `status:RINGING`, `terminate:COMPLETED`, …).
-- `duration_seconds`: Meta's `duration` on `terminate`, else `end_time - start_time` of an
-- answered call.
CREATE TABLE whatsapp_calls (
    id TEXT PRIMARY KEY NOT NULL,
    phone_number_id TEXT NOT NULL,
    contact_id TEXT,
    wa_id TEXT,
    direction TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status TEXT,
    started_at TIMESTAMP NOT NULL,
    connected_at TIMESTAMP,
    ended_at TIMESTAMP,
    duration_seconds BIGINT,
    events TEXT NOT NULL,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX whatsapp_calls_contact ON whatsapp_calls (contact_id, started_at);
-- The customer's answer to a call permission request (an `interactive`
-- `call_permission_reply` on `messages`): `requested` (wacloud sent a request, no answer yet),
-- `accept` or `reject`; when, and until when an acceptance lasts (`expiration_timestamp`).
ALTER TABLE whatsapp_contacts ADD COLUMN call_permission TEXT;
ALTER TABLE whatsapp_contacts ADD COLUMN call_permission_at TIMESTAMP;
ALTER TABLE whatsapp_contacts ADD COLUMN call_permission_expires_at TIMESTAMP;
