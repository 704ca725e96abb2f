//! An operation's input members made into its wire request: the query protocol's form, or
//! a REST request (members in the path, query string, headers, and an XML or JSON body).

use crate::WireRequest;
use crate::model::{self, InputRef, Kind, Model, Operation, Protocol, Ref, Shape};
use crate::scalars::{self, TimeFormat};
use crate::write_xml;
use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

/// What a path segment keeps unencoded (RFC 3986's unreserved characters).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// A greedy label (`{Key+}`) keeps its slashes.
const GREEDY: &AsciiSet = &SEGMENT.remove(b'/');

/// Makes `params` (the input members, as the SDKs name them) into `operation`'s request to
/// `service`; the message says what is wrong with them.
pub fn request(service: &str, operation: &str, params: &Value) -> Result<WireRequest, String> {
    let model = model::model(service).ok_or_else(|| format!("Squall has no AWS SDK integration with {service}"))?;
    let op = model
        .operations
        .get(operation)
        .filter(|_| crate::knows(service, operation))
        .ok_or_else(|| format!("{operation} is not an operation of {service} that Squall serves"))?;
    let empty = Map::new();
    let given = match params {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err("The Parameters must be an object".into()),
    };
    match (&op.input, model.protocol) {
        (None, _) if !given.is_empty() => Err(format!("{operation} takes no parameters")),
        (input, Protocol::Query) => Ok(query(model, operation, input.as_ref(), given)?),
        (input, _) => {
            if service == "s3"
                && let Some(bucket) = given.get("Bucket")
            {
                crate::s3::check_bucket(bucket)?;
            }
            let mut request = rest(model, op, input.as_ref(), given)?;
            if service == "s3" {
                crate::s3::customer_key_md5(&mut request.headers)?;
            }
            Ok(request)
        }
    }
}

/// The members of structure `shape` given in `obj` (nulls left out), with their refs; a
/// member the shape does not have is refused by name (`at` is where the object is).
pub(crate) fn given_members<'m, 'v>(
    shape: &'m Shape,
    obj: &'v Map<String, Value>,
    at: &str,
) -> Result<Vec<(&'m str, &'m Ref, &'v Value)>, String> {
    let mut out = Vec::with_capacity(obj.len());
    for (key, value) in obj {
        let Some((name, r)) = shape.members.get_key_value(key.as_str()) else {
            return Err(format!("The field '{}' is not supported by this operation", join(at, key)));
        };
        if !value.is_null() {
            out.push((name.as_str(), r, value));
        }
    }
    Ok(out)
}

pub(crate) fn join(at: &str, key: &str) -> String {
    if at.is_empty() { key.to_string() } else { format!("{at}.{key}") }
}

pub(crate) fn object<'v>(v: &'v Value, at: &str) -> Result<&'v Map<String, Value>, String> {
    v.as_object().ok_or_else(|| format!("the field '{at}' must be an object"))
}

pub(crate) fn array<'v>(v: &'v Value, at: &str) -> Result<&'v Vec<Value>, String> {
    v.as_array().ok_or_else(|| format!("the field '{at}' must be an array"))
}

/// The query protocol: `Action`, `Version` and the members flattened into form fields
/// (`Tags.member.1.Key`, `Attributes.entry.1.key`).
fn query(
    model: &Model,
    operation: &str,
    input: Option<&InputRef>,
    given: &Map<String, Value>,
) -> Result<WireRequest, String> {
    let mut fields = vec![("Action".to_string(), operation.to_string()), ("Version".into(), model.api_version.clone())];
    if let Some(input) = input {
        for (name, r, v) in given_members(model.shape(&input.shape), given, "")? {
            query_field(model, r, v, r.wire_name(name).to_string(), name, &mut fields)?;
        }
    }
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(fields);
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
    Ok(WireRequest { method: http::Method::POST, uri: "/".into(), headers, body: Bytes::from(form.finish()) })
}

fn query_field(
    model: &Model,
    r: &Ref,
    v: &Value,
    prefix: String,
    at: &str,
    out: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let shape = model.shape(&r.shape);
    match shape.kind {
        Kind::Structure => {
            for (name, mr, mv) in given_members(shape, object(v, at)?, at)? {
                query_field(model, mr, mv, format!("{prefix}.{}", mr.wire_name(name)), &join(at, name), out)?;
            }
        }
        Kind::List => {
            let items = array(v, at)?;
            let member = shape.member.as_ref().expect("a list has a member");
            if items.is_empty() {
                out.push((prefix, String::new()));
                return Ok(());
            }
            let list_prefix = match (r.is_flattened(shape), &member.location_name) {
                (true, Some(n)) => match prefix.rsplit_once('.') {
                    Some((head, _)) => format!("{head}.{n}"),
                    None => n.clone(),
                },
                (true, None) => prefix,
                (false, n) => format!("{prefix}.{}", n.as_deref().unwrap_or("member")),
            };
            for (i, item) in items.iter().enumerate() {
                query_field(model, member, item, format!("{list_prefix}.{}", i + 1), at, out)?;
            }
        }
        Kind::Map => {
            let (key, value) = map_refs(shape);
            let full = if r.is_flattened(shape) { prefix } else { format!("{prefix}.entry") };
            for (i, (k, mv)) in object(v, at)?.iter().enumerate() {
                let entry = format!("{full}.{}", i + 1);
                out.push((format!("{entry}.{}", key.location_name.as_deref().unwrap_or("key")), k.clone()));
                let value_name = value.location_name.as_deref().unwrap_or("value");
                query_field(model, value, mv, format!("{entry}.{value_name}"), &join(at, k), out)?;
            }
        }
        kind => out.push((prefix, scalars::text(kind, v, TimeFormat::Iso8601, at)?)),
    }
    Ok(())
}

pub(crate) fn map_refs(shape: &Shape) -> (&Ref, &Ref) {
    (shape.key.as_ref().expect("a map has a key"), shape.value.as_ref().expect("a map has a value"))
}

/// A REST request: members bound to the path, query string and headers; the payload
/// member, or the rest of the members, as the body.
fn rest(
    model: &Model,
    op: &Operation,
    input: Option<&InputRef>,
    given: &Map<String, Value>,
) -> Result<WireRequest, String> {
    let (path_template, literal_query) = op.uri.split_once('?').unwrap_or((op.uri.as_str(), ""));
    let mut query: Vec<(String, Option<String>)> = literal_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (p.to_string(), None),
        })
        .collect();
    let mut headers = http::HeaderMap::new();
    let mut labels: Vec<(&str, String)> = Vec::new();
    let mut body = Bytes::new();
    if let Some(input) = input {
        let shape = model.shape(&input.shape);
        let mut body_members: Vec<(&str, &Ref, Value)> = Vec::new();
        for (name, r, v) in given_members(shape, given, "")? {
            let kind = model.shape(&r.shape).kind;
            match r.location.as_deref() {
                Some("uri") => {
                    let format = model.time_format(r, TimeFormat::Iso8601);
                    labels.push((r.wire_name(name), scalars::text(kind, v, format, name)?));
                }
                Some("querystring") => query_members(model, r, name, v, &mut query)?,
                // S3's copy source, percent-encoded as the SDKs do.
                Some("header") if r.wire_name(name) == "x-amz-copy-source" => {
                    let text = crate::s3::copy_source(v)?;
                    headers.insert(header_name(r.wire_name(name))?, header_value(&text, name)?);
                }
                Some("header") => {
                    let text = header_text(model, r, v, name)?;
                    headers.insert(header_name(r.wire_name(name))?, header_value(&text, name)?);
                }
                Some("headers") => {
                    for (k, hv) in object(v, name)? {
                        let text = scalars::text(Kind::String, hv, TimeFormat::HttpDate, &join(name, k))?;
                        let header = format!("{}{k}", r.wire_name(name));
                        headers.insert(header_name(&header)?, header_value(&text, name)?);
                    }
                }
                _ => body_members.push((name, r, v.clone())),
            }
        }
        // The SDKs fill idempotency tokens left out with a fresh one.
        let absent = |n: &str| given.get(n).is_none_or(Value::is_null);
        for (name, r) in shape.members.iter().filter(|(n, r)| r.idempotency_token && absent(n)) {
            let token = Value::String(uuid::Uuid::new_v4().to_string());
            match r.location.as_deref() {
                Some("querystring") => query.push((r.wire_name(name).to_string(), token.as_str().map(str::to_string))),
                _ => body_members.push((name, r, token)),
            }
        }
        body = rest_body(model, input, shape, &body_members, &mut headers)?;
        // A length given must be the body's: nothing frames the body in-process to hold it to one.
        if let Some(declared) = headers.get(http::header::CONTENT_LENGTH)
            && declared.to_str().ok().and_then(|d| d.parse::<usize>().ok()) != Some(body.len())
        {
            return Err(format!("The field 'ContentLength' ({declared:?}) is not the body's length ({})", body.len()));
        }
    }
    let path = expand_path(path_template, &labels)?;
    let mut uri = path;
    for (i, (k, v)) in query.iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.push_str(&utf8_percent_encode(k, SEGMENT).to_string());
        if let Some(v) = v {
            uri.push('=');
            uri.push_str(&utf8_percent_encode(v, SEGMENT).to_string());
        }
    }
    let method = http::Method::from_bytes(op.method.as_bytes()).map_err(|e| e.to_string())?;
    Ok(WireRequest { method, uri, headers, body })
}

/// The body: the payload member (raw bytes, or a document), or the body members as one
/// document (rest-json sends `{}` for an input that has body members but got none).
fn rest_body(
    model: &Model,
    input: &InputRef,
    shape: &Shape,
    body_members: &[(&str, &Ref, Value)],
    headers: &mut http::HeaderMap,
) -> Result<Bytes, String> {
    let xml = model.protocol == Protocol::RestXml;
    let kind = if xml { "application/xml" } else { "application/json" };
    if let Some(payload) = &shape.payload {
        let Some((name, r, v)) = body_members.iter().find(|(n, ..)| *n == payload.as_str()) else {
            return Ok(Bytes::new());
        };
        let pshape = model.shape(&r.shape);
        let body = match pshape.kind {
            Kind::Blob | Kind::String => return Ok(Bytes::from(scalars::blob(v))),
            _ if xml => {
                let root = r.location_name.as_deref().or(pshape.location_name.as_deref()).unwrap_or(name);
                let ns = r.xml_namespace.as_ref().or(pshape.xml_namespace.as_ref());
                write_xml::document(model, r, root, ns, v, name)?
            }
            _ => crate::write_json::value(model, r, v, name)?.to_string(),
        };
        headers.entry(http::header::CONTENT_TYPE).or_insert(HeaderValue::from_static(kind));
        return Ok(Bytes::from(body));
    }
    // rest-json sends `{}` for an input that has body members, though none was given.
    let empty_json = !xml && shape.members.values().any(|r| r.location.is_none());
    if body_members.is_empty() && !empty_json {
        return Ok(Bytes::new());
    }
    let body = if xml {
        let root = input.location_name.as_deref().unwrap_or(&input.shape);
        write_xml::members(model, root, input.xml_namespace.as_ref(), body_members)?
    } else {
        let mut doc = Map::new();
        for (name, r, v) in body_members {
            doc.insert(r.wire_name(name).to_string(), crate::write_json::value(model, r, v, name)?);
        }
        Value::Object(doc).to_string()
    };
    headers.entry(http::header::CONTENT_TYPE).or_insert(HeaderValue::from_static(kind));
    Ok(Bytes::from(body))
}

/// A query-string member: a list repeats its name, a map gives its own names.
fn query_members(
    model: &Model,
    r: &Ref,
    name: &str,
    v: &Value,
    out: &mut Vec<(String, Option<String>)>,
) -> Result<(), String> {
    let shape = model.shape(&r.shape);
    let wire = r.wire_name(name);
    match shape.kind {
        Kind::List => {
            let member = shape.member.as_ref().expect("a list has a member");
            let format = model.time_format(member, TimeFormat::Iso8601);
            for item in array(v, name)? {
                let kind = model.shape(&member.shape).kind;
                out.push((wire.to_string(), Some(scalars::text(kind, item, format, name)?)));
            }
        }
        Kind::Map => {
            for (k, mv) in object(v, name)? {
                out.push((k.clone(), Some(scalars::text(Kind::String, mv, TimeFormat::Iso8601, &join(name, k))?)));
            }
        }
        kind => {
            let format = model.time_format(r, TimeFormat::Iso8601);
            out.push((wire.to_string(), Some(scalars::text(kind, v, format, name)?)));
        }
    }
    Ok(())
}

/// A header member's text: lists joined with commas, timestamps as HTTP dates.
fn header_text(model: &Model, r: &Ref, v: &Value, at: &str) -> Result<String, String> {
    let shape = model.shape(&r.shape);
    let format = model.time_format(r, TimeFormat::HttpDate);
    match shape.kind {
        Kind::List => {
            let member = model.shape(&shape.member.as_ref().expect("a list has a member").shape);
            let items: Result<Vec<String>, String> =
                array(v, at)?.iter().map(|i| scalars::text(member.kind, i, format, at)).collect();
            Ok(items?.join(","))
        }
        kind => scalars::text(kind, v, format, at),
    }
}

fn header_name(name: &str) -> Result<HeaderName, String> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("'{name}' is not a header name"))
}

fn header_value(text: &str, at: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(text).map_err(|_| format!("the field '{at}' cannot travel in a header"))
}

/// The path template with its labels filled in (`{Key+}` keeps its slashes).
fn expand_path(template: &str, labels: &[(&str, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map(|c| open + c).ok_or("a path template is unclosed")?;
        let label = &rest[open + 1..close];
        let (name, greedy) = match label.strip_suffix('+') {
            Some(n) => (n, true),
            None => (label, false),
        };
        let value = labels
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("The field '{name}' is required"))?;
        if value.is_empty() {
            return Err(format!("The field '{name}' must not be empty"));
        }
        out.push_str(&utf8_percent_encode(value, if greedy { GREEDY } else { SEGMENT }).to_string());
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
