//! Sharing a number's throughput among the instances that send for it: the rule that gives each
//! one its share.
//!
//! Meta counts a business number's messages per second whoever sends them (130429 above the
//! number's throughput), so several wacloud instances sending for one number must together stay
//! under its rate. Each instance records in the store, for each number, whether it wants to
//! send and the share it took, with a lease it renews; [`share_for`] is what it may take on
//! each renewal, given the other live instances' records.

/// One instance's record for a number, as the others see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacingShare {
    /// The instance (a random id chosen at its start).
    pub instance_id: String,
    /// It had something to send for the number lately.
    pub sending: bool,
    /// The share it took, in messages per second (0 while it is idle or waiting for one).
    pub share: u32,
}

/// The even split of `cap` messages per second among the instances in `sending` (ids,
/// deduplicated, `me` among them or not): `cap / n`, plus one for the first `cap % n` of them
/// in id order, so the shares add up to `cap` exactly. 0 when `me` is not sending.
#[must_use]
pub fn even_share(cap: u32, sending: &[&str], me: &str) -> u32 {
    let mut ids: Vec<&str> = sending.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let Some(rank) = ids.iter().position(|id| *id == me) else {
        return 0;
    };
    // At most `u32::MAX` instances ever share a number.
    let n = u32::try_from(ids.len()).unwrap_or(u32::MAX);
    let rank = u32::try_from(rank).unwrap_or(u32::MAX);
    cap / n + u32::from(rank < cap % n)
}

/// The share, in messages per second, that instance `me` may take of a number capped at `cap`
/// messages per second, when it is `sending` (else 0: an idle instance holds nothing, so a busy
/// one gets the whole rate) and `others` are the other live instances' records.
///
/// It is the even split among the sending instances ([`even_share`]), but never more than what
/// the others' recorded shares leave of `cap`: an instance lowers its share before it records
/// it, so a newcomer waits (share 0) until the others have made room, and an instance that died
/// keeps its share until its record's lease runs out. Whatever the order of renewals, the
/// recorded shares never add up to more than `cap`.
#[must_use]
pub fn share_for(cap: u32, me: &str, sending: bool, others: &[PacingShare]) -> u32 {
    if !sending {
        return 0;
    }
    let others: Vec<&PacingShare> = others.iter().filter(|o| o.instance_id != me).collect();
    let mut senders: Vec<&str> = others
        .iter()
        .filter(|o| o.sending)
        .map(|o| o.instance_id.as_str())
        .collect();
    senders.push(me);
    let taken = others
        .iter()
        .fold(0u32, |sum, o| sum.saturating_add(o.share));
    even_share(cap, &senders, me).min(cap.saturating_sub(taken))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, sending: bool, share: u32) -> PacingShare {
        PacingShare {
            instance_id: id.into(),
            sending,
            share,
        }
    }

    #[test]
    fn even_shares_add_up_to_the_cap_and_differ_by_at_most_one() {
        for cap in [1, 2, 7, 20, 79, 80, 81, 1000] {
            for n in 1..=9 {
                let ids: Vec<String> = (0..n).map(|i| format!("i{i}")).collect();
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                let shares: Vec<u32> = refs.iter().map(|me| even_share(cap, &refs, me)).collect();
                assert_eq!(
                    shares.iter().sum::<u32>(),
                    cap,
                    "{cap} among {n}: {shares:?}"
                );
                let (lo, hi) = (shares.iter().min().unwrap(), shares.iter().max().unwrap());
                assert!(hi - lo <= 1, "{cap} among {n}: {shares:?}");
            }
        }
        assert_eq!(even_share(80, &["a", "b"], "c"), 0, "not sending");
        assert_eq!(
            even_share(81, &["b", "a", "a"], "a"),
            41,
            "ids deduplicated"
        );
    }

    #[test]
    fn an_idle_instance_takes_nothing_and_a_lone_sender_takes_the_cap() {
        assert_eq!(share_for(80, "a", false, &[rec("b", true, 80)]), 0);
        assert_eq!(share_for(80, "a", true, &[rec("b", false, 0)]), 80);
        assert_eq!(share_for(80, "a", true, &[]), 80);
    }

    #[test]
    fn a_newcomer_waits_until_the_others_made_room() {
        // b sends alone at 80; a wants to send.
        assert_eq!(share_for(80, "a", true, &[rec("b", true, 80)]), 0);
        // b renews, sees a waiting, lowers to its half.
        assert_eq!(share_for(80, "b", true, &[rec("a", true, 0)]), 40);
        // a renews and takes the rest.
        assert_eq!(share_for(80, "a", true, &[rec("b", true, 40)]), 40);
    }

    #[test]
    fn a_dead_instance_keeps_its_share_until_its_lease_runs_out() {
        // b died with 40 recorded: while its record lives, a stays at 40.
        assert_eq!(share_for(80, "a", true, &[rec("b", true, 40)]), 40);
        // Once it has expired the store no longer returns it.
        assert_eq!(share_for(80, "a", true, &[]), 80);
    }

    #[test]
    fn recorded_shares_never_exceed_the_cap_whatever_the_order_of_renewals() {
        // Three instances, some idle at times, renewing in a pseudo-random order; each renewal
        // sees the others' latest records, as the store's row locks make it.
        let ids = ["a", "b", "c"];
        let mut recs: Vec<PacingShare> = ids.iter().map(|id| rec(id, false, 0)).collect();
        let mut seed = 7u64;
        for step in 0..5000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let who = usize::try_from(seed >> 62).unwrap() % 3;
            let sending = (seed >> 40) % 5 != 0;
            let others: Vec<PacingShare> = recs
                .iter()
                .filter(|r| r.instance_id != ids[who])
                .cloned()
                .collect();
            let share = share_for(80, ids[who], sending, &others);
            recs[who] = rec(ids[who], sending, share);
            let sum: u32 = recs.iter().map(|r| r.share).sum();
            assert!(sum <= 80, "step {step}: {recs:?}");
        }
        // Everyone sending, renewing in turn: they settle on the even split.
        for _ in 0..3 {
            for who in 0..3 {
                let others: Vec<PacingShare> = recs
                    .iter()
                    .filter(|r| r.instance_id != ids[who])
                    .cloned()
                    .collect();
                recs[who] = rec(ids[who], true, share_for(80, ids[who], true, &others));
            }
        }
        let shares: Vec<u32> = recs.iter().map(|r| r.share).collect();
        assert_eq!(shares, vec![27, 27, 26]);
    }
}
