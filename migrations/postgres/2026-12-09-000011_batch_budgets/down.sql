DROP TABLE whatsapp_batch_budgets;
