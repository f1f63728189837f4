//! Renewing an instance's share of a number's throughput ([`crate::pacing`]) in the store.

use chrono::{DateTime, Utc};

use crate::pacing::{share_for, PacingShare};
use crate::ports::{write, Store, StoreError};

/// One renewal of instance `instance_id`'s record for the number `phone_number_id`, capped at
/// `cap` messages per second: in one write, reads the other live records (locked), takes
/// [`share_for`] and records it with `sending`, living until `live_until`. `before_commit` gets
/// the share inside the write, before it is committed: the place to apply a lower share, which
/// the others may count on as soon as it is committed; apply a higher one only once this
/// returns it. Returns the share taken, in messages per second.
///
/// # Errors
/// [`StoreError`] when the write fails; nothing is recorded then.
#[expect(
    clippy::too_many_arguments,
    reason = "one record's fields and its times; a struct would only name them again"
)]
pub async fn renew_share(
    store: &dyn Store,
    phone_number_id: &str,
    instance_id: &str,
    cap: u32,
    sending: bool,
    now: DateTime<Utc>,
    live_until: DateTime<Utc>,
    before_commit: impl FnOnce(u32) + Send + 'static,
) -> Result<u32, StoreError> {
    let (number, me) = (phone_number_id.to_owned(), instance_id.to_owned());
    write(store, move |r| {
        let others = r.live_pacing_shares(&number, &me, now)?;
        let share = share_for(cap, &me, sending, &others);
        before_commit(share);
        let record = PacingShare {
            instance_id: me,
            sending,
            share,
        };
        r.put_pacing_share(&number, &record, live_until)?;
        Ok(share)
    })
    .await
}

/// Deletes instance `instance_id`'s record for `phone_number_id`, freeing its share at once
/// (an instance that stops).
///
/// # Errors
/// [`StoreError`] when the write fails (the record then lives until its lease runs out).
pub async fn give_back_share(
    store: &dyn Store,
    phone_number_id: &str,
    instance_id: &str,
) -> Result<(), StoreError> {
    let (number, me) = (phone_number_id.to_owned(), instance_id.to_owned());
    write(store, move |r| r.drop_pacing_share(&number, &me)).await
}
