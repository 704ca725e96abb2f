//! AWS's query protocol (SNS, and SQS's older form): form-encoded parameters in, XML out.
//!
//! Parameters flatten structures with dots: lists as `Name.member.N`, maps as
//! `Name.entry.N.key` / `Name.entry.N.value` (SNS's message attributes as
//! `Name.entry.N.Name` / `Name.entry.N.Value.*`). Responses wrap the result in
//! `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>`.

use crate::ApiError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderValue, StatusCode};
use squall_queues::message::{AttributeValue, Attributes};
use squall_runtime::{Body, full_body};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A request's parameters.
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// The parameters of a form body and of the URL's query string (the body wins).
    pub fn parse(query: Option<&str>, body: &[u8]) -> Params {
        let mut map = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            map.insert(k.into_owned(), v.into_owned());
        }
        for (k, v) in form_urlencoded::parse(body) {
            map.insert(k.into_owned(), v.into_owned());
        }
        Params(map)
    }

    /// Parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Parameter `name`, or a `MissingParameter` error (reported as `code`).
    pub fn required(&self, name: &str, code: &'static str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                code,
                format!("Invalid parameter: {name} Reason: no value for required parameter"),
            )
        })
    }

    /// The parameters whose names start with `prefix`, the rest of the name with each.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(move |(k, v)| (&k[prefix.len()..], v.as_str()))
    }

    /// The numbers `N` of `prefix.N.*` (or `prefix.N`) parameters, in order.
    fn indices(&self, prefix: &str) -> Vec<u32> {
        let dotted = format!("{prefix}.");
        let numbers: std::collections::BTreeSet<u32> =
            self.under(&dotted).filter_map(|(rest, _)| rest.split('.').next()?.parse().ok()).collect();
        numbers.into_iter().collect()
    }

    /// The members `base.N` of a flattened list or map, by `N`.
    pub fn numbered(&self, base: &str) -> Vec<String> {
        self.indices(base).into_iter().map(|n| format!("{base}.{n}")).collect()
    }

    /// The prefixes of list members: `prefix.member.1`, `prefix.member.2`, …
    pub fn members(&self, prefix: &str) -> Vec<String> {
        self.numbered(&format!("{prefix}.member"))
    }

    /// A list of strings (`prefix.member.N`).
    pub fn strings(&self, prefix: &str) -> Vec<String> {
        self.members(prefix).iter().filter_map(|m| self.get(m).map(str::to_string)).collect()
    }

    /// A map of strings (`prefix.entry.N.key` / `.value`).
    pub fn map(&self, prefix: &str) -> BTreeMap<String, String> {
        let base = format!("{prefix}.entry");
        self.indices(&base)
            .into_iter()
            .filter_map(|i| {
                let k = self.get(&format!("{base}.{i}.key"))?;
                let v = self.get(&format!("{base}.{i}.value")).unwrap_or("");
                Some((k.to_string(), v.to_string()))
            })
            .collect()
    }

    /// Tags (`prefix.member.N.Key` / `.Value`).
    pub fn tags(&self, prefix: &str) -> BTreeMap<String, String> {
        self.members(prefix)
            .iter()
            .filter_map(|m| {
                let k = self.get(&format!("{m}.Key"))?;
                Some((k.to_string(), self.get(&format!("{m}.Value")).unwrap_or("").to_string()))
            })
            .collect()
    }

    /// Message attributes (`prefix.entry.N.Name` and `.Value.DataType`, `.Value.StringValue`,
    /// `.Value.BinaryValue` in base64); `Err` names a binary value that is not base64.
    pub fn message_attributes(&self, prefix: &str) -> Result<Attributes, String> {
        let base = format!("{prefix}.entry");
        let mut out = Attributes::new();
        for i in self.indices(&base) {
            let at = |field: &str| self.get(&format!("{base}.{i}.{field}"));
            let Some(name) = at("Name") else { continue };
            let binary = match at("Value.BinaryValue") {
                Some(b) => Some(
                    STANDARD.decode(b).map_err(|_| format!("message attribute {name}: BinaryValue is not base64"))?,
                ),
                None => None,
            };
            out.insert(
                name.to_string(),
                AttributeValue {
                    data_type: at("Value.DataType").unwrap_or("").to_string(),
                    string: at("Value.StringValue").map(str::to_string),
                    binary,
                },
            );
        }
        Ok(out)
    }
}

/// XML text being written; elements escape their text.
#[derive(Default)]
pub struct Xml(pub String);

impl Xml {
    /// `<name>text</name>`.
    pub fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.0, "<{name}>{}</{name}>", escape(text));
        self
    }

    /// `<name>`, then what `inner` writes, then `</name>`.
    pub fn nest(&mut self, name: &str, inner: impl FnOnce(&mut Xml)) -> &mut Self {
        let _ = write!(self.0, "<{name}>");
        inner(self);
        let _ = write!(self.0, "</{name}>");
        self
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.0
    }

    /// A map as `<entry><key>…</key><value>…</value></entry>` elements.
    pub fn entries<'a>(&mut self, map: impl IntoIterator<Item = (&'a String, &'a String)>) -> &mut Self {
        for (k, v) in map {
            self.nest("entry", |x| {
                x.elem("key", k).elem("value", v);
            });
        }
        self
    }
}

/// Escapes text for an XML element or attribute; characters XML 1.0 cannot carry at all
/// are written as character references, which parsers accept.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {
                let _ = write!(out, "&#x{:X};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn xml_response(status: StatusCode, doc: String) -> http::Response<Body> {
    let mut r = http::Response::new(full_body(doc));
    *r.status_mut() = status;
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    r
}

/// A successful answer to `op`, its result written by `result`.
pub fn response(namespace: &str, op: &str, request_id: &str, result: impl FnOnce(&mut Xml)) -> http::Response<Body> {
    let mut x = Xml::default();
    let _ = write!(x.0, r#"<?xml version="1.0"?><{op}Response xmlns="{namespace}">"#);
    x.nest(&format!("{op}Result"), result);
    x.nest("ResponseMetadata", |m| {
        m.elem("RequestId", request_id);
    });
    let _ = write!(x.0, "</{op}Response>");
    xml_response(StatusCode::OK, x.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_parameters_rebuild_lists_and_maps() {
        let body = "Action=Publish&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1\
            &Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=Hi%20there\
            &TagKeys.member.10=z&TagKeys.member.2=y\
            &MessageAttributes.entry.1.Name=n&MessageAttributes.entry.1.Value.DataType=Number&MessageAttributes.entry.1.Value.StringValue=5\
            &MessageAttributes.entry.2.Name=b&MessageAttributes.entry.2.Value.DataType=Binary&MessageAttributes.entry.2.Value.BinaryValue=AQI%3D";
        let p = Params::parse(Some("Version=2010-03-31"), body.as_bytes());
        assert_eq!(p.get("Action"), Some("Publish"));
        assert_eq!(p.get("Version"), Some("2010-03-31"));
        let tags = p.tags("Tags");
        assert_eq!(tags.get("a").map(String::as_str), Some("1"));
        assert_eq!(tags.len(), 2);
        assert_eq!(p.strings("TagKeys"), vec!["y", "z"]);
        assert_eq!(p.map("Attributes").get("DisplayName").map(String::as_str), Some("Hi there"));
        let attrs = p.message_attributes("MessageAttributes").unwrap();
        assert_eq!(attrs["n"].string.as_deref(), Some("5"));
        assert_eq!(attrs["b"].binary.as_deref(), Some(&[1u8, 2][..]));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b>&\"c'\r\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;&#xD;&#x1;");
        let mut x = Xml::default();
        x.elem("Message", "1 < 2");
        assert_eq!(x.0, "<Message>1 &lt; 2</Message>");
    }
}
