ALTER TABLE whatsapp_contacts DROP COLUMN call_permission_expires_at;
ALTER TABLE whatsapp_contacts DROP COLUMN call_permission_at;
ALTER TABLE whatsapp_contacts DROP COLUMN call_permission;
DROP TABLE whatsapp_calls;
