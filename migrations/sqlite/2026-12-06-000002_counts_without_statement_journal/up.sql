-- The counting triggers of 2026-12-06-000001_counts, rewritten so that no statement on a
-- counted table needs a statement journal.
--
-- SQLite opens a statement journal (a copy of every page the statement changes that the
-- transaction had already changed) for each statement that writes more than one row or table —
-- a trigger makes every INSERT and UPDATE on its table one — and that could fail half-way with
-- ABORT. An upsert (`ON CONFLICT DO UPDATE`) and a NOT NULL column can abort, so with the first
-- triggers every webhook, message and status write copied pages it did not need to, inside the
-- writer's group-commit transaction. Here each count changes by `INSERT OR IGNORE` (the row,
-- with n = 0, if it is new) and `UPDATE OR IGNORE` (the change), which cannot abort; the hot
-- statements of ingestion use `OR IGNORE` too (`crates/store/src/repo/batch.rs`), so nothing in
-- them can abort and SQLite skips the journal. The counts are the same. A decrement needs no
-- insert: the combination a counted row leaves was counted when the row entered it (or by the
-- first migration), and count rows are never deleted.

-- Messages.
DROP TRIGGER whatsapp_messages_count_insert;
CREATE TRIGGER whatsapp_messages_count_insert AFTER INSERT ON whatsapp_messages
BEGIN
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('message', NEW.message_type, NEW.direction, NEW.status, NEW.is_read, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + 1
        WHERE subject = 'message' AND kind = NEW.message_type AND direction = NEW.direction AND state = NEW.status AND is_read = NEW.is_read;
END;

DROP TRIGGER whatsapp_messages_count_update;
CREATE TRIGGER whatsapp_messages_count_update AFTER UPDATE OF message_type, direction, status, is_read ON whatsapp_messages
    WHEN OLD.message_type IS NOT NEW.message_type OR OLD.direction IS NOT NEW.direction
      OR OLD.status IS NOT NEW.status OR OLD.is_read IS NOT NEW.is_read
BEGIN
    UPDATE OR IGNORE whatsapp_counts SET n = n - 1
        WHERE subject = 'message' AND kind = OLD.message_type AND direction = OLD.direction AND state = OLD.status AND is_read = OLD.is_read;
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('message', NEW.message_type, NEW.direction, NEW.status, NEW.is_read, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + 1
        WHERE subject = 'message' AND kind = NEW.message_type AND direction = NEW.direction AND state = NEW.status AND is_read = NEW.is_read;
END;

DROP TRIGGER whatsapp_messages_count_delete;
CREATE TRIGGER whatsapp_messages_count_delete AFTER DELETE ON whatsapp_messages
BEGIN
    UPDATE OR IGNORE whatsapp_counts SET n = n - 1
        WHERE subject = 'message' AND kind = OLD.message_type AND direction = OLD.direction AND state = OLD.status AND is_read = OLD.is_read;
END;

-- Contacts that are not merged into another.
DROP TRIGGER whatsapp_contacts_count_insert;
CREATE TRIGGER whatsapp_contacts_count_insert AFTER INSERT ON whatsapp_contacts
    WHEN NEW.merged_into IS NULL
BEGIN
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('contact', '', '', '', FALSE, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + 1
        WHERE subject = 'contact' AND kind = '' AND direction = '' AND state = '' AND is_read = FALSE;
END;

DROP TRIGGER whatsapp_contacts_count_update;
CREATE TRIGGER whatsapp_contacts_count_update AFTER UPDATE OF merged_into ON whatsapp_contacts
    WHEN (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL)
BEGIN
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('contact', '', '', '', FALSE, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + IIF(NEW.merged_into IS NULL, 1, -1)
        WHERE subject = 'contact' AND kind = '' AND direction = '' AND state = '' AND is_read = FALSE;
END;

DROP TRIGGER whatsapp_contacts_count_delete;
CREATE TRIGGER whatsapp_contacts_count_delete AFTER DELETE ON whatsapp_contacts
    WHEN OLD.merged_into IS NULL
BEGIN
    UPDATE OR IGNORE whatsapp_counts SET n = n - 1
        WHERE subject = 'contact' AND kind = '' AND direction = '' AND state = '' AND is_read = FALSE;
END;

-- Queue items by state.
DROP TRIGGER whatsapp_queue_count_insert;
CREATE TRIGGER whatsapp_queue_count_insert AFTER INSERT ON whatsapp_queue
BEGIN
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('queue', '', '', NEW.state, FALSE, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + 1
        WHERE subject = 'queue' AND kind = '' AND direction = '' AND state = NEW.state AND is_read = FALSE;
END;

DROP TRIGGER whatsapp_queue_count_update;
CREATE TRIGGER whatsapp_queue_count_update AFTER UPDATE OF state ON whatsapp_queue
    WHEN OLD.state IS NOT NEW.state
BEGIN
    UPDATE OR IGNORE whatsapp_counts SET n = n - 1
        WHERE subject = 'queue' AND kind = '' AND direction = '' AND state = OLD.state AND is_read = FALSE;
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('queue', '', '', NEW.state, FALSE, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + 1
        WHERE subject = 'queue' AND kind = '' AND direction = '' AND state = NEW.state AND is_read = FALSE;
END;

DROP TRIGGER whatsapp_queue_count_delete;
CREATE TRIGGER whatsapp_queue_count_delete AFTER DELETE ON whatsapp_queue
BEGIN
    UPDATE OR IGNORE whatsapp_counts SET n = n - 1
        WHERE subject = 'queue' AND kind = '' AND direction = '' AND state = OLD.state AND is_read = FALSE;
END;

-- Webhook deliveries by state.
DROP TRIGGER whatsapp_webhooks_count_insert;
CREATE TRIGGER whatsapp_webhooks_count_insert AFTER INSERT ON whatsapp_webhooks
BEGIN
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('webhook', '', '', NEW.state, FALSE, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + 1
        WHERE subject = 'webhook' AND kind = '' AND direction = '' AND state = NEW.state AND is_read = FALSE;
END;

DROP TRIGGER whatsapp_webhooks_count_update;
CREATE TRIGGER whatsapp_webhooks_count_update AFTER UPDATE OF state ON whatsapp_webhooks
    WHEN OLD.state IS NOT NEW.state
BEGIN
    UPDATE OR IGNORE whatsapp_counts SET n = n - 1
        WHERE subject = 'webhook' AND kind = '' AND direction = '' AND state = OLD.state AND is_read = FALSE;
    INSERT OR IGNORE INTO whatsapp_counts VALUES ('webhook', '', '', NEW.state, FALSE, 0);
    UPDATE OR IGNORE whatsapp_counts SET n = n + 1
        WHERE subject = 'webhook' AND kind = '' AND direction = '' AND state = NEW.state AND is_read = FALSE;
END;

DROP TRIGGER whatsapp_webhooks_count_delete;
CREATE TRIGGER whatsapp_webhooks_count_delete AFTER DELETE ON whatsapp_webhooks
BEGIN
    UPDATE OR IGNORE whatsapp_counts SET n = n - 1
        WHERE subject = 'webhook' AND kind = '' AND direction = '' AND state = OLD.state AND is_read = FALSE;
END;
