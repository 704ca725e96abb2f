//! Usage plan throttles of REST API keys: a token bucket per key, on the platform clock.

use squall_clock::Clock;
use squall_types::Throttle;
use std::collections::HashMap;
use std::sync::Mutex;

/// Buckets of the keys that have a throttle, by key value.
pub struct Throttles {
    clock: Clock,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    /// Thousandths of a request available.
    milli: u64,
    at_ms: u64,
}

impl Throttles {
    /// No bucket yet; times are `clock`'s.
    pub fn new(clock: Clock) -> Self {
        Throttles { clock, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from `key`'s bucket: `false` when it is empty (API Gateway's 429).
    pub(crate) fn admit(&self, key: &str, t: Throttle) -> bool {
        let now = self.clock.now_ms();
        let capacity = u64::from(t.burst.max(1)) * 1000;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(key.to_string()).or_insert(Bucket { milli: capacity, at_ms: now });
        let refill = now.saturating_sub(b.at_ms).saturating_mul(t.rate_milli) / 1000;
        b.milli = (b.milli + refill).min(capacity);
        b.at_ms = now;
        if b.milli >= 1000 {
            b.milli -= 1000;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let clock = Clock::manual(1_000_000);
        let t = Throttles::new(clock.clone());
        let plan = Throttle { rate_milli: 2_000, burst: 3 };
        let admitted = (0..5).filter(|_| t.admit("k", plan)).count();
        assert_eq!(admitted, 3, "the burst");
        clock.advance(std::time::Duration::from_millis(499)).unwrap();
        assert!(!t.admit("k", plan), "not yet half a second: under one request refilled");
        clock.advance(std::time::Duration::from_millis(1)).unwrap();
        assert!(t.admit("k", plan), "2 per second: one after 500 ms");
        assert!(t.admit("other", plan), "each key has its own bucket");
        clock.advance(std::time::Duration::from_secs(60)).unwrap();
        assert_eq!((0..5).filter(|_| t.admit("k", plan)).count(), 3, "refills to the burst, no more");
    }
}
