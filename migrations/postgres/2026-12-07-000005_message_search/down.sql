DROP INDEX whatsapp_messages_search;
