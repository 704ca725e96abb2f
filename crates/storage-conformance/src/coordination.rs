//! [`Coordination`]'s contract.

use squall_storage::Coordination;

/// Every check, on a fresh store.
pub async fn all(c: &dyn Coordination) {
    assert!(c.lease("sweeper", "a", 60_000).await.unwrap(), "a free lease is taken");
    assert!(!c.lease("sweeper", "b", 60_000).await.unwrap(), "a held one is not");
    assert!(c.lease("sweeper", "a", 60_000).await.unwrap(), "its holder renews it");
    assert!(c.lease("other", "b", 60_000).await.unwrap(), "leases are apart");
    c.release("sweeper", "b").await.unwrap();
    assert!(!c.lease("sweeper", "b", 60_000).await.unwrap(), "only the holder releases");
    c.release("sweeper", "a").await.unwrap();
    assert!(c.lease("sweeper", "b", 50).await.unwrap(), "a released lease is taken");
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    assert!(c.lease("sweeper", "a", 60_000).await.unwrap(), "an expired lease is taken");
    assert!(!c.lease("sweeper", "b", 60_000).await.unwrap());

    // Counting the holders of a family of leases, live ones only.
    assert_eq!(c.held("server.").await.unwrap(), 0);
    assert!(c.lease("server.a", "a", 60_000).await.unwrap());
    assert!(c.lease("server.b", "b", 50).await.unwrap());
    assert_eq!(c.held("server.").await.unwrap(), 2);
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    assert_eq!(c.held("server.").await.unwrap(), 1, "an expired lease is not counted");
    c.release("server.a", "a").await.unwrap();
    assert_eq!(c.held("server.").await.unwrap(), 0);

    assert!(!c.versions().await.unwrap().contains_key("queues"));
    let first = c.bump("queues").await.unwrap();
    let second = c.bump("queues").await.unwrap();
    assert!(second > first);
    c.bump("tables").await.unwrap();
    let v = c.versions().await.unwrap();
    assert_eq!((v["queues"], v.len()), (second, 2));
}
