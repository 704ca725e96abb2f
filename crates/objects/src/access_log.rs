//! Server access logging (PutBucketLogging): each request on a bucket with logging on
//! becomes a line of S3's access log format, and the lines are written, batched, as
//! objects into the target bucket under its prefix. Delivery is best effort, as S3's is:
//! lines wait in memory until a thousand are buffered, a minute has passed on the
//! platform clock, or the server stops; a `kill -9` loses what was waiting. Each server
//! writes its own lines under names of its own, so servers sharing a store need no lease.

use crate::body::StreamSource;
use crate::events::Requester;
use crate::object::PutObject;
use crate::{Error, Objects, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Lines buffered before a delivery is due at once.
const BATCH: usize = 1000;
/// Lines kept at most while deliveries fail; older ones are dropped (and said so).
const MAX_BUFFERED: usize = 100_000;
/// How often buffered lines are delivered, on the platform clock.
const EVERY: Duration = Duration::from_secs(60);
/// The service that writes log objects, in their targets' policies.
pub const LOG_DELIVERY: &str = "logging.s3.amazonaws.com";

/// A bucket's logging configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggingConfig {
    /// The bucket log objects go to.
    pub target_bucket: String,
    /// What their keys start with.
    #[serde(default)]
    pub target_prefix: String,
    /// `PartitionedPrefix`'s `PartitionDateSource` (`EventTime` or `DeliveryTime`);
    /// `None` for `SimplePrefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_date_source: Option<String>,
}

/// One request as the adapter saw it; `None` fields are written `-`.
#[derive(Debug, Clone, Default)]
pub struct AccessRecord {
    /// The bucket the request addressed.
    pub bucket: String,
    /// The requester's address.
    pub remote_ip: Option<String>,
    /// The requester's ARN (`None`: anonymous).
    pub requester: Option<String>,
    /// The request id the response carried.
    pub request_id: String,
    /// `REST.<METHOD>.<RESOURCE>`, as S3 names operations in its logs.
    pub operation: String,
    /// The object key, if the request named one.
    pub key: Option<String>,
    /// `"<METHOD> <path and query> <HTTP version>"`.
    pub request_uri: String,
    /// The response's status.
    pub status: u16,
    /// S3's error code, for an error.
    pub error_code: Option<String>,
    /// Response body bytes sent.
    pub bytes_sent: Option<u64>,
    /// The object's size.
    pub object_size: Option<u64>,
    /// Milliseconds from the request to the response's head.
    pub total_ms: u64,
    /// `Referer`.
    pub referer: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// The object version the request acted on.
    pub version_id: Option<String>,
    /// `SigV2` or `SigV4`.
    pub signature_version: Option<String>,
    /// `AuthHeader` or `QueryString`.
    pub auth_type: Option<String>,
    /// The `Host` header.
    pub host: Option<String>,
}

fn dash(v: Option<&str>) -> &str {
    v.filter(|s| !s.is_empty()).unwrap_or("-")
}

fn quoted(v: Option<&str>) -> String {
    match v.filter(|s| !s.is_empty()) {
        Some(s) => format!("\"{}\"", s.replace('"', "%22")),
        None => "-".into(),
    }
}

fn number(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |n| n.to_string())
}

impl AccessRecord {
    /// The record as a line of S3's access log format (26 fields: owner, bucket, time,
    /// remote IP, requester, request id, operation, key, request URI, status, error code,
    /// bytes sent, object size, total time, turn-around time, referer, user agent, version
    /// id, host id, signature version, cipher suite, authentication type, host header,
    /// TLS version, access point ARN, ACL required).
    pub fn line(&self, owner: &str, time_ms: i64) -> String {
        let time = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(time_ms) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let format =
            time::macros::format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
        const KEY: &percent_encoding::AsciiSet =
            &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');
        let key = self.key.as_deref().map(|k| percent_encoding::utf8_percent_encode(k, KEY).to_string());
        [
            owner.to_string(),
            self.bucket.clone(),
            format!("[{}]", time.format(&format).unwrap_or_default()),
            dash(self.remote_ip.as_deref()).into(),
            dash(self.requester.as_deref()).into(),
            self.request_id.clone(),
            self.operation.clone(),
            dash(key.as_deref()).into(),
            quoted(Some(&self.request_uri)),
            self.status.to_string(),
            dash(self.error_code.as_deref()).into(),
            number(self.bytes_sent),
            number(self.object_size),
            self.total_ms.to_string(),
            self.total_ms.to_string(),
            quoted(self.referer.as_deref()),
            quoted(self.user_agent.as_deref()),
            dash(self.version_id.as_deref()).into(),
            "-".into(),
            dash(self.signature_version.as_deref()).into(),
            "-".into(),
            dash(self.auth_type.as_deref()).into(),
            dash(self.host.as_deref()).into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ]
        .join(" ")
    }
}

/// Lines waiting for delivery, by the bucket they are about.
#[derive(Default)]
pub(crate) struct LogBuffer {
    lines: std::sync::Mutex<BTreeMap<String, Vec<(i64, String)>>>,
    wake: tokio::sync::Notify,
}

impl Objects {
    /// Sets (or with `None` turns off) a bucket's logging. The target must exist and its
    /// policy, if it has one, must let [`LOG_DELIVERY`] put objects under the prefix.
    pub async fn set_logging(&self, bucket: &str, logging: Option<LoggingConfig>) -> Result<()> {
        if let Some(l) = &logging {
            let policy = self.with_bucket(&l.target_bucket, |b| b.policy.clone()).map_err(|_| {
                Error::InvalidTargetBucketForLogging("The target bucket for logging does not exist".into())
            })?;
            if !delivery_allowed(policy.as_deref(), bucket, l) {
                return Err(Error::InvalidTargetBucketForLogging(format!(
                    "The policy of bucket {} does not let {LOG_DELIVERY} perform s3:PutObject on arn:aws:s3:::{}/{}*",
                    l.target_bucket, l.target_bucket, l.target_prefix
                )));
            }
        }
        self.update_bucket(bucket, |b| b.logging = logging).await
    }

    /// Whether requests on `bucket` are logged.
    pub fn logs_access(&self, bucket: &str) -> bool {
        self.with_bucket(bucket, |b| b.logging.is_some()).unwrap_or(false)
    }

    /// Takes the record of a request on a bucket; nothing when the bucket logs nothing.
    pub fn log_access(&self, record: &AccessRecord) {
        if !self.logs_access(&record.bucket) {
            return;
        }
        let line = record.line(&crate::owner_id(), self.now_ms());
        let mut lines = self.access_logs.lines.lock().expect("log buffer lock");
        let total: usize = lines.values().map(Vec::len).sum();
        if total >= MAX_BUFFERED {
            tracing::warn!(bucket = %record.bucket, "access logs: {MAX_BUFFERED} lines wait for delivery; dropping the oldest");
            if let Some(v) = lines.values_mut().max_by_key(|v| v.len()) {
                v.remove(0);
            }
        }
        let queue = lines.entry(record.bucket.clone()).or_default();
        queue.push((self.now_ms(), line));
        if queue.len() >= BATCH {
            self.access_logs.wake.notify_one();
        }
    }

    /// Delivers buffered lines every [`EVERY`] on the platform clock, or when a batch is full.
    pub fn start_access_logs(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let objects = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = objects.clock.sleep(EVERY) => {}
                    _ = objects.access_logs.wake.notified() => {}
                }
                objects.deliver_access_logs().await;
            }
        })
    }

    /// Writes every buffered line into its bucket's target, one object per bucket.
    pub async fn deliver_access_logs(&self) {
        let taken = std::mem::take(&mut *self.access_logs.lines.lock().expect("log buffer lock"));
        for (bucket, lines) in taken {
            let Some(logging) = self.with_bucket(&bucket, |b| b.logging.clone()).ok().flatten() else { continue };
            if let Err(e) = self.deliver(&bucket, &logging, &lines).await {
                tracing::warn!(bucket = %bucket, target = %logging.target_bucket, error = %e, "access logs: a delivery failed; its lines are dropped");
            }
        }
    }

    async fn deliver(&self, bucket: &str, logging: &LoggingConfig, lines: &[(i64, String)]) -> Result<()> {
        let policy = self.with_bucket(&logging.target_bucket, |b| b.policy.clone())?;
        if !delivery_allowed(policy.as_deref(), bucket, logging) {
            return Err(Error::AccessDenied(format!("the policy of {} refuses {LOG_DELIVERY}", logging.target_bucket)));
        }
        let first = lines.first().map_or(self.now_ms(), |(t, _)| *t);
        let key = log_key(logging, bucket, self.region(), first, self.now_ms());
        let mut body: Vec<u8> = Vec::with_capacity(lines.iter().map(|(_, l)| l.len() + 1).sum());
        for (_, line) in lines {
            body.extend_from_slice(line.as_bytes());
            body.push(b'\n');
        }
        let put = PutObject {
            meta: crate::record::ObjectMeta { content_type: Some("text/plain".into()), ..Default::default() },
            requester: Requester {
                request_id: "access-log".into(),
                source_ip: String::new(),
                principal: LOG_DELIVERY.into(),
                lifecycle: false,
            },
            ..Default::default()
        };
        let mut source = StreamSource(Box::pin(futures::stream::iter([Ok(bytes::Bytes::from(body))])));
        self.put_object(&logging.target_bucket, &key, put, &mut source).await.map(|_| ())
    }
}

/// Whether the target's policy (`None`: it has none, which lets the account's own
/// deliveries through) lets [`LOG_DELIVERY`] write logs of `bucket` under the prefix.
fn delivery_allowed(policy: Option<&str>, bucket: &str, l: &LoggingConfig) -> bool {
    let resource = format!("arn:aws:s3:::{}/{}", l.target_bucket, l.target_prefix);
    let source = format!("arn:aws:s3:::{bucket}");
    let delivery = squall_iam::delivery::Delivery {
        service: LOG_DELIVERY,
        action: "s3:PutObject",
        resource: &resource,
        source_arn: &source,
        source_account: squall_types::ACCOUNT_ID,
    };
    delivery.allowed_by(policy)
}

/// A log object's key: `<prefix><YYYY-mm-DD-HH-MM-SS>-<16 hex>`, or partitioned,
/// `<prefix><account>/<region>/<bucket>/<YYYY>/<MM>/<DD>/<YYYY-mm-DD-HH-MM-SS>-<16 hex>`
/// by the first line's time (`EventTime`) or the delivery's.
fn log_key(l: &LoggingConfig, bucket: &str, region: &str, event_ms: i64, now_ms: i64) -> String {
    let at = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    };
    let stamp = at(now_ms)
        .format(time::macros::format_description!("[year]-[month]-[day]-[hour]-[minute]-[second]"))
        .unwrap_or_default();
    let mut unique = [0u8; 8];
    getrandom::fill(&mut unique).expect("the OS random source works");
    let name = format!("{stamp}-{}", hex::encode_upper(unique));
    match l.partition_date_source.as_deref() {
        None => format!("{}{name}", l.target_prefix),
        Some(source) => {
            let day = at(if source == "EventTime" { event_ms } else { now_ms });
            let (y, m, d) = (day.year(), u8::from(day.month()), day.day());
            format!("{}{}/{region}/{bucket}/{y:04}/{m:02}/{d:02}/{name}", l.target_prefix, squall_types::ACCOUNT_ID)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_s3s_fields_in_order() {
        let r = AccessRecord {
            bucket: "b".into(),
            remote_ip: Some("127.0.0.1".into()),
            request_id: "RID".into(),
            operation: "REST.GET.OBJECT".into(),
            key: Some("a b/c".into()),
            request_uri: "GET /b/a%20b/c HTTP/1.1".into(),
            status: 404,
            error_code: Some("NoSuchKey".into()),
            user_agent: Some("boto3/1.0".into()),
            signature_version: Some("SigV4".into()),
            auth_type: Some("AuthHeader".into()),
            host: Some("127.0.0.1:4566".into()),
            ..Default::default()
        };
        let line = r.line("OWNER", 1_549_411_238_000);
        assert_eq!(
            line,
            "OWNER b [06/Feb/2019:00:00:38 +0000] 127.0.0.1 - RID REST.GET.OBJECT a%20b/c \"GET /b/a%20b/c HTTP/1.1\" \
             404 NoSuchKey - - 0 0 - \"boto3/1.0\" - - SigV4 - AuthHeader 127.0.0.1:4566 - - -"
        );
    }

    #[test]
    fn keys_are_simple_or_partitioned() {
        let mut l =
            LoggingConfig { target_bucket: "t".into(), target_prefix: "logs/".into(), partition_date_source: None };
        let day = 1_549_411_238_000;
        let k = log_key(&l, "src", "us-east-1", day, day);
        assert!(k.starts_with("logs/2019-02-06-00-00-38-") && k.len() == "logs/2019-02-06-00-00-38-".len() + 16, "{k}");
        l.partition_date_source = Some("EventTime".into());
        let k = log_key(&l, "src", "us-east-1", day, day + 86_400_000);
        assert!(k.starts_with("logs/000000000000/us-east-1/src/2019/02/06/2019-02-07-00-00-38-"), "{k}");
    }
}
