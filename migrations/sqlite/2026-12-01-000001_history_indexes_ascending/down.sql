DROP INDEX whatsapp_messages_history;
CREATE INDEX whatsapp_messages_history ON whatsapp_messages (created_at DESC, id DESC);
DROP INDEX whatsapp_messages_contact_history;
CREATE INDEX whatsapp_messages_contact_history ON whatsapp_messages (contact_id, created_at DESC, id DESC);
