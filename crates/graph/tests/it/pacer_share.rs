//! A process's share of the number's rate (`Pacer::set_share`), as several processes sending
//! for one number use it: the pacer keeps to the share, holds the number at 0 and says so, and
//! a slowed-down rate climbs back to the share, not above.

use std::time::{Duration, Instant};

use wacloud_graph::{Pacer, PacerConfig};

fn pacer(rate: u32) -> Pacer {
    Pacer::new(
        PacerConfig::new()
            .messages_per_second(rate)
            .pair_interval(Duration::from_millis(1)),
    )
    .unwrap()
}

async fn time_slots(p: &Pacer, n: usize) -> Duration {
    let t0 = Instant::now();
    for _ in 0..n {
        p.until_number_ready().await;
    }
    t0.elapsed()
}

#[tokio::test]
async fn the_pacer_keeps_to_its_share_with_the_whole_rates_burst() {
    let p = pacer(400);
    assert_eq!(p.share(), 400, "the whole rate unless a share is set");
    p.set_share(100);
    assert_eq!((p.share(), p.current_rate()), (100, 100));
    // At 100/s with the burst of the whole rate (10 slots): 60 slots take at least 0.5 s.
    let took = time_slots(&p, 60).await;
    assert!(took >= Duration::from_millis(480), "{took:?}");
    p.set_share(5000);
    assert_eq!(p.share(), 400, "never above the configured rate");
    assert_eq!(p.current_rate(), 400);
    let fast = time_slots(&p, 60).await;
    assert!(
        fast < took,
        "the whole rate goes faster: {fast:?} vs {took:?}"
    );
}

#[tokio::test]
async fn a_share_of_0_holds_the_number_until_one_is_given_and_says_it_is_wanted() {
    let p = pacer(80);
    p.set_share(0);
    let asked = p.slots_asked();
    let waiter = {
        let p = p.clone();
        tokio::spawn(async move { p.until_ready("15550000001").await })
    };
    tokio::time::timeout(Duration::from_secs(2), p.share_wanted())
        .await
        .expect("a caller waits for a share");
    assert_eq!(p.slots_asked(), asked + 1, "the slot was asked for");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiter.is_finished(), "held while the share is 0");
    assert_eq!(p.held_for_share(), 1);
    p.set_share(40);
    tokio::time::timeout(Duration::from_millis(500), waiter)
        .await
        .expect("released once a share is given")
        .unwrap();
    assert_eq!(p.held_for_share(), 0);
    // A caller that gives up waiting is no longer counted.
    p.set_share(0);
    let gave_up = tokio::time::timeout(Duration::from_millis(50), p.until_number_ready()).await;
    assert!(gave_up.is_err());
    assert_eq!(p.held_for_share(), 0);
}

#[tokio::test]
async fn a_slowed_down_rate_stays_under_the_share() {
    let p = pacer(80);
    p.set_share(40);
    p.slow_down();
    assert_eq!(p.current_rate(), 30, "a quarter off the share");
    // A larger share does not undo the slow-down at once; a smaller one caps it.
    p.set_share(60);
    assert_eq!((p.share(), p.current_rate()), (60, 30));
    p.set_share(20);
    assert_eq!((p.share(), p.current_rate()), (20, 20));
    // Nothing slowed: a new share applies at once.
    let q = pacer(80);
    q.set_share(50);
    assert_eq!(q.current_rate(), 50);
}
