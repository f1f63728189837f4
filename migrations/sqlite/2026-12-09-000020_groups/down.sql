DROP INDEX whatsapp_messages_group;
DROP TABLE whatsapp_group_participants;
DROP TABLE whatsapp_groups;
