-- Several business numbers (issue 16). Keep in step with the other backend's folder.
--
-- A contact belongs to (business number, customer): the same customer writing to two numbers is
-- two contacts, two conversations, two customer service windows, as Meta keeps them. The number
-- is Meta's `phone_number_id`; '' is "no number known" (contacts from before this migration,
-- which the server gives to its environment's number when it starts).
--
-- SQLite cannot drop a column's UNIQUE, so the table is built again with the keys per number.
CREATE TABLE whatsapp_contacts_by_number (
    id TEXT PRIMARY KEY NOT NULL,
    wa_id TEXT,
    user_id TEXT,
    phone_number TEXT,
    display_name TEXT,
    profile_name TEXT,
    username TEXT,
    business_name TEXT,
    is_verified BOOLEAN NOT NULL DEFAULT FALSE,
    is_blocked BOOLEAN NOT NULL DEFAULT FALSE,
    is_pinned BOOLEAN NOT NULL DEFAULT FALSE,
    tags TEXT NOT NULL DEFAULT '[]',
    unread_count BIGINT NOT NULL DEFAULT 0,
    last_message_time TIMESTAMP,
    last_message_preview TEXT,
    last_message_direction TEXT,
    last_inbound_at TIMESTAMP,
    marketing_opt_out BOOLEAN NOT NULL DEFAULT FALSE,
    undeliverable_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    merged_into TEXT,
    phone_number_id TEXT NOT NULL DEFAULT '',
    UNIQUE (phone_number_id, wa_id),
    UNIQUE (phone_number_id, user_id)
);
INSERT INTO whatsapp_contacts_by_number
    (id, wa_id, user_id, phone_number, display_name, profile_name, username, business_name,
     is_verified, is_blocked, is_pinned, tags, unread_count, last_message_time,
     last_message_preview, last_message_direction, last_inbound_at, marketing_opt_out,
     undeliverable_at, created_at, updated_at, merged_into, phone_number_id)
SELECT id, wa_id, user_id, phone_number, display_name, profile_name, username, business_name,
     is_verified, is_blocked, is_pinned, tags, unread_count, last_message_time,
     last_message_preview, last_message_direction, last_inbound_at, marketing_opt_out,
     undeliverable_at, created_at, updated_at, merged_into, ''
FROM whatsapp_contacts;
DROP TABLE whatsapp_contacts;
ALTER TABLE whatsapp_contacts_by_number RENAME TO whatsapp_contacts;

CREATE INDEX whatsapp_contacts_phone ON whatsapp_contacts (phone_number);
CREATE UNIQUE INDEX whatsapp_contacts_number_only ON whatsapp_contacts (phone_number_id, phone_number)
    WHERE wa_id IS NULL AND user_id IS NULL;
CREATE INDEX whatsapp_contacts_list ON whatsapp_contacts
    (is_pinned DESC, (last_message_time IS NULL), last_message_time DESC, id DESC);
-- One number's list (the widget's number switcher).
CREATE INDEX whatsapp_contacts_number_list ON whatsapp_contacts
    (phone_number_id, is_pinned DESC, (last_message_time IS NULL), last_message_time DESC, id DESC);
CREATE INDEX whatsapp_contacts_unread ON whatsapp_contacts (unread_count)
    WHERE unread_count > 0 AND merged_into IS NULL;
-- Lookups by wa_id or BSUID across numbers (a phone in a path without `number`, erasure).
CREATE INDEX whatsapp_contacts_wa_id ON whatsapp_contacts (wa_id);
CREATE INDEX whatsapp_contacts_user_id ON whatsapp_contacts (user_id);

-- Contacts that are not merged into another (the triggers went with the old table).
CREATE TRIGGER whatsapp_contacts_count_insert AFTER INSERT ON whatsapp_contacts
    WHEN NEW.merged_into IS NULL
BEGIN
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('contact', '', '', '', FALSE, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + 1
        WHERE subject = 'contact' AND kind = '' AND direction = '' AND state = '' AND is_read = FALSE;
END;
CREATE TRIGGER whatsapp_contacts_count_update AFTER UPDATE OF merged_into ON whatsapp_contacts
    WHEN (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL)
BEGIN
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('contact', '', '', '', FALSE, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + IIF(NEW.merged_into IS NULL, 1, -1)
        WHERE subject = 'contact' AND kind = '' AND direction = '' AND state = '' AND is_read = FALSE;
END;
CREATE TRIGGER whatsapp_contacts_count_delete AFTER DELETE ON whatsapp_contacts
    WHEN OLD.merged_into IS NULL
BEGIN
    UPDATE OR IGNORE whatsapp_counts SET n = n - 1
        WHERE subject = 'contact' AND kind = '' AND direction = '' AND state = '' AND is_read = FALSE;
END;

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
