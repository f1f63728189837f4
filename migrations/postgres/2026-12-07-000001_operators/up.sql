-- Operators, their server-side sessions, failed logins and the audit trail (issue 19).
--
-- DESIGN.md gives `whatsapp_session` to the operators' sessions; until now it held the business
-- number's account state, which is a number's row and what issue 16 calls `whatsapp_numbers`.
-- The table is renamed (its rows and columns unchanged) and `whatsapp_session` is made anew.
-- Keep in step with the other backend.
ALTER TABLE whatsapp_session RENAME TO whatsapp_numbers;
-- The primary key's index keeps its name through a rename; the new table wants it.
ALTER INDEX whatsapp_session_pkey RENAME TO whatsapp_numbers_pkey;

CREATE TABLE whatsapp_operators (
    id TEXT PRIMARY KEY NOT NULL,
    -- Lower-cased (and trimmed) by the application: unique case-insensitively.
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    -- An Argon2id PHC string; never answered nor logged.
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per live session; `id_hash` is HMAC-SHA256(server secret, session id) in hex, so the
-- database never holds a usable cookie and a row copied to another server matches nothing.
CREATE TABLE whatsapp_session (
    id_hash TEXT PRIMARY KEY NOT NULL,
    operator_id TEXT NOT NULL REFERENCES whatsapp_operators (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    address TEXT,
    user_agent TEXT
);
CREATE INDEX whatsapp_session_operator ON whatsapp_session (operator_id);

-- Wrong passwords per e-mail address given (whether or not an operator has it, so a lock says
-- nothing about who exists), shared by every instance.
CREATE TABLE whatsapp_login_failures (
    email TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failed_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

CREATE TABLE whatsapp_audit (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    -- `operator:<id>`, `api_key`, `local` (no login configured) or `cli`.
    actor TEXT NOT NULL,
    actor_name TEXT,
    action TEXT NOT NULL,
    target TEXT,
    address TEXT,
    user_agent TEXT,
    details TEXT
);

-- Who wrote an outbound message: `operator:<id>`, `api_key`, `local`, `queue`; and the
-- operator's display name when it was sent (what the widget shows).
ALTER TABLE whatsapp_messages ADD COLUMN actor TEXT;
ALTER TABLE whatsapp_messages ADD COLUMN actor_name TEXT;
-- Who queued a bulk or scheduled send: its messages carry it.
ALTER TABLE whatsapp_queue ADD COLUMN actor TEXT;
ALTER TABLE whatsapp_queue ADD COLUMN actor_name TEXT;
