-- GET /stats answers from counts kept by triggers in the transactions that change the counted
-- rows, instead of counting every message on each call. Keep in step with the other backend's
-- folder (PostgreSQL records deltas that a background job folds in; SQLite's writes are
-- serialized, so here the triggers add to whatsapp_counts directly and whatsapp_count_deltas
-- stays empty).
--
-- One row per combination that /stats groups by:
--   subject 'message': kind = message_type, direction, state = status, is_read
--   subject 'contact': contacts not merged into another (kind, direction, state empty)
--   subject 'queue':   state = the item's state
--   subject 'webhook': state = the delivery's state
CREATE TABLE whatsapp_counts (
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    state TEXT NOT NULL,
    is_read BOOLEAN NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (subject, kind, direction, state, is_read)
);

CREATE TABLE whatsapp_count_deltas (
    id BIGINT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    state TEXT NOT NULL,
    is_read BOOLEAN NOT NULL,
    n BIGINT NOT NULL
);

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

-- What the database holds already.
INSERT INTO whatsapp_counts
    SELECT 'message', message_type, direction, status, is_read, COUNT(*) FROM whatsapp_messages
    GROUP BY message_type, direction, status, is_read;
INSERT INTO whatsapp_counts
    SELECT 'contact', '', '', '', FALSE, COUNT(*) FROM whatsapp_contacts WHERE merged_into IS NULL;
INSERT INTO whatsapp_counts
    SELECT 'queue', '', '', state, FALSE, COUNT(*) FROM whatsapp_queue GROUP BY state;
INSERT INTO whatsapp_counts
    SELECT 'webhook', '', '', state, FALSE, COUNT(*) FROM whatsapp_webhooks GROUP BY state;
