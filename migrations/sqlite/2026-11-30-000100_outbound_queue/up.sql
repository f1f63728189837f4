-- The outbound queue's attempt tracking (never twice), scheduling and retries, and the durable
-- Idempotency-Key store of POST /send and /send-bulk. Keep in step with migrations/postgres.

-- Set while an attempt's request may be on its way to Meta; a worker that claims an item with
-- this set knows its predecessor died mid-send, so the outcome is unknown.
ALTER TABLE whatsapp_queue ADD COLUMN attempt_started_at TIMESTAMP;
-- When the item became `unknown` (start of its grace period).
ALTER TABLE whatsapp_queue ADD COLUMN unknown_since TIMESTAMP;
-- When the item reached a final state (or an `unknown` item was held for an operator).
ALTER TABLE whatsapp_queue ADD COLUMN finished_at TIMESTAMP;
-- Send free-form content without an open customer service window (an explicit override).
ALTER TABLE whatsapp_queue ADD COLUMN allow_outside_window BOOLEAN NOT NULL DEFAULT FALSE;
-- `bulk`, `scheduled` or `retry`.
ALTER TABLE whatsapp_queue ADD COLUMN source TEXT;
-- The queue item or message this item retries.
ALTER TABLE whatsapp_queue ADD COLUMN retry_of TEXT;

CREATE INDEX whatsapp_queue_unknown ON whatsapp_queue (state, unknown_since);

CREATE TABLE whatsapp_idempotency (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    request_hash TEXT NOT NULL,
    resource_id TEXT,
    status_code INTEGER,
    response TEXT,
    created_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE INDEX whatsapp_idempotency_created ON whatsapp_idempotency (created_at);
