//! Secrets Manager on a manual clock: versions and staging labels, idempotent client
//! tokens, ARNs, the recovery window and its sweep.

use crate::secrets::{Create, ListSecrets, NewValue, StageMove};
use crate::tests::{START_MS, open};
use crate::{Error, Result};
use squall_clock::Clock;
use std::time::Duration;

fn s(v: &str) -> Option<NewValue> {
    Some(NewValue::String(v.into()))
}

const T1: &str = "11111111-1111-1111-1111-111111111111";
const T2: &str = "22222222-2222-2222-2222-222222222222";

#[tokio::test]
async fn current_moves_and_previous_follows() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let ss = &p.secrets;
    let created =
        ss.create(Create { name: "db".into(), token: Some(T1.into()), value: s("one"), ..Default::default() }).await?;
    assert_eq!(created.version_id.as_deref(), Some(T1));
    // A retry with the same token and value is the same create.
    let retry =
        ss.create(Create { name: "db".into(), token: Some(T1.into()), value: s("one"), ..Default::default() }).await?;
    assert_eq!(retry, created);
    let other =
        ss.create(Create { name: "db".into(), token: Some(T1.into()), value: s("two"), ..Default::default() }).await;
    assert!(matches!(other, Err(Error::AlreadyExists(_))));

    let put = ss.put_value("db", Some(T2.into()), s("two"), None).await?;
    assert_eq!(put.stages, ["AWSCURRENT"]);
    assert!(matches!(ss.put_value("db", Some(T2.into()), s("three"), None).await, Err(Error::AlreadyExists(_))));
    assert_eq!(ss.get_value("db", None, None).await?.value, NewValue::String("two".into()));
    assert_eq!(ss.get_value("db", None, Some("AWSPREVIOUS")).await?.version_id, T1);
    assert_eq!(ss.get_value(&created.arn, Some(T1), None).await?.value, NewValue::String("one".into()));
    let partial = created.arn[..created.arn.len() - 7].to_string();
    assert_eq!(ss.get_value(&partial, None, None).await?.version_id, T2);
    assert!(matches!(ss.get_value("db", None, Some("AWSPENDING")).await, Err(Error::NotFound(_))));

    // Back to the first: the explicit move needs RemoveFromVersionId.
    let back = StageMove { stage: "AWSCURRENT".into(), move_to: Some(T1.into()), remove_from: None };
    assert!(matches!(ss.update_stage("db", back.clone()).await, Err(Error::Validation(_))));
    ss.update_stage("db", StageMove { remove_from: Some(T2.into()), ..back }).await?;
    let info = ss.describe("db")?;
    assert_eq!(info.stages[T1], ["AWSCURRENT"]);
    assert_eq!(info.stages[T2], ["AWSPREVIOUS"]);
    let custom = StageMove { stage: "blue".into(), move_to: Some(T2.into()), remove_from: None };
    ss.update_stage("db", custom).await?;
    assert_eq!(ss.get_value("db", None, Some("blue")).await?.version_id, T2);
    let (_, _, versions, _) = ss.list_versions("db", false, None, None)?;
    assert_eq!(versions.len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_deleted_secret_waits_out_its_recovery_window() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let ss = &p.secrets;
    ss.create(Create { name: "gone".into(), value: s("v"), ..Default::default() }).await?;
    ss.create(Create { name: "kept".into(), value: s("v"), ..Default::default() }).await?;
    assert!(matches!(ss.delete("gone", Some(6), false).await, Err(Error::Validation(_))));
    let deleted = ss.delete("gone", Some(7), false).await?;
    assert_eq!(deleted.deletion_ms, START_MS + 7 * 86_400_000);
    assert!(matches!(ss.get_value("gone", None, None).await, Err(Error::InvalidRequest(_))));
    assert!(matches!(
        ss.create(Create { name: "gone".into(), ..Default::default() }).await,
        Err(Error::InvalidRequest(_))
    ));
    assert_eq!(ss.list(&ListSecrets::default())?.0.len(), 1);
    assert_eq!(ss.list(&ListSecrets { include_planned_deletion: true, ..Default::default() })?.0.len(), 2);
    assert_eq!(ss.next_deletion(), Some(deleted.deletion_ms));

    // Restored, then deleted again, and the window ends.
    ss.restore("gone").await?;
    assert_eq!(ss.get_value("gone", None, None).await?.value, NewValue::String("v".into()));
    ss.delete("gone", None, false).await?;
    clock.advance(Duration::from_secs(29 * 86_400)).expect("manual");
    assert_eq!(ss.sweep(clock.now_ms()).await?, 0);
    clock.advance(Duration::from_secs(86_400)).expect("manual");
    assert_eq!(ss.sweep(clock.now_ms()).await?, 1);
    assert!(matches!(ss.describe("gone"), Err(Error::NotFound(_))));
    drop(p);
    let p = open(dir.path(), 1, &clock).await?;
    assert!(matches!(p.secrets.describe("gone"), Err(Error::NotFound(_))));
    assert!(p.secrets.describe("kept").is_ok());
    Ok(())
}

#[tokio::test]
async fn the_lifecycle_sweeper_deletes_when_the_clock_passes_the_date() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let workers = squall_lifecycle::Service::start(p.clone());
    p.secrets.create(Create { name: "tmp".into(), value: s("v"), ..Default::default() }).await?;
    p.secrets.delete("tmp", Some(7), false).await?;
    clock.advance(Duration::from_secs(7 * 86_400)).expect("manual");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while p.secrets.describe("tmp").is_ok() {
        assert!(std::time::Instant::now() < deadline, "the sweeper did not delete the secret");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    workers.stop().await;
    Ok(())
}

#[tokio::test]
async fn listings_page_and_filter() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let p = open(dir.path(), 1, &clock).await?;
    let ss = &p.secrets;
    for i in 0..7 {
        clock.advance(Duration::from_secs(1)).expect("manual");
        let tags = vec![("team".to_string(), if i % 2 == 0 { "red" } else { "blue" }.to_string())];
        ss.create(Create { name: format!("prod/app{i}"), tags, ..Default::default() }).await?;
    }
    let mut q = ListSecrets { max_results: Some(3), ..Default::default() };
    let mut names = Vec::new();
    loop {
        let (page, next) = ss.list(&q)?;
        names.extend(page.into_iter().map(|i| i.name));
        match next {
            Some(t) => q.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(names, (0..7).map(|i| format!("prod/app{i}")).collect::<Vec<_>>());
    let red = crate::secrets::SecretFilter { key: "tag-value".into(), values: vec!["red".into()] };
    assert_eq!(ss.list(&ListSecrets { filters: vec![red], ..Default::default() })?.0.len(), 4);
    let desc = ss.list(&ListSecrets { sort_order: Some("desc".into()), ..Default::default() })?.0;
    assert_eq!(desc[0].name, "prod/app6");
    Ok(())
}
