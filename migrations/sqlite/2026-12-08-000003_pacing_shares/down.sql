DROP TABLE whatsapp_pacing_shares;
