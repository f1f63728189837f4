DROP TABLE whatsapp_outbox_attempts;
DROP TABLE whatsapp_outbox;
DROP TABLE whatsapp_outbox_events;
DROP TABLE whatsapp_subscriptions;
