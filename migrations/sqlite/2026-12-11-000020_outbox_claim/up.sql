-- The outbox's claim (issue 21): each consumer's heads, not the oldest rows overall. Keep in
-- step with the other backend's folder.
--
-- `blocked`: the claim found an earlier `pending` row (a head waiting out a back-off) of the
-- same consumer and ordering key; such a row stays out of the claim's candidates until that earlier row
-- finishes (`done`/`dead`), which clears the flag of the chain's next undone row, so that a
-- long backlog behind one failing receiver or customer does not fill the claim's window.
-- The periodic prune clears the flag of any chain head still carrying it.
ALTER TABLE whatsapp_outbox ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;
-- A consumer's due, unblocked rows in order (the claim's candidates).
CREATE INDEX whatsapp_outbox_ready ON whatsapp_outbox (consumer, state, blocked, next_attempt_at, id);
-- A chain's earliest undone row (the head check and the unblock after a finish).
CREATE INDEX whatsapp_outbox_chain ON whatsapp_outbox (consumer, ordering_key, state, id);
-- `batch.finished`: whether a batch still has an open item (pending, sending, unknown), and the
-- batches with an item finished lately (the periodic check).
CREATE INDEX whatsapp_queue_batch_state ON whatsapp_queue (batch_id, state);
CREATE INDEX whatsapp_queue_finished ON whatsapp_queue (finished_at);
