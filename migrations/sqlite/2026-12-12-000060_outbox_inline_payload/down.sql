INSERT INTO whatsapp_outbox_events (id, event_type, contact_id, payload, created_at)
SELECT event_id, event_type, NULL, payload, created_at FROM whatsapp_outbox
 WHERE payload IS NOT NULL;
ALTER TABLE whatsapp_outbox DROP COLUMN payload;
