ALTER TABLE whatsapp_subscriptions DROP COLUMN older_secrets;
