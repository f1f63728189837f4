-- Groups (issue 17, Meta's Groups API): each group of a business number as the `group_*`
-- webhooks leave it (wacloud_core::group::Group::apply folds them), and its participants.
-- A group's messages are `whatsapp_messages` rows carrying Meta's `group_id` (no contact).
-- Keep in step with the other backend's folder.
--
-- `group_id`: Meta's id, NULL while a creation waits for its `group_lifecycle_update`
-- (found then by `request_id`). `status`: `creating`, `active`, `suspended`, `deleted`,
-- `failed`. `updated_at`: Meta's time of the newest event applied; an older one does not move
-- the group's own fields.
CREATE TABLE whatsapp_groups (
    id TEXT PRIMARY KEY NOT NULL,
    phone_number_id TEXT NOT NULL,
    group_id TEXT,
    request_id TEXT,
    subject TEXT,
    description TEXT,
    invite_link TEXT,
    join_approval_mode TEXT,
    picture_sha256 TEXT,
    status TEXT NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX whatsapp_groups_group_id ON whatsapp_groups (phone_number_id, group_id);
CREATE INDEX whatsapp_groups_request_id ON whatsapp_groups (phone_number_id, request_id);
CREATE INDEX whatsapp_groups_updated ON whatsapp_groups (updated_at);

-- Everyone who was ever in a group: `state` `joined`, `left` (on their own) or `removed`;
-- `participant_key` is the `wa_id`, else the BSUID; `position` keeps the order first seen;
-- `changed_at` is Meta's time of the last change applied (an older event does not undo it).
-- Personal data: `wa_id`, `user_id`.
CREATE TABLE whatsapp_group_participants (
    group_row_id TEXT NOT NULL REFERENCES whatsapp_groups (id) ON DELETE CASCADE,
    participant_key TEXT NOT NULL,
    wa_id TEXT,
    user_id TEXT,
    state TEXT NOT NULL,
    joined_at TIMESTAMP,
    left_at TIMESTAMP,
    changed_at TIMESTAMP NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (group_row_id, participant_key)
);

-- A group's messages, newest first (`GET /groups/{id}/messages`); one-to-one rows have no
-- `group_id` and stay out of the index.
CREATE INDEX whatsapp_messages_group ON whatsapp_messages (group_id, created_at, id)
    WHERE group_id IS NOT NULL;
