ALTER TABLE whatsapp_contacts DROP COLUMN parent_user_id;
