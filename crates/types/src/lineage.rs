//! Lambda's recursive loop detection: how many times each function has run in one chain of
//! requests (an event that a function sends on to a queue or topic that invokes it again).
//!
//! The counts travel in the X-Ray trace header (`X-Amzn-Trace-Id`) as its `Lineage` field,
//! the way Lambda's runtimes hand the header to functions and AWS's SDKs send it on with
//! every request made from inside one: a queue keeps it as the message's `AWSTraceHeader`,
//! a topic passes it to its deliveries, and the next invocation reads it back.

use std::collections::BTreeMap;

/// How many times one chain of requests may invoke a function; the next is stopped (unless
/// the function allows recursive loops), as Lambda does.
pub const RECURSION_LIMIT: u32 = 16;

/// The most functions one chain counts: a header carrying more is read up to this many.
const MAX_ENTRIES: usize = 32;

/// The counts of one chain: a short digest of each function's name and how many times
/// the chain has invoked it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lineage(BTreeMap<String, u32>);

impl Lineage {
    /// The `Lineage` field of an X-Ray trace header (`Root=…;Parent=…;Lineage=…`), if it
    /// has a readable one; entries that do not read are left out.
    pub fn from_trace_header(header: &str) -> Lineage {
        let field = header.split(';').find_map(|part| part.trim().strip_prefix("Lineage="));
        let mut counts = BTreeMap::new();
        for entry in field.unwrap_or_default().split(',').take(MAX_ENTRIES) {
            if let Some((digest, n)) = entry.split_once(':')
                && digest.len() == 8
                && digest.bytes().all(|b| b.is_ascii_hexdigit())
                && let Ok(n) = n.parse::<u32>()
            {
                counts.insert(digest.to_ascii_lowercase(), n);
            }
        }
        Lineage(counts)
    }

    /// How many times the chain has invoked `function`.
    pub fn count(&self, function: &str) -> u32 {
        self.0.get(&digest(function)).copied().unwrap_or(0)
    }

    /// Whether the chain's next invocation of `function` is stopped: it has run
    /// [`RECURSION_LIMIT`] times in it, and the function does not allow loops.
    pub fn stops(&self, function: &str, loops_allowed: bool) -> bool {
        !loops_allowed && self.count(function) >= RECURSION_LIMIT
    }

    /// The chain as `function`'s invocation carries it on: its count one more.
    pub fn hop(&self, function: &str) -> Lineage {
        let mut next = self.clone();
        let n = next.0.entry(digest(function)).or_default();
        *n = n.saturating_add(1);
        next
    }

    /// The counts of two chains joined (a batch of records from several): the higher of
    /// each.
    pub fn join(&mut self, other: &Lineage) {
        for (d, n) in &other.0 {
            let mine = self.0.entry(d.clone()).or_default();
            *mine = (*mine).max(*n);
        }
    }

    /// Whether no function has run in the chain yet.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The header field's value (`1a2b3c4d:3,…`): characters botocore sends as they are
    /// when it passes the header on (it percent-encodes others, `|` among them).
    pub fn field(&self) -> String {
        self.0.iter().map(|(d, n)| format!("{d}:{n}")).collect::<Vec<_>>().join(",")
    }

    /// An X-Ray trace header carrying only these counts, for the platform's own hops.
    pub fn header(&self) -> String {
        format!("Lineage={}", self.field())
    }

    /// `header` (an X-Ray trace header) without its `Lineage` field.
    pub fn without_lineage(header: &str) -> String {
        let fields: Vec<&str> =
            header.split(';').map(str::trim).filter(|f| !f.is_empty() && !f.starts_with("Lineage=")).collect();
        fields.join(";")
    }

    /// `header` (an X-Ray trace header, perhaps empty) with these counts as its `Lineage`.
    pub fn in_header(&self, header: &str) -> String {
        let others = Self::without_lineage(header);
        let lineage = self.header();
        if others.is_empty() { lineage } else { format!("{others};{lineage}") }
    }
}

/// FNV-1a of the name, eight hex digits: a stable tag, not a secret.
fn digest(function: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in function.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_travel_in_the_trace_header_and_grow_per_function() {
        let start = Lineage::from_trace_header("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
        assert!(start.is_empty());
        let once = start.hop("loop");
        let header =
            format!("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;{}", once.header());
        let read = Lineage::from_trace_header(&header);
        assert_eq!((read.count("loop"), read.count("other")), (1, 0));
        let both = read.hop("other").hop("loop");
        assert_eq!((both.count("loop"), both.count("other")), (2, 1));
        assert_eq!(Lineage::from_trace_header(&both.header()), both);
        let mut joined = once.clone();
        joined.join(&both);
        assert_eq!(joined.count("loop"), 2);
        assert!(Lineage::from_trace_header("Lineage=nothex!!:3,abc:x").is_empty());
        assert_eq!(once.in_header("Root=1-a-b;Lineage=00000000:9"), format!("Root=1-a-b;{}", once.header()));
    }
}
