-- Secrets a subscription signed with before its newest previous one (`previous_secret`), each
-- still signing until its own time: a JSON list, newest first, of {"secret", "until" (RFC 3339)},
-- at most 4 (with `previous_secret`, five previous secrets). NULL for none. Kept in step with
-- the other backend's folder.
ALTER TABLE whatsapp_subscriptions ADD COLUMN older_secrets TEXT;
