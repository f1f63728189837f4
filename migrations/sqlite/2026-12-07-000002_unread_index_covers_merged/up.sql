-- The contact list sums the unread of every contact not merged into another on each call. With
-- `merged_into` outside the partial index, each of those contacts was also read from the table;
-- in the index, the sum reads the index alone.
DROP INDEX whatsapp_contacts_unread;
CREATE INDEX whatsapp_contacts_unread ON whatsapp_contacts (unread_count)
    WHERE unread_count > 0 AND merged_into IS NULL;
