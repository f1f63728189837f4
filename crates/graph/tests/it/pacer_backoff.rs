//! The pacer as a queue worker uses it: the recipient's slot without waiting, the number's slot,
//! holds after 130429 (the whole number, and a lower rate) and 131056 (one recipient).

use std::time::{Duration, Instant};

use wacloud_graph::{Pacer, PacerConfig};

#[tokio::test]
async fn the_recipients_slot_is_taken_without_waiting_or_its_wait_is_told() {
    let pacer = Pacer::new(
        PacerConfig::new()
            .messages_per_second(1000)
            .pair_interval(Duration::from_millis(500)),
    )
    .unwrap();
    let t0 = Instant::now();
    assert!(pacer.try_recipient("15550000001").is_ok());
    let wait = pacer.try_recipient("+15550000001").unwrap_err();
    assert!(
        wait > Duration::from_millis(300) && wait <= Duration::from_millis(500),
        "{wait:?}"
    );
    assert!(pacer.try_recipient("15550000002").is_ok(), "others go");
    assert!(t0.elapsed() < Duration::from_millis(100), "never waited");
    tokio::time::sleep(wait).await;
    assert!(pacer.try_recipient("15550000001").is_ok());
}

#[tokio::test]
async fn the_default_burst_is_25_ms_of_sending() {
    assert_eq!(PacerConfig::new().effective_burst(), 2, "80/s");
    assert_eq!(
        PacerConfig::new()
            .messages_per_second(1000)
            .effective_burst(),
        25
    );
    assert_eq!(
        PacerConfig::new().messages_per_second(20).effective_burst(),
        1
    );
    assert_eq!(PacerConfig::new().burst(5).effective_burst(), 5);
    assert!(Pacer::new(PacerConfig::new().burst(0)).is_err());
    // 20 messages at 40/s with a burst of 1: 19 gaps of 25 ms.
    let pacer = Pacer::new(
        PacerConfig::new()
            .messages_per_second(40)
            .pair_interval(Duration::from_millis(1)),
    )
    .unwrap();
    let t0 = Instant::now();
    for _ in 0..20 {
        pacer.until_number_ready().await;
    }
    assert!(
        t0.elapsed() >= Duration::from_millis(450),
        "{:?}",
        t0.elapsed()
    );
}

#[tokio::test]
async fn a_pause_holds_the_whole_number() {
    let pacer = Pacer::new(PacerConfig::new().messages_per_second(1000)).unwrap();
    pacer.pause(Duration::from_millis(300));
    pacer.pause(Duration::from_millis(100)); // a shorter hold does not shorten it
    assert!(pacer.paused_for().unwrap() > Duration::from_millis(200));
    let t0 = Instant::now();
    pacer.until_number_ready().await;
    assert!(
        t0.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t0.elapsed()
    );
    assert!(pacer.paused_for().is_none());
    let t1 = Instant::now();
    pacer.until_ready("15550000009").await;
    assert!(t1.elapsed() < Duration::from_millis(100));
}

#[tokio::test]
async fn a_recipient_hold_affects_that_recipient_only() {
    let pacer = Pacer::new(PacerConfig::new().messages_per_second(1000)).unwrap();
    pacer.pause_recipient("+15550000001", Duration::from_millis(300));
    assert!(pacer.recipient_paused_for("15550000001").is_some());
    let wait = pacer.try_recipient("15550000001").unwrap_err();
    assert!(wait > Duration::from_millis(200), "{wait:?}");
    assert!(pacer.try_recipient("15550000002").is_ok());
    assert!(pacer.paused_for().is_none(), "the number is not held");
    let t0 = Instant::now();
    pacer.until_ready("15550000001").await;
    assert!(
        t0.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t0.elapsed()
    );
}

#[tokio::test]
async fn after_130429_the_rate_drops_by_a_quarter_once_per_burst_and_climbs_back() {
    let pacer = Pacer::new(PacerConfig::new().messages_per_second(100)).unwrap();
    assert_eq!(pacer.current_rate(), 100);
    pacer.slow_down();
    assert_eq!(pacer.current_rate(), 75);
    pacer.slow_down(); // the same burst of refusals
    assert_eq!(pacer.current_rate(), 75);
    tokio::time::sleep(Duration::from_millis(2050)).await;
    pacer.slow_down();
    assert_eq!(pacer.current_rate(), 57);
    // 2 s without another 130429: a tenth of the configured rate comes back.
    tokio::time::sleep(Duration::from_millis(2050)).await;
    pacer.until_number_ready().await;
    assert_eq!(pacer.current_rate(), 67);
    let slow = Pacer::new(PacerConfig::new().messages_per_second(1)).unwrap();
    slow.slow_down();
    assert_eq!(slow.current_rate(), 1, "never below 1/s");
}
