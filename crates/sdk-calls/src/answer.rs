//! An operation's wire answer read back into its output members, or into the service's
//! error.

use crate::ServiceError;
use crate::model::{self, Kind, Model, Protocol, Shape};
use crate::read;
use crate::scalars;
use serde_json::{Map, Value};

/// Reads `operation`'s answer (`status`, `headers`, `body`) from `service` into its output
/// members, or the error it carries.
pub fn answer(
    service: &str,
    operation: &str,
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Value, ServiceError> {
    let unknown = || ServiceError {
        status: 500,
        code: "InternalFailure".into(),
        message: format!("{service} has no operation {operation} here"),
    };
    let model = model::model(service).ok_or_else(unknown)?;
    let op = model.operations.get(operation).ok_or_else(unknown)?;
    // S3 may answer 200 with an error document (CopyObject, CompleteMultipartUpload); a
    // body that is the object (GetObject) is never one.
    let streamed = model.output_payload(operation).is_some_and(|p| matches!(p.kind, Kind::Blob | Kind::String));
    let error_document = model.protocol == Protocol::RestXml
        && status == 200
        && op.output.is_some()
        && !streamed
        && squall_xml::parse(body).is_some_and(|root| root.name == "Error");
    if status >= 300 || error_document {
        return Err(error(operation, status, headers, body));
    }
    let Some(output) = &op.output else { return Ok(Value::Object(Map::new())) };
    if (service, operation) == ("s3", "GetBucketLocation")
        && let Some(location) = crate::s3::bucket_location(body)
    {
        return Ok(location);
    }
    let shape = model.shape(output);
    let malformed = |what: &str| ServiceError {
        status: 500,
        code: "InternalFailure".into(),
        message: format!("{service} answered {operation} with {what}"),
    };
    match model.protocol {
        Protocol::Query => {
            let root = squall_xml::parse(body).ok_or_else(|| malformed("a document that is not XML"))?;
            let result = match &op.wrapper {
                Some(w) => root.child(w),
                None => Some(&root),
            };
            Ok(Value::Object(result.map(|r| read::xml_structure(model, shape, r)).unwrap_or_default()))
        }
        Protocol::RestXml | Protocol::RestJson => rest(model, shape, status, headers, body).map_err(|w| malformed(&w)),
    }
}

/// A REST answer: members from headers and the status, then the payload or the body.
fn rest(model: &Model, shape: &Shape, status: u16, headers: &http::HeaderMap, body: &[u8]) -> Result<Value, String> {
    let xml = model.protocol == Protocol::RestXml;
    let mut out = Map::new();
    for (name, r) in &shape.members {
        let kind = model.shape(&r.shape).kind;
        match r.location.as_deref() {
            Some("header") => {
                if let Some(text) = headers.get(r.wire_name(name)).and_then(|v| v.to_str().ok()) {
                    let value = match kind {
                        Kind::List => Value::Array(text.split(',').map(|t| Value::String(t.trim().into())).collect()),
                        kind => scalars::from_text(kind, text),
                    };
                    out.insert(name.clone(), value);
                }
            }
            Some("headers") => {
                let prefix = r.wire_name(name).to_ascii_lowercase();
                let found: Map<String, Value> = headers
                    .iter()
                    .filter_map(|(k, v)| {
                        let suffix = k.as_str().strip_prefix(prefix.as_str())?;
                        Some((suffix.to_string(), Value::String(v.to_str().ok()?.to_string())))
                    })
                    .collect();
                if !found.is_empty() {
                    out.insert(name.clone(), Value::Object(found));
                }
            }
            Some("statusCode") => {
                out.insert(name.clone(), Value::from(status));
            }
            _ => {}
        }
    }
    let document = |body: &[u8]| -> Result<Option<Value>, String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(body).map(Some).map_err(|e| format!("a body that is not JSON ({e})"))
    };
    if let Some(payload) = &shape.payload {
        let r = &shape.members[payload];
        let pshape = model.shape(&r.shape);
        match pshape.kind {
            // A streamed body is its text, as Step Functions gives it.
            Kind::Blob | Kind::String => {
                out.insert(payload.clone(), Value::String(String::from_utf8_lossy(body).into_owned()));
            }
            _ if xml => {
                if let Some(root) = (!body.is_empty()).then(|| squall_xml::parse(body)).flatten() {
                    out.insert(payload.clone(), Value::Object(read::xml_structure(model, pshape, &root)));
                }
            }
            _ => {
                if let Some(doc) = document(body)? {
                    out.insert(payload.clone(), Value::Object(read::json_structure(model, pshape, &doc)));
                }
            }
        }
    } else if xml {
        if !body.iter().all(u8::is_ascii_whitespace) {
            let root = squall_xml::parse(body).ok_or("a document that is not XML")?;
            out.extend(read::xml_structure(model, shape, &root));
        }
    } else if let Some(doc) = document(body)? {
        out.extend(read::json_structure(model, shape, &doc));
    }
    Ok(Value::Object(out))
}

/// The error an answer carries: its code and message from the document (XML `<Code>`, or
/// JSON `__type`/`code` and `message`) or the `x-amzn-errortype` header; a body-less
/// answer (HEAD) named as the SDKs name it.
fn error(operation: &str, status: u16, headers: &http::HeaderMap, body: &[u8]) -> ServiceError {
    // `x-amzn-errortype: <Code>[:<uri>]`, perhaps `<namespace>#<Code>`.
    let mut code = headers.get("x-amzn-errortype").and_then(|v| v.to_str().ok()).map(|t| {
        let t = t.split(':').next().unwrap_or(t);
        t.rsplit('#').next().unwrap_or(t).to_string()
    });
    let mut message = None;
    if let Some(root) = squall_xml::parse(body) {
        code = code.or_else(|| descendant_text(&root, "Code"));
        message = descendant_text(&root, "Message");
    } else if let Ok(doc) = serde_json::from_slice::<Value>(body) {
        let text = |keys: &[&str]| keys.iter().find_map(|k| doc.get(*k)?.as_str().map(str::to_string));
        code =
            code.or_else(|| text(&["code", "Code", "__type"]).map(|t| t.rsplit('#').next().unwrap_or(&t).to_string()));
        message = text(&["message", "Message", "errorMessage"]);
    }
    let code = code.unwrap_or_else(|| match (status, operation) {
        (404, "HeadObject" | "GetObject") => "NoSuchKey".into(),
        (404, "HeadBucket") => "NoSuchBucket".into(),
        _ => http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .map_or_else(|| status.to_string(), |r| r.replace(' ', "")),
    });
    ServiceError { status, message: message.unwrap_or_else(|| code.clone()), code }
}

fn descendant_text(el: &squall_xml::Element, name: &str) -> Option<String> {
    el.children.iter().find_map(|c| if c.name == name { Some(c.text.clone()) } else { descendant_text(c, name) })
}
