-- The per-message pricing Meta reports on statuses (issue 17): pricing_category was already
-- kept; the model, the billable flag and the type complete the ledger.
ALTER TABLE whatsapp_messages ADD COLUMN pricing_model TEXT;
ALTER TABLE whatsapp_messages ADD COLUMN pricing_billable BOOLEAN;
ALTER TABLE whatsapp_messages ADD COLUMN pricing_type TEXT;
-- GET /costs reads the priced messages of a time range.
CREATE INDEX whatsapp_messages_priced ON whatsapp_messages (created_at) WHERE pricing_category IS NOT NULL;
