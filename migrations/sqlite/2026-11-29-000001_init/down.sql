DROP TABLE whatsapp_media;
DROP TABLE whatsapp_session;
DROP TABLE whatsapp_queue;
DROP TABLE whatsapp_templates;
DROP TABLE whatsapp_webhooks;
DROP TABLE whatsapp_messages;
DROP TABLE whatsapp_contacts;
