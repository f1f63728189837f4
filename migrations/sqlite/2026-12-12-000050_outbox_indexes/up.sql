-- The outbox's indexes after the claim by consumer (issue 21). Keep in step with the other
-- backend's folder.
--
-- `whatsapp_outbox_due` (state, next_attempt_at, id) served the claim before it read each
-- consumer's heads; lapsed leases and old finished rows are now found through the partial
-- indexes below, which a new (`pending`) row does not touch. `whatsapp_outbox_consumer`
-- (consumer, ordering_key, id) duplicated `whatsapp_outbox_chain` for the ordering check;
-- a subscription's deliveries are listed newest first by `whatsapp_outbox_listing`, which
-- grows at its end (ids are UUIDv7) instead of at a random place per conversation.
-- Every new row wrote both; fewer indexes is less work in each ingest transaction.
DROP INDEX whatsapp_outbox_due;
DROP INDEX whatsapp_outbox_consumer;
CREATE INDEX whatsapp_outbox_listing ON whatsapp_outbox (consumer, id);
-- Only finished rows have `finished_at`: pruning finds the old ones without reading the rest,
-- and a new row costs this index nothing.
CREATE INDEX whatsapp_outbox_finished ON whatsapp_outbox (finished_at) WHERE finished_at IS NOT NULL;
-- Rows held by a worker (those in flight: few), by when their lease lapses. Queries must
-- spell the predicate as a literal (`state = 'leased'`) for the planners to use it.
CREATE INDEX whatsapp_outbox_leased ON whatsapp_outbox (lease_until) WHERE state = 'leased';
