//! Percent-encoding as URLs and forms use it, query strings and header-name spelling; one
//! implementation for every crate.

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Decodes `%XX` escapes (as in a URL path: `+` stays a plus). Malformed escapes are kept
/// as they are; invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex_val(b[i + 1]), hex_val(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes an `application/x-www-form-urlencoded` key or value (`+` is a space).
pub fn form_decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

/// Encodes an `application/x-www-form-urlencoded` key or value.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The decoded (name, value) pairs of a query string, in order (`a=1&a=2&b` →
/// `[(a, 1), (a, 2), (b, "")]`).
pub fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

/// `content-type` → `Content-Type`: header names as clients send them (HTTP/1 parsers
/// keep only lower case).
pub fn title_case_header(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_bad_escapes() {
        assert_eq!(percent_decode("a%20b+c%2F"), "a b+c/");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("a+b%26c"), "a b&c");
        for s in ["ada lovelace", "a&b=c/d", "ünï"] {
            assert_eq!(form_decode(&form_encode(s)), s);
        }
    }

    #[test]
    fn splits_query_strings_and_spells_header_names() {
        let pairs = query_pairs("a=1&a=x+y&&b&c=%2F");
        let want = [("a", "1"), ("a", "x y"), ("b", ""), ("c", "/")];
        assert_eq!(pairs, want.map(|(k, v)| (k.to_string(), v.to_string())));
        assert_eq!(title_case_header("content-type"), "Content-Type");
        assert_eq!(title_case_header("x-api-key"), "X-Api-Key");
        assert_eq!(title_case_header("host"), "Host");
    }
}
