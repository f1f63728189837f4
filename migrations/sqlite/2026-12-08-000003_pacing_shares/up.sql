-- Instances sending for one number share its throughput (Meta counts the number's messages per
-- second, whoever sends them): one row per number and instance, renewed about twice a second
-- while the instance runs (bins/wacloud pacing_share.rs). `sending`: it had something to send
-- lately; `share`: the messages per second it took (wacloud_core::pacing::share_for); the row
-- counts until `live_until`, so a dead instance's share returns when it passes. Used on
-- PostgreSQL; SQLite serves one instance, which takes the whole rate without a row. No personal
-- data. Keep in step with the other backend's folder.
CREATE TABLE whatsapp_pacing_shares (
    phone_number_id TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    sending BOOLEAN NOT NULL,
    share INTEGER NOT NULL,
    live_until TIMESTAMP NOT NULL,
    PRIMARY KEY (phone_number_id, instance_id)
);
