-- A batch's items in id order (the order they were queued) straight from the index: its export
-- pages by id, and the list of batches reads the newest batch ids backwards from it.
DROP INDEX whatsapp_queue_batch;
CREATE INDEX whatsapp_queue_batch ON whatsapp_queue (batch_id, id);
