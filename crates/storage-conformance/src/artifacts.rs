//! [`ArtifactStore`]'s contract.

use sha2::{Digest, Sha256};
use squall_storage::{ArtifactStore, Error};

/// Every check, on an empty store.
pub async fn all(s: &dyn ArtifactStore) {
    let bytes = b"\0asm component".to_vec();
    let sha = hex::encode(Sha256::digest(&bytes));
    let wrong = "f".repeat(64);
    assert!(matches!(s.put(&wrong, bytes.clone()).await, Err(Error::DigestMismatch { .. })));
    assert!(!s.contains(&wrong).await.unwrap());
    assert!(!s.contains(&sha).await.unwrap());
    s.put(&sha, bytes.clone()).await.unwrap();
    s.put(&sha, bytes.clone()).await.unwrap();
    assert!(s.contains(&sha).await.unwrap());
    assert_eq!(s.get(&sha).await.unwrap(), Some(bytes));
    assert_eq!(s.get(&wrong).await.unwrap(), None);
    assert!(s.get("not-a-digest").await.is_err());
}
