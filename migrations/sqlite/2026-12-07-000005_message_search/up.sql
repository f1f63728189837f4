-- Full-text search over message text (GET /messages?search=): an FTS5 index whose content is
-- whatsapp_messages itself (external content: the text is stored once). unicode61 with
-- diacritics removed: "cafe" finds "café"; words split on Unicode's separators.
--
-- New messages are indexed by the server in the background (a few thousand per write, off
-- ingestion's transactions: indexing each message as it is written cost ingestion a quarter of
-- its throughput), up to whatsapp_search_state.indexed_rowid; the triggers below keep the rows
-- already indexed right when their text changes or they are deleted.
-- The contact's id is indexed beside the text, so that one conversation's search intersects its
-- id's list with the words' lists instead of looking up each of its messages.
CREATE VIRTUAL TABLE whatsapp_messages_fts USING fts5(
    message_text,
    contact_id,
    content = 'whatsapp_messages',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE whatsapp_search_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    indexed_rowid BIGINT NOT NULL
);
-- Existing messages are indexed by the same background job, oldest first.
INSERT INTO whatsapp_search_state (id, indexed_rowid) VALUES (1, 0);

CREATE TRIGGER whatsapp_messages_search_update
AFTER UPDATE OF message_text, contact_id ON whatsapp_messages
WHEN (old.message_text IS NOT new.message_text OR old.contact_id IS NOT new.contact_id)
    AND old.rowid <= (SELECT indexed_rowid FROM whatsapp_search_state WHERE id = 1)
BEGIN
    INSERT INTO whatsapp_messages_fts (whatsapp_messages_fts, rowid, message_text, contact_id)
    SELECT 'delete', old.rowid, old.message_text, old.contact_id WHERE old.message_text IS NOT NULL;
    INSERT INTO whatsapp_messages_fts (rowid, message_text, contact_id)
    SELECT new.rowid, new.message_text, new.contact_id WHERE new.message_text IS NOT NULL;
END;

-- A deleted row leaves the index; and when it was the newest, SQLite gives its rowid to the next
-- message written, so the indexer's mark moves back below it (that message is indexed then).
CREATE TRIGGER whatsapp_messages_search_delete AFTER DELETE ON whatsapp_messages
BEGIN
    INSERT INTO whatsapp_messages_fts (whatsapp_messages_fts, rowid, message_text, contact_id)
    SELECT 'delete', old.rowid, old.message_text, old.contact_id
    WHERE old.message_text IS NOT NULL
        AND old.rowid <= (SELECT indexed_rowid FROM whatsapp_search_state WHERE id = 1);
    UPDATE whatsapp_search_state
    SET indexed_rowid = (SELECT coalesce(max(rowid), 0) FROM whatsapp_messages)
    WHERE id = 1 AND indexed_rowid > (SELECT coalesce(max(rowid), 0) FROM whatsapp_messages);
END;
