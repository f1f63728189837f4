DROP INDEX IF EXISTS whatsapp_messages_queue;
DROP INDEX whatsapp_queue_lease;
DROP INDEX whatsapp_queue_due;
CREATE INDEX whatsapp_queue_due ON whatsapp_queue (state, due_at);
DROP INDEX whatsapp_contacts_unread;
DROP INDEX whatsapp_contacts_list;
CREATE INDEX whatsapp_contacts_list ON whatsapp_contacts (is_pinned DESC, last_message_time DESC, id DESC);
DROP INDEX whatsapp_contacts_number_only;
