//! Refused requests are logged at debug level only; at most once per interval an INFO
//! line counts them, so a client sending bad requests in a loop cannot fill the disk with
//! the server's log.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The least time between two INFO summaries.
const SUMMARY_EVERY: Duration = Duration::from_secs(10);

static REFUSED: AtomicU64 = AtomicU64::new(0);
/// When the last summary was written (real time: this paces the log, it decides nothing).
static LAST_SUMMARY: Mutex<Option<Instant>> = Mutex::new(None);

/// Notes one refused request.
pub fn record(service: &str, code: &str, message: &str) {
    tracing::debug!(service, code, message, "request refused");
    REFUSED.fetch_add(1, Ordering::Relaxed);
    let Ok(mut last) = LAST_SUMMARY.try_lock() else { return };
    let now = Instant::now();
    if last.is_some_and(|t| now.duration_since(t) < SUMMARY_EVERY) {
        return;
    }
    *last = Some(now);
    let refused = REFUSED.swap(0, Ordering::Relaxed);
    tracing::info!(
        refused,
        last_service = service,
        last_code = code,
        last_message = message,
        "requests refused since the last summary (each at debug level)"
    );
}
