//! What the SDKs do for S3 beyond its model (botocore's handlers): the copy source
//! percent-encoded, a customer key's MD5 added, GetBucketLocation's bare answer read.

use base64::Engine as _;
use md5::Digest as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

/// What a copy source keeps unencoded.
const COPY_SOURCE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// `CopySource` (`bucket/key[?versionId=…]`, or `{Bucket, Key, VersionId}`) as the header
/// carries it: the bucket and key percent-encoded, the version id after them.
pub(crate) fn copy_source(v: &Value) -> Result<String, String> {
    let (path, version) = match v {
        Value::String(s) => match s.split_once("?versionId=") {
            Some((path, version)) => (path.to_string(), Some(version.to_string())),
            None => (s.clone(), None),
        },
        Value::Object(o) => {
            let text = |k: &str| o.get(k).and_then(Value::as_str);
            let (Some(bucket), Some(key)) = (text("Bucket"), text("Key")) else {
                return Err("the field 'CopySource' needs a Bucket and a Key".into());
            };
            (format!("{bucket}/{key}"), text("VersionId").map(str::to_string))
        }
        _ => return Err("the field 'CopySource' must be a string or an object".into()),
    };
    let mut out = utf8_percent_encode(&path, COPY_SOURCE).to_string();
    if let Some(version) = version {
        out.push_str("?versionId=");
        out.push_str(&version);
    }
    Ok(out)
}

/// Adds the MD5 of a customer-provided key (given in base64) where the request gives the
/// key without it, for the object's key and the copy source's.
pub(crate) fn customer_key_md5(headers: &mut http::HeaderMap) -> Result<(), String> {
    for prefix in ["x-amz-server-side-encryption-customer-key", "x-amz-copy-source-server-side-encryption-customer-key"]
    {
        let md5_header = format!("{prefix}-md5");
        let Some(key) = headers.get(prefix).and_then(|v| v.to_str().ok()) else { continue };
        if headers.contains_key(md5_header.as_str()) {
            continue;
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(key)
            .map_err(|_| format!("the customer key in {prefix} must be base64"))?;
        let digest = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(&raw));
        let name = http::HeaderName::from_bytes(md5_header.as_bytes()).map_err(|e| e.to_string())?;
        headers.insert(name, http::HeaderValue::from_str(&digest).map_err(|e| e.to_string())?);
    }
    Ok(())
}

/// A bucket name the SDKs let through (botocore's check): a path segment of its own, so a
/// name with `/` or `?` cannot name another bucket or key.
pub(crate) fn check_bucket(v: &serde_json::Value) -> Result<(), String> {
    let name = v.as_str().unwrap_or_default();
    let valid = (1..=255).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if valid { Ok(()) } else { Err(format!("Invalid bucket name \"{name}\": it must match [a-zA-Z0-9.\\-_]{{1,255}}")) }
}

/// GetBucketLocation answers its region as the root element's text.
pub(crate) fn bucket_location(body: &[u8]) -> Option<Value> {
    let root = squall_xml::parse(body)?;
    (root.name == "LocationConstraint").then(|| json!({"LocationConstraint": root.text}))
}
