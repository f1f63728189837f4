-- Conversation Routing (issue 16): who owns each conversation's thread when several responders
-- share the number. Kept on the conversation (keyed by contact); a conversation without a row,
-- or with `thread_owner` NULL, is wacloud's. Keep in step with the other backend's folder.
--
-- `thread_owner`: `wacloud`, `ai_agent` (Meta's business AI), `app` (another app; its id in
-- `thread_owner_app_id` when Meta or the operator named it), `business_app` (the WhatsApp
-- Business app) or `released` (nobody: the customer's next message picks the owner).
-- `thread_changed_at`: Meta's time of the change (or the server's, for our own thread control
-- calls); an older notice never overrides a newer one.
-- Messages received on the `standby` field are ordinary message rows with `source` = `standby`.
ALTER TABLE whatsapp_conversations ADD COLUMN thread_owner TEXT;
ALTER TABLE whatsapp_conversations ADD COLUMN thread_owner_app_id TEXT;
ALTER TABLE whatsapp_conversations ADD COLUMN thread_changed_at TIMESTAMP;
