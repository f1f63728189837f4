-- A customer's parent business-scoped user id (Meta's `parent_user_id`, `US.ENT.…`), shared by
-- the business portfolios Meta links (issue 16). Kept in step with the other backend's folder.
-- Not a key: contacts are found by `wa_id` and `user_id`; this one is shown, searched, exported.
ALTER TABLE whatsapp_contacts ADD COLUMN parent_user_id TEXT;
