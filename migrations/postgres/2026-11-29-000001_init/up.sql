-- wacloud's seven tables (PostgreSQL). Keep in step with migrations/sqlite.
-- Ids are text (UUIDv7, time-ordered); times are UTC.

CREATE TABLE whatsapp_contacts (
    id TEXT PRIMARY KEY NOT NULL,
    wa_id TEXT UNIQUE,
    user_id TEXT UNIQUE,
    phone_number TEXT,
    display_name TEXT,
    profile_name TEXT,
    username TEXT,
    business_name TEXT,
    is_verified BOOLEAN NOT NULL DEFAULT FALSE,
    is_blocked BOOLEAN NOT NULL DEFAULT FALSE,
    is_pinned BOOLEAN NOT NULL DEFAULT FALSE,
    tags TEXT NOT NULL DEFAULT '[]',
    unread_count BIGINT NOT NULL DEFAULT 0,
    last_message_time TIMESTAMP,
    last_message_preview TEXT,
    last_message_direction TEXT,
    last_inbound_at TIMESTAMP,
    marketing_opt_out BOOLEAN NOT NULL DEFAULT FALSE,
    undeliverable_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX whatsapp_contacts_list ON whatsapp_contacts (is_pinned DESC, last_message_time DESC, id DESC);
CREATE INDEX whatsapp_contacts_phone ON whatsapp_contacts (phone_number);

CREATE TABLE whatsapp_messages (
    id TEXT PRIMARY KEY NOT NULL,
    message_id TEXT UNIQUE,
    contact_id TEXT,
    direction TEXT NOT NULL,
    from_phone TEXT,
    to_phone TEXT,
    user_id TEXT,
    message_type TEXT NOT NULL,
    message_text TEXT,
    status TEXT NOT NULL,
    status_rank INTEGER NOT NULL,
    is_read BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    delivered_at TIMESTAMP,
    read_at TIMESTAMP,
    played_at TIMESTAMP,
    failed_at TIMESTAMP,
    error_code BIGINT,
    error_title TEXT,
    error_message TEXT,
    error_details TEXT,
    reply_to TEXT,
    reaction TEXT,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP,
    is_forwarded BOOLEAN NOT NULL DEFAULT FALSE,
    media TEXT,
    raw TEXT,
    phone_number_id TEXT,
    source TEXT,
    queue_id TEXT,
    group_id TEXT,
    conversation_id TEXT,
    pricing_category TEXT,
    payload TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX whatsapp_messages_history ON whatsapp_messages (created_at DESC, id DESC);
CREATE INDEX whatsapp_messages_contact_history ON whatsapp_messages (contact_id, created_at DESC, id DESC);

CREATE TABLE whatsapp_webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    received_at TIMESTAMP NOT NULL,
    body BYTEA NOT NULL,
    body_sha256 TEXT NOT NULL UNIQUE,
    signature TEXT,
    state TEXT NOT NULL,
    error TEXT,
    event_count BIGINT NOT NULL DEFAULT 0,
    phone_number_id TEXT,
    fields TEXT,
    processed_at TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX whatsapp_webhooks_state ON whatsapp_webhooks (state, received_at);

CREATE TABLE whatsapp_templates (
    id TEXT PRIMARY KEY NOT NULL,
    template_id TEXT UNIQUE,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT,
    status TEXT,
    quality_score TEXT,
    reason TEXT,
    components TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (name, language)
);

CREATE TABLE whatsapp_queue (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT,
    recipient TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at TIMESTAMP NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    last_error_code BIGINT,
    message_id TEXT,
    idempotency_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX whatsapp_queue_due ON whatsapp_queue (state, due_at);
CREATE INDEX whatsapp_queue_batch ON whatsapp_queue (batch_id);

CREATE TABLE whatsapp_session (
    phone_number_id TEXT PRIMARY KEY NOT NULL,
    waba_id TEXT,
    display_phone_number TEXT,
    verified_name TEXT,
    quality_rating TEXT,
    messaging_limit_tier TEXT,
    account_status TEXT,
    last_event TEXT,
    token_status TEXT,
    token_checked_at TIMESTAMP,
    last_webhook_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE whatsapp_media (
    id TEXT PRIMARY KEY NOT NULL,
    media_id TEXT UNIQUE,
    message_id TEXT,
    direction TEXT NOT NULL,
    mime_type TEXT,
    sha256 TEXT,
    file_size BIGINT,
    filename TEXT,
    url TEXT,
    local_path TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX whatsapp_media_message ON whatsapp_media (message_id);
