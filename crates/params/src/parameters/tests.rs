//! Parameter Store on a manual clock: versions, the 100-version window, labels and
//! selectors, paths, filters and paging.

use crate::parameters::filters::Filter;
use crate::parameters::{ByPath, Describe, Put};
use crate::tests::{START_MS, open};
use crate::{Error, Result};
use squall_clock::Clock;
use std::time::Duration;

fn put(name: &str, value: &str) -> Put {
    Put { name: name.into(), value: value.into(), kind: Some("String".into()), overwrite: true, ..Default::default() }
}

#[tokio::test]
async fn versions_count_up_and_the_oldest_unlabelled_one_goes_past_100() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let ps = &p.parameters;
    let first = ps.put(Put { overwrite: false, ..put("/app/v", "1") }).await?;
    assert_eq!(first.version, 1);
    let again = ps.put(Put { overwrite: false, ..put("/app/v", "x") }).await;
    assert!(matches!(again, Err(Error::AlreadyExists(_))));
    clock.advance(Duration::from_secs(5)).expect("manual");
    assert_eq!(ps.put(put("/app/v", "2")).await?.version, 2);
    let got = ps.get("/app/v", false)?;
    assert_eq!((got.version.version, got.version.value.as_str()), (2, "2"));
    assert_eq!(got.version.modified_ms, START_MS + 5000);
    assert_eq!(ps.get("/app/v:1", false)?.version.value, "1");
    assert_eq!(ps.get("/app/v:1", false)?.selector.as_deref(), Some(":1"));
    assert!(matches!(ps.get("/app/v:9", false), Err(Error::VersionNotFound(_))));

    // A label on version 1 holds it: the 101st version is refused until the label moves.
    ps.label("/app/v", Some(1), &["keep".into()]).await?;
    for i in 3..=100 {
        ps.put(put("/app/v", &i.to_string())).await?;
    }
    assert!(matches!(ps.put(put("/app/v", "101")).await, Err(Error::MaxVersionLimitExceeded(_))));
    ps.label("/app/v", Some(2), &["keep".into()]).await?;
    assert_eq!(ps.put(put("/app/v", "101")).await?.version, 101);
    assert!(matches!(ps.get("/app/v:1", false), Err(Error::VersionNotFound(_))));
    let (history, next) = ps.history("/app/v", false, Some(50), None)?;
    assert_eq!((history.len(), history[0].version.version), (50, 2));
    let (rest, none) = ps.history("/app/v", false, Some(50), next.as_deref())?;
    assert_eq!((rest.len(), rest[49].version.version, none), (50, 101, None));

    // After a restart, the same versions.
    drop(p);
    let p = open(dir.path(), 1, &clock).await?;
    assert_eq!(p.parameters.get("/app/v:keep", false)?.version.version, 2);
    assert_eq!(p.parameters.get("/app/v", false)?.version.version, 101);
    Ok(())
}

#[tokio::test]
async fn labels_move_between_versions_and_are_checked() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let ps = &p.parameters;
    for v in ["a", "b", "c"] {
        ps.put(put("/l", v)).await?;
    }
    let (v, invalid) = ps.label("/l", Some(1), &["prod".into(), "1bad".into(), "awsx".into()]).await?;
    assert_eq!((v, invalid), (1, vec!["1bad".to_string(), "awsx".to_string()]));
    assert_eq!(ps.get("/l:prod", false)?.version.value, "a");
    let (v, _) = ps.label("/l", None, &["prod".into()]).await?;
    assert_eq!(v, 3);
    assert_eq!(ps.get("/l:prod", false)?.version.value, "c");
    assert!(ps.get("/l", false)?.version.labels.contains("prod"));
    let labels: Vec<String> = (0..10).map(|i| format!("l{i}")).collect();
    assert!(matches!(ps.label("/l", Some(3), &labels).await, Err(Error::LabelLimitExceeded(_))));
    let (removed, invalid) = ps.unlabel("/l", 3, &["prod".into(), "nope".into()]).await?;
    assert_eq!((removed, invalid), (vec!["prod".to_string()], vec!["nope".to_string()]));
    assert!(matches!(ps.get("/l:prod", false), Err(Error::NotFound(_))));
    assert!(matches!(ps.unlabel("/l", 7, &["x".into()]).await, Err(Error::VersionNotFound(_))));
    assert!(matches!(ps.label("/nope", None, &["x".into()]).await, Err(Error::NotFound(_))));
    Ok(())
}

#[tokio::test]
async fn paths_filters_and_pages() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let ps = &p.parameters;
    for i in 0..25 {
        ps.put(put(&format!("/svc/n{i:02}"), "v")).await?;
    }
    ps.put(Put { kind: Some("SecureString".into()), ..put("/svc/deep/secret", "shh") }).await?;
    ps.put(put("/other/x", "v")).await?;
    ps.put(put("plain", "v")).await?;

    let mut q = ByPath { path: "/svc".into(), max_results: Some(10), ..Default::default() };
    let mut names = Vec::new();
    loop {
        let (page, next) = ps.by_path(&q)?;
        assert!(page.len() <= 10);
        names.extend(page.into_iter().map(|f| f.name));
        match next {
            Some(t) => q.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(names.len(), 25, "one level: {names:?}");
    let recursive = ByPath { path: "/svc/".into(), recursive: true, decrypt: true, ..Default::default() };
    let all: Vec<_> = std::iter::successors(Some(ps.by_path(&recursive)?), |(_, next)| {
        next.as_ref().map(|t| ps.by_path(&ByPath { next_token: Some(t.clone()), ..recursive.clone() }).expect("a page"))
    })
    .flat_map(|(page, _)| page)
    .collect();
    assert_eq!(all.len(), 26);
    assert!(all.iter().any(|f| f.name == "/svc/deep/secret" && f.version.value == "shh"));
    let secure_only = ByPath {
        filters: vec![Filter { key: "Type".into(), option: None, values: vec!["SecureString".into()] }],
        ..recursive.clone()
    };
    assert_eq!(ps.by_path(&secure_only)?.0.len(), 1);
    let without = ps.by_path(&ByPath { decrypt: false, ..secure_only })?.0;
    assert_ne!(without[0].version.value, "shh", "ciphertext without decryption");
    assert!(matches!(ps.by_path(&ByPath { max_results: Some(11), ..recursive.clone() }), Err(Error::Validation(_))));
    assert!(matches!(
        ps.by_path(&ByPath { next_token: Some("garbage".into()), ..recursive.clone() }),
        Err(Error::InvalidNextToken)
    ));

    let begins = Describe {
        parameter_filters: vec![Filter {
            key: "Name".into(),
            option: Some("BeginsWith".into()),
            values: vec!["/svc/n1".into()],
        }],
        ..Default::default()
    };
    assert_eq!(ps.describe(&begins)?.0.len(), 10);
    let (first, next) = ps.describe(&Describe { max_results: Some(20), ..Default::default() })?;
    let (second, end) = ps.describe(&Describe { max_results: Some(20), next_token: next, ..Default::default() })?;
    assert_eq!((first.len() + second.len(), end), (28, None));
    Ok(())
}
