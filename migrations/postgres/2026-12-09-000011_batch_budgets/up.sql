-- A bulk batch's spending limit (issue 17). Amounts are exact decimal strings (never floats):
-- the server adds them under the row's lock.
CREATE TABLE whatsapp_batch_budgets (
    batch_id TEXT PRIMARY KEY NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    committed TEXT NOT NULL,
    paused_reason TEXT,
    paused_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
