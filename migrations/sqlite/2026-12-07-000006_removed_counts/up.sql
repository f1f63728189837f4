-- Rows removed on purpose — a customer erased (`DELETE /contacts/{id}?erase=true`) or raw
-- deliveries past their retention (the pruner) — still count in /stats: what leaves the tables
-- is added back to whatsapp_counts in the removing transaction, and recorded here (no personal
-- data: the same key as the counts), so that `recount` (rows still stored + rows removed) still
-- equals the counts. Keep in step with the other backend's folder.
--
-- subject 'message' | 'contact' | 'queue' | 'webhook', as in whatsapp_counts.
CREATE TABLE whatsapp_removed_counts (
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    state TEXT NOT NULL,
    is_read BOOLEAN NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (subject, kind, direction, state, is_read)
);
