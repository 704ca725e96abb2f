//! Writing an object's bytes: a [`ByteSource`] streamed into a blob (or kept inline when
//! small), hashed on the way, and checked against the digests the writer gave.

use crate::checksum::{Algorithm, Hasher};
use crate::record::Segment;
use crate::{Error, Result};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use futures::stream::BoxStream;
use md5::{Digest, Md5};
use squall_storage::{BlobStore, BlobWriter};

/// The bytes of an object being written, as they arrive.
#[async_trait]
pub trait ByteSource: Send {
    /// The next chunk, or `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>>;

    /// Checksums that followed the body (`aws-chunked` trailers), read once it ended.
    fn trailing_checksums(&self) -> Vec<(Algorithm, String)> {
        Vec::new()
    }
}

/// A source over a stream of chunks (another object's bytes, for copies).
pub struct StreamSource(pub BoxStream<'static, Result<Bytes>>);

#[async_trait]
impl ByteSource for StreamSource {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        self.0.next().await.transpose()
    }
}

/// What the writer promised about the bytes.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// `Content-MD5`, base64 as sent.
    pub content_md5: Option<String>,
    /// The additional checksum to compute and store.
    pub checksum: Option<Algorithm>,
    /// Its value, when sent before the body (otherwise it may come as a trailer).
    pub checksum_value: Option<String>,
}

/// The largest object a single PUT (or part) writes: S3's 5 GiB.
pub const MAX_WRITE: u64 = 5 << 30;

impl Expected {
    /// Refuses malformed digests before any byte is read.
    pub(crate) fn check_form(&self) -> Result<Option<[u8; 16]>> {
        let md5 = match &self.content_md5 {
            None => None,
            Some(v) => Some(
                STANDARD
                    .decode(v.trim())
                    .ok()
                    .and_then(|d| <[u8; 16]>::try_from(d).ok())
                    .ok_or_else(|| Error::InvalidDigest("The Content-MD5 you specified was invalid.".into()))?,
            ),
        };
        if let (Some(a), Some(v)) = (self.checksum, &self.checksum_value)
            && !a.is_well_formed(v)
        {
            // S3 answers a value that cannot be a digest as one that does not match.
            return Err(mismatch(a));
        }
        Ok(md5)
    }
}

/// Checks a small body read whole (an XML document) against the digests its request
/// promised: `Content-MD5`, and the checksum given up front or in `trailers`.
pub fn check_digests(expected: &Expected, body: &[u8], trailers: &[(Algorithm, String)]) -> Result<()> {
    if let Some(want) = expected.check_form()?
        && want != <[u8; 16]>::from(Md5::digest(body))
    {
        return Err(Error::BadDigest("The Content-MD5 you specified did not match what we received.".into()));
    }
    if let Some(a) = expected.checksum {
        let given =
            expected.checksum_value.clone().or_else(|| trailers.iter().find(|(t, _)| *t == a).map(|(_, v)| v.clone()));
        if given.is_some_and(|given| given != crate::checksum::checksum_of(a, body)) {
            return Err(mismatch(a));
        }
    }
    Ok(())
}

/// S3's error for a checksum that does not match the bytes (or is no checksum at all).
fn mismatch(a: Algorithm) -> Error {
    Error::BadDigest(format!("The {} you specified did not match the calculated checksum.", a.name()))
}

/// Bytes written: where they are and their digests.
pub(crate) struct Written {
    pub(crate) size: u64,
    pub(crate) md5: [u8; 16],
    pub(crate) checksum: Option<(Algorithm, String)>,
    pub(crate) inline: Bytes,
    pub(crate) segments: Vec<Segment>,
}

/// Where a body's bytes go: into a blob once past the inline limit, sealed first when
/// the object is encrypted.
struct Sink<'a> {
    blobs: &'a dyn BlobStore,
    inline_max: usize,
    buf: BytesMut,
    writer: Option<Box<dyn BlobWriter>>,
    stored: u64,
}

impl Sink<'_> {
    async fn write(&mut self, chunk: Bytes) -> Result<()> {
        self.stored += chunk.len() as u64;
        match self.writer.as_mut() {
            Some(w) => w.write(chunk).await?,
            None => {
                self.buf.extend_from_slice(&chunk);
                if self.buf.len() > self.inline_max {
                    let mut w = self.blobs.create().await?;
                    w.write(self.buf.split().freeze()).await?;
                    self.writer = Some(w);
                }
            }
        }
        Ok(())
    }
}

/// Streams `source` into a blob (or memory, up to `inline_max` bytes), sealed as `seal`
/// says when given, then checks the digests (of the plaintext); the blob is made durable
/// only once they match. On any error nothing is left: the unfinished blob is dropped,
/// which deletes it.
pub(crate) async fn write_body(
    blobs: &dyn BlobStore,
    source: &mut dyn ByteSource,
    expected: &Expected,
    inline_max: usize,
    seal: Option<crate::sse::Sealing>,
) -> Result<Written> {
    let want_md5 = expected.check_form()?;
    let mut md5 = Md5::new();
    let mut hasher = expected.checksum.map(Hasher::new);
    let mut sink = Sink { blobs, inline_max, buf: BytesMut::new(), writer: None, stored: 0 };
    let piece = seal.as_ref().map(|s| (s.piece, s.salt.clone()));
    let mut sealer = seal.map(|s| crate::sse::Encryptor::new(s.key, s.piece));
    let mut size = 0u64;
    while let Some(chunk) = source.next_chunk().await? {
        size += chunk.len() as u64;
        if size > MAX_WRITE {
            return Err(Error::EntityTooLarge);
        }
        md5.update(&chunk);
        if let Some(h) = hasher.as_mut() {
            h.update(&chunk);
        }
        match sealer.as_mut() {
            Some(e) => {
                for sealed in e.push(&chunk) {
                    sink.write(sealed).await?;
                }
            }
            None => sink.write(chunk).await?,
        }
    }
    if let Some(last) = sealer.and_then(crate::sse::Encryptor::finish) {
        sink.write(last).await?;
    }
    let md5: [u8; 16] = md5.finalize().into();
    if want_md5.is_some_and(|want| want != md5) {
        return Err(Error::BadDigest("The Content-MD5 you specified did not match what we received.".into()));
    }
    let checksum = match (expected.checksum, hasher) {
        (Some(a), Some(h)) => {
            let actual = h.finish();
            let trailers = source.trailing_checksums();
            let given = expected
                .checksum_value
                .clone()
                .or_else(|| trailers.iter().find(|(t, _)| *t == a).map(|(_, v)| v.clone()));
            if given.is_some_and(|given| given != actual) {
                return Err(mismatch(a));
            }
            Some((a, actual))
        }
        _ => None,
    };
    let (inline, segments) = match sink.writer {
        Some(w) => {
            let sealed = piece.map(|(piece, salt)| crate::sse::SealedPiece { piece, plain: size, salt });
            (Bytes::new(), vec![Segment { blob: w.finish().await?, size: sink.stored, sealed }])
        }
        None => (sink.buf.freeze(), Vec::new()),
    };
    Ok(Written { size, md5, checksum, inline, segments })
}
