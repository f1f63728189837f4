ALTER TABLE whatsapp_conversations DROP COLUMN last_auto_reply_at;
ALTER TABLE whatsapp_conversations DROP COLUMN bot_since;
ALTER TABLE whatsapp_conversations DROP COLUMN bot_subscription_id;
DROP INDEX whatsapp_automation_runs_ran_at;
DROP TABLE whatsapp_automation_runs;
DROP TABLE whatsapp_automation_settings;
DROP TABLE whatsapp_rules;
