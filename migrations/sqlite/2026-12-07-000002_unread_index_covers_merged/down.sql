DROP INDEX whatsapp_contacts_unread;
CREATE INDEX whatsapp_contacts_unread ON whatsapp_contacts (unread_count) WHERE unread_count > 0;
