//! The services opened together over the embedded store, on a manual clock.

use crate::parameters::Put;
use crate::secrets::{Create, NewValue};
use crate::{Error, KEY_LEN, Params, Sealer};
use squall_clock::Clock;
use squall_storage_embedded::EmbeddedStores;
use std::sync::Arc;

pub(crate) const START_MS: u64 = 1_700_000_000_000;

/// The services over a fresh store in `dir`, under `key`.
pub(crate) async fn open(dir: &std::path::Path, key: u8, clock: &Clock) -> crate::Result<Arc<Params>> {
    let stores = EmbeddedStores::open(dir).expect("the stores open");
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&dir.join("params.db")).expect("params.db"));
    drop(stores);
    Params::open(store, Sealer::new(&[key; KEY_LEN]), "us-east-1", clock.clone(), squall_lifecycle::Cluster::single())
        .await
}

#[tokio::test]
async fn values_survive_a_reopen_sealed_and_another_key_is_refused() -> crate::Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    {
        let params = open(dir.path(), 1, &clock).await?;
        let put = Put {
            name: "/db/pw".into(),
            value: "hunter2-plaintext".into(),
            kind: Some("SecureString".into()),
            ..Default::default()
        };
        params.parameters.put(put).await?;
        let create = Create {
            name: "api-key".into(),
            value: Some(NewValue::String("s3cr3t-plaintext".into())),
            ..Default::default()
        };
        params.secrets.create(create).await?;
    }
    let on_disk = std::fs::read(dir.path().join("params.db")).unwrap_or_default();
    let wal = std::fs::read(dir.path().join("params.db-wal")).unwrap_or_default();
    for needle in [&b"hunter2-plaintext"[..], b"s3cr3t-plaintext"] {
        assert!(!on_disk.windows(needle.len()).any(|w| w == needle));
        assert!(!wal.windows(needle.len()).any(|w| w == needle));
    }
    let params = open(dir.path(), 1, &clock).await?;
    assert_eq!(params.parameters.get("/db/pw", true)?.version.value, "hunter2-plaintext");
    let v = params.secrets.get_value("api-key", None, None).await?;
    assert_eq!(v.value, NewValue::String("s3cr3t-plaintext".into()));
    drop(params);
    assert!(matches!(open(dir.path(), 2, &clock).await, Err(Error::Decryption(_))));
    Ok(())
}

#[tokio::test]
async fn reset_empties_both_services() -> crate::Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let params = open(dir.path(), 1, &clock).await?;
    params
        .parameters
        .put(Put { name: "a".into(), value: "1".into(), kind: Some("String".into()), ..Default::default() })
        .await?;
    params.secrets.create(Create { name: "s".into(), ..Default::default() }).await?;
    params.secrets.delete("s", None, false).await.map(|_| ())?;
    params.reset().await?;
    assert!(params.parameters.is_empty() && params.secrets.is_empty());
    let params = {
        drop(params);
        open(dir.path(), 1, &clock).await?
    };
    assert!(params.parameters.is_empty() && params.secrets.is_empty());
    Ok(())
}
