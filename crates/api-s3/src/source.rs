//! Request bodies as the objects service reads them: streamed from the connection, with
//! the signed payload hash checked at the end, or decoded from `aws-chunked` framing with
//! each chunk's signature and the trailing checksums checked on the way.

use async_trait::async_trait;
use bytes::{Buf, Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use sha2::{Digest, Sha256};
use squall_objects::checksum::Algorithm;
use squall_objects::{ByteSource, Error, Result};

/// What signs a streamed payload's chunks.
#[derive(Clone)]
pub(crate) struct ChunkSigning {
    pub(crate) key: Vec<u8>,
    pub(crate) amz_date: String,
    pub(crate) scope: String,
    /// The request's own signature, which the first chunk's chains to.
    pub(crate) seed: String,
}

fn body_error(code: &'static str, message: impl Into<String>) -> Error {
    Error::Body { code, message: message.into() }
}

/// How long a body may send nothing before the request is given up (S3's `RequestTimeout`):
/// a stalled upload must not hold its task and temporary blob for ever.
const IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// The body's next frame, or `RequestTimeout` after [`IDLE`] without one.
async fn next_frame(
    body: &mut Incoming,
) -> Result<Option<std::result::Result<hyper::body::Frame<Bytes>, hyper::Error>>> {
    tokio::time::timeout(IDLE, body.frame()).await.map_err(|_| {
        body_error(
            "RequestTimeout",
            "Your socket connection to the server was not read from or written to within the timeout period.",
        )
    })
}

fn incomplete(e: impl std::fmt::Display) -> Error {
    body_error("IncompleteBody", format!("The request body ended early: {e}"))
}

/// A plain body; `sha256` is the hex hash the signature covers, when it covers one.
pub(crate) struct PlainSource<'a> {
    body: &'a mut Incoming,
    sha256: Option<(Sha256, String)>,
}

impl<'a> PlainSource<'a> {
    pub(crate) fn new(body: &'a mut Incoming, sha256: Option<String>) -> Self {
        PlainSource { body, sha256: sha256.map(|h| (Sha256::new(), h)) }
    }
}

#[async_trait]
impl ByteSource for PlainSource<'_> {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        loop {
            match next_frame(self.body).await? {
                None => {
                    if let Some((hasher, expected)) = self.sha256.take()
                        && hex::encode(hasher.finalize()) != expected
                    {
                        return Err(body_error(
                            "XAmzContentSHA256Mismatch",
                            "The provided 'x-amz-content-sha256' header does not match what was computed.",
                        ));
                    }
                    return Ok(None);
                }
                Some(Err(e)) => return Err(incomplete(e)),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if let Some((hasher, _)) = self.sha256.as_mut() {
                            hasher.update(&data);
                        }
                        return Ok(Some(data));
                    }
                }
            }
        }
    }
}

enum State {
    Header,
    Data { left: u64 },
    DataEnd,
    Trailers,
    Done,
}

/// An `aws-chunked` body: `<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n` … a zero-size
/// chunk, then trailing headers (`x-amz-checksum-*`, `x-amz-trailer-signature`) and an
/// empty line.
pub(crate) struct ChunkedSource<'a> {
    body: &'a mut Incoming,
    buf: BytesMut,
    state: State,
    signing: Option<ChunkSigning>,
    previous: String,
    chunk_signature: Option<String>,
    chunk_hash: Sha256,
    trailers: Vec<(Algorithm, String)>,
    decoded: u64,
    declared: Option<u64>,
}

/// The longest chunk header or trailer line accepted.
const MAX_LINE: usize = 8 << 10;
/// The most trailing headers accepted.
const MAX_TRAILERS: usize = 16;

impl<'a> ChunkedSource<'a> {
    pub(crate) fn new(body: &'a mut Incoming, signing: Option<ChunkSigning>, declared: Option<u64>) -> Self {
        let previous = signing.as_ref().map(|s| s.seed.clone()).unwrap_or_default();
        ChunkedSource {
            body,
            buf: BytesMut::new(),
            state: State::Header,
            signing,
            previous,
            chunk_signature: None,
            chunk_hash: Sha256::new(),
            trailers: Vec::new(),
            decoded: 0,
            declared,
        }
    }

    /// Reads more of the body into the buffer; `false` at its end.
    async fn fill(&mut self) -> Result<bool> {
        loop {
            match next_frame(self.body).await? {
                None => return Ok(false),
                Some(Err(e)) => return Err(incomplete(e)),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// The next CRLF-terminated line, or `None` at the body's end.
    async fn line(&mut self) -> Result<Option<String>> {
        loop {
            if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.split_to(at + 2);
                return String::from_utf8(line[..at].to_vec())
                    .map(Some)
                    .map_err(|_| malformed("a chunk header is not text"));
            }
            if self.buf.len() > MAX_LINE {
                return Err(malformed("a chunk header is too long"));
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }

    fn check_signature(&mut self, kind: &str, hash_hex: &str, given: Option<String>) -> Result<()> {
        let Some(s) = &self.signing else { return Ok(()) };
        let expected = squall_auth::chained_signature(&s.key, kind, &s.amz_date, &s.scope, &self.previous, hash_hex);
        if given.as_deref() != Some(expected.as_str()) {
            return Err(body_error(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided (a chunk of the streamed payload).",
            ));
        }
        self.previous = expected;
        Ok(())
    }

    fn end(&mut self) -> Result<Option<Bytes>> {
        if self.declared.is_some_and(|d| d != self.decoded) {
            return Err(incomplete(format!(
                "x-amz-decoded-content-length is {}, the chunks held {} bytes",
                self.declared.unwrap_or_default(),
                self.decoded
            )));
        }
        self.state = State::Done;
        Ok(None)
    }
}

fn malformed(what: &str) -> Error {
    body_error("InvalidRequest", format!("Malformed aws-chunked body: {what}"))
}

#[async_trait]
impl ByteSource for ChunkedSource<'_> {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        loop {
            match self.state {
                State::Header => {
                    let line = self.line().await?.ok_or_else(|| incomplete("no final chunk"))?;
                    let mut parts = line.split(';');
                    let size = u64::from_str_radix(parts.next().unwrap_or("").trim(), 16)
                        .map_err(|_| malformed("a chunk size is not hexadecimal"))?;
                    self.chunk_signature =
                        parts.filter_map(|p| p.trim().strip_prefix("chunk-signature=")).map(str::to_string).next();
                    if size == 0 {
                        let sig = self.chunk_signature.take();
                        self.check_signature("AWS4-HMAC-SHA256-PAYLOAD", &hex::encode(Sha256::digest(b"")), sig)?;
                        self.state = State::Trailers;
                    } else {
                        self.chunk_hash = Sha256::new();
                        self.state = State::Data { left: size };
                    }
                }
                State::Data { left } => {
                    if self.buf.is_empty() && !self.fill().await? {
                        return Err(incomplete("a chunk was cut short"));
                    }
                    let n = (left as usize).min(self.buf.len());
                    let data = self.buf.split_to(n).freeze();
                    self.chunk_hash.update(&data);
                    self.decoded += n as u64;
                    if self.declared.is_some_and(|d| self.decoded > d) {
                        return Err(incomplete("the chunks hold more than x-amz-decoded-content-length"));
                    }
                    self.state = if left == n as u64 { State::DataEnd } else { State::Data { left: left - n as u64 } };
                    return Ok(Some(data));
                }
                State::DataEnd => {
                    while self.buf.len() < 2 {
                        if !self.fill().await? {
                            return Err(incomplete("a chunk was cut short"));
                        }
                    }
                    if &self.buf[..2] != b"\r\n" {
                        return Err(malformed("a chunk is longer than its size"));
                    }
                    self.buf.advance(2);
                    let hash = hex::encode(std::mem::take(&mut self.chunk_hash).finalize());
                    let sig = self.chunk_signature.take();
                    self.check_signature("AWS4-HMAC-SHA256-PAYLOAD", &hash, sig)?;
                    self.state = State::Header;
                }
                State::Trailers => {
                    let mut canonical = String::new();
                    let mut signature = None;
                    let mut lines = 0;
                    while let Some(line) = self.line().await? {
                        if line.is_empty() {
                            break;
                        }
                        lines += 1;
                        if lines > MAX_TRAILERS {
                            return Err(malformed("too many trailing headers"));
                        }
                        let (name, value) = line.split_once(':').ok_or_else(|| malformed("a trailer has no colon"))?;
                        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
                        if name == "x-amz-trailer-signature" {
                            signature = Some(value);
                            continue;
                        }
                        canonical.push_str(&format!("{name}:{value}\n"));
                        if let Some(a) = Algorithm::ALL.into_iter().find(|a| a.header() == name) {
                            self.trailers.push((a, value));
                        }
                    }
                    if self.signing.is_some() && (signature.is_some() || !canonical.is_empty()) {
                        let hash = hex::encode(Sha256::digest(canonical.as_bytes()));
                        self.check_signature("AWS4-HMAC-SHA256-TRAILER", &hash, signature)?;
                    }
                    return self.end();
                }
                State::Done => return Ok(None),
            }
        }
    }

    fn trailing_checksums(&self) -> Vec<(Algorithm, String)> {
        self.trailers.clone()
    }
}
