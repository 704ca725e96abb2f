//! Tests: operators against the guide's examples, refusals with EventBridge's messages, the index
//! against brute force, and a generated-input run for totality.

mod filter_policy;
mod fuzz;
mod generate;
mod index;
mod matching;
mod refusals;

use serde_json::{Value, json};

use crate::Pattern;

/// Parses a pattern the test expects to be valid.
fn pattern(text: &str) -> Pattern {
    match Pattern::parse(text) {
        Ok(p) => p,
        Err(e) => panic!("pattern {text} refused: {}", e.message()),
    }
}

/// The refusal of a pattern the test expects to be invalid: (reason, full text after `Reason: `).
fn refusal(text: &str) -> (String, String) {
    match Pattern::parse(text) {
        Ok(p) => panic!("pattern {text} accepted: {p:?}"),
        Err(e) => (e.reason().to_string(), e.to_string()),
    }
}

/// An EventBridge event with the given `detail`.
fn event_with(detail: Value) -> Value {
    json!({
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": "123456789012",
        "time": "2015-11-11T21:29:54Z",
        "region": "us-east-1",
        "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
        "detail": detail
    })
}

/// A small deterministic generator (xorshift64*), so generated cases repeat from run to run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).expect("fits")).expect("fits")
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
