-- Several business numbers (issue 16). Keep in step with the other backend's folder.
--
-- A contact belongs to (business number, customer): the same customer writing to two numbers is
-- two contacts, two conversations, two customer service windows, as Meta keeps them. The number
-- is Meta's `phone_number_id`; '' is "no number known" (contacts from before this migration,
-- which the server gives to its environment's number when it starts).
ALTER TABLE whatsapp_contacts ADD COLUMN phone_number_id TEXT NOT NULL DEFAULT '';
ALTER TABLE whatsapp_contacts DROP CONSTRAINT whatsapp_contacts_wa_id_key;
ALTER TABLE whatsapp_contacts DROP CONSTRAINT whatsapp_contacts_user_id_key;
ALTER TABLE whatsapp_contacts ADD CONSTRAINT whatsapp_contacts_number_wa_id UNIQUE (phone_number_id, wa_id);
ALTER TABLE whatsapp_contacts ADD CONSTRAINT whatsapp_contacts_number_user_id UNIQUE (phone_number_id, user_id);
DROP INDEX whatsapp_contacts_number_only;
CREATE UNIQUE INDEX whatsapp_contacts_number_only ON whatsapp_contacts (phone_number_id, phone_number)
    WHERE wa_id IS NULL AND user_id IS NULL;
-- One number's list (the widget's number switcher).
CREATE INDEX whatsapp_contacts_number_list ON whatsapp_contacts
    (phone_number_id, is_pinned DESC, (last_message_time IS NULL), last_message_time DESC, id DESC);
-- Lookups by wa_id or BSUID across numbers (erasure, the batch read of a delivery's customers).
CREATE INDEX whatsapp_contacts_wa_id ON whatsapp_contacts (wa_id);
CREATE INDEX whatsapp_contacts_user_id ON whatsapp_contacts (user_id);

-- A number's settings beside its account state from Meta's webhooks. A row with `configured`
-- is a number this server sends and receives for (added through /api/whatsapp/numbers); other
-- rows only record what Meta said about a number. `app_secret` is the Meta app's secret when
-- the number's webhooks come from another app than the environment's.
ALTER TABLE whatsapp_numbers ADD COLUMN configured BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE whatsapp_numbers ADD COLUMN label TEXT;
ALTER TABLE whatsapp_numbers ADD COLUMN messages_per_second INTEGER;
ALTER TABLE whatsapp_numbers ADD COLUMN pair_interval_ms BIGINT;
ALTER TABLE whatsapp_numbers ADD COLUMN app_secret TEXT;
ALTER TABLE whatsapp_numbers ADD COLUMN created_at TIMESTAMP;

-- The number a queued item is sent from; NULL is the default (first) number.
ALTER TABLE whatsapp_queue ADD COLUMN phone_number_id TEXT;
