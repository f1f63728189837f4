-- The message history indexes in ascending order. Both are read newest first, which an index
-- scanned backwards serves as well; but new messages are the newest, and in a descending index
-- every one was inserted at the left edge, where a full page is split in half: the time-ordered
-- index stayed half empty (51 % unused after a benchmark run) and each split cost the writer a
-- rebalancing of three pages. Ascending, new entries append at the right edge, where SQLite
-- (and PostgreSQL's fast path) fills pages completely. Keep in step with the other backend.
DROP INDEX whatsapp_messages_history;
CREATE INDEX whatsapp_messages_history ON whatsapp_messages (created_at, id);
DROP INDEX whatsapp_messages_contact_history;
CREATE INDEX whatsapp_messages_contact_history ON whatsapp_messages (contact_id, created_at, id);
