//! Server-side encryption: SSE-S3 (Squall's master key), SSE-KMS (a key of Squall's KMS)
//! and SSE-C (the caller's key).
//!
//! Every encrypted object has a data key of its own, 32 random bytes, kept in its record
//! sealed (AES-256-GCM) under the master key or under the customer's key, which is never
//! stored: a read with another key cannot open it; or for SSE-KMS made and sealed by the
//! KMS ([`KeyService`]), bound to the object's ARN as encryption context. The bytes are sealed in chunks of
//! [`CHUNK`] bytes, each with its 16-byte tag, so a ranged read decrypts only the chunks it
//! touches and a write streams in constant memory. A chunk's nonce is its piece (0 for a
//! PUT, the part number for a multipart upload's part) and its index; the last chunk of a
//! piece is sealed as such, so a piece cut short does not open. Every write of a part gets
//! a key of its own, derived from the upload's data key and a random salt kept with the
//! part: a part sent again is sealed under another key, so no key ever sees a nonce twice.

use crate::{Error, Result};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use ring::aead;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An encryption context: KMS binds a sealed data key to it.
pub type Context = BTreeMap<String, String>;

/// The KMS SSE-KMS asks for data keys (the server's, over `squall_params::Keys`).
#[async_trait]
pub trait KeyService: Send + Sync {
    /// A fresh 32-byte data key under `key_ref` (an id, ARN or alias; `None`: S3's
    /// AWS-managed key, `alias/aws/s3`), bound to `context`: the key, the key sealed by
    /// the KMS, and the KMS key's ARN.
    async fn generate(&self, key_ref: Option<&str>, context: &Context) -> Result<([u8; 32], Vec<u8>, String)>;

    /// Opens a data key [`KeyService::generate`] sealed with `context`.
    fn open(&self, sealed: &[u8], context: &Context) -> Result<[u8; 32]>;

    /// The ARN of the key `key_ref` names, and whether it is AWS-managed.
    fn resolve(&self, key_ref: &str) -> Result<(String, bool)>;
}

/// The keys data keys are sealed under: the master key, and the KMS once wired.
#[derive(Clone, Copy)]
pub(crate) struct Keys<'a> {
    pub(crate) master: &'a [u8; 32],
    pub(crate) kms: Option<&'a dyn KeyService>,
}

/// Plaintext bytes per sealed chunk.
pub const CHUNK: usize = 64 << 10;
/// What sealing adds to each chunk.
const TAG: usize = 16;
/// Bound into every sealed data key.
const KEY_AAD: &[u8] = b"squall sse data key v1";

/// How an object (or an upload's parts) is encrypted, as its record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    /// Under whose key the data key is sealed.
    pub kind: SseKind,
    /// The data key sealed (nonce ‖ ciphertext ‖ tag), base64.
    pub sealed_key: String,
}

/// Whose key protects an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum SseKind {
    /// Squall's master key (`x-amz-server-side-encryption: AES256`).
    S3,
    /// The caller's key, known here only by its MD5 (base64), to tell a wrong key.
    Customer {
        /// The key's MD5, base64.
        key_md5: String,
    },
    /// A KMS key (`x-amz-server-side-encryption: aws:kms`); the sealed data key is the
    /// KMS's ciphertext.
    Kms {
        /// The KMS key's ARN.
        key_arn: String,
        /// The encryption context the data key is bound to (the caller's, and
        /// `aws:s3:arn`).
        #[serde(default)]
        context: Context,
        /// Whether the context names the bucket rather than the object (S3 Bucket Keys).
        #[serde(default)]
        bucket_key: bool,
    },
}

/// A customer-provided key (SSE-C), checked against its MD5.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomerKey {
    /// The 256-bit key.
    pub key: [u8; 32],
    /// Its MD5, base64, as S3 reports it.
    pub md5: String,
}

impl std::fmt::Debug for CustomerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerKey").field("md5", &self.md5).finish_non_exhaustive()
    }
}

impl CustomerKey {
    /// Reads SSE-C's headers: the algorithm (only `AES256`), the key and its MD5 (both
    /// base64), with S3's errors.
    pub fn parse(algorithm: &str, key: &str, md5: &str) -> Result<CustomerKey> {
        use md5::Digest;
        if algorithm != "AES256" {
            return Err(Error::InvalidArgument(format!(
                "The encryption algorithm {algorithm} is not supported; SSE-C takes AES256"
            )));
        }
        let key: [u8; 32] =
            STANDARD.decode(key.trim()).ok().and_then(|k| k.try_into().ok()).ok_or_else(|| {
                Error::InvalidArgument("The secret key was invalid for the specified algorithm.".into())
            })?;
        let actual = STANDARD.encode(md5::Md5::digest(key));
        if actual != md5.trim() {
            return Err(Error::InvalidArgument(
                "The calculated MD5 hash of the key did not match the hash that was provided.".into(),
            ));
        }
        Ok(CustomerKey { key, md5: actual })
    }
}

/// What a write asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseRequest {
    /// SSE-S3.
    S3,
    /// SSE-C with this key.
    Customer(CustomerKey),
    /// SSE-KMS under this key (`None`: S3's AWS-managed key), with the caller's context.
    Kms {
        /// The key's id, ARN or alias.
        key_id: Option<String>,
        /// The caller's encryption context (`aws:s3:arn` is added).
        context: Context,
        /// S3 Bucket Keys: the context names the bucket.
        bucket_key: bool,
    },
}

/// AES-256-GCM under `key` (ring's, whose AES-NI and carry-less multiply code runs at
/// several GB/s).
fn cipher(key: &[u8; 32]) -> aead::LessSafeKey {
    aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, key).expect("a 256-bit key"))
}

/// Seals `data` in place, appending the tag.
fn seal_in_place(key: &aead::LessSafeKey, nonce: [u8; 12], aad: &[u8], data: &mut Vec<u8>) {
    let nonce = aead::Nonce::assume_unique_for_key(nonce);
    key.seal_in_place_append_tag(nonce, aead::Aad::from(aad), data).expect("AES-GCM seals any chunk");
}

/// Opens `data` (sealed, with its tag) in place; the plaintext's length.
fn open_in_place(key: &aead::LessSafeKey, nonce: [u8; 12], aad: &[u8], data: &mut [u8]) -> Option<usize> {
    let nonce = aead::Nonce::assume_unique_for_key(nonce);
    key.open_in_place(nonce, aead::Aad::from(aad), data).ok().map(|plain| plain.len())
}

/// An object's data key, ready to seal and open chunks.
pub(crate) struct DataKey {
    cipher: aead::LessSafeKey,
    raw: [u8; 32],
}

/// How a blob of an encrypted object is sealed: its piece, its plaintext size, and the
/// salt of the part key it was sealed under (hex; none for a PUT's one piece, sealed
/// under the object's data key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedPiece {
    /// The piece (0, or the part number).
    pub piece: u32,
    /// Its plaintext size.
    pub plain: u64,
    /// The part key's salt, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

/// What a write seals its bytes with: the key, the piece, the part key's salt if any.
pub(crate) struct Sealing {
    pub(crate) key: std::sync::Arc<DataKey>,
    pub(crate) piece: u32,
    pub(crate) salt: Option<String>,
}

impl Sealing {
    /// A PUT's: the object's data key, piece 0.
    pub(crate) fn object(key: DataKey) -> Sealing {
        Sealing { key: std::sync::Arc::new(key), piece: 0, salt: None }
    }

    /// A part's: a key of its own, from the upload's data key and a fresh salt.
    pub(crate) fn part(upload: &DataKey, number: u32) -> Sealing {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the OS random source works");
        let salt = hex::encode(salt);
        Sealing { key: std::sync::Arc::new(upload.for_part(&salt)), piece: number, salt: Some(salt) }
    }
}

impl DataKey {
    fn new(key: &[u8; 32]) -> DataKey {
        DataKey { cipher: cipher(key), raw: *key }
    }

    /// The key a part with `salt` is sealed under.
    pub(crate) fn for_part(&self, salt: &str) -> DataKey {
        use sha2::Digest;
        let derived: [u8; 32] = sha2::Sha256::new_with_prefix(b"squall sse part key\0")
            .chain_update(self.raw)
            .chain_update(salt)
            .finalize()
            .into();
        DataKey::new(&derived)
    }

    /// The key the blob `sealed` describes was sealed under.
    pub(crate) fn for_piece(self: &std::sync::Arc<Self>, sealed: &SealedPiece) -> std::sync::Arc<DataKey> {
        match &sealed.salt {
            Some(salt) => std::sync::Arc::new(self.for_part(salt)),
            None => self.clone(),
        }
    }

    fn nonce(piece: u32, index: u64) -> [u8; 12] {
        let mut n = [0u8; 12];
        n[..4].copy_from_slice(&piece.to_be_bytes());
        n[4..].copy_from_slice(&index.to_be_bytes());
        n
    }

    fn seal(&self, piece: u32, index: u64, last: bool, plain: &[u8]) -> Vec<u8> {
        let mut data = Vec::with_capacity(plain.len() + TAG);
        data.extend_from_slice(plain);
        seal_in_place(&self.cipher, Self::nonce(piece, index), &[u8::from(last)], &mut data);
        data
    }

    /// Opens a sealed chunk in place; the plaintext's length.
    fn open(&self, piece: u32, index: u64, last: bool, sealed: &mut [u8]) -> Result<usize> {
        open_in_place(&self.cipher, Self::nonce(piece, index), &[u8::from(last)], sealed).ok_or_else(|| {
            Error::Storage(squall_storage::Error::Corrupt {
                what: "an encrypted object".into(),
                detail: format!("chunk {index} of piece {piece} does not open"),
            })
        })
    }
}

/// The ETag of an object (or part) whose plaintext has `md5`: that MD5, as S3 gives an
/// unencrypted or SSE-S3 object; for SSE-C, a digest of it and the sealed data key, which
/// says nothing of the plaintext (S3's SSE-C ETags are no MD5 of the data either).
pub(crate) fn etag(enc: Option<&Encryption>, md5: &[u8; 16]) -> String {
    use md5::Digest;
    match enc {
        Some(Encryption { kind: SseKind::Customer { .. } | SseKind::Kms { .. }, sealed_key }) => {
            hex::encode(md5::Md5::new().chain_update(sealed_key.as_bytes()).chain_update(md5).finalize())
        }
        _ => hex::encode(md5),
    }
}

/// The sealed size of a piece of `plain` bytes.
pub(crate) fn sealed_len(plain: u64) -> u64 {
    plain + TAG as u64 * plain.div_ceil(CHUNK as u64)
}

/// A new data key for a write of `object` (`bucket/key`) asking for `request`, sealed as
/// its record keeps it.
pub(crate) async fn new_key(keys: Keys<'_>, request: &SseRequest, object: &str) -> Result<(Encryption, DataKey)> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the OS random source works");
    let (wrapping, kind) = match request {
        SseRequest::S3 => (keys.master, SseKind::S3),
        SseRequest::Customer(c) => (&c.key, SseKind::Customer { key_md5: c.md5.clone() }),
        SseRequest::Kms { key_id, context, bucket_key } => {
            let kms = keys.kms.ok_or_else(|| Error::NotImplemented("SSE-KMS (this server has no KMS wired)".into()))?;
            let mut context = context.clone();
            let bucket = object.split('/').next().unwrap_or(object);
            let arn = if *bucket_key { bucket } else { object };
            // S3 binds the key to the object (or bucket) itself, whatever the caller's context says.
            context.insert("aws:s3:arn".into(), format!("arn:aws:s3:::{arn}"));
            let (key, sealed, key_arn) = kms.generate(key_id.as_deref(), &context).await?;
            let kind = SseKind::Kms { key_arn, context, bucket_key: *bucket_key };
            return Ok((Encryption { kind, sealed_key: STANDARD.encode(sealed) }, DataKey::new(&key)));
        }
    };
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).expect("the OS random source works");
    let mut sealed = key.to_vec();
    seal_in_place(&cipher(wrapping), nonce, KEY_AAD, &mut sealed);
    let sealed_key = STANDARD.encode([nonce.as_slice(), &sealed].concat());
    Ok((Encryption { kind, sealed_key }, DataKey::new(&key)))
}

/// Opens the data key of an object encrypted as `enc`, with the customer key the request
/// brought (`given`), with S3's errors: SSE-C without a key, with another key, or a key
/// given for an object that has none.
pub(crate) fn open_key(
    keys: Keys<'_>,
    enc: Option<&Encryption>,
    given: Option<&CustomerKey>,
) -> Result<Option<DataKey>> {
    let wrapping = match (enc.map(|e| &e.kind), given) {
        (None, None) => return Ok(None),
        (None, Some(_)) | (Some(SseKind::S3 | SseKind::Kms { .. }), Some(_)) => {
            return Err(Error::InvalidRequest("The encryption parameters are not applicable to this object.".into()));
        }
        (Some(SseKind::Kms { context, .. }), None) => {
            let kms = keys.kms.ok_or_else(|| Error::NotImplemented("SSE-KMS (this server has no KMS wired)".into()))?;
            let sealed = STANDARD.decode(&enc.expect("an encrypted object").sealed_key).map_err(|_| {
                Error::Storage(squall_storage::Error::Corrupt {
                    what: "an encrypted object".into(),
                    detail: "its KMS data key is not base64".into(),
                })
            })?;
            return Ok(Some(DataKey::new(&kms.open(&sealed, context)?)));
        }
        (Some(SseKind::S3), None) => keys.master,
        (Some(SseKind::Customer { .. }), None) => return Err(Error::SseCustomerKeyRequired),
        (Some(SseKind::Customer { key_md5 }), Some(c)) if *key_md5 != c.md5 => {
            return Err(Error::SseCustomerKeyMismatch);
        }
        (Some(SseKind::Customer { .. }), Some(c)) => &c.key,
    };
    let enc = enc.expect("an encrypted object");
    let sealed = STANDARD.decode(&enc.sealed_key).ok().filter(|s| s.len() > 12);
    let key = sealed.and_then(|mut s| {
        let nonce: [u8; 12] = s[..12].try_into().expect("twelve bytes");
        let len = open_in_place(&cipher(wrapping), nonce, KEY_AAD, &mut s[12..])?;
        <[u8; 32]>::try_from(&s[12..12 + len]).ok()
    });
    match key {
        Some(k) => Ok(Some(DataKey::new(&k))),
        None if given.is_some() => Err(Error::SseCustomerKeyMismatch),
        None => Err(Error::Storage(squall_storage::Error::Corrupt {
            what: "an encrypted object".into(),
            detail: "its data key does not open under the master key".into(),
        })),
    }
}

/// Seals a piece's bytes as they stream in: whole chunks as soon as a byte past them
/// arrives (so the last one is known), the rest at the end.
pub(crate) struct Encryptor {
    key: std::sync::Arc<DataKey>,
    piece: u32,
    index: u64,
    buf: BytesMut,
}

impl Encryptor {
    pub(crate) fn new(key: std::sync::Arc<DataKey>, piece: u32) -> Encryptor {
        Encryptor { key, piece, index: 0, buf: BytesMut::new() }
    }

    /// Takes `data`; the sealed chunks it completes.
    pub(crate) fn push(&mut self, data: &[u8]) -> Vec<Bytes> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        while self.buf.len() > CHUNK {
            let chunk = self.buf.split_to(CHUNK);
            out.push(Bytes::from(self.key.seal(self.piece, self.index, false, &chunk)));
            self.index += 1;
        }
        out
    }

    /// The last chunk (none for an empty piece).
    pub(crate) fn finish(self) -> Option<Bytes> {
        // `push` keeps at least one byte back once any came.
        (!self.buf.is_empty()).then(|| Bytes::from(self.key.seal(self.piece, self.index, true, &self.buf)))
    }
}

/// One piece of an encrypted object as stored: which piece, how many plaintext bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece {
    pub(crate) id: u32,
    pub(crate) plain: u64,
}

/// The sealed byte range of `piece` holding plaintext `lo..hi` (within the piece), and
/// the first chunk's index.
pub(crate) fn sealed_range(piece: Piece, lo: u64, hi: u64) -> (u64, u64, u64) {
    let c = CHUNK as u64;
    let (first, last) = (lo / c, (hi - 1) / c);
    let start = first * (c + TAG as u64);
    let end = (sealed_len(piece.plain)).min((last + 1) * (c + TAG as u64));
    (start, end, first)
}

/// What to open of one piece: from chunk `first` on, plaintext `skip..skip+take` of what
/// those chunks hold, under `key`.
pub(crate) struct Opening {
    pub(crate) key: std::sync::Arc<DataKey>,
    pub(crate) piece: Piece,
    pub(crate) first: u64,
    pub(crate) skip: u64,
    pub(crate) take: u64,
}

/// Opens the sealed chunks `opening` names as they arrive in `sealed`.
pub(crate) fn open_stream(
    opening: Opening,
    sealed: futures::stream::BoxStream<'static, Result<Bytes>>,
) -> futures::stream::BoxStream<'static, Result<Bytes>> {
    use futures::StreamExt;
    let Opening { key, piece, first, skip, take } = opening;
    let chunks = piece.plain.div_ceil(CHUNK as u64);
    let state = (sealed, BytesMut::new(), first, skip, take);
    futures::stream::try_unfold(state, move |(mut sealed, mut buf, mut index, mut skip, mut take)| {
        let key = key.clone();
        async move {
            loop {
                if take == 0 {
                    return Ok(None);
                }
                let last = index + 1 == chunks;
                let want =
                    if last { sealed_len(piece.plain) as usize - index as usize * (CHUNK + TAG) } else { CHUNK + TAG };
                if buf.len() >= want {
                    let mut chunk = buf.split_to(want);
                    let plain = key.open(piece.id, index, last, &mut chunk)?;
                    index += 1;
                    let from = (skip as usize).min(plain);
                    let n = (take as usize).min(plain - from);
                    skip -= from as u64;
                    take -= n as u64;
                    if n > 0 {
                        let out = chunk.freeze().slice(from..from + n);
                        return Ok(Some((out, (sealed, buf, index, skip, take))));
                    }
                    continue;
                }
                match sealed.next().await {
                    Some(bytes) => buf.extend_from_slice(&bytes?),
                    None => {
                        return Err(Error::Storage(squall_storage::Error::Corrupt {
                            what: "an encrypted object".into(),
                            detail: "its sealed bytes end early".into(),
                        }));
                    }
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn master(k: &[u8; 32]) -> Keys<'_> {
        Keys { master: k, kms: None }
    }

    fn key() -> std::sync::Arc<DataKey> {
        std::sync::Arc::new(DataKey::new(&[7; 32]))
    }

    async fn roundtrip(size: usize, lo: u64, hi: u64) {
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let k = key();
        let mut e = Encryptor::new(k.clone(), 3);
        let mut sealed = Vec::new();
        for piece in data.chunks(10_000) {
            for c in e.push(piece) {
                sealed.extend_from_slice(&c);
            }
        }
        sealed.extend_from_slice(&e.finish().unwrap_or_default());
        assert_eq!(sealed.len() as u64, sealed_len(size as u64));
        let piece = Piece { id: 3, plain: size as u64 };
        let (start, end, first) = sealed_range(piece, lo, hi);
        let bytes = Bytes::from(sealed[start as usize..end as usize].to_vec());
        let stream =
            futures::stream::iter(bytes.chunks(7000).map(|c| Ok(Bytes::copy_from_slice(c))).collect::<Vec<_>>())
                .boxed();
        let skip = lo - first * CHUNK as u64;
        let opening = Opening { key: k, piece, first, skip, take: hi - lo };
        let out: Vec<Bytes> = open_stream(opening, stream).map(|r| r.unwrap()).collect().await;
        assert_eq!(out.concat(), &data[lo as usize..hi as usize], "{size} {lo}..{hi}");
    }

    #[tokio::test]
    async fn pieces_seal_and_open_by_range() {
        roundtrip(10, 0, 10).await;
        roundtrip(CHUNK, 0, CHUNK as u64).await;
        roundtrip(CHUNK + 1, CHUNK as u64, CHUNK as u64 + 1).await;
        roundtrip(5 * CHUNK + 17, 3, 5 * CHUNK as u64 + 10).await;
        roundtrip(5 * CHUNK + 17, 2 * CHUNK as u64 + 5, 2 * CHUNK as u64 + 6).await;
    }

    #[tokio::test]
    async fn keys_open_only_for_their_owner() {
        let c = CustomerKey::parse("AES256", &STANDARD.encode([9u8; 32]), &{
            use md5::Digest;
            STANDARD.encode(md5::Md5::digest([9u8; 32]))
        })
        .unwrap();
        let (one, two) = ([1; 32], [2; 32]);
        let (enc, _) = new_key(master(&one), &SseRequest::Customer(c.clone()), "b/k").await.unwrap();
        assert!(open_key(master(&one), Some(&enc), Some(&c)).unwrap().is_some());
        assert!(matches!(open_key(master(&one), Some(&enc), None), Err(Error::SseCustomerKeyRequired)));
        let other = CustomerKey { key: [8; 32], md5: c.md5.clone() };
        assert!(matches!(open_key(master(&one), Some(&enc), Some(&other)), Err(Error::SseCustomerKeyMismatch)));
        let (s3, _) = new_key(master(&one), &SseRequest::S3, "b/k").await.unwrap();
        assert!(open_key(master(&two), Some(&s3), None).is_err(), "another master key opens nothing");
        assert!(matches!(open_key(master(&one), Some(&s3), Some(&c)), Err(Error::InvalidRequest(_))));
        let kms = SseRequest::Kms { key_id: None, context: Context::new(), bucket_key: false };
        assert!(matches!(new_key(master(&one), &kms, "b/k").await, Err(Error::NotImplemented(_))), "no KMS wired");
        assert!(CustomerKey::parse("AES256", "c2hvcnQ=", "x").is_err());
    }
}
