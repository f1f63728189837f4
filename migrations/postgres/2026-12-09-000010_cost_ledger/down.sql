DROP INDEX IF EXISTS whatsapp_messages_priced;
ALTER TABLE whatsapp_messages DROP COLUMN pricing_type;
ALTER TABLE whatsapp_messages DROP COLUMN pricing_billable;
ALTER TABLE whatsapp_messages DROP COLUMN pricing_model;
