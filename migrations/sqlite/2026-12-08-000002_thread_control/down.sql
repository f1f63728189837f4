ALTER TABLE whatsapp_conversations DROP COLUMN thread_changed_at;
ALTER TABLE whatsapp_conversations DROP COLUMN thread_owner_app_id;
ALTER TABLE whatsapp_conversations DROP COLUMN thread_owner;
