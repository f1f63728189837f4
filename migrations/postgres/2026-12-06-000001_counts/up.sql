-- GET /stats answers from counts kept by triggers in the transactions that change the counted
-- rows, instead of counting every message on each call. Keep in step with the other backend's
-- folder.
--
-- Here the triggers only insert rows into whatsapp_count_deltas (one per combination a
-- statement changed), which never conflict: adding to a shared counter row instead would make
-- every writing transaction wait for the previous one's commit on that row, and two
-- transactions changing two counters in opposite order deadlock. The server's background job
-- folds the deltas into whatsapp_counts (Repos::fold_counts); a read adds both tables, so it is
-- right whether or not the fold has run.
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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    state TEXT NOT NULL,
    is_read BOOLEAN NOT NULL,
    n BIGINT NOT NULL
);

-- No writer may change a counted table between the count below and the triggers' first run
-- (another instance still running the previous version, during a rolling upgrade).
LOCK TABLE whatsapp_messages, whatsapp_contacts, whatsapp_queue, whatsapp_webhooks
    IN SHARE ROW EXCLUSIVE MODE;

-- Statement-level triggers with transition tables: one delta row per combination a statement
-- changed, not one per changed row. A trigger with transition tables serves one event, so each
-- table has three triggers calling one function.
CREATE FUNCTION whatsapp_messages_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO whatsapp_count_deltas (subject, kind, direction, state, is_read, n)
        SELECT 'message', message_type, direction, status, is_read, COUNT(*)
          FROM new_rows GROUP BY message_type, direction, status, is_read;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO whatsapp_count_deltas (subject, kind, direction, state, is_read, n)
        SELECT 'message', message_type, direction, status, is_read, -COUNT(*)
          FROM old_rows GROUP BY message_type, direction, status, is_read;
    ELSE
        INSERT INTO whatsapp_count_deltas (subject, kind, direction, state, is_read, n)
        SELECT 'message', message_type, direction, status, is_read, SUM(d) FROM (
            SELECT message_type, direction, status, is_read, 1 AS d FROM new_rows
            UNION ALL
            SELECT message_type, direction, status, is_read, -1 AS d FROM old_rows
        ) changed GROUP BY message_type, direction, status, is_read HAVING SUM(d) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION whatsapp_contacts_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT COUNT(*) INTO d FROM new_rows WHERE merged_into IS NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT -COUNT(*) INTO d FROM old_rows WHERE merged_into IS NULL;
    ELSE
        SELECT (SELECT COUNT(*) FROM new_rows WHERE merged_into IS NULL)
             - (SELECT COUNT(*) FROM old_rows WHERE merged_into IS NULL) INTO d;
    END IF;
    IF d <> 0 THEN
        INSERT INTO whatsapp_count_deltas (subject, kind, direction, state, is_read, n)
        VALUES ('contact', '', '', '', FALSE, d);
    END IF;
    RETURN NULL;
END $$;

-- Queue items and webhook deliveries, by state (TG_ARGV[0] names the subject).
CREATE FUNCTION whatsapp_state_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO whatsapp_count_deltas (subject, kind, direction, state, is_read, n)
        SELECT TG_ARGV[0], '', '', state, FALSE, COUNT(*) FROM new_rows GROUP BY state;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO whatsapp_count_deltas (subject, kind, direction, state, is_read, n)
        SELECT TG_ARGV[0], '', '', state, FALSE, -COUNT(*) FROM old_rows GROUP BY state;
    ELSE
        INSERT INTO whatsapp_count_deltas (subject, kind, direction, state, is_read, n)
        SELECT TG_ARGV[0], '', '', state, FALSE, SUM(d) FROM (
            SELECT state, 1 AS d FROM new_rows
            UNION ALL
            SELECT state, -1 AS d FROM old_rows
        ) changed GROUP BY state HAVING SUM(d) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER whatsapp_messages_count_insert AFTER INSERT ON whatsapp_messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_messages_count();
CREATE TRIGGER whatsapp_messages_count_update AFTER UPDATE ON whatsapp_messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_messages_count();
CREATE TRIGGER whatsapp_messages_count_delete AFTER DELETE ON whatsapp_messages
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_messages_count();

CREATE TRIGGER whatsapp_contacts_count_insert AFTER INSERT ON whatsapp_contacts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_contacts_count();
CREATE TRIGGER whatsapp_contacts_count_update AFTER UPDATE ON whatsapp_contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_contacts_count();
CREATE TRIGGER whatsapp_contacts_count_delete AFTER DELETE ON whatsapp_contacts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_contacts_count();

CREATE TRIGGER whatsapp_queue_count_insert AFTER INSERT ON whatsapp_queue
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_state_count('queue');
CREATE TRIGGER whatsapp_queue_count_update AFTER UPDATE ON whatsapp_queue
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_state_count('queue');
CREATE TRIGGER whatsapp_queue_count_delete AFTER DELETE ON whatsapp_queue
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_state_count('queue');

CREATE TRIGGER whatsapp_webhooks_count_insert AFTER INSERT ON whatsapp_webhooks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_state_count('webhook');
CREATE TRIGGER whatsapp_webhooks_count_update AFTER UPDATE ON whatsapp_webhooks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_state_count('webhook');
CREATE TRIGGER whatsapp_webhooks_count_delete AFTER DELETE ON whatsapp_webhooks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_state_count('webhook');

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
