use std::cell::Cell;
use std::fmt;

thread_local! {
    /// Per-thread generator state, seeded once from the OS: ids must be unique and hard to
    /// guess by accident, not secret, and a system call per id shows up on the hot path.
    static RNG: Cell<u64> = Cell::new({
        let mut seed = [0u8; 8];
        // The OS RNG failing is not recoverable in any useful way; ids would collide.
        getrandom::fill(&mut seed).expect("the operating system's random source is available");
        u64::from_le_bytes(seed)
    });
}

/// A random number from a per-thread generator (SplitMix64, seeded from the OS): a
/// bijection of its counter, so one thread never repeats an output. Not for secrets.
pub fn random_u64() -> u64 {
    RNG.with(|state| {
        let s = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// A uniform draw in `0..1` (what an alias's weights choose a version with).
pub fn random_draw() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    for chunk in b.chunks_mut(8) {
        chunk.copy_from_slice(&random_u64().to_le_bytes()[..chunk.len()]);
    }
    b
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A request id: a random UUID (version 4), as Lambda and API Gateway issue them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh random id.
    pub fn new() -> Self {
        let mut b = random_bytes::<16>();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex(&b);
        RequestId(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
    }

    /// An id issued earlier (stored with queued work): a UUID in its usual lower-case form.
    pub fn parse(s: &str) -> Option<Self> {
        let shape = s.len() == 36
            && s.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
            });
        shape.then(|| RequestId(s.to_string()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The W3C trace context of one hop: the trace it belongs to, this hop's span and the
/// span that called it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    /// The trace, shared by every hop.
    pub trace_id: [u8; 16],
    /// This hop's span.
    pub span_id: [u8; 8],
    /// The caller's span, when the request carried one.
    pub parent_span_id: Option<[u8; 8]>,
    /// The sampled flag, passed on unchanged.
    pub sampled: bool,
}

impl TraceContext {
    /// Starts a new trace.
    pub fn new_root() -> Self {
        TraceContext { trace_id: random_bytes(), span_id: random_bytes(), parent_span_id: None, sampled: true }
    }

    /// Continues the trace of an incoming `traceparent` header, or starts a new one when it
    /// is absent or malformed (as the W3C spec asks: a bad header is ignored).
    pub fn from_traceparent(header: Option<&str>) -> Self {
        header.and_then(Self::parse).unwrap_or_else(Self::new_root)
    }

    fn parse(h: &str) -> Option<Self> {
        let mut parts = h.trim().split('-');
        let version = parts.next()?;
        let trace = parts.next()?;
        let parent = parts.next()?;
        let flags = parts.next()?;
        // Version 00 has exactly four fields; later versions may append more.
        if version == "ff" || unhex::<1>(version).is_none() || (version == "00" && parts.next().is_some()) {
            return None;
        }
        let trace_id = unhex::<16>(trace)?;
        let parent_id = unhex::<8>(parent)?;
        let flags = unhex::<1>(flags)?[0];
        if trace_id == [0; 16] || parent_id == [0; 8] {
            return None;
        }
        Some(TraceContext {
            trace_id,
            span_id: random_bytes(),
            parent_span_id: Some(parent_id),
            sampled: flags & 1 == 1,
        })
    }

    /// A child hop of this one: same trace, new span, this span as parent.
    pub fn child(&self) -> Self {
        TraceContext {
            trace_id: self.trace_id,
            span_id: random_bytes(),
            parent_span_id: Some(self.span_id),
            sampled: self.sampled,
        }
    }

    /// The `traceparent` header naming this hop as the parent of the next.
    pub fn traceparent(&self) -> String {
        format!("00-{}-{}-{}", hex(&self.trace_id), hex(&self.span_id), if self.sampled { "01" } else { "00" })
    }

    /// The trace id as 32 lower-case hex digits.
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// This span's id as 16 lower-case hex digits.
    pub fn span_id_hex(&self) -> String {
        hex(&self.span_id)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn ids_do_not_repeat_within_or_across_threads() {
        let batch = || (0..20_000).map(|_| RequestId::new().to_string()).collect::<Vec<_>>();
        let other = std::thread::spawn(batch).join().unwrap();
        let all: HashSet<String> = batch().into_iter().chain(other).collect();
        assert_eq!(all.len(), 40_000);
    }

    use super::*;

    #[test]
    fn honours_incoming_traceparent() {
        let h = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t = TraceContext::from_traceparent(Some(h));
        assert_eq!(t.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.parent_span_id, Some([0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]));
        assert!(t.sampled);
        let next = t.traceparent();
        assert!(next.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
        assert!(!next.contains("00f067aa0ba902b7"));
    }

    #[test]
    fn ignores_malformed_traceparent() {
        for h in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            let t = TraceContext::from_traceparent(Some(h));
            assert_eq!(t.parent_span_id, None, "{h}");
        }
    }

    #[test]
    fn request_ids_are_uuid_v4() {
        let id = RequestId::new();
        let s = id.as_str();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert_ne!(RequestId::new(), id);
        assert_eq!(RequestId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(RequestId::parse("not-an-id"), None);
    }
}
