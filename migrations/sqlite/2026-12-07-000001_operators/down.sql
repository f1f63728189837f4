ALTER TABLE whatsapp_queue DROP COLUMN actor_name;
ALTER TABLE whatsapp_queue DROP COLUMN actor;
ALTER TABLE whatsapp_messages DROP COLUMN actor_name;
ALTER TABLE whatsapp_messages DROP COLUMN actor;
DROP TABLE whatsapp_audit;
DROP TABLE whatsapp_login_failures;
DROP TABLE whatsapp_session;
DROP TABLE whatsapp_operators;
ALTER TABLE whatsapp_numbers RENAME TO whatsapp_session;
