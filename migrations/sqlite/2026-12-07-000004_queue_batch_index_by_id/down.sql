DROP INDEX whatsapp_queue_batch;
CREATE INDEX whatsapp_queue_batch ON whatsapp_queue (batch_id);
