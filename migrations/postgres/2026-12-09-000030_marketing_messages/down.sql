ALTER TABLE whatsapp_numbers DROP COLUMN marketing_messages;
