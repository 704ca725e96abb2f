//! Receipt handles: which receive of which message of which queue. Each receive draws a
//! new random nonce, so a handle from an earlier receive is stale, and one cannot be
//! forged without guessing 64 random bits.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What a receipt handle names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Receipt {
    pub(crate) queue: String,
    pub(crate) seq: u64,
    pub(crate) nonce: u64,
}

impl Receipt {
    pub(crate) fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("r1:{:016x}:{:016x}:{}", self.seq, self.nonce, self.queue))
    }

    /// `None` when the text is not a receipt handle at all.
    pub(crate) fn decode(text: &str) -> Option<Receipt> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let mut parts = raw.splitn(4, ':');
        let (Some("r1"), Some(seq), Some(nonce), Some(queue)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(Receipt {
            queue: queue.to_string(),
            seq: u64::from_str_radix(seq, 16).ok()?,
            nonce: u64::from_str_radix(nonce, 16).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let r = Receipt { queue: "jobs".into(), seq: 42, nonce: u64::MAX };
        assert_eq!(Receipt::decode(&r.encode()), Some(r));
        assert_eq!(Receipt::decode("garbage"), None);
        assert_eq!(Receipt::decode(""), None);
    }
}
