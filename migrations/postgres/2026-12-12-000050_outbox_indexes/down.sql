DROP INDEX whatsapp_outbox_leased;
DROP INDEX whatsapp_outbox_finished;
DROP INDEX whatsapp_outbox_listing;
CREATE INDEX whatsapp_outbox_consumer ON whatsapp_outbox (consumer, ordering_key, id);
CREATE INDEX whatsapp_outbox_due ON whatsapp_outbox (state, next_attempt_at, id);
