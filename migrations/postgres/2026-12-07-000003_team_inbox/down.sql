DROP TABLE whatsapp_canned_replies;
DROP TABLE whatsapp_note_mentions;
DROP TABLE whatsapp_conversation_events;
DROP TABLE whatsapp_conversations;
