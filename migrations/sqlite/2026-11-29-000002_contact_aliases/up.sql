-- A number typed by an operator can differ from the wa_id Meta returns for it (Brazil's ninth
-- digit, Argentina's 549, Mexico's 521). When the two turn out to be one customer, the typed
-- contact is folded into the wa_id contact and kept as an alias pointing at it.
ALTER TABLE whatsapp_contacts ADD COLUMN merged_into TEXT;
