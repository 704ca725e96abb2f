//! The canonical request of SigV4: URI, query and headers in the one spelling both sides
//! agree on.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is encoded.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// How a service spells the path in its canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathEncoding {
    /// Every service but S3: the path is normalized and each segment encoded twice.
    Double,
    /// S3: the path exactly as sent.
    AsSent,
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, STRICT).to_string()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The canonical URI of `raw_path` (as received, percent-encoded).
pub(crate) fn canonical_uri(raw_path: &str, encoding: PathEncoding) -> String {
    if raw_path.is_empty() {
        return "/".into();
    }
    match encoding {
        PathEncoding::AsSent => raw_path.to_string(),
        PathEncoding::Double => {
            let mut out: Vec<String> = Vec::new();
            let segments: Vec<&str> = raw_path.trim_start_matches('/').split('/').collect();
            for seg in &segments {
                match *seg {
                    "." => {}
                    ".." => {
                        out.pop();
                    }
                    s => out.push(encode(&encode(&decode(s)))),
                }
            }
            let mut uri = format!("/{}", out.join("/"));
            // A trailing slash is part of the resource name; keep it.
            if raw_path.len() > 1 && raw_path.ends_with('/') && !uri.ends_with('/') {
                uri.push('/');
            }
            uri
        }
    }
}

/// The canonical query string of `raw_query` (without `?`), leaving out `skip` (the
/// signature itself, for presigned URLs).
pub(crate) fn canonical_query(raw_query: &str, skip: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            // Forms encode spaces as '+'; SigV4 clients never send a literal '+' unencoded.
            let k = decode(&k.replace('+', "%20"));
            let v = decode(&v.replace('+', "%20"));
            (encode(&k), encode(&v))
        })
        .filter(|(k, _)| skip.is_none_or(|s| k != s))
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The canonical value of a header: its values in order, trimmed, inner runs of spaces
/// collapsed, joined by commas.
pub(crate) fn canonical_header_value<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values.map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(canonical_uri("", PathEncoding::Double), "/");
        assert_eq!(canonical_uri("/", PathEncoding::Double), "/");
        assert_eq!(
            canonical_uri("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations", PathEncoding::Double),
            "/2015-03-31/functions/arn%253Aaws%253Alambda/invocations"
        );
        assert_eq!(canonical_uri("/a/./b/../c/", PathEncoding::Double), "/a/c/");
        assert_eq!(canonical_uri("/b/a%20b", PathEncoding::AsSent), "/b/a%20b");
    }

    #[test]
    fn queries() {
        assert_eq!(canonical_query("b=2&a=1&a=0", None), "a=0&a=1&b=2");
        assert_eq!(canonical_query("prefix=a b&list-type", None), "list-type=&prefix=a%20b");
        assert_eq!(canonical_query("k=%7e&X-Amz-Signature=x", Some("X-Amz-Signature")), "k=~");
    }
}
