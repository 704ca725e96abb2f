//! Sealing values: AES-256-GCM under one key, a fresh random 96-bit nonce per value
//! (parameters and secrets at rest, STS session tokens). A sealed value is
//! `nonce ‖ ciphertext ‖ tag`; the associated data binds it to what it belongs to (a
//! parameter's name and version, a secret's ARN and version id, a session's access key id),
//! so a sealed value moved to another record does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

/// A key's length in bytes.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

/// Seals and opens values under one key.
pub struct Sealer {
    /// The cipher, keyed once.
    cipher: Aes256Gcm,
}

/// A sealed value that does not open: another key, other associated data, or damage.
#[derive(Debug, Clone, Copy)]
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
}
