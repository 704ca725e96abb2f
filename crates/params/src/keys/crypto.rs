//! Encrypt, Decrypt, ReEncrypt, GenerateDataKey and GenerateRandom: in memory, no store
//! access. Other services encrypt through the same methods: [`Keys::generate_data_key`]
//! to protect a new object under a key, [`Keys::decrypt`] to open its data key again,
//! [`Keys::resolve`] to name a key's ARN, [`Keys::managed`] for the AWS-managed key of a
//! service (`alias/aws/s3`).

use super::lookup::{Naming, usable};
use super::refs::key_arn;
use super::{Key, Keys, blob};
use crate::{Error, Result, validation};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// An encryption context: pairs a ciphertext is bound to, which its decryption must give
/// again. In key order, so its serialization is canonical.
pub type EncryptionContext = BTreeMap<String, String>;

/// Most bytes Encrypt takes.
pub const MAX_PLAINTEXT: usize = 4096;
/// Most bytes of a data key (GenerateDataKey's `NumberOfBytes`) or of GenerateRandom.
pub const MAX_DATA_KEY: usize = 1024;

/// What Encrypt answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypted {
    /// `CiphertextBlob` (see [`blob`]).
    pub ciphertext: Vec<u8>,
    /// The ARN of the key it was encrypted under.
    pub key_arn: String,
}

/// A data key: its plaintext (wiped from memory when dropped) and that plaintext encrypted
/// under a KMS key, to be stored beside what the data key protects.
#[derive(Debug, Clone)]
pub struct DataKey {
    /// The key itself: use it, then drop it.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// It encrypted under `key_arn` with the context given, for [`Keys::decrypt`].
    pub ciphertext: Vec<u8>,
    /// The ARN of the KMS key that encrypted it.
    pub key_arn: String,
}

/// What Decrypt answers.
#[derive(Debug, Clone)]
pub struct Decrypted {
    /// The plaintext (wiped from memory when dropped).
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The ARN of the key that decrypted it.
    pub key_arn: String,
}

/// What ReEncrypt answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReEncrypted {
    /// The new `CiphertextBlob`.
    pub ciphertext: Vec<u8>,
    /// `SourceKeyId`: the ARN of the key that decrypted.
    pub source_key_arn: String,
    /// `KeyId`: the ARN of the key that encrypted again.
    pub key_arn: String,
}

/// Checks a byte count against `1..=max`, KMS's way.
fn check_count(member: &str, what: &str, n: usize, max: usize) -> Result<()> {
    match n {
        0 => Err(validation(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have {what} greater than or equal to 1"
        ))),
        n if n > max => Err(validation(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have {what} less than or equal to {max}"
        ))),
        _ => Ok(()),
    }
}

/// `n` random bytes.
fn random(n: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; n]);
    getrandom::fill(&mut out).expect("the operating system's random source is available");
    out
}

impl Keys {
    /// The key `key_ref` (a key id, key ARN, alias name or alias ARN) names, if it may
    /// encrypt now.
    fn usable_key(&self, key_ref: &str) -> Result<Key> {
        let key = self.find(key_ref, Naming::KeyOrAlias)?;
        usable(&key.info)?;
        Ok(key)
    }

    /// Encrypt: `plaintext` (1 to 4096 bytes) under the key `key_ref` names, bound to
    /// `context`.
    pub fn encrypt(&self, key_ref: &str, plaintext: &[u8], context: &EncryptionContext) -> Result<Encrypted> {
        check_count("plaintext", "length", plaintext.len(), MAX_PLAINTEXT)?;
        let key = self.usable_key(key_ref)?;
        let ciphertext = blob::seal(&key.cipher, &key.info.id, plaintext, context);
        Ok(Encrypted { ciphertext, key_arn: key.info.arn })
    }

    /// GenerateDataKey: `len` (1 to 1024) random bytes, and the same encrypted under the
    /// key `key_ref` (a key id, key ARN, alias name or alias ARN) names, bound to `context`.
    /// The key must be enabled (`DisabledException`, `KMSInvalidStateException`).
    pub fn generate_data_key(&self, key_ref: &str, context: &EncryptionContext, len: usize) -> Result<DataKey> {
        check_count("numberOfBytes", "value", len, MAX_DATA_KEY)?;
        let key = self.usable_key(key_ref)?;
        let plaintext = random(len);
        let ciphertext = blob::seal(&key.cipher, &key.info.id, &plaintext, context);
        Ok(DataKey { plaintext, ciphertext, key_arn: key.info.arn })
    }

    /// Decrypt: the plaintext of `ciphertext` (made by [`Keys::encrypt`] or
    /// [`Keys::generate_data_key`]), given the `context` it was encrypted with; the key is
    /// the one the ciphertext names. With `expected_key` (any way of naming a key), a
    /// ciphertext of another key is refused (`IncorrectKeyException`). A damaged
    /// ciphertext, another context, or a key that no longer exists:
    /// `InvalidCiphertextException`.
    pub fn decrypt(
        &self,
        ciphertext: &[u8],
        context: &EncryptionContext,
        expected_key: Option<&str>,
    ) -> Result<Decrypted> {
        let id = blob::key_id(ciphertext).ok_or_else(blob::invalid)?;
        if let Some(expected) = expected_key
            && self.find(expected, Naming::KeyOrAlias)?.info.id != id
        {
            return Err(Error::IncorrectKey(
                "The key ID in the request does not identify a KMS key that can perform this operation: the ciphertext was encrypted under another key.".into(),
            ));
        }
        let key = {
            let state = self.read();
            match state.keys.get(&id) {
                Some(k) if !self.gone(&k.info) => k.clone(),
                _ => return Err(blob::invalid()),
            }
        };
        usable(&key.info)?;
        let plaintext = blob::open(&key.cipher, ciphertext, context)?;
        Ok(Decrypted { plaintext, key_arn: key.info.arn })
    }

    /// ReEncrypt: decrypts `ciphertext` as [`Keys::decrypt`] does, and encrypts its
    /// plaintext under the key `destination` names with `destination_context`, the
    /// plaintext never leaving the server.
    pub fn re_encrypt(
        &self,
        ciphertext: &[u8],
        source_context: &EncryptionContext,
        source_key: Option<&str>,
        destination: &str,
        destination_context: &EncryptionContext,
    ) -> Result<ReEncrypted> {
        let destination = self.usable_key(destination)?;
        let source = self.decrypt(ciphertext, source_context, source_key)?;
        let ciphertext = blob::seal(&destination.cipher, &destination.info.id, &source.plaintext, destination_context);
        Ok(ReEncrypted { ciphertext, source_key_arn: source.key_arn, key_arn: destination.info.arn })
    }

    /// The ARN of the key `ciphertext` says it was encrypted under (for authorizing a
    /// Decrypt before it is attempted), if it is one of Squall's ciphertexts.
    pub fn key_of_ciphertext(&self, ciphertext: &[u8]) -> Option<String> {
        blob::key_id(ciphertext).map(|id| key_arn(&self.region, &id))
    }

    /// GenerateRandom: `len` (1 to 1024) random bytes.
    pub fn generate_random(&self, len: usize) -> Result<Zeroizing<Vec<u8>>> {
        check_count("numberOfBytes", "value", len, MAX_DATA_KEY)?;
        Ok(random(len))
    }
}
