//! `squall failures` and `squall replay`: a failed invocation is kept with its event and
//! version, and runs again against the fixed code, or with `--original` the version that
//! failed, both outcomes and logs printed side by side.

use crate::harness::{Result, Server, ok};
use std::io::Write as _;

/// A Python package whose handler prints the event and fails on `{"boom": true}` unless
/// it is the fixed version.
fn package(dir: &std::path::Path, fixed: bool) -> Result<String> {
    let code = format!(
        "def handler(event, context):\n    print('got', event)\n    if event.get('boom') and not {}:\n        raise ValueError('boom in the handler')\n    return {{'ok': True, 'fixed': {}}}\n",
        if fixed { "True" } else { "False" },
        if fixed { "True" } else { "False" },
    );
    let path = dir.join(if fixed { "fixed.zip" } else { "broken.zip" });
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path)?);
    zip.start_file("app.py", zip::write::SimpleFileOptions::default())?;
    zip.write_all(code.as_bytes())?;
    zip.finish()?;
    Ok(format!("fileb://{}", path.display()))
}

/// Whether a command succeeded, and all it printed.
fn printed(out: &std::process::Output) -> (bool, String) {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Invokes version 1 with `payload`: whether the function failed.
fn invoke_version(server: &Server, payload: &str) -> Result<bool> {
    let tmp = tempfile::tempdir()?;
    let file = tmp.path().join("p.json");
    std::fs::write(&file, payload)?;
    let arg = format!("fileb://{}", file.display());
    let out_file = tmp.path().join("out");
    let out = server.aws(&[
        "lambda",
        "invoke",
        "--function-name",
        "replayed",
        "--qualifier",
        "1",
        "--payload",
        &arg,
        out_file.to_str().unwrap(),
    ]);
    let meta: serde_json::Value = serde_json::from_str(&ok(&out)?)?;
    Ok(meta["FunctionError"] == "Unhandled")
}

/// The request ids and versions `squall failures` lists, newest first.
fn failures(server: &Server, function: &str) -> Result<Vec<(String, String)>> {
    let out = ok(&server.squall(&["failures", function]))?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace().skip(1);
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .collect())
}

#[test]
fn a_failed_invocation_replays_against_the_fix_or_its_own_version() -> Result {
    let server = Server::start()?;
    let dir = tempfile::tempdir()?;
    let (broken, fixed) = (package(dir.path(), false)?, package(dir.path(), true)?);
    ok(&server.aws(&[
        "lambda",
        "create-function",
        "--function-name",
        "replayed",
        "--runtime",
        "python3.12",
        "--handler",
        "app.handler",
        "--role",
        "arn:aws:iam::000000000000:role/squall-default",
        "--zip-file",
        &broken,
    ]))?;
    let (meta, _) = server.lambda_invoke("replayed", r#"{"boom": true, "order": 7}"#)?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    let (meta, _) = server.lambda_invoke("replayed", r#"{"order": 8}"#)?;
    assert!(meta.get("FunctionError").is_none(), "a success is not kept: {meta}");
    // Kept off the request path: wait for it (bounded).
    let mut kept = Vec::new();
    for _ in 0..50 {
        kept = failures(&server, "replayed")?;
        if !kept.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(kept.len(), 1, "one failure kept: {kept:?}");
    let first = kept[0].0.clone();

    // Unchanged code: the replay fails the same way, and exits non-zero.
    let (success, text) = printed(&server.squall(&["replay", &first]));
    assert!(!success && text.contains("boom in the handler"), "{text}");
    assert!(text.contains("got {'boom': True, 'order': 7}"), "the original's logs and the replay's: {text}");

    // Fixed: the same event now answers; --original refuses a $LATEST that changed.
    ok(&server.aws(&["lambda", "update-function-code", "--function-name", "replayed", "--zip-file", &fixed]))?;
    let text = ok(&server.squall(&["replay", &first]))?;
    let sides: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once(" │ ")).collect();
    assert!(sides.iter().any(|(l, _)| l.contains("FAILED") && l.contains("boom in the handler")), "{text}");
    assert!(sides.iter().any(|(_, r)| r.contains(r#"answered 200: {"ok": true, "fixed": true}"#)), "{text}");
    assert!(sides.iter().any(|(_, r)| r.contains("got {'boom': True, 'order': 7}")), "the replay's logs: {text}");
    let (success, refused) = printed(&server.squall(&["replay", &first, "--original"]));
    assert!(!success && refused.contains("has changed since"), "{refused}");

    // A published version that failed replays as it was with --original.
    ok(&server.aws(&[
        "lambda",
        "update-function-code",
        "--function-name",
        "replayed",
        "--zip-file",
        &broken,
        "--publish",
    ]))?;
    ok(&server.aws(&["lambda", "update-function-code", "--function-name", "replayed", "--zip-file", &fixed]))?;
    assert!(invoke_version(&server, r#"{"boom": true, "order": 9}"#)?, "version 1 fails");
    let mut newest = String::new();
    for _ in 0..50 {
        // The version's own failure (replays that failed are kept too).
        if let Some((id, _)) = failures(&server, "replayed")?.into_iter().find(|(_, v)| v == "1") {
            newest = id;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!newest.is_empty() && newest != first, "the version's failure is kept");
    let (success, text) = printed(&server.squall(&["replay", &newest, "--original"]));
    assert!(
        !success && text.contains("replayed 1)") && text.contains("boom in the handler"),
        "version 1 again: {text}"
    );
    let text = ok(&server.squall(&["replay", &newest]))?;
    assert!(text.contains("replayed $LATEST)") && text.contains(r#""fixed": true"#), "the current code: {text}");

    // Gone with the function.
    ok(&server.aws(&["lambda", "delete-function", "--function-name", "replayed"]))?;
    let (success, gone) = printed(&server.squall(&["replay", &first]));
    assert!(!success && gone.contains("not found"), "{gone}");
    Ok(())
}
