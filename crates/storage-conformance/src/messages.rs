//! [`MessageStore`]'s contract.

use squall_storage::{
    DeadLetter, Dedup, Error, MessageCounts, MessageReceipt, MessageStore, MoveBlocked, MoveTo, NewStoredMessage,
    ReceiveRequest, SendOutcome, StoredMessage, VisibilityChange,
};
use std::collections::HashSet;
use std::sync::Arc;

/// The instant every check starts at.
const T0: u64 = 1_700_000_000_000;

/// Every check, each on its own queues of `store` (empty when given).
pub async fn all(store: Arc<dyn MessageStore>) {
    queues_are_created_listed_updated_and_deleted(store.as_ref()).await;
    a_message_is_received_once_until_its_visibility_ends(store.as_ref()).await;
    only_the_latest_receipt_deletes_or_changes_visibility(store.as_ref()).await;
    counts_follow_visible_in_flight_and_delayed(store.as_ref()).await;
    fifo_groups_keep_order_and_hold_while_in_flight(store.as_ref()).await;
    deduplication_holds_until_its_record_lapses(store.as_ref()).await;
    messages_received_too_often_move_to_the_dead_letter_queue(store.as_ref()).await;
    moves_return_messages_to_their_origin_or_a_named_queue(store.as_ref()).await;
    expiry_purge_and_deletion_remove_messages(store.as_ref()).await;
    an_imported_queue_keeps_its_messages_in_order(store.as_ref()).await;
    concurrent_receivers_never_share_a_message(store).await;
}

fn msg(body: &str, at: u64) -> NewStoredMessage {
    NewStoredMessage {
        id: format!("id-{body}"),
        group: None,
        dedup: None,
        sent_ms: at,
        visible_ms: at,
        content: body.as_bytes().to_vec(),
    }
}

fn in_group(body: &str, group: &str, at: u64) -> NewStoredMessage {
    NewStoredMessage { group: Some(group.into()), ..msg(body, at) }
}

fn receive_at(now: u64, max: usize, visible_for: u64) -> ReceiveRequest {
    ReceiveRequest { now_ms: now, max, visible_until_ms: now + visible_for, fifo: false, dead_letter: None }
}

fn bodies(msgs: &[StoredMessage]) -> Vec<String> {
    msgs.iter().map(|m| String::from_utf8_lossy(&m.content).into_owned()).collect()
}

fn receipt(m: &StoredMessage) -> MessageReceipt {
    MessageReceipt { seq: m.seq, nonce: m.nonce }
}

async fn queue(store: &dyn MessageStore, name: &str) {
    store.create_queue(name, &format!("{{\"name\":\"{name}\"}}")).await.expect("the queue is created");
}

async fn send(store: &dyn MessageStore, queue: &str, now: u64, msgs: Vec<NewStoredMessage>) -> Vec<SendOutcome> {
    store.send(queue, now, msgs).await.expect("the send is stored")
}

async fn queues_are_created_listed_updated_and_deleted(store: &dyn MessageStore) {
    queue(store, "life-b").await;
    queue(store, "life-a").await;
    assert!(matches!(store.create_queue("life-a", "{}").await, Err(Error::Conflict(_))), "a taken name conflicts");
    store.update_queue("life-a", "{\"v\":2}").await.expect("an update");
    assert!(matches!(store.update_queue("life-none", "{}").await, Err(Error::Conflict(_))));
    let listed: Vec<(String, String)> =
        store.list_queues().await.unwrap().into_iter().filter(|(n, _)| n.starts_with("life-")).collect();
    assert_eq!(listed, [("life-a".into(), "{\"v\":2}".into()), ("life-b".into(), "{\"name\":\"life-b\"}".into())]);
    send(store, "life-a", T0, vec![msg("x", T0)]).await;
    assert!(store.delete_queue("life-a").await.unwrap());
    assert!(!store.delete_queue("life-a").await.unwrap(), "deleted once");
    assert!(matches!(store.send("life-a", T0, vec![msg("y", T0)]).await, Err(Error::Conflict(_))), "gone");
    queue(store, "life-a").await;
    let got = store.receive("life-a", receive_at(T0, 10, 1000)).await.unwrap();
    assert!(got.messages.is_empty(), "a queue created again starts empty");
    store.delete_queue("life-a").await.unwrap();
    store.delete_queue("life-b").await.unwrap();
}

async fn a_message_is_received_once_until_its_visibility_ends(store: &dyn MessageStore) {
    queue(store, "vis").await;
    let out = send(store, "vis", T0, vec![msg("a", T0), msg("b", T0), msg("later", T0 + 5_000)]).await;
    let seqs: Vec<u64> = out
        .iter()
        .map(|o| match o {
            SendOutcome::Stored(s) => *s,
            other => panic!("stored, not {other:?}"),
        })
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "numbers increase in send order: {seqs:?}");
    let first = store.receive("vis", receive_at(T0, 10, 30_000)).await.unwrap();
    assert_eq!(bodies(&first.messages), ["a", "b"], "visible ones, oldest first; the delayed one waits");
    let a = &first.messages[0];
    assert_eq!((a.receives, a.first_receive_ms, a.visible_ms, a.sent_ms), (1, Some(T0), T0 + 30_000, T0));
    assert!(store.receive("vis", receive_at(T0 + 1, 10, 30_000)).await.unwrap().messages.is_empty());
    assert_eq!(store.next_visible_ms("vis", T0 + 1).await.unwrap(), Some(T0 + 5_000));
    let later = store.receive("vis", receive_at(T0 + 5_000, 10, 30_000)).await.unwrap();
    assert_eq!(bodies(&later.messages), ["later"]);
    assert_eq!(store.next_visible_ms("vis", T0 + 5_000).await.unwrap(), Some(T0 + 30_000));
    assert!(store.receive("vis", receive_at(T0 + 29_999, 10, 1)).await.unwrap().messages.is_empty());
    let again = store.receive("vis", receive_at(T0 + 30_000, 1, 30_000)).await.unwrap();
    assert_eq!(again.messages.len(), 1, "at most max");
    assert_eq!((again.messages[0].receives, again.messages[0].first_receive_ms), (2, Some(T0)));
    assert_ne!(again.messages[0].nonce, first.messages.iter().find(|m| m.seq == again.messages[0].seq).unwrap().nonce);
    store.delete_queue("vis").await.unwrap();
}

async fn only_the_latest_receipt_deletes_or_changes_visibility(store: &dyn MessageStore) {
    queue(store, "rcpt").await;
    queue(store, "rcpt-other").await;
    send(store, "rcpt", T0, vec![msg("a", T0), msg("b", T0)]).await;
    let first = store.receive("rcpt", receive_at(T0, 10, 1_000)).await.unwrap().messages;
    let second = store.receive("rcpt", receive_at(T0 + 1_000, 10, 1_000)).await.unwrap().messages;
    assert_eq!(second.len(), 2);
    let (old_a, new_a, new_b) = (receipt(&first[0]), receipt(&second[0]), receipt(&second[1]));
    assert_eq!(store.delete("rcpt", vec![old_a]).await.unwrap(), [false], "a stale receipt deletes nothing");
    assert_eq!(store.delete("rcpt-other", vec![new_a]).await.unwrap(), [false], "nor one of another queue");
    let changes = vec![(old_a, T0 + 9_000), (new_b, T0 + 9_000)];
    assert_eq!(
        store.change_visibility("rcpt", T0 + 1_000, changes).await.unwrap(),
        [VisibilityChange::Stale, VisibilityChange::Changed]
    );
    assert_eq!(store.delete("rcpt", vec![new_a, new_a]).await.unwrap(), [true, false]);
    let at = T0 + 2_000;
    let left = store.receive("rcpt", receive_at(at, 10, 1_000)).await.unwrap().messages;
    assert!(left.is_empty(), "b stays invisible until its changed time");
    let b = store.receive("rcpt", receive_at(T0 + 9_000, 10, 0)).await.unwrap().messages;
    assert_eq!(bodies(&b), ["b"]);
    assert_eq!(
        store.change_visibility("rcpt", T0 + 9_000, vec![(receipt(&b[0]), T0 + 20_000)]).await.unwrap(),
        [VisibilityChange::NotInFlight],
        "visible again at once: not in flight"
    );
    store.delete_queue("rcpt").await.unwrap();
    store.delete_queue("rcpt-other").await.unwrap();
}

async fn counts_follow_visible_in_flight_and_delayed(store: &dyn MessageStore) {
    queue(store, "counts").await;
    send(store, "counts", T0, vec![msg("a", T0), msg("b", T0), msg("c", T0 + 60_000)]).await;
    assert_eq!(store.counts("counts", T0).await.unwrap(), MessageCounts { visible: 2, in_flight: 0, delayed: 1 });
    store.receive("counts", receive_at(T0, 1, 1_000)).await.unwrap();
    assert_eq!(store.counts("counts", T0).await.unwrap(), MessageCounts { visible: 1, in_flight: 1, delayed: 1 });
    assert_eq!(
        store.counts("counts", T0 + 60_000).await.unwrap(),
        MessageCounts { visible: 3, in_flight: 0, delayed: 0 }
    );
    assert!(matches!(store.counts("counts-none", T0).await, Err(Error::Conflict(_))));
    store.delete_queue("counts").await.unwrap();
}

async fn fifo_groups_keep_order_and_hold_while_in_flight(store: &dyn MessageStore) {
    queue(store, "fifo").await;
    let fifo = |now: u64, max: usize| ReceiveRequest { fifo: true, ..receive_at(now, max, 10_000) };
    let sends = ["a1", "b1", "a2", "b2", "a3"].iter().map(|b| in_group(b, &b[..1], T0)).collect();
    send(store, "fifo", T0, sends).await;
    let got = store.receive("fifo", fifo(T0, 2)).await.unwrap().messages;
    assert_eq!(bodies(&got), ["a1", "b1"], "in send order");
    assert!(store.receive("fifo", fifo(T0, 10)).await.unwrap().messages.is_empty(), "both groups are held");
    store.delete("fifo", vec![receipt(&got[0])]).await.unwrap();
    let next = store.receive("fifo", fifo(T0, 10)).await.unwrap().messages;
    assert_eq!(bodies(&next), ["a2", "a3"], "group a is free; b stays held");
    // b1 visible again while a2 and a3 are in flight: b gives b1 then b2.
    store.change_visibility("fifo", T0, vec![(receipt(&got[1]), T0)]).await.unwrap();
    let b = store.receive("fifo", fifo(T0, 10)).await.unwrap().messages;
    assert_eq!(bodies(&b), ["b1", "b2"]);
    assert_eq!(b[0].receives, 2);
    // One of a batch visible again while another is in flight: the group stays held.
    store.change_visibility("fifo", T0, vec![(receipt(&b[0]), T0)]).await.unwrap();
    assert!(store.receive("fifo", fifo(T0, 10)).await.unwrap().messages.is_empty(), "b2 is in flight");
    let all = store.receive("fifo", fifo(T0 + 10_000, 10)).await.unwrap().messages;
    assert_eq!(bodies(&all), ["b1", "a2", "b2", "a3"], "all visible again, in send order");
    store.delete_queue("fifo").await.unwrap();
}

async fn deduplication_holds_until_its_record_lapses(store: &dyn MessageStore) {
    queue(store, "dedup").await;
    let with_key = |body: &str, key: &str, at: u64| NewStoredMessage {
        dedup: Some(Dedup { key: key.into(), expires_ms: at + 300_000 }),
        ..in_group(body, "g", at)
    };
    let first = send(store, "dedup", T0, vec![with_key("one", "k", T0), with_key("same batch", "k", T0)]).await;
    let SendOutcome::Stored(seq) = first[0] else { panic!("stored: {first:?}") };
    assert_eq!(first[1], SendOutcome::Duplicate { id: "id-one".into(), seq }, "a duplicate in the same batch");
    let again = send(store, "dedup", T0 + 299_999, vec![with_key("two", "k", T0 + 299_999)]).await;
    assert_eq!(again, [SendOutcome::Duplicate { id: "id-one".into(), seq }]);
    let lapsed = send(store, "dedup", T0 + 300_000, vec![with_key("three", "k", T0 + 300_000)]).await;
    assert!(matches!(lapsed[0], SendOutcome::Stored(s) if s > seq), "taken again once lapsed: {lapsed:?}");
    assert_eq!(store.expire("dedup", 0, T0 + 600_000, 100).await.unwrap(), (0, 1), "the lapsed record goes");
    store.delete_queue("dedup").await.unwrap();
}

async fn messages_received_too_often_move_to_the_dead_letter_queue(store: &dyn MessageStore) {
    queue(store, "dl-src").await;
    queue(store, "dl-dlq").await;
    send(store, "dl-src", T0, vec![msg("poison", T0), msg("fine", T0 + 150)]).await;
    let req = |now: u64| ReceiveRequest {
        dead_letter: Some(DeadLetter { queue: "dl-dlq".into(), max_receives: 2 }),
        ..receive_at(now, 1, 100)
    };
    for (i, now) in [T0, T0 + 100].into_iter().enumerate() {
        let got = store.receive("dl-src", req(now)).await.unwrap();
        assert_eq!((bodies(&got.messages), got.dead_lettered), (vec!["poison".to_string()], 0), "receive {i}");
    }
    let third = store.receive("dl-src", ReceiveRequest { max: 10, ..req(T0 + 200) }).await.unwrap();
    assert_eq!((bodies(&third.messages), third.dead_lettered), (vec!["fine".to_string()], 1));
    let moved = store.receive("dl-dlq", receive_at(T0 + 200, 10, 100)).await.unwrap().messages;
    assert_eq!(bodies(&moved), ["poison"]);
    let m = &moved[0];
    assert_eq!((m.id.as_str(), m.origin.as_deref(), m.receives, m.sent_ms), ("id-poison", Some("dl-src"), 1, T0));
    store.delete_queue("dl-src").await.unwrap();
    store.delete_queue("dl-dlq").await.unwrap();
}

async fn moves_return_messages_to_their_origin_or_a_named_queue(store: &dyn MessageStore) {
    for q in ["mv-src", "mv-dlq", "mv-other"] {
        queue(store, q).await;
    }
    send(store, "mv-src", T0, vec![msg("m1", T0), msg("m2", T0)]).await;
    let dl = |now| ReceiveRequest {
        dead_letter: Some(DeadLetter { queue: "mv-dlq".into(), max_receives: 1 }),
        ..receive_at(now, 10, 0)
    };
    store.receive("mv-src", dl(T0)).await.unwrap();
    assert_eq!(store.receive("mv-src", dl(T0)).await.unwrap().dead_lettered, 2);
    let back = store.move_visible("mv-dlq", T0 + 1, 1, MoveTo::Origin).await.unwrap();
    assert_eq!((back.moved, back.blocked), (1, None));
    let named = store.move_visible("mv-dlq", T0 + 1, 10, MoveTo::Queue("mv-other".into())).await.unwrap();
    assert_eq!((named.moved, named.blocked), (1, None));
    let returned = store.receive("mv-src", receive_at(T0 + 1, 10, 100)).await.unwrap().messages;
    assert_eq!((returned.len(), returned[0].receives, returned[0].origin.clone()), (1, 1, None));
    let other = store.receive("mv-other", receive_at(T0 + 1, 10, 0)).await.unwrap().messages;
    assert_eq!(other.len(), 1);
    // A message with no origin stops a move back; a missing queue stops a named move.
    let stuck = store.move_visible("mv-other", T0 + 2, 10, MoveTo::Origin).await.unwrap();
    assert_eq!((stuck.moved, stuck.blocked), (0, Some(MoveBlocked::NoOrigin)));
    let missing = store.move_visible("mv-other", T0 + 2, 10, MoveTo::Queue("mv-none".into())).await.unwrap();
    assert_eq!((missing.moved, missing.blocked), (0, Some(MoveBlocked::NoQueue("mv-none".into()))));
    assert_eq!(store.counts("mv-other", T0 + 2).await.unwrap().visible, 1, "a blocked move keeps the message");
    for q in ["mv-src", "mv-dlq", "mv-other"] {
        store.delete_queue(q).await.unwrap();
    }
}

async fn expiry_purge_and_deletion_remove_messages(store: &dyn MessageStore) {
    queue(store, "exp").await;
    send(store, "exp", T0, vec![msg("old", T0)]).await;
    send(store, "exp", T0 + 30_000, vec![msg("young", T0 + 30_000)]).await;
    assert_eq!(store.expire("exp", T0 - 1, T0, 100).await.unwrap(), (0, 0));
    assert_eq!(store.expire("exp", T0, T0, 100).await.unwrap(), (1, 0), "sent at or before the cut");
    let left = store.receive("exp", receive_at(T0 + 30_000, 10, 0)).await.unwrap().messages;
    assert_eq!(bodies(&left), ["young"]);
    store.purge("exp").await.unwrap();
    assert_eq!(store.counts("exp", T0 + 30_000).await.unwrap(), MessageCounts::default());
    assert_eq!(store.expire("exp-none", T0, T0, 100).await.unwrap(), (0, 0), "no queue, nothing to expire");
    store.delete_queue("exp").await.unwrap();
}

async fn an_imported_queue_keeps_its_messages_in_order(store: &dyn MessageStore) {
    let old = |seq: u64, body: &str, receives: u32, visible_ms: u64| StoredMessage {
        seq,
        id: format!("id-{body}"),
        group: None,
        origin: None,
        sent_ms: T0,
        visible_ms,
        receives,
        first_receive_ms: (receives > 0).then_some(T0),
        nonce: 7,
        content: body.as_bytes().to_vec(),
    };
    let messages = vec![old(3, "first", 0, T0), old(9, "in flight", 1, T0 + 60_000), old(12, "last", 0, T0)];
    let dedup = vec![(Dedup { key: "k".into(), expires_ms: T0 + 1_000 }, "id-last".to_string(), 12)];
    store.import_queue("imp", "{}", messages.clone(), dedup).await.expect("the import");
    assert!(matches!(store.import_queue("imp", "{}", messages, vec![]).await, Err(Error::Conflict(_))));
    let got = store.receive("imp", receive_at(T0, 10, 1_000)).await.unwrap().messages;
    assert_eq!(bodies(&got), ["first", "last"], "the in-flight one stays in flight");
    let dup = NewStoredMessage { dedup: Some(Dedup { key: "k".into(), expires_ms: T0 + 2_000 }), ..msg("x", T0) };
    let out = send(store, "imp", T0, vec![dup]).await;
    assert_eq!(out, [SendOutcome::Duplicate { id: "id-last".into(), seq: got[1].seq }], "points at the renumbered one");
    store.delete_queue("imp").await.unwrap();
}

async fn concurrent_receivers_never_share_a_message(store: Arc<dyn MessageStore>) {
    const N: usize = 500;
    queue(store.as_ref(), "race").await;
    for chunk in (0..N).collect::<Vec<_>>().chunks(50) {
        let msgs = chunk.iter().map(|i| msg(&i.to_string(), T0)).collect();
        send(store.as_ref(), "race", T0, msgs).await;
    }
    let receivers = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let batch = store.receive("race", receive_at(T0, 10, 60_000)).await.unwrap().messages;
                if batch.is_empty() {
                    return got;
                }
                got.extend(batch.into_iter().map(|m| m.seq));
            }
        })
    });
    let mut seen = HashSet::new();
    for r in futures::future::join_all(receivers).await {
        for seq in r.expect("a receiver") {
            assert!(seen.insert(seq), "message {seq} was handed out twice");
        }
    }
    assert_eq!(seen.len(), N, "every message was handed out");
    store.delete_queue("race").await.unwrap();
}
