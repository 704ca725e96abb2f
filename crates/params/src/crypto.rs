//! Encryption at rest: AES-256-GCM under the installation's key, a fresh random 96-bit nonce
//! per value. A sealed value is `nonce ‖ ciphertext ‖ tag`; the associated data binds it to
//! what it belongs to (a parameter's name and version, a secret's ARN and version id), so a
//! stored value moved to another record does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

/// The key's length in bytes.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

/// Seals and opens values under one key.
pub struct Sealer {
    cipher: Aes256Gcm,
}

/// A sealed value that does not open: another key, other associated data, or damage.
#[derive(Debug)]
pub struct OpenError;

impl Sealer {
    /// A sealer for `key`.
    pub fn new(key: &[u8; KEY_LEN]) -> Sealer {
        Sealer { cipher: Aes256Gcm::new(key.into()) }
    }

    /// `plaintext` sealed with a fresh nonce, bound to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source is available");
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad })
            .expect("AES-GCM seals any value under 64 GiB");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of a value [`Sealer::seal`] made with the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad }).map_err(|_| OpenError)
    }
}

/// A uniformly random index below `n` (rejection sampling, so no index is favoured).
pub(crate) fn random_below(n: usize) -> usize {
    assert!(n > 0 && n <= u32::MAX as usize, "a non-empty choice");
    let n = n as u32;
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).expect("the operating system's random source is available");
        let v = u32::from_le_bytes(b);
        if v < zone {
            return (v % n) as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_only_with_its_key_and_associated_data() {
        let s = Sealer::new(&[7; KEY_LEN]);
        let a = s.seal(b"hunter2", b"/db/password\x001");
        let b = s.seal(b"hunter2", b"/db/password\x001");
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(!a.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(s.open(&a, b"/db/password\x001").unwrap(), b"hunter2");
        assert!(s.open(&a, b"/db/password\x002").is_err());
        assert!(Sealer::new(&[8; KEY_LEN]).open(&a, b"/db/password\x001").is_err());
        assert!(s.open(&a[..5], b"").is_err());
    }

    #[test]
    fn random_indices_stay_in_range() {
        for n in [1, 2, 3, 94] {
            assert!((0..200).all(|_| random_below(n) < n));
        }
    }
}
