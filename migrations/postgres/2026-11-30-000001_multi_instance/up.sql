-- Several server instances on one database, and an index for every query the API and the queue
-- run. Keep in step with the other backend's folder.

-- Two instances creating the contact for the same new number at once: the second insert does
-- nothing and reads the first one's row (wa_id and user_id are unique already).
CREATE UNIQUE INDEX whatsapp_contacts_number_only ON whatsapp_contacts (phone_number)
    WHERE wa_id IS NULL AND user_id IS NULL;

-- GET /contacts: pinned first, then newest last message, contacts without messages last.
DROP INDEX whatsapp_contacts_list;
CREATE INDEX whatsapp_contacts_list ON whatsapp_contacts
    (is_pinned DESC, (last_message_time IS NULL), last_message_time DESC, id DESC);
-- The unread total of GET /contacts reads only contacts with unread messages.
CREATE INDEX whatsapp_contacts_unread ON whatsapp_contacts (unread_count) WHERE unread_count > 0;

-- The queue: due pending items in order, and lapsed leases, each read from its own index.
DROP INDEX whatsapp_queue_due;
CREATE INDEX whatsapp_queue_due ON whatsapp_queue (state, due_at, id);
CREATE INDEX whatsapp_queue_lease ON whatsapp_queue (state, lease_until);

-- The queue worker looks up the message an earlier attempt of an item stored, so that an item
-- taken over from a dead instance is never sent twice. (IF NOT EXISTS: older databases have
-- this index from the first migration.)
CREATE INDEX IF NOT EXISTS whatsapp_messages_queue ON whatsapp_messages (queue_id);
