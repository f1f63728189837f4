ALTER TABLE whatsapp_queue DROP COLUMN phone_number_id;
ALTER TABLE whatsapp_numbers DROP COLUMN created_at;
ALTER TABLE whatsapp_numbers DROP COLUMN app_secret;
ALTER TABLE whatsapp_numbers DROP COLUMN pair_interval_ms;
ALTER TABLE whatsapp_numbers DROP COLUMN messages_per_second;
ALTER TABLE whatsapp_numbers DROP COLUMN label;
ALTER TABLE whatsapp_numbers DROP COLUMN configured;

CREATE TABLE whatsapp_contacts_one_number (
    id TEXT PRIMARY KEY NOT NULL,
    wa_id TEXT UNIQUE,
    user_id TEXT UNIQUE,
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
    merged_into TEXT
);
-- Contacts of other numbers than the first one kept for each customer do not fit one number.
INSERT OR IGNORE INTO whatsapp_contacts_one_number
SELECT id, wa_id, user_id, phone_number, display_name, profile_name, username, business_name,
     is_verified, is_blocked, is_pinned, tags, unread_count, last_message_time,
     last_message_preview, last_message_direction, last_inbound_at, marketing_opt_out,
     undeliverable_at, created_at, updated_at, merged_into
FROM whatsapp_contacts ORDER BY created_at;
DROP TABLE whatsapp_contacts;
ALTER TABLE whatsapp_contacts_one_number RENAME TO whatsapp_contacts;
CREATE INDEX whatsapp_contacts_phone ON whatsapp_contacts (phone_number);
CREATE UNIQUE INDEX whatsapp_contacts_number_only ON whatsapp_contacts (phone_number)
    WHERE wa_id IS NULL AND user_id IS NULL;
CREATE INDEX whatsapp_contacts_list ON whatsapp_contacts
    (is_pinned DESC, (last_message_time IS NULL), last_message_time DESC, id DESC);
CREATE INDEX whatsapp_contacts_unread ON whatsapp_contacts (unread_count)
    WHERE unread_count > 0 AND merged_into IS NULL;
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
