DROP TABLE whatsapp_idempotency;
DROP INDEX whatsapp_queue_unknown;
ALTER TABLE whatsapp_queue DROP COLUMN retry_of;
ALTER TABLE whatsapp_queue DROP COLUMN source;
ALTER TABLE whatsapp_queue DROP COLUMN allow_outside_window;
ALTER TABLE whatsapp_queue DROP COLUMN finished_at;
ALTER TABLE whatsapp_queue DROP COLUMN unknown_since;
ALTER TABLE whatsapp_queue DROP COLUMN attempt_started_at;
