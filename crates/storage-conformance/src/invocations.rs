//! [`InvocationQueue`]'s contract.

use squall_storage::{InvocationQueue, QueuedInvocation};

fn inv(id: &str, due_ms: u64) -> QueuedInvocation {
    QueuedInvocation {
        id: id.into(),
        function: "svc-f".into(),
        payload: b"{}".to_vec(),
        traceparent: "00-t-p-01".into(),
        attempts: 0,
        enqueued_ms: 1,
        due_ms,
        lineage: "1a2b3c4d:2".into(),
    }
}

fn ids(v: &[QueuedInvocation]) -> Vec<&str> {
    v.iter().map(|i| i.id.as_str()).collect()
}

/// Every check, on an empty queue.
pub async fn all(q: &dyn InvocationQueue) {
    assert_eq!(q.next_due_ms().await.unwrap(), None);
    q.enqueue(&inv("a", 10)).await.unwrap();
    q.enqueue(&inv("b", 20)).await.unwrap();
    assert_eq!(q.next_due_ms().await.unwrap(), Some(10));
    let got = q.lease(15, 1000, 10).await.unwrap();
    assert_eq!(ids(&got), ["a"]);
    assert_eq!((got[0].payload.as_slice(), got[0].traceparent.as_str()), (b"{}".as_slice(), "00-t-p-01"));
    assert_eq!(got[0].lineage, "1a2b3c4d:2", "the chain of requests is kept");
    // Leased: not handed out again until the lease ends.
    assert_eq!(ids(&q.lease(25, 1000, 10).await.unwrap()), ["b"]);
    assert!(q.lease(999, 1000, 10).await.unwrap().is_empty());
    q.retry_at("b", 1, 500).await.unwrap();
    let again = q.lease(600, 2000, 10).await.unwrap();
    assert_eq!((again[0].id.as_str(), again[0].attempts, again[0].due_ms), ("b", 1, 500));
    q.complete("b").await.unwrap();
    // "a"'s lease ended at 1000 without completion: handed out again.
    assert_eq!(ids(&q.lease(1000, 3000, 10).await.unwrap()), ["a"]);
    q.complete("a").await.unwrap();
    assert_eq!(q.next_due_ms().await.unwrap(), None);
    for i in 0..5 {
        q.enqueue(&inv(&format!("n{i}"), 100 + i)).await.unwrap();
    }
    assert_eq!(ids(&q.lease(200, 300, 2).await.unwrap()), ["n0", "n1"], "oldest due first, at most the limit");
    assert_eq!(q.next_due_ms().await.unwrap(), Some(102));
    for i in 0..5 {
        q.complete(&format!("n{i}")).await.unwrap();
    }
}
