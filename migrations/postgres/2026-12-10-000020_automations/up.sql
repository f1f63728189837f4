-- Automations (issue 21): rules, a number's automatic replies, the exactly-once key of each
-- message's run, and what automations keep on a conversation. Keep in step with the other
-- backend's folder.
--
-- `whatsapp_rules`: `conditions` and `actions` are JSON text (wacloud_core::automation's
-- `Conditions` and `Action`s); rules run in (`position`, `created_at`) order; `runs`,
-- `failures`, `last_run_at`, `last_error` are the counters `GET /rules/{id}` shows.
CREATE TABLE whatsapp_rules (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL,
    stop_after BOOLEAN NOT NULL,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    runs BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,
    last_run_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A business number's hours and automatic replies (`AutomationSettings` as JSON text).
CREATE TABLE whatsapp_automation_settings (
    phone_number_id TEXT PRIMARY KEY NOT NULL,
    settings TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

-- One row per customer message whose automations ran, written in the run's transaction:
-- a second run of the same message (a redelivery, another instance, a retry after a crash
-- past the commit) finds it and does nothing. `message_id` is wacloud's message id.
CREATE TABLE whatsapp_automation_runs (
    message_id TEXT PRIMARY KEY NOT NULL,
    ran_at TIMESTAMP NOT NULL
);
CREATE INDEX whatsapp_automation_runs_ran_at ON whatsapp_automation_runs (ran_at);

-- The bot subscription that owns the conversation (it answers; no automatic reply is sent
-- meanwhile) and since when; when the conversation last got a welcome or away reply (at most
-- one per the number's `interval_minutes`).
ALTER TABLE whatsapp_conversations ADD COLUMN bot_subscription_id TEXT;
ALTER TABLE whatsapp_conversations ADD COLUMN bot_since TIMESTAMP;
ALTER TABLE whatsapp_conversations ADD COLUMN last_auto_reply_at TIMESTAMP;
