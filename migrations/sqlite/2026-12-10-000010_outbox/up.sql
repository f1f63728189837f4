-- The outbox (issue 21): one durable, lease-claimed list of work that follows from a change,
-- written in the change's own transaction and done later by `outbox_worker.rs`. Keep in step
-- with the other backend's folder.
--
-- `whatsapp_subscriptions`: outgoing webhooks (Standard Webhooks). `secret` signs; while a
-- rotation is recent, `previous_secret` signs too until `previous_until`. `events`: JSON list of
-- event types (`message.received`, `message.status`, …). `bot`: the receiver is a bot (its
-- replies are marked so rules do not answer them; the automation part reads it).
CREATE TABLE whatsapp_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until TIMESTAMP,
    events TEXT NOT NULL,
    bot BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    description TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- An event as it happened: the JSON body every consumer receives (the same bytes for all),
-- built in the transaction of the change. `contact_id`: the customer it is about (erasure).
CREATE TABLE whatsapp_outbox_events (
    id TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    contact_id TEXT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX whatsapp_outbox_events_contact ON whatsapp_outbox_events (contact_id);
-- One consumer's delivery of one event. `consumer`: `rules` or `subscription:<id>`.
-- `ordering_key`: the contact id (order per conversation): a row waits while an earlier
-- (smaller `id`, a UUIDv7) row of the same consumer and key is `pending` or `leased`.
-- `state`: `pending`, `leased` (a worker holds it until `lease_until`), `done`, `dead`.
-- `redelivered`: a dead row was put back once by hand.
CREATE TABLE whatsapp_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    consumer TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    ordering_key TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    redelivered BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
-- The claim: due pending rows in order, lapsed leases.
CREATE INDEX whatsapp_outbox_due ON whatsapp_outbox (state, next_attempt_at, id);
-- The ordering check and a subscription's deliveries.
CREATE INDEX whatsapp_outbox_consumer ON whatsapp_outbox (consumer, ordering_key, id);
CREATE INDEX whatsapp_outbox_event ON whatsapp_outbox (event_id);
-- Each attempt to deliver a row: when, the HTTP status (none on a connection
-- error or timeout), the error, how long it took.
CREATE TABLE whatsapp_outbox_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    outbox_id TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX whatsapp_outbox_attempts_item ON whatsapp_outbox_attempts (outbox_id, attempted_at);
