ALTER TABLE whatsapp_messages DROP COLUMN business_reaction;
