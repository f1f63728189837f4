ALTER TABLE whatsapp_numbers DROP COLUMN history_at;
ALTER TABLE whatsapp_numbers DROP COLUMN history_error;
ALTER TABLE whatsapp_numbers DROP COLUMN history_chunks;
ALTER TABLE whatsapp_numbers DROP COLUMN history_progress;
ALTER TABLE whatsapp_numbers DROP COLUMN history_chunk_order;
ALTER TABLE whatsapp_numbers DROP COLUMN history_phase;
ALTER TABLE whatsapp_contacts DROP COLUMN saved_name_at;
ALTER TABLE whatsapp_contacts DROP COLUMN saved_name;
