DROP INDEX whatsapp_queue_finished;
DROP INDEX whatsapp_queue_batch_state;
DROP INDEX whatsapp_outbox_chain;
DROP INDEX whatsapp_outbox_ready;
ALTER TABLE whatsapp_outbox DROP COLUMN blocked;
