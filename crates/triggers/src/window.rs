//! Tumbling windows on a table stream (`TumblingWindowInSeconds`): records are grouped by
//! their times into windows of a fixed length aligned to the epoch; each invocation in a
//! window gets the `state` the previous one returned, and when the window ends the function
//! is invoked once more with no records and `isFinalInvokeForWindow`, as Lambda does. The
//! window's start and state are kept with the mapping's checkpoint, so they survive a
//! restart.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// A window in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Window {
    /// Its start, ms since the epoch.
    pub(crate) start_ms: u64,
    /// What the function returned as `state` last (an object).
    pub(crate) state: Value,
}

impl Window {
    /// The window of length `len_s` a record written at `at_ms` falls in, with no state yet.
    pub(crate) fn of(at_ms: u64, len_s: u32) -> Window {
        let len = u64::from(len_s) * 1000;
        Window { start_ms: at_ms - at_ms % len, state: Value::Object(Map::new()) }
    }

    /// When it ends, ms since the epoch.
    pub(crate) fn end_ms(&self, len_s: u32) -> u64 {
        self.start_ms + u64::from(len_s) * 1000
    }

    /// As kept with the checkpoint.
    pub(crate) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("windows serialize")
    }

    /// What [`Window::encode`] wrote, if it reads.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Window> {
        serde_json::from_slice(bytes).ok()
    }

    /// The event of an invocation in this window: `records`, the window, its state, and
    /// whether this is the window's final invocation.
    pub(crate) fn event(&self, len_s: u32, records: Vec<Value>, shard: &str, arn: &str, last: bool) -> Value {
        let iso = squall_types::format_iso8601_millis_z;
        json!({
            "Records": records,
            "window": { "start": iso(self.start_ms), "end": iso(self.end_ms(len_s)) },
            "state": self.state,
            "shardId": shard,
            "eventSourceARN": arn,
            "isFinalInvokeForWindow": last,
            "isWindowTerminatedEarly": false,
        })
    }

    /// Takes the `state` an answer returns (an object; anything else counts as none).
    pub(crate) fn take_state(&mut self, answer: &[u8]) {
        let returned = serde_json::from_slice::<Value>(answer).ok().and_then(|v| v.get("state").cloned());
        self.state = returned.filter(Value::is_object).unwrap_or_else(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_the_epoch_and_carry_the_returned_state() {
        let mut w = Window::of(125_500, 60);
        assert_eq!((w.start_ms, w.end_ms(60)), (120_000, 180_000));
        w.take_state(br#"{"state": {"sum": 3}, "batchItemFailures": []}"#);
        assert_eq!(w.state, json!({"sum": 3}));
        assert_eq!(Window::decode(&w.encode()), Some(w.clone()));
        let e = w.event(60, vec![], "shard-1", "arn:s", true);
        assert_eq!(
            (e["window"]["start"].as_str(), e["isFinalInvokeForWindow"].as_bool()),
            (Some("1970-01-01T00:02:00.000Z"), Some(true))
        );
        w.take_state(b"null");
        assert_eq!(w.state, json!({}));
    }
}
