//! Failed invocations kept for `squall replay`: the request that failed (its event), the
//! version it ran, its trace and its log lines, so it can run again against the function's
//! current code or the same version and the two outcomes be compared.
//!
//! Kept in the functions service's table store (`failures`, by function and time, and
//! `failure_ids`, by request id), written off the request path after the failure. Bounded:
//! the newest [`KEPT_PER_FUNCTION`] failures of each function, none older than
//! [`KEPT_FOR_MS`] (dropped when the function next fails or a failure is looked up), and
//! only requests of at most [`MAX_KEPT_BODY`] bytes; a function's are dropped with it.

use crate::{Error, Functions, Result};
use serde::{Deserialize, Serialize};
use squall_runtime::{FailureKind, Invocation, Outcome, Trigger};
use squall_storage::{ItemWrite, LogStore, TableStore};
use squall_types::{FunctionRecord, RequestId, TraceContext};
use std::ops::Bound;
use std::time::Duration;

/// How many failures of each function are kept (the newest).
pub const KEPT_PER_FUNCTION: usize = 100;
/// How long a failure is kept, on the platform clock: seven days.
pub const KEPT_FOR_MS: u64 = 7 * 24 * 3600 * 1000;
/// The largest request kept: a bigger one (or one of unknown size) fails unkept.
pub const MAX_KEPT_BODY: u64 = 256 << 10;
/// Failures being kept at once on a server; past that, more are not kept (a function
/// failing under load must not add a write storm to it).
pub(crate) const KEEPING_AT_ONCE: usize = 8;
/// Headers never kept: credentials a request carried.
const SECRET_HEADERS: [&str; 5] =
    ["authorization", "cookie", "proxy-authorization", "x-api-key", "x-amz-security-token"];
/// The most log lines kept of one invocation.
const MAX_LOG_LINES: usize = 200;
/// The largest answer a replay shows.
const MAX_ANSWER: usize = 64 << 10;

/// By function (partition) and time then request id (sort key).
const FAILURES: &str = "failures";
/// By request id: the key of its row in [`FAILURES`].
const BY_ID: &str = "failure_ids";

/// A failed invocation, as kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptFailure {
    /// Its request id.
    pub request_id: String,
    /// The function's name.
    pub function: String,
    /// The version it ran: `$LATEST` or a number.
    pub version: String,
    /// `$LATEST`'s revision when it ran (what `--original` checks for a `$LATEST` run).
    pub revision: u64,
    /// The alias it was invoked through, if one.
    pub qualifier: Option<String>,
    /// What started it.
    pub trigger: Trigger,
    /// The request the function got: method, URI, headers and body.
    pub method: String,
    /// Its URI.
    pub uri: String,
    /// Its headers.
    pub headers: Vec<(String, String)>,
    /// Its body (the event of a direct or event invocation).
    #[serde(with = "base64_bytes")]
    pub body: Vec<u8>,
    /// Its trace id.
    pub trace_id: String,
    /// When it failed, ms since the epoch on the platform clock.
    pub failed_ms: u64,
    /// Why it failed.
    pub error: String,
    /// The function's own error document, if it reported one.
    pub error_document: Option<String>,
    /// Its log lines.
    pub logs: Vec<String>,
}

/// How a replay went.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replayed {
    /// The replay's own request id.
    pub request_id: String,
    /// The version it ran.
    pub version: String,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The function's own error document, if it reported one.
    pub error_document: Option<String>,
    /// The HTTP status of its answer, if it answered.
    pub status: Option<u16>,
    /// Its answer (at most 64 KiB, as text), if it answered.
    pub answer: Option<String>,
    /// Its log lines.
    pub logs: Vec<String>,
}

/// What [`Functions::invoke`] holds of a request until it knows whether it failed: cheap
/// clones (the body's bytes are shared), turned into a [`KeptFailure`] only on failure.
pub(crate) struct Capture {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
    body: bytes::Bytes,
    trigger: Trigger,
    request_id: RequestId,
    trace: TraceContext,
}

impl Capture {
    /// Reads the request's body if it is small enough to keep (putting it back); `Ok(None)`
    /// if the request is not kept, `Err` if its body could not be read (the caller went).
    pub(crate) async fn take(invocation: &mut Invocation) -> std::result::Result<Option<Capture>, String> {
        use http_body::Body as _;
        use http_body_util::BodyExt as _;
        let Some(size) = invocation.request.body().size_hint().exact() else { return Ok(None) };
        if size > MAX_KEPT_BODY {
            return Ok(None);
        }
        // An empty body (a GET) is left as it is; another is read and put back.
        let bytes = if size == 0 {
            bytes::Bytes::new()
        } else {
            let body = std::mem::replace(invocation.request.body_mut(), squall_runtime::full_body(bytes::Bytes::new()));
            let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
            *invocation.request.body_mut() = squall_runtime::full_body(bytes.clone());
            bytes
        };
        let r = &invocation.request;
        Ok(Some(Capture {
            method: r.method().clone(),
            uri: r.uri().clone(),
            headers: r.headers().clone(),
            body: bytes,
            trigger: invocation.trigger.clone(),
            request_id: invocation.request_id.clone(),
            trace: invocation.trace,
        }))
    }

    /// The failure to keep of `function`'s invocation.
    fn kept(self, function: &FunctionRecord, failure: &squall_runtime::Failure, now_ms: u64) -> KeptFailure {
        let header = |name: &str| self.headers.get(name).and_then(|v| v.to_str().ok());
        let qualifier = header(squall_runtime::INVOKED_QUALIFIER)
            .filter(|q| !q.is_empty() && q.parse::<u32>().is_err() && *q != squall_types::LATEST)
            .map(str::to_string);
        let headers = self
            .headers
            .iter()
            // A replay starts its own chain of requests; credentials are not kept.
            .filter(|(k, _)| *k != squall_runtime::TRACE_HEADER && !SECRET_HEADERS.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
            .collect();
        KeptFailure {
            request_id: self.request_id.to_string(),
            function: function.config.name.to_string(),
            version: function.version_label(),
            revision: function.revision,
            qualifier,
            trigger: self.trigger,
            method: self.method.to_string(),
            uri: self.uri.to_string(),
            headers,
            body: self.body.to_vec(),
            trace_id: self.trace.trace_id_hex(),
            failed_ms: now_ms,
            error: failure.message.clone(),
            error_document: failure.payload.as_ref().map(|p| String::from_utf8_lossy(p).into_owned()),
            logs: Vec::new(),
        }
    }
}

/// Whether a failure of this kind is the function's, worth keeping (a throttle or a loop
/// stopped never ran it).
pub(crate) fn keeps(kind: &FailureKind) -> bool {
    !matches!(kind, FailureKind::Throttled | FailureKind::RecursiveLoop)
}

impl Functions {
    /// Keeps a failed invocation, in the background: its log lines are collected once the
    /// runtime has written them.
    pub(crate) fn keep_failure(&self, function: &FunctionRecord, capture: Capture, failure: &squall_runtime::Failure) {
        let Ok(slot) = self.keeping.clone().try_acquire_owned() else {
            tracing::debug!(function = %function.config.name, "a failed invocation was not kept: too many being kept");
            return;
        };
        let mut kept = capture.kept(function, failure, self.clock.now_ms());
        let (tables, logs, pipe) = (self.layers.clone(), self.logs.clone(), self.log_pipe.clone());
        tokio::spawn(async move {
            let _slot = slot;
            kept.logs = invocation_logs(logs.as_ref(), &pipe, &kept.function, &kept.request_id).await;
            if let Err(e) = write_kept(tables.as_ref(), &kept).await {
                tracing::warn!(function = kept.function, error = %e, "keeping a failed invocation for replay failed");
            }
        });
    }

    /// A kept failure by its request id.
    pub async fn kept_failure(&self, request_id: &str) -> Result<KeptFailure> {
        let missing = || Error::NotFound { kind: "Failed invocation", name: request_id.to_string() };
        let Some(key) = self.layers.get_item(BY_ID, request_id.as_bytes(), &[]).await? else { return Err(missing()) };
        let Some((function, sk)) = split_key(&key) else { return Err(missing()) };
        let Some(bytes) = self.layers.get_item(FAILURES, function.as_bytes(), sk).await? else {
            return Err(missing());
        };
        let kept = decode(&bytes)?;
        if kept.failed_ms + KEPT_FOR_MS < self.clock.now_ms() {
            drop_kept(self.layers.as_ref(), &kept.function, sk, &kept.request_id).await?;
            return Err(missing());
        }
        Ok(kept)
    }

    /// A function's kept failures, newest first.
    pub async fn kept_failures(&self, function: &str) -> Result<Vec<KeptFailure>> {
        let rows = self
            .layers
            .query(FAILURES, function.as_bytes(), (Bound::Unbounded, Bound::Unbounded), false, KEPT_PER_FUNCTION)
            .await?;
        let oldest = self.clock.now_ms().saturating_sub(KEPT_FOR_MS);
        Ok(rows.iter().filter_map(|r| decode(&r.item).ok()).filter(|k| k.failed_ms >= oldest).collect())
    }

    /// Runs a kept failure again: against the function's current code (`$LATEST`, or what
    /// the alias it came through names now), or with `original` the version it ran (a
    /// `$LATEST` run only while `$LATEST` is unchanged).
    pub async fn replay(&self, request_id: &str, original: bool) -> Result<(KeptFailure, Replayed)> {
        let kept = self.kept_failure(request_id).await?;
        let current = self.get_function(&kept.function)?;
        let record = match (original, kept.version.as_str(), &kept.qualifier) {
            (true, squall_types::LATEST, _) if current.revision != kept.revision => {
                return Err(Error::InvalidRequest(format!(
                    "{} ran $LATEST at revision {}, which has changed since (now {}): only a published version stays as it was; replay without --original to run the current code",
                    kept.request_id, kept.revision, current.revision
                )));
            }
            (true, squall_types::LATEST, _) => current,
            (true, n, _) => self.resolve(&kept.function, Some(n), 1.0)?,
            (false, _, Some(alias)) => {
                let draw = squall_types::random_draw();
                self.resolve(&kept.function, Some(alias), draw)?
            }
            (false, _, None) => current,
        };
        let mut request = http::Request::builder().method(kept.method.as_str()).uri(kept.uri.as_str());
        for (k, v) in &kept.headers {
            request = request.header(k, v);
        }
        let request = request
            .body(squall_runtime::full_body(bytes::Bytes::from(kept.body.clone())))
            .map_err(|e| Error::InvalidRequest(format!("the kept request does not rebuild: {e}")))?;
        let id = RequestId::new();
        let trace = TraceContext::new_root();
        let invocation = Invocation { request, trigger: kept.trigger.clone(), request_id: id.clone(), trace };
        let mut replayed = Replayed {
            request_id: id.to_string(),
            version: record.version_label(),
            error: None,
            error_document: None,
            status: None,
            answer: None,
            logs: Vec::new(),
        };
        match self.invoke(&record, invocation).await? {
            Outcome::Response(r) => {
                replayed.status = Some(r.status().as_u16());
                let limit = Duration::from_secs(u64::from(record.config.timeout_s) + 1);
                let read = tokio::time::timeout(limit, squall_runtime::collect_body(r.into_body(), MAX_ANSWER)).await;
                replayed.answer = Some(match read {
                    Ok(Ok(body)) => String::from_utf8_lossy(&body).into_owned(),
                    Ok(Err(e)) => format!("(the answer could not be read: {e})"),
                    Err(_) => "(the answer did not end within the timeout)".into(),
                });
            }
            Outcome::Failed(f) => {
                replayed.error = Some(f.message);
                replayed.error_document = f.payload.map(|p| String::from_utf8_lossy(&p).into_owned());
            }
        }
        replayed.logs = invocation_logs(self.logs.as_ref(), &self.log_pipe, &kept.function, id.as_str()).await;
        Ok((kept, replayed))
    }

    /// Drops a deleted function's kept failures (best effort).
    pub(crate) async fn forget_failures(&self, function: &str) {
        let all = (Bound::Unbounded, Bound::Unbounded);
        let Ok(rows) = self.layers.query(FAILURES, function.as_bytes(), all, true, usize::MAX).await else { return };
        for r in rows {
            if let Some(id) = request_id_of(&r.sk) {
                let _ = drop_kept(self.layers.as_ref(), function, &r.sk, &id).await;
            }
        }
    }
}

/// An invocation's log lines, as kept: a moment for the runtime to forward them.
async fn invocation_logs(logs: &dyn LogStore, pipe: &crate::LogPipe, function: &str, request_id: &str) -> Vec<String> {
    let settle = Duration::from_millis(100);
    crate::logs::invocation_lines(logs, pipe, function, request_id, settle, MAX_LOG_LINES).await
}

/// Writes a kept failure and drops what is past the bounds for its function.
async fn write_kept(tables: &dyn TableStore, kept: &KeptFailure) -> Result<()> {
    let sk = sort_key(kept.failed_ms, &kept.request_id);
    let mut index = kept.function.as_bytes().to_vec();
    index.push(0);
    index.extend_from_slice(&sk);
    tables
        .write(vec![
            ItemWrite {
                table: FAILURES.into(),
                pk: kept.function.as_bytes().to_vec(),
                sk: sk.clone(),
                item: Some(serde_json::to_vec(kept).expect("kept failures serialize")),
            },
            ItemWrite {
                table: BY_ID.into(),
                pk: kept.request_id.as_bytes().to_vec(),
                sk: Vec::new(),
                item: Some(index),
            },
        ])
        .await?;
    let all = (Bound::Unbounded, Bound::Unbounded);
    let rows = tables.query(FAILURES, kept.function.as_bytes(), all, false, usize::MAX).await?;
    let oldest = kept.failed_ms.saturating_sub(KEPT_FOR_MS);
    for (i, r) in rows.iter().enumerate() {
        let failed_ms = r.sk.get(..8).map_or(0, |b| u64::from_be_bytes(b.try_into().expect("eight bytes")));
        if (i >= KEPT_PER_FUNCTION || failed_ms < oldest)
            && let Some(id) = request_id_of(&r.sk)
        {
            drop_kept(tables, &kept.function, &r.sk, &id).await?;
        }
    }
    Ok(())
}

async fn drop_kept(tables: &dyn TableStore, function: &str, sk: &[u8], request_id: &str) -> Result<()> {
    tables
        .write(vec![
            ItemWrite { table: FAILURES.into(), pk: function.as_bytes().to_vec(), sk: sk.to_vec(), item: None },
            ItemWrite { table: BY_ID.into(), pk: request_id.as_bytes().to_vec(), sk: Vec::new(), item: None },
        ])
        .await?;
    Ok(())
}

/// Time (big-endian, so rows sort by it) then request id.
fn sort_key(failed_ms: u64, request_id: &str) -> Vec<u8> {
    let mut sk = failed_ms.to_be_bytes().to_vec();
    sk.extend_from_slice(request_id.as_bytes());
    sk
}

fn request_id_of(sk: &[u8]) -> Option<String> {
    String::from_utf8(sk.get(8..)?.to_vec()).ok()
}

/// The function and sort key an index row points at.
fn split_key(key: &[u8]) -> Option<(String, &[u8])> {
    let at = key.iter().position(|b| *b == 0)?;
    Some((String::from_utf8(key[..at].to_vec()).ok()?, &key[at + 1..]))
}

fn decode(bytes: &[u8]) -> Result<KeptFailure> {
    serde_json::from_slice(bytes).map_err(|e| Error::Runtime(format!("a kept failure does not parse: {e}")))
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}
