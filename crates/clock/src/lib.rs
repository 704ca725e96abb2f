//! The platform clock: what every service and background worker asks for the time and
//! sleeps on, so tests (and a `--dev` server) can move time instead of waiting for it.
//!
//! A [`Clock`] is one of three kinds, all behind one cheap-to-clone handle:
//! - [`Clock::system`]: the wall clock (production);
//! - [`Clock::manual`]: frozen at a given time, moving only by [`Clock::advance`] (unit tests);
//! - [`Clock::offset`]: the wall clock plus an offset that [`Clock::advance`] grows, so it
//!   runs at real speed and can jump forward (dev servers).
//!
//! Sleepers on a movable clock wake when it is advanced and check the time again, so
//! advancing past a deadline ends every sleep waiting for it.
//!
//! Deliberately not here: elapsed-time measurement and real timeouts (request latency,
//! function deadlines, HTTP timeouts), which use `std`/`tokio` `Instant` directly; and date
//! formatting (`squall_types`).

#![deny(missing_docs)]

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// What the clock tells its callers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// [`Clock::advance`] on the system clock, which only real time moves.
    #[error("the system clock cannot be advanced")]
    NotAdjustable,
}

/// The platform clock; clones share one time.
#[derive(Clone)]
pub struct Clock(Arc<Inner>);

enum Inner {
    System,
    /// The time, epoch milliseconds; receivers learn of every advance.
    Manual(watch::Sender<u64>),
    /// Milliseconds added to the wall clock; receivers learn of every advance.
    Offset(watch::Sender<u64>),
}

static SYSTEM: LazyLock<Clock> = LazyLock::new(|| Clock(Arc::new(Inner::System)));

/// Real time in epoch milliseconds, whatever any [`Clock`] says. Only for what must not move
/// with the platform clock: log line stamps, deadlines handed to processes, counters seeded
/// from the time so they keep rising across restarts.
pub fn wall_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Clock {
        SYSTEM.clone()
    }

    /// A clock frozen at `start_ms` (epoch milliseconds) until advanced.
    pub fn manual(start_ms: u64) -> Clock {
        Clock(Arc::new(Inner::Manual(watch::Sender::new(start_ms))))
    }

    /// The wall clock plus an offset, zero until advanced.
    pub fn offset() -> Clock {
        Clock(Arc::new(Inner::Offset(watch::Sender::new(0))))
    }

    /// Epoch milliseconds.
    pub fn now_ms(&self) -> u64 {
        match &*self.0 {
            Inner::System => wall_ms(),
            Inner::Manual(t) => *t.borrow(),
            Inner::Offset(o) => wall_ms().saturating_add(*o.borrow()),
        }
    }

    /// Epoch seconds.
    pub fn now_s(&self) -> u64 {
        self.now_ms() / 1000
    }

    /// The time as a `SystemTime`.
    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.now_ms())
    }

    /// Moves a manual or offset clock forward by `d` (whole milliseconds) and wakes every
    /// sleeper to check its deadline again.
    pub fn advance(&self, d: Duration) -> Result<(), Error> {
        match &*self.0 {
            Inner::System => Err(Error::NotAdjustable),
            Inner::Manual(t) | Inner::Offset(t) => {
                t.send_modify(|t| *t = t.saturating_add(millis(d)));
                Ok(())
            }
        }
    }

    /// Sleeps for `d` of this clock's time, counted from this call (as `tokio::time::sleep`).
    pub fn sleep(&self, d: Duration) -> impl Future<Output = ()> + Send + '_ {
        let deadline_ms = self.now_ms().saturating_add(millis(d));
        let started = tokio::time::Instant::now();
        async move {
            match (&*self.0, started.checked_add(d)) {
                (Inner::System, Some(until)) => tokio::time::sleep_until(until).await,
                (Inner::System, None) => std::future::pending().await,
                _ => self.sleep_until_ms(deadline_ms).await,
            }
        }
    }

    /// Sleeps until this clock reads `deadline_ms` or later.
    pub async fn sleep_until_ms(&self, deadline_ms: u64) {
        let (Inner::Manual(t) | Inner::Offset(t)) = &*self.0 else {
            // Checked again after each sleep: the wall clock may have been set back.
            loop {
                let now = wall_ms();
                if now >= deadline_ms {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(deadline_ms - now)).await;
            }
        };
        // Subscribed before the time is read: an advance after that read marks the
        // receiver changed, so no advance between the check and the wait is lost.
        let mut advanced = t.subscribe();
        let frozen = matches!(&*self.0, Inner::Manual(_));
        loop {
            let now = self.now_ms();
            if now >= deadline_ms {
                return;
            }
            let real = async {
                if frozen {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(Duration::from_millis(deadline_ms - now)).await;
            };
            tokio::select! {
                changed = advanced.changed() => {
                    if changed.is_err() {
                        // Unreachable while `self` holds the sender; never spin if it were.
                        std::future::pending::<()>().await;
                    }
                }
                () = real => {}
            }
        }
    }

    /// Whether [`Clock::advance`] moves this clock.
    pub fn is_adjustable(&self) -> bool {
        !matches!(&*self.0, Inner::System)
    }
}

impl Default for Clock {
    /// The wall clock.
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &*self.0 {
            Inner::System => "system",
            Inner::Manual(_) => "manual",
            Inner::Offset(_) => "offset",
        };
        f.debug_struct("Clock").field("kind", &kind).field("now_ms", &self.now_ms()).finish()
    }
}

#[cfg(test)]
mod tests;
