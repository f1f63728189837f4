-- A team inbox (issue 19, second part): each conversation's status and assignee, its timeline
-- of private notes, status changes and assignments, and the canned replies.
-- Keep in step with the other backend.
--
-- A conversation is a contact's (one business number today). A contact without a row is open
-- and unassigned, so existing contacts need no row and ingestion writes one only to reopen.
-- `phone_number_id` is NULL for the environment's number; issue 16 (several numbers) makes
-- it part of the key (phone_number_id, contact_id).
CREATE TABLE whatsapp_conversations (
    contact_id TEXT PRIMARY KEY NOT NULL,
    phone_number_id TEXT,
    -- `open`, `pending` (waiting for the customer), `snoozed` (until `snoozed_until`) or
    -- `resolved`; a snooze past its time reads as open.
    status TEXT NOT NULL,
    snoozed_until TIMESTAMP,
    assignee_id TEXT REFERENCES whatsapp_operators (id),
    updated_at TIMESTAMP NOT NULL,
    -- Who made the last change: `operator:<id>`, `api_key`, `local`, `customer`.
    updated_by TEXT NOT NULL
);
CREATE INDEX whatsapp_conversations_assignee ON whatsapp_conversations (assignee_id);
CREATE INDEX whatsapp_conversations_status ON whatsapp_conversations (status);

-- A conversation's timeline beside its messages: `note` (private, never sent to WhatsApp),
-- `status_changed`, `assignee_changed`. Ids are UUIDv7 (their order is the order made).
CREATE TABLE whatsapp_conversation_events (
    id TEXT PRIMARY KEY NOT NULL,
    contact_id TEXT NOT NULL,
    phone_number_id TEXT,
    kind TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    actor_name TEXT,
    -- A note's text.
    body TEXT,
    -- JSON: a status change's `from`/`to`/`snoozed_until`, an assignment's
    -- `from`/`to` (operator ids) and names, a note's `mentions`.
    details TEXT
);
CREATE INDEX whatsapp_conversation_events_contact ON whatsapp_conversation_events (contact_id, id);

-- Operators mentioned in notes (`@Name` or `@local-part`), to find what mentions someone.
CREATE TABLE whatsapp_note_mentions (
    event_id TEXT NOT NULL REFERENCES whatsapp_conversation_events (id),
    operator_id TEXT NOT NULL REFERENCES whatsapp_operators (id),
    PRIMARY KEY (event_id, operator_id)
);
CREATE INDEX whatsapp_note_mentions_operator ON whatsapp_note_mentions (operator_id);

-- Canned replies: `short_code` (what an operator types after `/`) and `content` with
-- `{{placeholders}}`.
CREATE TABLE whatsapp_canned_replies (
    id TEXT PRIMARY KEY NOT NULL,
    short_code TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
