-- An event that one consumer alone wants is written as one row (issue 21): its body in the
-- outbox row's `payload` and no `whatsapp_outbox_events` row (with its two indexes). Events
-- for several consumers keep one shared `whatsapp_outbox_events` row and `payload` NULL.
-- Keep in step with the other backend's folder.
ALTER TABLE whatsapp_outbox ADD COLUMN payload TEXT;
