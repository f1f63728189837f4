ALTER TABLE whatsapp_contacts DROP COLUMN merged_into;
