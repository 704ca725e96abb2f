//! Carrying queues over from the layout before messages had a store of their own: a
//! [`TableStore`] whose table definitions were queue definitions, with each queue's
//! messages (JSON) in the pseudo-table `~m:<queue>` keyed by number and its FIFO
//! deduplication records in `~d:<queue>`. Each queue moves in one transaction and is then
//! deleted from the old store, so an interrupted carry-over resumes where it stopped.
//! Receipt handles given out before do not survive it (their messages are numbered anew):
//! those messages are received again after their visibility timeout.

use crate::Result;
use crate::message::Attributes;
use crate::service::{Content, corrupt};
use serde::Deserialize;
use squall_storage::{Dedup, MessageStore, StoredMessage, TableStore, scan_all};

/// A message as the old layout stored it.
#[derive(Deserialize)]
struct OldMessage {
    id: String,
    body: String,
    #[serde(default)]
    attrs: Attributes,
    #[serde(default)]
    sys: Attributes,
    sent_ms: u64,
    visible_ms: u64,
    receives: u32,
    #[serde(default)]
    first_receive_ms: Option<u64>,
    nonce: u64,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    dedup: Option<String>,
    #[serde(default)]
    origin: Option<String>,
}

/// A deduplication record as the old layout stored it.
#[derive(Deserialize)]
struct OldDedup {
    expires_ms: u64,
    id: String,
    seq: u64,
}

/// Moves every queue of `legacy` into `store`; deduplication records lapsed at `now` stay
/// behind.
pub(crate) async fn carry_over(legacy: &dyn TableStore, store: &dyn MessageStore, now: u64) -> Result<()> {
    for (name, definition) in legacy.list_tables().await? {
        let (messages_table, dedup_table) = (format!("~m:{name}"), format!("~d:{name}"));
        let mut messages = Vec::new();
        for row in scan_all(legacy, &messages_table).await? {
            let seq = row.sk.as_slice().try_into().map(u64::from_be_bytes).unwrap_or(0);
            let m: OldMessage =
                serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("a message of queue {name}"), e))?;
            let content = Content { body: m.body, attrs: m.attrs, sys: m.sys, dedup: m.dedup };
            messages.push(StoredMessage {
                seq,
                id: m.id,
                group: m.group,
                origin: m.origin,
                sent_ms: m.sent_ms,
                visible_ms: m.visible_ms,
                receives: m.receives,
                first_receive_ms: m.first_receive_ms,
                nonce: m.nonce,
                content: content.encode(),
            });
        }
        let mut dedup = Vec::new();
        for row in scan_all(legacy, &dedup_table).await? {
            let d: OldDedup = serde_json::from_slice(&row.item)
                .map_err(|e| corrupt(format!("a deduplication id of queue {name}"), e))?;
            if d.expires_ms > now {
                // The old layout joined group and id with NUL; now a line feed.
                let key = String::from_utf8_lossy(&row.sk).replace('\0', "\n");
                dedup.push((Dedup { key, expires_ms: d.expires_ms }, d.id, d.seq));
            }
        }
        let n = messages.len();
        match store.import_queue(&name, &definition, messages, dedup).await {
            Ok(()) => tracing::info!(queue = name, messages = n, "carried the queue over to queues.db"),
            // Carried over before a crash that stopped the clean-up below.
            Err(squall_storage::Error::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        legacy.delete_table(&messages_table).await?;
        legacy.delete_table(&dedup_table).await?;
        legacy.delete_table(&name).await?;
    }
    Ok(())
}
