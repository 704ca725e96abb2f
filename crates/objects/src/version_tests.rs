//! Versioning against the embedded stores: versions, delete markers, the null version
//! under Suspended, listings page by page, and what survives a restart.

use crate::conditions::Conditions;
use crate::record::INLINE_MAX;
use crate::tests::{blob_files, open, read, source};
use crate::versions::{NULL, version_label};
use crate::*;

async fn put(o: &Objects, key: &str, data: &[u8]) -> String {
    let r = o.put_object("bkv", key, PutObject::default(), &mut source(data)).await.unwrap();
    version_label(&r).to_string()
}

async fn read_version(o: &Objects, key: &str, version: &str) -> Result<Vec<u8>> {
    use futures::StreamExt;
    let mut r = o.get_object("bkv", key, (Some(version), None), &Conditions::default(), None).await?;
    let mut out = Vec::new();
    while let Some(c) = r.body.next().await {
        out.extend_from_slice(&c?);
    }
    Ok(out)
}

/// Every version, listed `page` at a time: (key, version id, latest, delete marker).
async fn all_versions(o: &Objects, page: usize) -> Vec<(String, String, bool, bool)> {
    let mut out = Vec::new();
    let (mut after, mut version) = (None, None::<String>);
    for _ in 0..100 {
        let req = ListRequest { after: after.clone(), max_keys: page, ..Default::default() };
        let p = o.list_versions("bkv", &req, version.as_deref()).await.unwrap();
        assert!(p.versions.len() <= page);
        out.extend(
            p.versions
                .iter()
                .map(|v| (v.key.clone(), version_label(&v.record).into(), v.latest, v.record.delete_marker)),
        );
        match p.next {
            Some((k, v)) => (after, version) = (Some(k), v),
            None => return out,
        }
    }
    panic!("the listing did not end");
}

#[tokio::test]
async fn versions_delete_markers_and_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bkv").await.unwrap();
    let big = vec![9u8; INLINE_MAX + 10];
    let v0 = put(&o, "a", b"before versioning").await;
    assert_eq!(v0, NULL);
    o.set_versioning("bkv", Versioning::Enabled).await.unwrap();
    let v1 = put(&o, "a", &big).await;
    let v2 = put(&o, "a", b"two").await;
    assert!(v1 != v2 && v1.len() == 32 && v2 > String::new());
    assert_eq!(read(&o, "bkv", "a", None).await.unwrap(), b"two");
    assert_eq!(read_version(&o, "a", &v1).await.unwrap(), big);
    assert_eq!(read_version(&o, "a", NULL).await.unwrap(), b"before versioning");
    let missing = "0".repeat(32);
    assert!(matches!(read_version(&o, "a", &missing).await, Err(Error::NoSuchVersion { .. })));
    assert!(matches!(read_version(&o, "a", "bogus").await, Err(Error::InvalidArgument(_))));

    // A delete makes a marker: the key is gone from reads and listings, not its versions.
    let d = o.delete_object("bkv", "a", &Default::default()).await.unwrap();
    assert!(d.delete_marker);
    let marker = d.version_id.unwrap();
    assert!(matches!(read(&o, "bkv", "a", None).await, Err(Error::DeleteMarker { by_version: false, .. })));
    assert!(matches!(read_version(&o, "a", &marker).await, Err(Error::DeleteMarker { by_version: true, .. })));
    let listed = o.list_objects("bkv", &ListRequest { max_keys: 10, ..Default::default() }).await.unwrap();
    assert!(listed.objects.is_empty() && !listed.truncated);
    put(&o, "b", b"b").await;
    let expected = vec![
        ("a".to_string(), marker.clone(), true, true),
        ("a".into(), v2.clone(), false, false),
        ("a".into(), v1.clone(), false, false),
        ("a".into(), NULL.into(), false, false),
    ];
    let mut with_b = expected.clone();
    with_b.push(("b".into(), all_versions(&o, 10).await[4].1.clone(), true, false));
    for page in [1, 2, 3, 10] {
        assert_eq!(all_versions(&o, page).await, with_b, "pages of {page}");
    }
    assert!(matches!(o.delete_bucket("bkv").await, Err(Error::BucketNotEmpty(_))));

    // Removing the marker brings the newest version back; removing versions frees bytes.
    assert!(o.delete_version("bkv", "a", &marker, &Default::default(), false).await.unwrap().delete_marker);
    assert_eq!(read(&o, "bkv", "a", None).await.unwrap(), b"two");
    assert_eq!(blob_files(dir.path()), 1);
    o.delete_version("bkv", "a", &v1, &Default::default(), false).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(blob_files(dir.path()), 0, "the removed version's blob goes");
    o.delete_version("bkv", "a", NULL, &Default::default(), false).await.unwrap();
    assert!(matches!(read_version(&o, "a", NULL).await, Err(Error::NoSuchKey(_))));

    // Everything survives a restart.
    drop(o);
    let o = open(dir.path()).await;
    assert_eq!(o.versioning("bkv").unwrap(), Some(Versioning::Enabled));
    let names: Vec<String> = all_versions(&o, 1).await.into_iter().map(|v| v.1).collect();
    assert_eq!(names[0], v2);
    assert_eq!(names.len(), 2);
}

#[tokio::test]
async fn suspended_versioning_keeps_one_null_version() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bkv").await.unwrap();
    o.set_versioning("bkv", Versioning::Enabled).await.unwrap();
    let v1 = put(&o, "k", b"one").await;
    o.set_versioning("bkv", Versioning::Suspended).await.unwrap();
    assert_eq!(put(&o, "k", &vec![1u8; INLINE_MAX + 1]).await, NULL);
    assert_eq!(put(&o, "k", b"null again").await, NULL, "replaces the null version");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(blob_files(dir.path()), 0, "the replaced null version's bytes go");
    let listed: Vec<String> = all_versions(&o, 10).await.into_iter().map(|v| v.1).collect();
    assert_eq!(listed, [NULL.to_string(), v1.clone()]);

    // Enabled again: the null version becomes noncurrent, in its place by time.
    o.set_versioning("bkv", Versioning::Enabled).await.unwrap();
    let v3 = put(&o, "k", b"three").await;
    let listed: Vec<String> = all_versions(&o, 10).await.into_iter().map(|v| v.1).collect();
    assert_eq!(listed, [v3.clone(), NULL.to_string(), v1.clone()]);
    assert_eq!(read_version(&o, "k", NULL).await.unwrap(), b"null again");
    for page in [1, 2] {
        let resumed: Vec<String> = all_versions(&o, page).await.into_iter().map(|v| v.1).collect();
        assert_eq!(resumed, listed, "pages of {page}");
    }

    // Suspended: a delete makes a null marker, which replaces the noncurrent null version.
    o.set_versioning("bkv", Versioning::Suspended).await.unwrap();
    let d = o.delete_object("bkv", "k", &Default::default()).await.unwrap();
    assert_eq!((d.version_id.as_deref(), d.delete_marker), (Some(NULL), true));
    let listed: Vec<(String, bool)> = all_versions(&o, 10).await.into_iter().map(|v| (v.1, v.3)).collect();
    assert_eq!(listed, [(NULL.to_string(), true), (v3, false), (v1, false)]);
}

#[tokio::test]
async fn object_lock_keeps_locked_versions_until_their_date() {
    use crate::lock::{LockConfig, LockMode, Retention, VersionLock};
    let dir = tempfile::tempdir().unwrap();
    let clock = squall_clock::Clock::manual(1_000_000);
    let o = crate::tests::open_at(dir.path(), &clock).await;
    o.create_bucket_with("bkv", true).await.unwrap();
    assert_eq!(o.versioning("bkv").unwrap(), Some(Versioning::Enabled));
    assert!(matches!(o.set_versioning("bkv", Versioning::Suspended).await, Err(Error::InvalidBucketState(_))));
    let day = 86_400_000;
    let until =
        |mode| Some(VersionLock { retention: Some(Retention { mode, until_ms: 1_000_000 + day }), legal_hold: false });
    let put = |lock| PutObject { lock, ..Default::default() };
    let gov =
        version_label(&o.put_object("bkv", "g", put(until(LockMode::Governance)), &mut source(b"g")).await.unwrap())
            .to_string();
    let comp =
        version_label(&o.put_object("bkv", "c", put(until(LockMode::Compliance)), &mut source(b"c")).await.unwrap())
            .to_string();
    let by = Default::default();
    assert!(matches!(o.delete_version("bkv", "g", &gov, &by, false).await, Err(Error::AccessDenied(_))));
    assert!(
        matches!(o.delete_version("bkv", "c", &comp, &by, true).await, Err(Error::AccessDenied(_))),
        "no bypass of compliance"
    );
    assert!(
        o.delete_object("bkv", "c", &by).await.unwrap().delete_marker,
        "a delete marker hides it, deleting nothing"
    );
    // Compliance is never shortened; governance only with a bypass.
    let shorter = Some(Retention { mode: LockMode::Compliance, until_ms: 1_000_000 + 10 });
    assert!(matches!(o.set_retention("bkv", "c", Some(&comp), shorter, true).await, Err(Error::AccessDenied(_))));
    assert!(matches!(o.set_retention("bkv", "g", None, None, false).await, Err(Error::AccessDenied(_))));
    o.set_retention("bkv", "g", None, None, true).await.unwrap();
    o.delete_version("bkv", "g", &gov, &by, false).await.unwrap();
    // A legal hold holds until it is off; the platform clock releases a retention.
    o.set_legal_hold("bkv", "c", Some(&comp), true).await.unwrap();
    clock.advance(std::time::Duration::from_millis(2 * day as u64)).unwrap();
    assert!(matches!(o.delete_version("bkv", "c", &comp, &by, false).await, Err(Error::AccessDenied(_))));
    o.set_legal_hold("bkv", "c", Some(&comp), false).await.unwrap();
    o.delete_version("bkv", "c", &comp, &by, false).await.unwrap();
    // A bucket's default retention applies to versions written without one.
    o.set_lock_config(
        "bkv",
        LockConfig {
            default: Some(crate::lock::DefaultRetention { mode: LockMode::Governance, days: 1, in_years: false }),
        },
    )
    .await
    .unwrap();
    let record = o.put_object("bkv", "d", PutObject::default(), &mut source(b"d")).await.unwrap();
    assert_eq!(record.lock.unwrap().retention.unwrap().until_ms, clock.now_ms() as i64 + day);
    o.create_bucket("plain-bucket").await.unwrap();
    assert!(matches!(
        o.put_object("plain-bucket", "x", put(until(LockMode::Governance)), &mut source(b"x")).await,
        Err(Error::InvalidRequest(_))
    ));
}
