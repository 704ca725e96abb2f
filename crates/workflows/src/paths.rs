//! JSONPath as the States language uses it: reference paths (InputPath, OutputPath,
//! ResultPath, a Choice's Variable: only names and indexes, naming one node) read and
//! written here; any other path (`.$` fields: wildcards, filters, slices) through
//! `serde_json_path`, RFC 9535, where a path that may match several nodes yields an array
//! of them, as Step Functions' Jayway does.

use serde_json::{Map, Value};

/// One step of a reference path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Field(String),
    Index(usize),
}

/// Parses a reference path (`$`, `$.a.b`, `$['a b'][0]`); `None` if it is not one.
pub fn reference(path: &str) -> Option<Vec<Segment>> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() || name.contains(['*', '?', '(', ')', '@', ' ', '\'', '"', ']']) {
                return None;
            }
            out.push(Segment::Field(name.to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = closing(r)?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if let Some(q) = quoted(inner) {
                out.push(Segment::Field(q));
            } else {
                out.push(Segment::Index(inner.parse().ok()?));
            }
        } else {
            return None;
        }
    }
    Some(out)
}

/// Where the `]` closing a bracket opened just before `r` is, quotes respected.
fn closing(r: &str) -> Option<usize> {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in r.char_indices() {
        match (quote, c) {
            (Some(_), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(q), c) if c == q && !escaped => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, ']') => return Some(i),
            _ => {}
        }
        escaped = false;
    }
    None
}

fn quoted(s: &str) -> Option<String> {
    let q = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = s.strip_prefix(q)?.strip_suffix(q)?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next()?);
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Whether `path` is a path the language accepts: a reference path or a JSONPath query.
pub fn valid(path: &str) -> bool {
    let path = path.strip_prefix('$').map(|p| format!("${p}"));
    match path {
        Some(p) => reference(&p).is_some() || serde_json_path::JsonPath::parse(&p).is_ok(),
        None => false,
    }
}

/// Jayway's rendering of a reference path, as causes quote it (`$['a']['b'][0]`).
fn rendered(segments: &[Segment]) -> String {
    let mut out = String::from("$");
    for s in segments {
        match s {
            Segment::Field(f) => out.push_str(&format!("['{f}']")),
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Why a read found nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing(pub String);

/// Reads `path` from `doc`. A reference path (or a query that names one node) must find
/// its node; a query that may match several yields the array of what it matched.
pub fn read(doc: &Value, path: &str) -> Result<Value, Missing> {
    if let Some(segments) = reference(path) {
        let mut at = doc;
        for s in &segments {
            let next = match (s, at) {
                (Segment::Field(f), Value::Object(m)) => m.get(f),
                (Segment::Index(i), Value::Array(a)) => a.get(*i),
                _ => None,
            };
            at = next.ok_or_else(|| Missing(format!("No results for path: {}", rendered(&segments))))?;
        }
        return Ok(at.clone());
    }
    let query = serde_json_path::JsonPath::parse(path).map_err(|e| Missing(format!("Invalid path: {e}")))?;
    let nodes = query.query(doc).all();
    if definite(path) {
        return nodes.first().map(|v| (*v).clone()).ok_or_else(|| Missing(format!("No results for path: {path}")));
    }
    Ok(Value::Array(nodes.into_iter().cloned().collect()))
}

/// Whether a query names at most one node (no wildcard, descent, filter, slice or union).
fn definite(path: &str) -> bool {
    let mut quote = None;
    let mut prev = ' ';
    for c in path.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '*' | '?' | ':' | ',') => return false,
            (None, '.') if prev == '.' => return false,
            _ => {}
        }
        prev = c;
    }
    true
}

/// Puts `value` at reference path `path` inside `doc` (ResultPath): `$` replaces the
/// document; missing objects on the way are made; a step through something that is not an
/// object (or an index past an array's end) fails.
pub fn insert(doc: Value, path: &str, value: Value) -> Result<Value, String> {
    let segments = reference(path).ok_or_else(|| format!("Invalid ResultPath '{path}'"))?;
    if segments.is_empty() {
        return Ok(value);
    }
    let mut doc = doc;
    put(&mut doc, &segments, value, path)?;
    Ok(doc)
}

fn put(at: &mut Value, segments: &[Segment], value: Value, path: &str) -> Result<(), String> {
    let (first, rest) = segments.split_first().expect("at least one segment");
    let slot = match (first, at) {
        (Segment::Field(f), Value::Object(m)) => {
            if rest.is_empty() {
                m.insert(f.clone(), value);
                return Ok(());
            }
            m.entry(f.clone()).or_insert_with(|| Value::Object(Map::new()))
        }
        (Segment::Index(i), Value::Array(a)) if *i < a.len() => {
            if rest.is_empty() {
                a[*i] = value;
                return Ok(());
            }
            &mut a[*i]
        }
        (_, other) => {
            let input = serde_json::to_string(other).unwrap_or_default();
            return Err(format!(
                "Unable to apply ReferencePath {path} to input {}",
                serde_json::to_string(&input).unwrap_or_default()
            ));
        }
    };
    put(slot, rest, value, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reference_paths_read_one_node() {
        let doc = json!({"a": {"b c": [1, {"d": 2}]}, "x": null});
        assert_eq!(read(&doc, "$").unwrap(), doc);
        assert_eq!(read(&doc, "$.a['b c'][1].d").unwrap(), json!(2));
        assert_eq!(read(&doc, "$.x").unwrap(), json!(null));
        assert_eq!(read(&doc, "$.a.z").unwrap_err().0, "No results for path: $['a']['z']");
    }

    #[test]
    fn queries_that_may_match_several_yield_arrays() {
        let doc = json!({"items": [{"p": 1}, {"p": 5}, {"p": 9}]});
        assert_eq!(read(&doc, "$.items[*].p").unwrap(), json!([1, 5, 9]));
        assert_eq!(read(&doc, "$.items[?@.p > 4].p").unwrap(), json!([5, 9]));
        assert_eq!(read(&doc, "$..p").unwrap(), json!([1, 5, 9]));
        assert_eq!(read(&doc, "$.items[0:2]").unwrap(), json!([{"p": 1}, {"p": 5}]));
        assert_eq!(read(&doc, "$.nothing[*]").unwrap(), json!([]));
    }

    #[test]
    fn result_paths_insert() {
        let doc = json!({"a": 1});
        assert_eq!(insert(doc.clone(), "$", json!(2)).unwrap(), json!(2));
        assert_eq!(insert(doc.clone(), "$.r.s", json!(2)).unwrap(), json!({"a": 1, "r": {"s": 2}}));
        assert_eq!(insert(doc.clone(), "$.a", json!(3)).unwrap(), json!({"a": 3}));
        assert!(insert(doc.clone(), "$.a.b", json!(3)).is_err());
        assert!(insert(json!("text"), "$.a", json!(3)).is_err());
        assert!(!valid("a.b"));
        assert!(valid("$.a[*]"));
    }
}
