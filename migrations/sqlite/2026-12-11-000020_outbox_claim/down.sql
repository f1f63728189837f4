DROP INDEX whatsapp_outbox_chain;
DROP INDEX whatsapp_outbox_ready;
ALTER TABLE whatsapp_outbox DROP COLUMN blocked;
