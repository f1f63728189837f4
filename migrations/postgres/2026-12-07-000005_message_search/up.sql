-- Full-text search over message text (GET /messages?search=): a GIN index of each text's
-- words ('simple': lower-cased, no stemming, no stop words, diacritics kept), written with the
-- message.
CREATE INDEX whatsapp_messages_search ON whatsapp_messages
    USING gin (to_tsvector('simple', coalesce(message_text, '')));
