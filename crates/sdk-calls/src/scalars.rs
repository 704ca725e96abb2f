//! Scalars between JSON and the wire's text: numbers, booleans, blobs, and timestamps in
//! the three formats the protocols use.

use crate::model::Kind;
use base64::Engine as _;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How a timestamp is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeFormat {
    Iso8601,
    /// RFC 7231's IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`).
    HttpDate,
    /// Seconds since the epoch.
    Epoch,
}

impl TimeFormat {
    /// A member's declared format, or the default of where it travels.
    pub(crate) fn declared(declared: Option<&str>, default: TimeFormat) -> TimeFormat {
        match declared {
            Some("iso8601") => TimeFormat::Iso8601,
            Some("rfc822") => TimeFormat::HttpDate,
            Some("unixTimestamp") => TimeFormat::Epoch,
            _ => default,
        }
    }
}

const HTTP_DATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// A timestamp given as ISO 8601 text or seconds since the epoch.
fn instant(v: &Value) -> Option<OffsetDateTime> {
    let seconds = |s: f64| OffsetDateTime::from_unix_timestamp_nanos((s * 1e9) as i128).ok();
    match v {
        Value::Number(n) => seconds(n.as_f64()?),
        Value::String(s) => OffsetDateTime::parse(s, &Rfc3339).ok().or_else(|| seconds(s.parse().ok()?)),
        _ => None,
    }
}

/// A timestamp as Step Functions answers it: ISO 8601, in UTC.
pub(crate) fn iso(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

/// The wire's text of a timestamp, read back as ISO 8601 (the text itself if unreadable).
pub(crate) fn timestamp_from_text(text: &str) -> Value {
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| time::PrimitiveDateTime::parse(text, HTTP_DATE).ok().map(|t| t.assume_utc()))
        .or_else(|| instant(&Value::String(text.into())));
    Value::String(t.map_or_else(|| text.to_string(), iso))
}

/// A JSON scalar of kind `kind` as the wire's text; the message names `at` when it is not
/// of that kind.
pub(crate) fn text(kind: Kind, v: &Value, format: TimeFormat, at: &str) -> Result<String, String> {
    let wrong = |what: &str| format!("the field '{at}' must be {what}");
    Ok(match kind {
        Kind::String => match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(wrong("a string")),
        },
        Kind::Integer | Kind::Long => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
            Value::String(s) if s.parse::<i64>().is_ok() => s.clone(),
            _ => return Err(wrong("an integer")),
        },
        Kind::Float | Kind::Double => match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) if s.parse::<f64>().is_ok() => s.clone(),
            _ => return Err(wrong("a number")),
        },
        Kind::Boolean => match v {
            Value::Bool(b) => b.to_string(),
            Value::String(s) if s == "true" || s == "false" => s.clone(),
            _ => return Err(wrong("a boolean")),
        },
        Kind::Timestamp => {
            let t = instant(v).ok_or_else(|| wrong("a timestamp (ISO 8601, or seconds since the epoch)"))?;
            match format {
                TimeFormat::Iso8601 => iso(t),
                TimeFormat::HttpDate => t.to_offset(time::UtcOffset::UTC).format(HTTP_DATE).unwrap_or_default(),
                TimeFormat::Epoch => t.unix_timestamp().to_string(),
            }
        }
        // Outside a payload, a blob is given as its base64 text (as the SDKs' JSON has it).
        Kind::Blob => match v {
            Value::String(s) => s.clone(),
            other => base64::engine::general_purpose::STANDARD.encode(other.to_string()),
        },
        Kind::Structure | Kind::List | Kind::Map => return Err(wrong("a scalar")),
    })
}

/// A blob's bytes: a string's own, anything else's JSON text.
pub(crate) fn blob(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    }
}

/// The wire's text of a scalar of kind `kind` as JSON.
pub(crate) fn from_text(kind: Kind, text: &str) -> Value {
    match kind {
        Kind::Integer | Kind::Long => {
            text.trim().parse::<i64>().map_or_else(|_| Value::String(text.into()), Value::from)
        }
        Kind::Float | Kind::Double => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text.into()), Value::Number),
        Kind::Boolean => Value::Bool(text.trim() == "true"),
        Kind::Timestamp => timestamp_from_text(text.trim()),
        _ => Value::String(text.into()),
    }
}

/// A rest-json scalar as Step Functions answers it (timestamps, sent as seconds, as ISO 8601).
pub(crate) fn from_json(kind: Kind, v: &Value) -> Value {
    match (kind, v) {
        (Kind::Timestamp, Value::Number(n)) => n
            .as_f64()
            .and_then(|s| OffsetDateTime::from_unix_timestamp_nanos((s * 1e9) as i128).ok())
            .map_or_else(|| v.clone(), |t| Value::String(iso(t))),
        (Kind::Timestamp, Value::String(s)) => timestamp_from_text(s),
        _ => v.clone(),
    }
}
