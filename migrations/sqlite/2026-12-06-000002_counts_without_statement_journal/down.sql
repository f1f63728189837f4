-- The upserting triggers of 2026-12-06-000001_counts again.
DROP TRIGGER whatsapp_messages_count_insert;
DROP TRIGGER whatsapp_messages_count_update;
DROP TRIGGER whatsapp_messages_count_delete;
DROP TRIGGER whatsapp_contacts_count_insert;
DROP TRIGGER whatsapp_contacts_count_update;
DROP TRIGGER whatsapp_contacts_count_delete;
DROP TRIGGER whatsapp_queue_count_insert;
DROP TRIGGER whatsapp_queue_count_update;
DROP TRIGGER whatsapp_queue_count_delete;
DROP TRIGGER whatsapp_webhooks_count_insert;
DROP TRIGGER whatsapp_webhooks_count_update;
DROP TRIGGER whatsapp_webhooks_count_delete;

-- Messages.
CREATE TRIGGER whatsapp_messages_count_insert AFTER INSERT ON whatsapp_messages BEGIN
    INSERT INTO whatsapp_counts VALUES ('message', NEW.message_type, NEW.direction, NEW.status, NEW.is_read, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER whatsapp_messages_count_update
    AFTER UPDATE OF message_type, direction, status, is_read ON whatsapp_messages
    WHEN OLD.message_type IS NOT NEW.message_type OR OLD.direction IS NOT NEW.direction
      OR OLD.status IS NOT NEW.status OR OLD.is_read IS NOT NEW.is_read
BEGIN
    INSERT INTO whatsapp_counts VALUES ('message', OLD.message_type, OLD.direction, OLD.status, OLD.is_read, -1)
        ON CONFLICT DO UPDATE SET n = n - 1;
    INSERT INTO whatsapp_counts VALUES ('message', NEW.message_type, NEW.direction, NEW.status, NEW.is_read, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER whatsapp_messages_count_delete AFTER DELETE ON whatsapp_messages BEGIN
    INSERT INTO whatsapp_counts VALUES ('message', OLD.message_type, OLD.direction, OLD.status, OLD.is_read, -1)
        ON CONFLICT DO UPDATE SET n = n - 1;
END;

-- Contacts that are not merged into another.
CREATE TRIGGER whatsapp_contacts_count_insert AFTER INSERT ON whatsapp_contacts
    WHEN NEW.merged_into IS NULL
BEGIN
    INSERT INTO whatsapp_counts VALUES ('contact', '', '', '', FALSE, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER whatsapp_contacts_count_update AFTER UPDATE OF merged_into ON whatsapp_contacts
    WHEN (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL)
BEGIN
    INSERT INTO whatsapp_counts VALUES ('contact', '', '', '', FALSE, IIF(NEW.merged_into IS NULL, 1, -1))
        ON CONFLICT DO UPDATE SET n = n + IIF(NEW.merged_into IS NULL, 1, -1);
END;
CREATE TRIGGER whatsapp_contacts_count_delete AFTER DELETE ON whatsapp_contacts
    WHEN OLD.merged_into IS NULL
BEGIN
    INSERT INTO whatsapp_counts VALUES ('contact', '', '', '', FALSE, -1)
        ON CONFLICT DO UPDATE SET n = n - 1;
END;

-- Queue items by state.
CREATE TRIGGER whatsapp_queue_count_insert AFTER INSERT ON whatsapp_queue BEGIN
    INSERT INTO whatsapp_counts VALUES ('queue', '', '', NEW.state, FALSE, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER whatsapp_queue_count_update AFTER UPDATE OF state ON whatsapp_queue
    WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO whatsapp_counts VALUES ('queue', '', '', OLD.state, FALSE, -1)
        ON CONFLICT DO UPDATE SET n = n - 1;
    INSERT INTO whatsapp_counts VALUES ('queue', '', '', NEW.state, FALSE, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER whatsapp_queue_count_delete AFTER DELETE ON whatsapp_queue BEGIN
    INSERT INTO whatsapp_counts VALUES ('queue', '', '', OLD.state, FALSE, -1)
        ON CONFLICT DO UPDATE SET n = n - 1;
END;

-- Webhook deliveries by state.
CREATE TRIGGER whatsapp_webhooks_count_insert AFTER INSERT ON whatsapp_webhooks BEGIN
    INSERT INTO whatsapp_counts VALUES ('webhook', '', '', NEW.state, FALSE, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER whatsapp_webhooks_count_update AFTER UPDATE OF state ON whatsapp_webhooks
    WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO whatsapp_counts VALUES ('webhook', '', '', OLD.state, FALSE, -1)
        ON CONFLICT DO UPDATE SET n = n - 1;
    INSERT INTO whatsapp_counts VALUES ('webhook', '', '', NEW.state, FALSE, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER whatsapp_webhooks_count_delete AFTER DELETE ON whatsapp_webhooks BEGIN
    INSERT INTO whatsapp_counts VALUES ('webhook', '', '', OLD.state, FALSE, -1)
        ON CONFLICT DO UPDATE SET n = n - 1;
END;
