//! The service against the embedded stores, on a manual clock.

use crate::checksum::{Algorithm, checksum_of};
use crate::conditions::{ByteRange, Conditions};
use crate::record::INLINE_MAX;
use crate::*;
use base64::Engine;
use bytes::Bytes;
use futures::StreamExt;
use md5::{Digest, Md5};
use squall_clock::Clock;
use squall_storage_embedded::{FileBlobStore, SqliteTableStore};
use std::sync::Arc;
use std::time::Duration;

const START_MS: u64 = 1_700_000_000_000;

pub(crate) struct Chunks(Vec<Bytes>);

#[async_trait::async_trait]
impl ByteSource for Chunks {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        Ok(if self.0.is_empty() { None } else { Some(self.0.remove(0)) })
    }
}

pub(crate) fn source(data: &[u8]) -> Chunks {
    Chunks(data.chunks(50_000).map(Bytes::copy_from_slice).collect())
}

pub(crate) async fn open(dir: &std::path::Path) -> Arc<Objects> {
    open_at(dir, &Clock::manual(START_MS)).await
}

pub(crate) async fn open_at(dir: &std::path::Path, clock: &Clock) -> Arc<Objects> {
    let store = Arc::new(SqliteTableStore::open(&dir.join("objects.db")).unwrap());
    let blobs = Arc::new(FileBlobStore::open(&dir.join("blobs")).unwrap());
    let cluster = squall_lifecycle::Cluster::single();
    Objects::open(store, blobs, "us-east-1", clock.clone(), cluster, [7; 32]).await.unwrap()
}

pub(crate) async fn read(o: &Objects, bucket: &str, key: &str, range: Option<ByteRange>) -> Result<Vec<u8>> {
    let mut r = o.get_object(bucket, key, (None, None), &Conditions::default(), range).await?;
    let mut out = Vec::new();
    while let Some(c) = r.body.next().await {
        out.extend_from_slice(&c?);
    }
    Ok(out)
}

pub(crate) fn blob_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("blobs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "tmp")
        .map(|e| std::fs::read_dir(e.path()).unwrap().count())
        .sum()
}

#[tokio::test]
async fn objects_round_trip_inline_and_in_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bk1").await.unwrap();
    assert!(matches!(o.create_bucket("bk1").await, Err(Error::BucketAlreadyOwnedByYou(_))));
    for size in [0, 10, INLINE_MAX, INLINE_MAX + 1, 3 << 20] {
        let data: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
        let key = format!("k{size}");
        let r = o.put_object("bk1", &key, PutObject::default(), &mut source(&data)).await.unwrap();
        assert_eq!(r.etag, hex::encode(Md5::digest(&data)));
        assert_eq!(read(&o, "bk1", &key, None).await.unwrap(), data, "{size}");
        if size > 5 {
            let part = read(&o, "bk1", &key, Some(ByteRange::From(3, Some(size as u64 - 2)))).await.unwrap();
            assert_eq!(part, &data[3..size - 1]);
        }
    }
    assert_eq!(blob_files(dir.path()), 2, "only objects past the inline limit have blobs");
    // Overwriting and deleting drop the old blobs.
    o.put_object("bk1", "k3145728", PutObject::default(), &mut source(b"small")).await.unwrap();
    o.delete_object("bk1", "k65537", &Default::default()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(blob_files(dir.path()), 0);
    assert!(matches!(o.delete_bucket("bk1").await, Err(Error::BucketNotEmpty(_))));
    drop(o);
    let o = open(dir.path()).await;
    assert_eq!(read(&o, "bk1", "k3145728", None).await.unwrap(), b"small");
    assert!(matches!(read(&o, "bk1", "nope", None).await, Err(Error::NoSuchKey(_))));
    assert!(matches!(read(&o, "bk2", "k", None).await, Err(Error::NoSuchBucket(_))));
}

#[tokio::test]
async fn bad_digests_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bk1").await.unwrap();
    let data = vec![7u8; 200_000];
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let wrong_md5 = PutObject {
        expected: Expected { content_md5: Some(b64(&Md5::digest(b"other"))), ..Default::default() },
        ..Default::default()
    };
    let err = o.put_object("bk1", "k", wrong_md5, &mut source(&data)).await.unwrap_err();
    assert!(matches!(err, Error::BadDigest(_)), "{err}");
    let malformed = PutObject {
        expected: Expected { content_md5: Some("abc".into()), ..Default::default() },
        ..Default::default()
    };
    assert!(matches!(o.put_object("bk1", "k", malformed, &mut source(&data)).await, Err(Error::InvalidDigest(_))));
    let wrong_sum = PutObject {
        expected: Expected {
            checksum: Some(Algorithm::Sha256),
            checksum_value: Some(checksum_of(Algorithm::Sha256, b"other")),
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(matches!(o.put_object("bk1", "k", wrong_sum, &mut source(&data)).await, Err(Error::BadDigest(_))));
    assert!(matches!(read(&o, "bk1", "k", None).await, Err(Error::NoSuchKey(_))));
    assert_eq!(blob_files(dir.path()), 0);
    assert_eq!(std::fs::read_dir(dir.path().join("blobs/tmp")).unwrap().count(), 0);

    let right = PutObject {
        expected: Expected {
            content_md5: Some(b64(&Md5::digest(&data))),
            checksum: Some(Algorithm::Crc32c),
            checksum_value: Some(checksum_of(Algorithm::Crc32c, &data)),
        },
        ..Default::default()
    };
    let r = o.put_object("bk1", "k", right, &mut source(&data)).await.unwrap();
    assert_eq!(r.checksum.unwrap().value, checksum_of(Algorithm::Crc32c, &data));
}

#[tokio::test]
async fn conditional_writes_and_copies() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bk1").await.unwrap();
    let first = o.put_object("bk1", "k", PutObject::default(), &mut source(b"one")).await.unwrap();
    let only_new = || PutObject { if_none_match: Some("*".into()), ..Default::default() };
    assert!(matches!(o.put_object("bk1", "k", only_new(), &mut source(b"x")).await, Err(Error::PreconditionFailed)));
    o.put_object("bk1", "fresh", only_new(), &mut source(b"x")).await.unwrap();
    let stale = PutObject { if_match: Some("\"0000\"".into()), ..Default::default() };
    assert!(matches!(o.put_object("bk1", "k", stale, &mut source(b"x")).await, Err(Error::PreconditionFailed)));
    let current = PutObject { if_match: Some(format!("\"{}\"", first.etag)), ..Default::default() };
    o.put_object("bk1", "k", current, &mut source(b"two")).await.unwrap();

    let big = vec![3u8; 300_000];
    let mut meta = record::ObjectMeta::default();
    meta.user.insert("a".into(), "1".into());
    o.put_object("bk1", "big", PutObject { meta: meta.clone(), ..Default::default() }, &mut source(&big))
        .await
        .unwrap();
    let copy = |key: &str| CopyObject { source_bucket: "bk1".into(), source_key: key.into(), ..Default::default() };
    let c = o.copy_object("bk1", "big2", copy("big")).await.unwrap().0;
    assert_eq!((c.meta, c.etag), (meta, hex::encode(Md5::digest(&big))));
    assert_eq!(read(&o, "bk1", "big2", None).await.unwrap(), big);
    assert!(matches!(o.copy_object("bk1", "big", copy("big")).await, Err(Error::InvalidRequest(_))));
    assert!(matches!(o.copy_object("bk1", "x", copy("missing")).await, Err(Error::NoSuchKey(_))));
    let guarded = CopyObject {
        source_conditions: Conditions { if_match: Some("nope".into()), ..Default::default() },
        ..copy("big")
    };
    assert!(matches!(o.copy_object("bk1", "x", guarded).await, Err(Error::PreconditionFailed)));
}

#[tokio::test]
async fn listings_roll_up_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bk1").await.unwrap();
    let keys = ["a", "b/1", "b/2", "b/c/3", "c", "d/1", "e"];
    for k in keys {
        o.put_object("bk1", k, PutObject::default(), &mut source(b"x")).await.unwrap();
    }
    let list = |prefix: &str, delimiter: Option<&str>, after: Option<&str>, max_keys| ListRequest {
        prefix: prefix.into(),
        delimiter: delimiter.map(Into::into),
        after: after.map(Into::into),
        max_keys,
    };
    let names = |p: &ListPage| p.objects.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    let all = o.list_objects("bk1", &list("", None, None, 1000)).await.unwrap();
    assert_eq!(names(&all), keys);
    assert!(!all.truncated);
    let rolled = o.list_objects("bk1", &list("", Some("/"), None, 1000)).await.unwrap();
    assert_eq!(names(&rolled), ["a", "c", "e"]);
    assert_eq!(rolled.common_prefixes, ["b/", "d/"]);
    let under_b = o.list_objects("bk1", &list("b/", Some("/"), None, 1000)).await.unwrap();
    assert_eq!((names(&under_b), under_b.common_prefixes), (vec!["b/1".into(), "b/2".into()], vec!["b/c/".into()]));
    // Two at a time, continuing after the last key or prefix.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let p = o.list_objects("bk1", &list("", Some("/"), after.as_deref(), 2)).await.unwrap();
        seen.extend(names(&p));
        seen.extend(p.common_prefixes.clone());
        if !p.truncated {
            break;
        }
        after = p.last;
    }
    seen.sort();
    assert_eq!(seen, ["a", "b/", "c", "d/", "e"]);
    let tail = o.list_objects("bk1", &list("", None, Some("b/2"), 1000)).await.unwrap();
    assert_eq!(names(&tail), ["b/c/3", "c", "d/1", "e"]);
    assert!(o.list_objects("bk1", &list("zz", None, None, 10)).await.unwrap().objects.is_empty());
}

#[tokio::test]
async fn multipart_uploads_join_parts_without_copying() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bk1").await.unwrap();
    let id = o
        .create_upload("bk1", "big", Default::default(), Some((Algorithm::Crc32, Default::default())), None)
        .await
        .unwrap()
        .0;
    let five = MIN_PART_SIZE as usize;
    let p1: Vec<u8> = (0..five).map(|i| (i % 7) as u8).collect();
    let p2 = b"tail".to_vec();
    let up = |n: u32, data: Vec<u8>| {
        let (o, id) = (o.clone(), id.clone());
        async move {
            o.upload_part("bk1", "big", &id, (n, None), Expected::default(), &mut source(&data)).await.map(|(p, ..)| p)
        }
    };
    let small = up(1, b"tiny".to_vec()).await.unwrap();
    let part2 = up(2, p2.clone()).await.unwrap();
    let done = |parts: &[&PartRecord]| -> Completion {
        let parts = parts
            .iter()
            .map(|p| CompletedPart { number: p.number, etag: format!("\"{}\"", p.etag), checksum: None })
            .collect();
        Completion { parts, ..Default::default() }
    };
    let err = o.complete_upload("bk1", "big", &id, done(&[&small, &part2])).await.unwrap_err();
    assert!(matches!(err, Error::EntityTooSmall { size: 4 }), "{err}");
    let part1 = up(1, p1.clone()).await.unwrap();
    assert!(matches!(
        o.complete_upload("bk1", "big", &id, done(&[&part2, &part1])).await,
        Err(Error::InvalidPartOrder)
    ));
    let stale = done(&[&small, &part2]);
    assert!(matches!(o.complete_upload("bk1", "big", &id, stale).await, Err(Error::InvalidPart(_))));
    assert_eq!(o.list_uploads("bk1", "").await.unwrap().len(), 1);
    let r = o.complete_upload("bk1", "big", &id, done(&[&part1, &part2])).await.unwrap();
    let mut md5s = Md5::digest(&p1).to_vec();
    md5s.extend(Md5::digest(&p2));
    assert_eq!(r.etag, format!("{}-2", hex::encode(Md5::digest(&md5s))));
    assert!(r.checksum.clone().unwrap().value.ends_with("-2"));
    let again = o.complete_upload("bk1", "big", &id, done(&[&part1, &part2])).await.unwrap();
    assert_eq!(again, r, "completing again answers with the object it made");
    let whole = [p1.clone(), p2.clone()].concat();
    assert_eq!(read(&o, "bk1", "big", None).await.unwrap(), whole);
    let record = o.head_object("bk1", "big", (None, None), &Conditions::default(), None).await.unwrap().0;
    assert_eq!(Objects::part_range(&record, 2).unwrap(), (five as u64, five as u64 + 3));
    assert!(matches!(Objects::part_range(&record, 3), Err(Error::InvalidPartNumber)));
    let across = read(&o, "bk1", "big", Some(ByteRange::From(five as u64 - 2, Some(five as u64 + 1)))).await.unwrap();
    assert_eq!(across, &whole[five - 2..five + 2]);
    assert!(matches!(up(3, b"x".to_vec()).await, Err(Error::NoSuchUpload(_))), "a completed upload takes no parts");
    assert!(o.list_uploads("bk1", "").await.unwrap().is_empty());

    let id2 = o.create_upload("bk1", "gone", Default::default(), None, None).await.unwrap().0;
    o.upload_part("bk1", "gone", &id2, (1, None), Expected::default(), &mut source(&p1)).await.unwrap();
    o.abort_upload("bk1", "gone", &id2).await.unwrap();
    assert!(matches!(o.abort_upload("bk1", "gone", &id2).await, Err(Error::NoSuchUpload(_))));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(blob_files(dir.path()), 2, "the object's two parts stay; aborted and replaced parts go");
}

/// Collects what it is given.
#[derive(Default)]
struct Collect(tokio::sync::watch::Sender<Vec<(String, serde_json::Value)>>);

#[async_trait::async_trait]
impl events::EventSink for Collect {
    async fn deliver(&self, arn: &str, _: &str, body: String) -> std::result::Result<(), String> {
        self.0.send_modify(|v| v.push((arn.to_string(), serde_json::from_str(&body).unwrap())));
        Ok(())
    }
}

#[tokio::test]
async fn object_events_are_durable_and_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bk1").await.unwrap();
    let target = |arn: &str, events: &[&str], prefix: &str| events::NotificationTarget {
        id: "cfg".into(),
        arn: arn.into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        prefix: prefix.into(),
        suffix: String::new(),
    };
    let f = "arn:aws:lambda:us-east-1:000000000000:function:f";
    let q = "arn:aws:sqs:us-east-1:000000000000:q";
    o.set_notifications(
        "bk1",
        vec![target(f, &["s3:ObjectCreated:*"], "in/"), target(q, &["s3:ObjectRemoved:*"], "")],
        false,
    )
    .await
    .unwrap();
    let by = events::Requester {
        request_id: "r1".into(),
        source_ip: "127.0.0.1".into(),
        principal: "AK".into(),
        lifecycle: false,
    };
    let put = || PutObject { requester: by.clone(), ..Default::default() };
    o.put_object("bk1", "in/a b.txt", put(), &mut source(b"hello")).await.unwrap();
    o.put_object("bk1", "out/skip", put(), &mut source(b"x")).await.unwrap();
    o.delete_object("bk1", "in/a b.txt", &by).await.unwrap();
    // The worker was not running: the events wait in the outbox across a restart.
    drop(o);
    let o = open(dir.path()).await;
    let sink = Arc::new(Collect::default());
    let mut delivered = sink.0.subscribe();
    let worker = o.start_events(sink.clone());
    delivered.wait_for(|v| v.len() >= 2).await.unwrap();
    // Each is deleted from the outbox once delivered (the last deletion may still be on
    // its way: each look is a store read, not a timed wait).
    while Objects::last_event(o.store.as_ref()).await.unwrap() != 0 {
        tokio::task::yield_now().await;
    }
    let got = sink.0.borrow().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    let (arn, created) = &got[0];
    let record = &created["Records"][0];
    assert_eq!((arn.as_str(), record["eventName"].as_str()), (f, Some("ObjectCreated:Put")));
    assert_eq!(record["s3"]["object"]["key"], "in/a+b.txt");
    assert_eq!(record["s3"]["object"]["size"], 5);
    assert_eq!(record["s3"]["bucket"]["name"], "bk1");
    assert_eq!(record["responseElements"]["x-amz-request-id"], "r1");
    assert_eq!(record["eventTime"], "2023-11-14T22:13:20.000Z", "the clock's time");
    assert_eq!(got[1].0, q);
    assert_eq!(got[1].1["Records"][0]["eventName"], "ObjectRemoved:Delete");
    worker.abort();
    // Delivered events are gone from the outbox, so a restart has nothing to send.
    drop(o);
    let o = open(dir.path()).await;
    assert_eq!(Objects::last_event(o.store.as_ref()).await.unwrap(), 0);
}

#[tokio::test]
async fn times_are_the_clocks() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let o = open_at(dir.path(), &clock).await;
    assert_eq!(o.create_bucket("bk1").await.unwrap().created_ms, START_MS as i64);
    clock.advance(Duration::from_secs(60)).unwrap();
    o.put_object("bk1", "k", PutObject::default(), &mut source(b"x")).await.unwrap();
    let record = o.head_object("bk1", "k", (None, None), &Conditions::default(), None).await.unwrap().0;
    assert_eq!(record.modified_ms, START_MS as i64 + 60_000);
    clock.advance(Duration::from_secs(60)).unwrap();
    o.create_upload("bk1", "big", Default::default(), None, None).await.unwrap();
    let uploads = o.list_uploads("bk1", "").await.unwrap();
    assert_eq!(uploads[0].1.created_ms, START_MS as i64 + 120_000);
}

/// Refuses its first delivery, then collects.
#[derive(Default)]
struct FailsOnce {
    attempts: tokio::sync::watch::Sender<u32>,
}

#[async_trait::async_trait]
impl events::EventSink for FailsOnce {
    async fn deliver(&self, _: &str, _: &str, _: String) -> std::result::Result<(), String> {
        let mut first = false;
        self.attempts.send_modify(|n| {
            first = *n == 0;
            *n += 1;
        });
        if first { Err("down".into()) } else { Ok(()) }
    }
}

#[tokio::test]
async fn a_failed_event_is_retried_after_the_clock_passes_its_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let o = open_at(dir.path(), &clock).await;
    o.create_bucket("bk1").await.unwrap();
    let target = events::NotificationTarget {
        id: "cfg".into(),
        arn: "arn:aws:sqs:us-east-1:000000000000:q".into(),
        events: vec!["s3:ObjectCreated:*".into()],
        ..Default::default()
    };
    o.set_notifications("bk1", vec![target], false).await.unwrap();
    let sink = Arc::new(FailsOnce::default());
    let mut attempts = sink.attempts.subscribe();
    let worker = o.start_events(sink.clone());
    o.put_object("bk1", "k", PutObject::default(), &mut source(b"x")).await.unwrap();
    attempts.wait_for(|n| *n == 1).await.unwrap();
    // The worker pauses a second of the clock's time before trying again.
    clock.advance(Duration::from_secs(1)).unwrap();
    attempts.wait_for(|n| *n == 2).await.unwrap();
    worker.abort();
}
