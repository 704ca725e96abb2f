//! Sleepers on movable clocks, polled by hand: a frozen clock starts no timer, so whether a
//! sleep is over depends only on the advances made before the poll.

use super::*;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::Poll;

/// Polls `f` once; whether it finished.
async fn done(f: Pin<&mut impl Future<Output = ()>>) -> bool {
    let mut f = f;
    std::future::poll_fn(|cx| Poll::Ready(f.as_mut().poll(cx).is_ready())).await
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn a_manual_clock_moves_only_when_advanced() {
    let clock = Clock::manual(1_000);
    assert_eq!((clock.now_ms(), clock.now_s()), (1_000, 1));
    clock.advance(Duration::from_secs(2)).unwrap();
    assert_eq!(clock.clone().now_ms(), 3_000, "clones share the time");
    assert_eq!(clock.now(), UNIX_EPOCH + ms(3_000));
    assert!(clock.is_adjustable());
}

#[tokio::test]
async fn a_sleeper_wakes_once_advanced_past_its_deadline_and_not_before() {
    let clock = Clock::manual(1_000);
    let mut sleep = pin!(clock.sleep_until_ms(1_500));
    assert!(!done(sleep.as_mut()).await);
    clock.advance(ms(499)).unwrap();
    assert!(!done(sleep.as_mut()).await);
    clock.advance(ms(1)).unwrap();
    assert!(done(sleep.as_mut()).await);
}

#[tokio::test]
async fn sleep_counts_from_its_call() {
    let clock = Clock::manual(0);
    let mut sleep = pin!(clock.sleep(Duration::from_secs(60)));
    clock.advance(Duration::from_secs(30)).unwrap();
    assert!(!done(sleep.as_mut()).await);
    clock.advance(Duration::from_secs(29)).unwrap();
    assert!(!done(sleep.as_mut()).await);
    clock.advance(Duration::from_secs(1)).unwrap();
    assert!(done(sleep.as_mut()).await);
}

#[tokio::test]
async fn each_of_several_sleepers_wakes_at_its_own_deadline() {
    let clock = Clock::manual(0);
    let mut first = pin!(clock.sleep_until_ms(100));
    let mut second = pin!(clock.sleep_until_ms(200));
    assert!(!done(first.as_mut()).await && !done(second.as_mut()).await);
    clock.advance(ms(150)).unwrap();
    assert!(done(first.as_mut()).await);
    assert!(!done(second.as_mut()).await);
    clock.advance(ms(50)).unwrap();
    assert!(done(second.as_mut()).await);
}

#[tokio::test]
async fn an_advance_before_the_sleep_starts_counts() {
    let clock = Clock::manual(0);
    let sleep = clock.sleep_until_ms(100);
    clock.advance(ms(100)).unwrap();
    assert!(done(pin!(sleep)).await);
    assert!(done(pin!(clock.sleep_until_ms(50))).await, "a deadline already past ends at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleepers_on_other_threads_wake_on_one_advance() {
    let clock = Clock::manual(0);
    let sleepers: Vec<_> = (1..=8u64)
        .map(|i| {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until_ms(i * 10).await })
        })
        .collect();
    tokio::task::yield_now().await;
    clock.advance(ms(80)).unwrap();
    for s in sleepers {
        s.await.unwrap();
    }
}

#[tokio::test]
async fn an_offset_clock_runs_on_the_wall_and_jumps_forward() {
    let clock = Clock::offset();
    let before = wall_ms();
    assert!(clock.now_ms() >= before);
    let mut sleep = pin!(clock.sleep(Duration::from_secs(3600)));
    assert!(!done(sleep.as_mut()).await);
    clock.advance(Duration::from_secs(15 * 60)).unwrap();
    assert!(clock.now_ms() >= before + 15 * 60 * 1000);
    assert!(!done(sleep.as_mut()).await);
    clock.advance(Duration::from_secs(45 * 60)).unwrap();
    assert!(done(sleep.as_mut()).await);
}

#[tokio::test]
async fn the_system_clock_cannot_be_advanced() {
    let clock = Clock::system();
    assert!(matches!(clock.advance(ms(1)), Err(Error::NotAdjustable)));
    assert!(!clock.is_adjustable());
    assert!(done(pin!(clock.sleep_until_ms(clock.now_ms()))).await);
}
