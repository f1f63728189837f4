-- Coexistence (issue 16): a number shared with the WhatsApp Business app. Keep in step with the
-- other backend's folder.
--
-- `saved_name`: the name the business saved for the customer in the Business app's address
-- book (`smb_app_state_sync`), apart from the WhatsApp profile name (`profile_name`, Meta's
-- `contacts[].profile.name`) and the operator's name in wacloud (`display_name`, which wins).
-- `saved_name_at`: the app's time of that change; an older change never overrides a newer one.
-- A `remove` clears the saved name and keeps the contact and its history.
ALTER TABLE whatsapp_contacts ADD COLUMN saved_name TEXT;
ALTER TABLE whatsapp_contacts ADD COLUMN saved_name_at TIMESTAMP;
-- The `history` synchronisation of the number, from the last chunk received: its `phase`
-- (0: the day of onboarding, 1: up to 90 days before, 2: up to 180), `chunk_order`,
-- `progress` (percent), the chunks received, and the business's refusal (`errors[]` of a chunk,
-- e.g. 2593109 "history sharing declined") as `code title`.
ALTER TABLE whatsapp_numbers ADD COLUMN history_phase BIGINT;
ALTER TABLE whatsapp_numbers ADD COLUMN history_chunk_order BIGINT;
ALTER TABLE whatsapp_numbers ADD COLUMN history_progress BIGINT;
ALTER TABLE whatsapp_numbers ADD COLUMN history_chunks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE whatsapp_numbers ADD COLUMN history_error TEXT;
ALTER TABLE whatsapp_numbers ADD COLUMN history_at TIMESTAMP;
