ALTER TABLE whatsapp_queue DROP COLUMN phone_number_id;
ALTER TABLE whatsapp_numbers DROP COLUMN created_at;
ALTER TABLE whatsapp_numbers DROP COLUMN app_secret;
ALTER TABLE whatsapp_numbers DROP COLUMN pair_interval_ms;
ALTER TABLE whatsapp_numbers DROP COLUMN messages_per_second;
ALTER TABLE whatsapp_numbers DROP COLUMN label;
ALTER TABLE whatsapp_numbers DROP COLUMN configured;
DROP INDEX whatsapp_contacts_user_id;
DROP INDEX whatsapp_contacts_wa_id;
DROP INDEX whatsapp_contacts_number_list;
DROP INDEX whatsapp_contacts_number_only;
-- Contacts of other numbers than the first one kept for each customer do not fit one number.
DELETE FROM whatsapp_contacts c WHERE EXISTS (
    SELECT 1 FROM whatsapp_contacts o
    WHERE o.created_at < c.created_at AND (o.wa_id = c.wa_id OR o.user_id = c.user_id));
ALTER TABLE whatsapp_contacts DROP CONSTRAINT whatsapp_contacts_number_user_id;
ALTER TABLE whatsapp_contacts DROP CONSTRAINT whatsapp_contacts_number_wa_id;
ALTER TABLE whatsapp_contacts ADD CONSTRAINT whatsapp_contacts_wa_id_key UNIQUE (wa_id);
ALTER TABLE whatsapp_contacts ADD CONSTRAINT whatsapp_contacts_user_id_key UNIQUE (user_id);
CREATE UNIQUE INDEX whatsapp_contacts_number_only ON whatsapp_contacts (phone_number)
    WHERE wa_id IS NULL AND user_id IS NULL;
ALTER TABLE whatsapp_contacts DROP COLUMN phone_number_id;
