//! `squall failures FUNCTION` lists a function's kept failed invocations; `squall replay
//! REQUEST_ID` runs one again and prints both outcomes and their logs side by side.

use super::block_on;
use crate::ClientArgs;
use crate::client::{Client, segment};
use http::Method;
use serde_json::Value;
use std::process::ExitCode;

/// `squall failures FUNCTION`: newest first.
pub(crate) fn list(args: &ClientArgs, function: &str) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        let path = format!("/squall/v1/functions/{}/failures", segment(function));
        let answer = client.call(Method::GET, &path, vec![]).await?.json()?;
        let failures = answer["failures"].as_array().cloned().unwrap_or_default();
        if failures.is_empty() {
            println!("no failed invocations of {function} are kept");
        }
        for f in &failures {
            let when = squall_types::format_iso8601_millis_z(f["failed_ms"].as_u64().unwrap_or_default());
            let error = f["error"].as_str().unwrap_or_default().lines().next().unwrap_or_default();
            let error: String = error.chars().take(100).collect();
            println!("{when}  {}  {:<8}  {error}", text(f, "request_id"), text(f, "version"));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `squall replay REQUEST_ID [--original]`: exits non-zero when the replay fails too.
pub(crate) fn run(args: &ClientArgs, request_id: &str, original: bool) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        let path = format!("/squall/v1/invocations/{}/replay?original={original}", segment(request_id));
        let answer = client.call(Method::POST, &path, vec![]).await?.json()?;
        let (before, after) = (&answer["original"], &answer["replay"]);
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).unwrap_or(160).max(60);
        let half = (width - 3) / 2;
        let left = column(
            &format!(
                "original {} ({} {})",
                text(before, "request_id"),
                text(before, "function"),
                text(before, "version")
            ),
            &outcome(before),
            before,
        );
        let right = column(
            &format!("replay {} ({} {})", text(after, "request_id"), text(before, "function"), text(after, "version")),
            &outcome(after),
            after,
        );
        let (left, right) = (wrap(&left, half), wrap(&right, half));
        for i in 0..left.len().max(right.len()) {
            let l = left.get(i).map_or("", String::as_str);
            let r = right.get(i).map_or("", String::as_str);
            println!("{l:<half$} │ {r}");
        }
        Ok(if after["error"].is_null() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    })
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// How an invocation ended, in a line or a few: a reported error as its type, message
/// and stack.
fn outcome(v: &Value) -> String {
    let Some(error) = v["error"].as_str().filter(|e| !e.is_empty()) else {
        return format!("answered {}: {}", v["status"].as_u64().unwrap_or(200), text(v, "answer"));
    };
    let doc: Option<Value> = v["error_document"].as_str().and_then(|d| serde_json::from_str(d).ok());
    match doc.filter(|d| d["errorMessage"].is_string()) {
        Some(d) => {
            let mut out = format!("FAILED: {}: {}", text(&d, "errorType"), text(&d, "errorMessage"));
            for frame in d["stackTrace"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                out.push('\n');
                out.push_str(frame.trim_end());
            }
            out
        }
        None => format!("FAILED: {error}"),
    }
}

fn column(title: &str, outcome: &str, v: &Value) -> Vec<String> {
    let mut lines = vec![title.to_string(), outcome.to_string(), "── logs ──".to_string()];
    lines.extend(v["logs"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string));
    lines
}

/// Each line cut into pieces of at most `width` characters (and at its own newlines).
fn wrap(lines: &[String], width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines.iter().flat_map(|l| l.split('\n')) {
        // Tabs (REPORT lines) would throw the columns out.
        let chars: Vec<char> = line.replace('\t', "  ").chars().collect();
        if chars.is_empty() {
            out.push(String::new());
        }
        for piece in chars.chunks(width) {
            out.push(piece.iter().collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_to_the_column() {
        let lines = vec!["abcdef".to_string(), "x\ny".to_string(), String::new()];
        assert_eq!(wrap(&lines, 4), ["abcd", "ef", "x", "y", ""]);
    }
}
