//! Encrypted objects against the embedded stores: what a restart, another master key and
//! the customer's key each read.

use crate::conditions::Conditions;
use crate::sse::{CustomerKey, SseRequest};
use crate::tests::{open, source};
use crate::*;
use futures::StreamExt;
use squall_clock::Clock;
use squall_storage_embedded::{FileBlobStore, SqliteTableStore};
use std::sync::Arc;

async fn open_with(dir: &std::path::Path, master: [u8; 32]) -> Arc<Objects> {
    let store = Arc::new(SqliteTableStore::open(&dir.join("objects.db")).unwrap());
    let blobs = Arc::new(FileBlobStore::open(&dir.join("blobs")).unwrap());
    let cluster = squall_lifecycle::Cluster::single();
    Objects::open(store, blobs, "us-east-1", Clock::manual(0), cluster, master).await.unwrap()
}

async fn read(o: &Objects, key: &str, customer: Option<&CustomerKey>, range: Option<(u64, u64)>) -> Result<Vec<u8>> {
    let range = range.map(|(a, b)| conditions::ByteRange::From(a, Some(b)));
    let mut r = o.get_object("bks", key, (None, customer), &Conditions::default(), range).await?;
    let mut out = Vec::new();
    while let Some(c) = r.body.next().await {
        out.extend_from_slice(&c?);
    }
    Ok(out)
}

fn customer(byte: u8) -> CustomerKey {
    use base64::Engine;
    use md5::Digest;
    let b64 = base64::engine::general_purpose::STANDARD;
    CustomerKey::parse("AES256", &b64.encode([byte; 32]), &b64.encode(md5::Md5::digest([byte; 32]))).unwrap()
}

#[tokio::test]
async fn encrypted_objects_read_back_only_with_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let o = open(dir.path()).await;
    o.create_bucket("bks").await.unwrap();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
    let put = |sse| PutObject { sse: Some(sse), ..Default::default() };
    o.put_object("bks", "s3", put(SseRequest::S3), &mut source(&data)).await.unwrap();
    o.put_object("bks", "c", put(SseRequest::Customer(customer(1))), &mut source(&data)).await.unwrap();
    o.put_object("bks", "plain", PutObject::default(), &mut source(b"before")).await.unwrap();
    assert_eq!(read(&o, "s3", None, None).await.unwrap(), data);
    assert_eq!(read(&o, "s3", None, Some((70_000, 140_000))).await.unwrap(), &data[70_000..=140_000]);
    assert_eq!(read(&o, "c", Some(&customer(1)), Some((5, 65_540))).await.unwrap(), &data[5..=65_540]);
    assert!(matches!(read(&o, "c", None, None).await, Err(Error::SseCustomerKeyRequired)));
    let mut other = customer(2);
    assert!(matches!(read(&o, "c", Some(&other), None).await, Err(Error::SseCustomerKeyMismatch)));
    other.md5 = customer(1).md5;
    assert!(
        matches!(read(&o, "c", Some(&other), None).await, Err(Error::SseCustomerKeyMismatch)),
        "the key, not its MD5"
    );

    // A multipart upload's parts share its data key; the object reads across them.
    let (id, _) =
        o.create_upload("bks", "mp", Default::default(), None, Some(&SseRequest::Customer(customer(3)))).await.unwrap();
    let first = vec![7u8; MIN_PART_SIZE as usize];
    let (p1, ..) = o
        .upload_part("bks", "mp", &id, (1, Some(&customer(3))), Expected::default(), &mut source(&first))
        .await
        .unwrap();
    assert!(matches!(
        o.upload_part("bks", "mp", &id, (2, None), Expected::default(), &mut source(b"x")).await,
        Err(Error::SseCustomerKeyRequired)
    ));
    let (p2, ..) = o
        .upload_part("bks", "mp", &id, (2, Some(&customer(3))), Expected::default(), &mut source(b"tail"))
        .await
        .unwrap();
    let parts =
        [&p1, &p2].iter().map(|p| CompletedPart { number: p.number, etag: p.etag.clone(), checksum: None }).collect();
    o.complete_upload("bks", "mp", &id, Completion { parts, ..Default::default() }).await.unwrap();
    let whole = [first.clone(), b"tail".to_vec()].concat();
    let lo = MIN_PART_SIZE - 3;
    assert_eq!(
        read(&o, "mp", Some(&customer(3)), Some((lo, lo + 5))).await.unwrap(),
        &whole[lo as usize..lo as usize + 6]
    );

    // A restart reads everything; another master key opens no SSE-S3 object.
    drop(o);
    let o = open(dir.path()).await;
    assert_eq!(read(&o, "s3", None, None).await.unwrap(), data);
    assert_eq!(read(&o, "plain", None, None).await.unwrap(), b"before", "objects from before encryption stay readable");
    drop(o);
    let o = open_with(dir.path(), [9; 32]).await;
    assert!(matches!(read(&o, "s3", None, None).await, Err(Error::Storage(_))));
    assert_eq!(read(&o, "c", Some(&customer(1)), None).await.unwrap(), data, "SSE-C needs only its own key");
}
