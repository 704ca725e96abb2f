//! Squall's ciphertext blobs (what Encrypt and GenerateDataKey hand out as `CiphertextBlob`):
//!
//! ```text
//! 0xA1 | key id (16 bytes, the UUID) | nonce (12 bytes) | AES-256-GCM ciphertext | tag (16 bytes)
//! ```
//!
//! The first byte is the format's magic (high nibble `A`) and version (low nibble `1`). The
//! key id lets Decrypt find the key without a `KeyId`, as on AWS. The associated data is the
//! 17-byte header followed by the encryption context, canonically serialized (pairs in key
//! order, each string prefixed by its length as 4 big-endian bytes), so a changed header,
//! body or context fails authentication: `InvalidCiphertextException`.

use super::crypto::EncryptionContext;
use crate::{Error, Result};
use squall_auth::Sealer;
use zeroize::Zeroizing;

/// The magic and version byte.
pub const VERSION: u8 = 0xA1;
/// Version byte and key id.
const HEADER: usize = 1 + 16;
/// The nonce and tag `Sealer` adds.
const OVERHEAD: usize = 12 + 16;

/// `plaintext` encrypted under `cipher`, the material of key `key_id` (a UUID), bound to
/// `context`.
pub(crate) fn seal(cipher: &Sealer, key_id: &str, plaintext: &[u8], context: &EncryptionContext) -> Vec<u8> {
    let id = uuid::Uuid::parse_str(key_id).expect("key ids are UUIDs");
    let mut out = Vec::with_capacity(HEADER + OVERHEAD + plaintext.len());
    out.push(VERSION);
    out.extend_from_slice(id.as_bytes());
    let sealed = cipher.seal(plaintext, &aad(&out, context));
    out.extend_from_slice(&sealed);
    out
}

/// The id of the key `blob` says it was encrypted under, if it is one of Squall's blobs.
/// The claim is checked only when the blob is opened.
pub fn key_id(blob: &[u8]) -> Option<String> {
    if blob.len() < HEADER + OVERHEAD || blob[0] != VERSION {
        return None;
    }
    let id = uuid::Uuid::from_slice(&blob[1..HEADER]).ok()?;
    Some(id.hyphenated().to_string())
}

/// The plaintext of `blob`, encrypted under `cipher` with `context`.
pub(crate) fn open(cipher: &Sealer, blob: &[u8], context: &EncryptionContext) -> Result<Zeroizing<Vec<u8>>> {
    if key_id(blob).is_none() {
        return Err(invalid());
    }
    let (header, sealed) = blob.split_at(HEADER);
    cipher.open(sealed, &aad(header, context)).map(Zeroizing::new).map_err(|_| invalid())
}

/// What a blob that does not open answers (AWS says no more: which part failed would help
/// an attacker, not the caller).
pub(crate) fn invalid() -> Error {
    Error::InvalidCiphertext(
        "The ciphertext is invalid: it was not made by this server's KMS, it was changed, or the encryption context differs from the one it was encrypted with.".into(),
    )
}

/// The associated data: the header, then each context pair in key order.
fn aad(header: &[u8], context: &EncryptionContext) -> Vec<u8> {
    let mut out = header.to_vec();
    for (k, v) in context {
        for s in [k, v] {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use squall_auth::KEY_LEN;

    const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    fn context(pairs: &[(&str, &str)]) -> EncryptionContext {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_blob_names_its_key_and_opens_with_its_key_and_context() {
        let cipher = Sealer::new(&[3; KEY_LEN]);
        let ctx = context(&[("bucket", "photos"), ("app", "web")]);
        let blob = seal(&cipher, ID, b"attack at dawn", &ctx);
        assert_eq!(blob[0], VERSION);
        assert_eq!(key_id(&blob).as_deref(), Some(ID));
        assert_eq!(blob.len(), HEADER + OVERHEAD + 14);
        assert!(!blob.windows(14).any(|w| w == b"attack at dawn"));
        assert_eq!(open(&cipher, &blob, &ctx).unwrap().as_slice(), b"attack at dawn");
        // The same pairs given in another order are the same context.
        let reordered = context(&[("app", "web"), ("bucket", "photos")]);
        assert_eq!(open(&cipher, &blob, &reordered).unwrap().as_slice(), b"attack at dawn");
        // A fresh nonce each time.
        assert_ne!(seal(&cipher, ID, b"attack at dawn", &ctx), blob);
    }

    #[test]
    fn a_wrong_context_does_not_open() {
        let cipher = Sealer::new(&[3; KEY_LEN]);
        let ctx = context(&[("bucket", "photos")]);
        let blob = seal(&cipher, ID, b"secret", &ctx);
        for wrong in [
            context(&[]),
            context(&[("bucket", "photo")]),
            context(&[("bucket", "photos"), ("extra", "")]),
            // The length prefixes keep pairs from running into each other.
            context(&[("bucketphotos", "")]),
        ] {
            assert!(matches!(open(&cipher, &blob, &wrong), Err(Error::InvalidCiphertext(_))), "{wrong:?}");
        }
        let none = seal(&cipher, ID, b"secret", &context(&[]));
        assert!(matches!(open(&cipher, &none, &ctx), Err(Error::InvalidCiphertext(_))));
    }

    #[test]
    fn any_changed_byte_or_another_key_does_not_open() {
        let cipher = Sealer::new(&[3; KEY_LEN]);
        let ctx = context(&[]);
        let blob = seal(&cipher, ID, b"secret", &ctx);
        for i in 0..blob.len() {
            let mut tampered = blob.clone();
            tampered[i] ^= 0x01;
            assert!(matches!(open(&cipher, &tampered, &ctx), Err(Error::InvalidCiphertext(_))), "byte {i}");
        }
        assert!(matches!(open(&cipher, &blob[..blob.len() - 1], &ctx), Err(Error::InvalidCiphertext(_))));
        assert!(matches!(open(&cipher, &blob[..HEADER], &ctx), Err(Error::InvalidCiphertext(_))));
        assert!(matches!(open(&cipher, b"", &ctx), Err(Error::InvalidCiphertext(_))));
        assert!(matches!(open(&Sealer::new(&[4; KEY_LEN]), &blob, &ctx), Err(Error::InvalidCiphertext(_))));
        assert_eq!(key_id(b"not a blob at all, though long enough to be one"), None);
    }
}
