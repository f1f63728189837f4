-- The reports read status changes and bulk sends' queue items of a period in time order.
CREATE INDEX whatsapp_conversation_events_status_at ON whatsapp_conversation_events (at, id)
    WHERE kind = 'status_changed';
CREATE INDEX whatsapp_queue_batch_created ON whatsapp_queue (created_at, id)
    WHERE batch_id IS NOT NULL;
