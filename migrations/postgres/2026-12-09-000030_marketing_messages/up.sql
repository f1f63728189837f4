-- Whether a business number sends its marketing templates through Meta's Marketing Messages API
-- (`POST /{phone_number_id}/marketing_messages`) instead of `/messages`: true only once the
-- business is onboarded to it (issue 17). Kept in step with the other backend's folder.
ALTER TABLE whatsapp_numbers ADD COLUMN marketing_messages BOOLEAN NOT NULL DEFAULT FALSE;
