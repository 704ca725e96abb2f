//! [`TableStore`]'s contract.

use squall_storage::{Error, ItemExpect, ItemWrite, StoredItem, TableStore, scan_all};
use std::ops::Bound;

fn put(table: &str, pk: &[u8], sk: &[u8], item: &[u8]) -> ItemWrite {
    ItemWrite { table: table.into(), pk: pk.to_vec(), sk: sk.to_vec(), item: Some(item.to_vec()) }
}

fn delete(table: &str, pk: &[u8], sk: &[u8]) -> ItemWrite {
    ItemWrite { table: table.into(), pk: pk.to_vec(), sk: sk.to_vec(), item: None }
}

fn sks(items: &[StoredItem]) -> Vec<Vec<u8>> {
    items.iter().map(|i| i.sk.clone()).collect()
}

/// Every check, on an empty store.
pub async fn all(s: &dyn TableStore) {
    definitions_are_created_listed_updated_and_deleted(s).await;
    writes_apply_whole_and_read_back(s).await;
    submitted_writes_read_at_once_and_swaps_return_what_they_replaced(s).await;
    queries_and_scans_read_in_key_order(s).await;
    checked_writes_apply_only_when_their_preconditions_hold(s).await;
    checked_read_modify_writes_lose_no_update(s).await;
}

async fn definitions_are_created_listed_updated_and_deleted(s: &dyn TableStore) {
    s.create_table("b", "{\"b\":1}").await.unwrap();
    s.create_table("a", "{\"a\":1}").await.unwrap();
    assert!(matches!(s.create_table("a", "{}").await, Err(Error::Conflict(_))), "a taken name conflicts");
    s.update_table("a", "{\"a\":2}").await.unwrap();
    assert!(matches!(s.update_table("none", "{}").await, Err(Error::Conflict(_))));
    assert_eq!(s.list_tables().await.unwrap(), [("a".into(), "{\"a\":2}".into()), ("b".into(), "{\"b\":1}".into())]);
    s.write(vec![put("a", b"p", b"", b"x")]).await.unwrap();
    assert!(s.delete_table("a").await.unwrap());
    assert!(!s.delete_table("a").await.unwrap());
    assert_eq!(s.get_item("a", b"p", b"").await.unwrap(), None, "a deleted table's items go with it");
    s.create_table("a", "{}").await.unwrap();
    assert_eq!(s.table_stats("a").await.unwrap(), (0, 0), "a table created again starts empty");
    s.delete_table("a").await.unwrap();
    s.delete_table("b").await.unwrap();
    assert!(s.list_tables().await.unwrap().is_empty());
}

async fn writes_apply_whole_and_read_back(s: &dyn TableStore) {
    // Pseudo-tables (no definition) hold items too, across tables in one write.
    s.write(vec![put("w1", b"k", b"", b"one"), put("w2", b"k", b"", b"two"), put("w1", b"k2", b"", &[0, 255])])
        .await
        .unwrap();
    assert_eq!(s.get_item("w1", b"k", b"").await.unwrap(), Some(b"one".to_vec()));
    assert_eq!(s.get_item("w2", b"k", b"").await.unwrap(), Some(b"two".to_vec()));
    assert_eq!(s.get_item("w1", b"k2", b"").await.unwrap(), Some(vec![0, 255]), "bytes as they are");
    assert_eq!(s.get_item("w1", b"none", b"").await.unwrap(), None);
    s.write(vec![put("w1", b"k", b"", b"uno"), delete("w2", b"k", b""), delete("w2", b"never", b"")]).await.unwrap();
    assert_eq!(s.get_item("w1", b"k", b"").await.unwrap(), Some(b"uno".to_vec()), "a put replaces");
    assert_eq!(s.get_item("w2", b"k", b"").await.unwrap(), None);
    assert_eq!(s.table_stats("w1").await.unwrap(), (2, 5));
    s.write(vec![delete("w1", b"k", b""), delete("w1", b"k2", b"")]).await.unwrap();
}

async fn submitted_writes_read_at_once_and_swaps_return_what_they_replaced(s: &dyn TableStore) {
    let first = s.submit_swap(vec![put("t", b"p", b"k", b"one")]);
    let second = s.submit_swap(vec![put("t", b"p", b"k", b"two")]);
    // Submitted back to back: each sees its predecessor, although neither was durable yet.
    assert_eq!(s.get_item("t", b"p", b"k").await.unwrap(), Some(b"two".to_vec()), "read at once");
    assert_eq!(first.await.unwrap(), None);
    assert_eq!(second.await.unwrap(), Some(b"one".to_vec()));
    assert_eq!(s.submit_swap(vec![delete("t", b"p", b"k")]).await.unwrap(), Some(b"two".to_vec()));
    assert_eq!(s.get_item("t", b"p", b"k").await.unwrap(), None);
    let tickets: Vec<_> = (0..50u8).map(|i| s.submit(vec![put("t", b"p", &[i], &[i])])).collect();
    for t in tickets {
        t.await.unwrap();
    }
    assert_eq!(s.table_stats("t").await.unwrap(), (50, 50));
    assert_eq!(scan_all(s, "t").await.unwrap().len(), 50);
    let deletes = (0..50u8).map(|i| delete("t", b"p", &[i])).collect();
    s.write(deletes).await.unwrap();
}

async fn queries_and_scans_read_in_key_order(s: &dyn TableStore) {
    let mut writes = Vec::new();
    for pk in [&b"b"[..], b"a", b"a\x00", b"c"] {
        for sk in [&b"\x02"[..], b"\x01", b"\x01\x00", b"\xff", b""] {
            writes.push(put("q", pk, sk, &[pk, sk].concat()));
        }
    }
    s.write(writes).await.unwrap();
    let all = |lo, hi| (lo, hi);
    let q = s.query("q", b"a", all(Bound::Unbounded, Bound::Unbounded), true, 100).await.unwrap();
    assert_eq!(sks(&q), [&b""[..], b"\x01", b"\x01\x00", b"\x02", b"\xff"], "byte order, shorter first");
    assert!(q.iter().all(|i| i.pk == b"a" && i.item == [&b"a"[..], &i.sk].concat()));
    let back = s.query("q", b"a", all(Bound::Unbounded, Bound::Unbounded), false, 2).await.unwrap();
    assert_eq!(sks(&back), [&b"\xff"[..], b"\x02"], "reversed, at most the limit");
    let range = (Bound::Excluded(b"\x01".to_vec()), Bound::Included(b"\x02".to_vec()));
    assert_eq!(sks(&s.query("q", b"a", range, true, 100).await.unwrap()), [&b"\x01\x00"[..], b"\x02"]);
    let range = (Bound::Included(b"\x01".to_vec()), Bound::Excluded(b"\x02".to_vec()));
    assert_eq!(sks(&s.query("q", b"a", range, true, 100).await.unwrap()), [&b"\x01"[..], b"\x01\x00"]);
    assert!(s.query("q", b"zz", all(Bound::Unbounded, Bound::Unbounded), true, 100).await.unwrap().is_empty());

    let scanned = s.scan("q", None, 7).await.unwrap();
    let keys: Vec<(Vec<u8>, Vec<u8>)> = scanned.iter().map(|i| (i.pk.clone(), i.sk.clone())).collect();
    assert_eq!(keys[..6].iter().filter(|(pk, _)| pk == b"a").count(), 5, "partition a first");
    assert_eq!(keys[5], (b"a\x00".to_vec(), b"".to_vec()));
    let last = scanned.last().map(|i| (i.pk.clone(), i.sk.clone()));
    let rest = s.scan("q", last, 100).await.unwrap();
    assert_eq!(rest.len(), 13, "a page starts after the key given");
    assert_eq!((rest[0].pk.as_slice(), rest[0].sk.as_slice()), (&b"a\x00"[..], &b"\x01\x00"[..]));
    assert_eq!(rest.last().map(|i| i.pk.clone()), Some(b"c".to_vec()));
    assert_eq!(s.table_stats("q").await.unwrap().0, 20);
    s.delete_table("q").await.unwrap();
}

fn expect(pk: &[u8], item: Option<&[u8]>) -> ItemExpect {
    ItemExpect { table: "c".into(), pk: pk.to_vec(), sk: vec![], item: item.map(<[u8]>::to_vec) }
}

async fn checked_writes_apply_only_when_their_preconditions_hold(s: &dyn TableStore) {
    s.write_checked(vec![put("c", b"k", b"", b"1")], vec![expect(b"k", None)]).await.unwrap();
    let again = s.write_checked(vec![put("c", b"k", b"", b"x")], vec![expect(b"k", None)]).await;
    assert!(matches!(again, Err(Error::Conflict(_))), "expected absent, found present: {again:?}");
    assert_eq!(s.get_item("c", b"k", b"").await.unwrap(), Some(b"1".to_vec()));
    let both = vec![put("c", b"k", b"", b"2"), put("c", b"o", b"", b"o")];
    s.write_checked(both, vec![expect(b"k", Some(b"1"))]).await.unwrap();
    let stale = s.write_checked(vec![put("c", b"o", b"", b"p")], vec![expect(b"k", Some(b"1"))]).await;
    assert!(matches!(stale, Err(Error::Conflict(_))));
    assert_eq!(s.get_item("c", b"o", b"").await.unwrap(), Some(b"o".to_vec()), "a failed check writes nothing");
    let pair = vec![expect(b"k", Some(b"2")), expect(b"o", Some(b"o"))];
    s.write_checked(vec![delete("c", b"k", b""), delete("c", b"o", b"")], pair).await.unwrap();
    assert_eq!(s.table_stats("c").await.unwrap().0, 0);
}

/// Read, add one, write expecting what was read, and on a conflict read again: however the
/// writers interleave, no increment is lost.
async fn checked_read_modify_writes_lose_no_update(s: &dyn TableStore) {
    const WRITERS: usize = 8;
    const EACH: usize = 20;
    let writer = || async {
        let mut conflicts = 0;
        for _ in 0..EACH {
            loop {
                let old = s.get_item("c", b"n", b"").await.unwrap();
                let n = old.as_deref().map_or(0, |b| u64::from_be_bytes(b.try_into().unwrap()));
                let write = put("c", b"n", b"", &(n + 1).to_be_bytes());
                match s.write_checked(vec![write], vec![expect(b"n", old.as_deref())]).await {
                    Ok(()) => break,
                    Err(Error::Conflict(_)) => conflicts += 1,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        conflicts
    };
    futures::future::join_all((0..WRITERS).map(|_| writer())).await;
    let n = s.get_item("c", b"n", b"").await.unwrap().unwrap();
    assert_eq!(u64::from_be_bytes(n.try_into().unwrap()), (WRITERS * EACH) as u64);
    s.write(vec![delete("c", b"n", b"")]).await.unwrap();
}
