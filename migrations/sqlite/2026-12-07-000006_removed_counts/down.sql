DROP TABLE whatsapp_removed_counts;
