-- The business's own reaction on a message (`POST /send` with `reaction`, once Meta accepted
-- it), beside the customer's in `reaction`: a conversation shows both. Keep in step with the
-- other backend's folder.
ALTER TABLE whatsapp_messages ADD COLUMN business_reaction TEXT;
