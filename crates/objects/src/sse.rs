//! Server-side encryption: SSE-S3 (Squall's master key) and SSE-C (the caller's key).
//!
//! Every encrypted object has a data key of its own, 32 random bytes, kept in its record
//! sealed (AES-256-GCM) under the master key or under the customer's key, which is never
//! stored: a read with another key cannot open it. The bytes are sealed in chunks of
//! [`CHUNK`] bytes, each with its 16-byte tag, so a ranged read decrypts only the chunks it
//! touches and a write streams in constant memory. A chunk's nonce is its piece (0 for a
//! PUT, the part number for a multipart upload's part) and its index; the last chunk of a
//! piece is sealed as such, so a piece cut short does not open. Every write of a part gets
//! a key of its own, derived from the upload's data key and a random salt kept with the
//! part: a part sent again is sealed under another key, so no key ever sees a nonce twice.

use crate::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use ring::aead;
use serde::{Deserialize, Serialize};

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
        Some(Encryption { kind: SseKind::Customer { .. }, sealed_key }) => {
            hex::encode(md5::Md5::new().chain_update(sealed_key.as_bytes()).chain_update(md5).finalize())
        }
        _ => hex::encode(md5),
    }
}

/// The sealed size of a piece of `plain` bytes.
pub(crate) fn sealed_len(plain: u64) -> u64 {
    plain + TAG as u64 * plain.div_ceil(CHUNK as u64)
}

/// A new data key for a write asking for `request`, sealed as its record keeps it.
pub(crate) fn new_key(master: &[u8; 32], request: &SseRequest) -> (Encryption, DataKey) {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the OS random source works");
    let (wrapping, kind) = match request {
        SseRequest::S3 => (master, SseKind::S3),
        SseRequest::Customer(c) => (&c.key, SseKind::Customer { key_md5: c.md5.clone() }),
    };
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).expect("the OS random source works");
    let mut sealed = key.to_vec();
    seal_in_place(&cipher(wrapping), nonce, KEY_AAD, &mut sealed);
    let sealed_key = STANDARD.encode([nonce.as_slice(), &sealed].concat());
    (Encryption { kind, sealed_key }, DataKey::new(&key))
}

/// Opens the data key of an object encrypted as `enc`, with the customer key the request
/// brought (`given`), with S3's errors: SSE-C without a key, with another key, or a key
/// given for an object that has none.
pub(crate) fn open_key(
    master: &[u8; 32],
    enc: Option<&Encryption>,
    given: Option<&CustomerKey>,
) -> Result<Option<DataKey>> {
    let wrapping = match (enc.map(|e| &e.kind), given) {
        (None, None) => return Ok(None),
        (None, Some(_)) | (Some(SseKind::S3), Some(_)) => {
            return Err(Error::InvalidRequest("The encryption parameters are not applicable to this object.".into()));
        }
        (Some(SseKind::S3), None) => master,
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

    fn key() -> std::sync::Arc<DataKey> {
        std::sync::Arc::new(new_key(&[1; 32], &SseRequest::S3).1)
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

    #[test]
    fn keys_open_only_for_their_owner() {
        let c = CustomerKey::parse("AES256", &STANDARD.encode([9u8; 32]), &{
            use md5::Digest;
            STANDARD.encode(md5::Md5::digest([9u8; 32]))
        })
        .unwrap();
        let (enc, _) = new_key(&[1; 32], &SseRequest::Customer(c.clone()));
        assert!(open_key(&[1; 32], Some(&enc), Some(&c)).unwrap().is_some());
        assert!(matches!(open_key(&[1; 32], Some(&enc), None), Err(Error::SseCustomerKeyRequired)));
        let other = CustomerKey { key: [8; 32], md5: c.md5.clone() };
        assert!(matches!(open_key(&[1; 32], Some(&enc), Some(&other)), Err(Error::SseCustomerKeyMismatch)));
        let (s3, _) = new_key(&[1; 32], &SseRequest::S3);
        assert!(open_key(&[2; 32], Some(&s3), None).is_err(), "another master key opens nothing");
        assert!(matches!(open_key(&[1; 32], Some(&s3), Some(&c)), Err(Error::InvalidRequest(_))));
        assert!(CustomerKey::parse("AES256", "c2hvcnQ=", "x").is_err());
    }
}
