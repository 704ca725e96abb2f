//! [`MessageStore`] on PostgreSQL. A standard receive takes the oldest visible messages
//! with `FOR UPDATE SKIP LOCKED`, so receivers on every node pass each other instead of
//! queueing on the same rows and none is handed a message another holds. A FIFO receive
//! first locks its queue's row: one FIFO receive per queue at a time, cluster-wide, since
//! whether a group is held depends on messages other receives are taking.

use crate::{Prepare, backend, client};
use async_trait::async_trait;
use deadpool_postgres::{Pool, Transaction};
use squall_storage::{
    DeadLetter, Dedup, Error, FifoPicker, MessageCounts, MessageReceipt, MessageStore, MoveBlocked, MoveTo, Moved,
    NewStoredMessage, ReceiveRequest, Received, Result, SendOutcome, StoredMessage, VisibilityChange,
};
use squall_types::random_u64;
use std::collections::HashMap;
use tokio_postgres::Row;

/// Most messages a FIFO receive looks at (as the embedded backend: SQS's FIFO in-flight
/// limit).
const FIFO_LOOKAHEAD: i64 = 20_000;

/// Most rounds of a receive whose candidates all went to the dead-letter queue.
const DEAD_LETTER_ROUNDS: usize = 10;

/// Queues and messages in the `sqs_*` tables.
pub struct PgMessageStore {
    pool: Pool,
}

impl PgMessageStore {
    pub(crate) fn new(pool: Pool) -> PgMessageStore {
        PgMessageStore { pool }
    }
}

const COLUMNS: &str = "seq, id, grp, origin, sent_ms, visible_ms, receives, first_receive_ms, nonce, content";

fn message(r: &Row) -> StoredMessage {
    StoredMessage {
        seq: r.get::<_, i64>(0) as u64,
        id: r.get(1),
        group: r.get(2),
        origin: r.get(3),
        sent_ms: r.get::<_, i64>(4) as u64,
        visible_ms: r.get::<_, i64>(5) as u64,
        receives: r.get::<_, i32>(6) as u32,
        first_receive_ms: r.get::<_, Option<i64>>(7).map(|v| v as u64),
        nonce: r.get::<_, i64>(8) as u64,
        content: r.get(9),
    }
}

fn gone(queue: &str) -> Error {
    Error::Conflict(format!("queue {queue} does not exist"))
}

/// The queue's id; `lock`: holding its row until the transaction ends.
async fn queue_id(tx: &Transaction<'_>, name: &str, lock: bool) -> Result<Option<i64>> {
    let sql = if lock {
        "SELECT id FROM sqs_queues WHERE name = $1 FOR UPDATE"
    } else {
        "SELECT id FROM sqs_queues WHERE name = $1"
    };
    let row = tx.query_opt(sql, &[&name]).await.map_err(backend)?;
    Ok(row.map(|r| r.get(0)))
}

async fn existing(tx: &Transaction<'_>, name: &str) -> Result<i64> {
    queue_id(tx, name, false).await?.ok_or_else(|| gone(name))
}

/// Stores `m` at the end of queue `qid`; its number.
async fn insert(tx: &Transaction<'_>, qid: i64, m: &StoredMessage) -> Result<u64> {
    let row = tx
        .query_one(
            &tx.stmt("INSERT INTO sqs_messages (queue, id, grp, origin, sent_ms, visible_ms, receives, first_receive_ms, nonce, content)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq").await?,
            &[
                &qid,
                &m.id,
                &m.group,
                &m.origin,
                &(m.sent_ms as i64),
                &(m.visible_ms as i64),
                &(m.receives as i32),
                &m.first_receive_ms.map(|v| v as i64),
                &(m.nonce as i64),
                &m.content,
            ],
        )
        .await
        .map_err(backend)?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// Moves messages to queue `to` (fresh: visible at `now`, never received), deleting them
/// where they are; whether `to` exists.
async fn transfer(
    tx: &Transaction<'_>,
    to: &str,
    now: u64,
    origin: Option<&str>,
    msgs: Vec<StoredMessage>,
) -> Result<bool> {
    let Some(qid) = queue_id(tx, to, false).await? else { return Ok(false) };
    for m in msgs {
        tx.execute(&tx.stmt("DELETE FROM sqs_messages WHERE seq = $1").await?, &[&(m.seq as i64)])
            .await
            .map_err(backend)?;
        insert(tx, qid, &m.moved(now, origin)).await?;
    }
    Ok(true)
}

/// Up to `max` messages of queue `qid` a receive may hand out at `now`, locked.
async fn candidates(tx: &Transaction<'_>, qid: i64, now: u64, max: usize, fifo: bool) -> Result<Vec<StoredMessage>> {
    if !fifo {
        let rows = tx
            .query(
                &tx.stmt(&format!(
                    "SELECT {COLUMNS} FROM sqs_messages WHERE queue = $1 AND visible_ms <= $2
                     ORDER BY visible_ms LIMIT $3 FOR UPDATE SKIP LOCKED"
                ))
                .await?,
                &[&qid, &(now as i64), &(max as i64)],
            )
            .await
            .map_err(backend)?;
        return Ok(rows.iter().map(message).collect());
    }
    let rows = tx
        .query(
            &tx.stmt("SELECT seq, grp, visible_ms, receives FROM sqs_messages WHERE queue = $1 ORDER BY seq LIMIT $2")
                .await?,
            &[&qid, &FIFO_LOOKAHEAD],
        )
        .await
        .map_err(backend)?;
    let mut picker = FifoPicker::new(now, max);
    for r in &rows {
        if picker.is_full() {
            break;
        }
        picker.offer(r.get::<_, i64>(0) as u64, r.get(1), r.get::<_, i64>(2) as u64, r.get::<_, i32>(3) as u32);
    }
    let ended = !picker.is_full();
    let seqs: Vec<i64> = picker.finish(ended).into_iter().map(|s| s as i64).collect();
    let rows = tx
        .query(
            &tx.stmt(&format!("SELECT {COLUMNS} FROM sqs_messages WHERE seq = ANY($1) ORDER BY seq FOR UPDATE"))
                .await?,
            &[&seqs],
        )
        .await
        .map_err(backend)?;
    Ok(rows.iter().map(message).collect())
}

async fn receive(tx: &Transaction<'_>, queue: &str, req: &ReceiveRequest) -> Result<Received> {
    let qid = queue_id(tx, queue, req.fifo).await?.ok_or_else(|| gone(queue))?;
    let mut out = Received::default();
    for _ in 0..DEAD_LETTER_ROUNDS {
        let want = req.max - out.messages.len();
        let found = candidates(tx, qid, req.now_ms, want, req.fifo).await?;
        let mut dead = Vec::new();
        for mut m in found {
            if let Some(DeadLetter { max_receives, .. }) = &req.dead_letter
                && m.receives >= *max_receives
            {
                dead.push(m);
                continue;
            }
            m.receive(req.now_ms, req.visible_until_ms, random_u64());
            tx.execute(
                &tx.stmt("UPDATE sqs_messages SET receives = $2, first_receive_ms = $3, nonce = $4, visible_ms = $5 WHERE seq = $1").await?,
                &[
                    &(m.seq as i64),
                    &(m.receives as i32),
                    &m.first_receive_ms.map(|v| v as i64),
                    &(m.nonce as i64),
                    &(m.visible_ms as i64),
                ],
            )
            .await
            .map_err(backend)?;
            out.messages.push(m);
        }
        let mut any_dead = false;
        if let (Some(dl), false) = (&req.dead_letter, dead.is_empty()) {
            let n = dead.len();
            if transfer(tx, &dl.queue, req.now_ms, Some(queue), dead).await? {
                out.dead_lettered += n;
                any_dead = true;
            }
        }
        if !any_dead || out.messages.len() == req.max {
            break;
        }
    }
    Ok(out)
}

async fn send(tx: &Transaction<'_>, queue: &str, now: u64, messages: &[NewStoredMessage]) -> Result<Vec<SendOutcome>> {
    let qid = existing(tx, queue).await?;
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        if let Some(d) = &m.dedup {
            // Claims the key (new, or taking over a lapsed record); a live record of
            // another send, committed or not, makes this one wait for it, then a duplicate.
            let claimed = tx
                .query_opt(
                    &tx.stmt(
                        "INSERT INTO sqs_dedup (queue, key, expires_ms, id, seq) VALUES ($1, $2, $3, $4, -1)
                     ON CONFLICT (queue, key) DO UPDATE SET expires_ms = EXCLUDED.expires_ms, id = EXCLUDED.id, seq = -1
                     WHERE sqs_dedup.expires_ms <= $5
                     RETURNING 1",
                    )
                    .await?,
                    &[&qid, &d.key, &(d.expires_ms as i64), &m.id, &(now as i64)],
                )
                .await
                .map_err(backend)?;
            if claimed.is_none() {
                let r = tx
                    .query_one(
                        &tx.stmt("SELECT id, seq FROM sqs_dedup WHERE queue = $1 AND key = $2").await?,
                        &[&qid, &d.key],
                    )
                    .await
                    .map_err(backend)?;
                out.push(SendOutcome::Duplicate { id: r.get(0), seq: r.get::<_, i64>(1) as u64 });
                continue;
            }
        }
        let stored = m.stored();
        let seq = insert(tx, qid, &stored).await?;
        if let Some(d) = &m.dedup {
            tx.execute(
                &tx.stmt("UPDATE sqs_dedup SET seq = $3 WHERE queue = $1 AND key = $2").await?,
                &[&qid, &d.key, &(seq as i64)],
            )
            .await
            .map_err(backend)?;
        }
        out.push(SendOutcome::Stored(seq));
    }
    Ok(out)
}

async fn change_visibility(
    tx: &Transaction<'_>,
    queue: &str,
    now: u64,
    changes: &[(MessageReceipt, u64)],
) -> Result<Vec<VisibilityChange>> {
    let qid = existing(tx, queue).await?;
    let mut out = Vec::with_capacity(changes.len());
    for (r, until) in changes {
        let row = tx
            .query_opt(
                &tx.stmt("SELECT visible_ms FROM sqs_messages WHERE seq = $1 AND queue = $2 AND nonce = $3 AND receives > 0 FOR UPDATE").await?,
                &[&(r.seq as i64), &qid, &(r.nonce as i64)],
            )
            .await
            .map_err(backend)?;
        out.push(match row.map(|r| r.get::<_, i64>(0) as u64) {
            None => VisibilityChange::Stale,
            Some(v) if v <= now => VisibilityChange::NotInFlight,
            Some(_) => {
                tx.execute(
                    &tx.stmt("UPDATE sqs_messages SET visible_ms = $2 WHERE seq = $1").await?,
                    &[&(r.seq as i64), &(*until as i64)],
                )
                .await
                .map_err(backend)?;
                VisibilityChange::Changed
            }
        });
    }
    Ok(out)
}

async fn move_visible(tx: &Transaction<'_>, queue: &str, now: u64, max: usize, to: &MoveTo) -> Result<Moved> {
    let qid = existing(tx, queue).await?;
    let found = candidates(tx, qid, now, max, false).await?;
    let mut out = Moved::default();
    for m in found {
        let dest = match to.destination(m.origin.as_deref()) {
            Ok(dest) => dest,
            Err(blocked) => {
                out.blocked = Some(blocked);
                break;
            }
        };
        if !transfer(tx, &dest, now, None, vec![m]).await? {
            out.blocked = Some(MoveBlocked::NoQueue(dest));
            break;
        }
        out.moved += 1;
    }
    Ok(out)
}

async fn expire(tx: &Transaction<'_>, queue: &str, sent_before: u64, now: u64, limit: usize) -> Result<(usize, usize)> {
    let Some(qid) = queue_id(tx, queue, false).await? else { return Ok((0, 0)) };
    // The oldest message first, as the embedded backend does: a queue whose head is
    // young costs one index probe.
    let oldest = tx
        .query_opt(&tx.stmt("SELECT sent_ms FROM sqs_messages WHERE queue = $1 ORDER BY seq LIMIT 1").await?, &[&qid])
        .await
        .map_err(backend)?
        .map(|r| r.get::<_, i64>(0) as u64);
    let messages = match oldest {
        Some(sent) if sent <= sent_before => tx
            .execute(
                &tx.stmt(
                    "DELETE FROM sqs_messages WHERE seq IN
                 (SELECT seq FROM sqs_messages WHERE queue = $1 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
                 AND sent_ms <= $3",
                )
                .await?,
                &[&qid, &(limit as i64), &(sent_before as i64)],
            )
            .await
            .map_err(backend)?,
        _ => 0,
    };
    let dedup = tx
        .execute(
            &tx.stmt(
                "DELETE FROM sqs_dedup WHERE queue = $1 AND key IN
             (SELECT key FROM sqs_dedup WHERE queue = $1 AND expires_ms <= $2 LIMIT $3)",
            )
            .await?,
            &[&qid, &(now as i64), &(limit as i64)],
        )
        .await
        .map_err(backend)?;
    Ok((messages as usize, dedup as usize))
}

async fn import_queue(
    tx: &Transaction<'_>,
    name: &str,
    definition: &str,
    messages: &[StoredMessage],
    dedup: &[(Dedup, String, u64)],
) -> Result<()> {
    let row = tx
        .query_opt(
            &tx.stmt(
                "INSERT INTO sqs_queues (name, definition) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id",
            )
            .await?,
            &[&name, &definition],
        )
        .await
        .map_err(backend)?;
    let Some(qid) = row.map(|r| r.get::<_, i64>(0)) else {
        return Err(Error::Conflict(format!("queue {name} exists")));
    };
    let mut renumbered = HashMap::new();
    for m in messages {
        renumbered.insert(m.seq, insert(tx, qid, m).await?);
    }
    for (d, id, old) in dedup {
        let seq = renumbered.get(old).copied().unwrap_or(*old);
        tx.execute(
            &tx.stmt("INSERT INTO sqs_dedup (queue, key, expires_ms, id, seq) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (queue, key) DO UPDATE SET expires_ms = EXCLUDED.expires_ms, id = EXCLUDED.id, seq = EXCLUDED.seq").await?,
            &[&qid, &d.key, &(d.expires_ms as i64), id, &(seq as i64)],
        )
        .await
        .map_err(backend)?;
    }
    Ok(())
}

/// Runs `f` in one transaction and commits it.
macro_rules! in_tx {
    ($self:expr, |$tx:ident| $body:expr) => {{
        let mut client = client(&$self.pool).await?;
        let $tx = client.transaction().await.map_err(backend)?;
        let out = $body;
        $tx.commit().await.map_err(backend)?;
        Ok(out)
    }};
}

#[async_trait]
impl MessageStore for PgMessageStore {
    async fn create_queue(&self, name: &str, definition: &str) -> Result<()> {
        in_tx!(self, |tx| {
            let n = tx
                .execute(
                    &tx.stmt("INSERT INTO sqs_queues (name, definition) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                        .await?,
                    &[&name, &definition],
                )
                .await
                .map_err(backend)?;
            if n == 0 {
                return Err(Error::Conflict(format!("queue {name} exists")));
            }
        })
    }

    async fn update_queue(&self, name: &str, definition: &str) -> Result<()> {
        in_tx!(self, |tx| {
            let n = tx
                .execute(
                    &tx.stmt("UPDATE sqs_queues SET definition = $2 WHERE name = $1").await?,
                    &[&name, &definition],
                )
                .await
                .map_err(backend)?;
            if n == 0 {
                return Err(gone(name));
            }
        })
    }

    async fn delete_queue(&self, name: &str) -> Result<bool> {
        in_tx!(self, |tx| tx
            .execute(&tx.stmt("DELETE FROM sqs_queues WHERE name = $1").await?, &[&name])
            .await
            .map_err(backend)?
            > 0)
    }

    async fn list_queues(&self) -> Result<Vec<(String, String)>> {
        let client = client(&self.pool).await?;
        let rows = client
            .query(&client.stmt("SELECT name, definition FROM sqs_queues ORDER BY name COLLATE \"C\"").await?, &[])
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn send(&self, queue: &str, now_ms: u64, messages: Vec<NewStoredMessage>) -> Result<Vec<SendOutcome>> {
        in_tx!(self, |tx| send(&tx, queue, now_ms, &messages).await?)
    }

    async fn receive(&self, queue: &str, request: ReceiveRequest) -> Result<Received> {
        in_tx!(self, |tx| receive(&tx, queue, &request).await?)
    }

    async fn delete(&self, queue: &str, receipts: Vec<MessageReceipt>) -> Result<Vec<bool>> {
        in_tx!(self, |tx| {
            let qid = existing(&tx, queue).await?;
            let mut out = Vec::with_capacity(receipts.len());
            for r in &receipts {
                let n = tx
                    .execute(
                        &tx.stmt(
                            "DELETE FROM sqs_messages WHERE seq = $1 AND queue = $2 AND nonce = $3 AND receives > 0",
                        )
                        .await?,
                        &[&(r.seq as i64), &qid, &(r.nonce as i64)],
                    )
                    .await
                    .map_err(backend)?;
                out.push(n > 0);
            }
            out
        })
    }

    async fn change_visibility(
        &self,
        queue: &str,
        now_ms: u64,
        changes: Vec<(MessageReceipt, u64)>,
    ) -> Result<Vec<VisibilityChange>> {
        in_tx!(self, |tx| change_visibility(&tx, queue, now_ms, &changes).await?)
    }

    async fn counts(&self, queue: &str, now_ms: u64) -> Result<MessageCounts> {
        let client = client(&self.pool).await?;
        let row = client
            .query_opt(
                &client
                    .stmt(
                        "SELECT
                   (SELECT COUNT(*) FROM sqs_messages m WHERE m.queue = q.id AND m.visible_ms <= $2),
                   (SELECT COUNT(*) FROM sqs_messages m WHERE m.queue = q.id AND m.visible_ms > $2 AND m.receives > 0),
                   (SELECT COUNT(*) FROM sqs_messages m WHERE m.queue = q.id AND m.visible_ms > $2 AND m.receives = 0)
                 FROM sqs_queues q WHERE q.name = $1",
                    )
                    .await?,
                &[&queue, &(now_ms as i64)],
            )
            .await
            .map_err(backend)?
            .ok_or_else(|| gone(queue))?;
        Ok(MessageCounts {
            visible: row.get::<_, i64>(0) as u64,
            in_flight: row.get::<_, i64>(1) as u64,
            delayed: row.get::<_, i64>(2) as u64,
        })
    }

    async fn next_visible_ms(&self, queue: &str, now_ms: u64) -> Result<Option<u64>> {
        let client = client(&self.pool).await?;
        let row = client
            .query_one(
                &client
                    .stmt(
                        "SELECT MIN(visible_ms) FROM sqs_messages
                 WHERE queue = (SELECT id FROM sqs_queues WHERE name = $1) AND visible_ms > $2",
                    )
                    .await?,
                &[&queue, &(now_ms as i64)],
            )
            .await
            .map_err(backend)?;
        Ok(row.get::<_, Option<i64>>(0).map(|v| v as u64))
    }

    async fn purge(&self, queue: &str) -> Result<()> {
        in_tx!(self, |tx| {
            let qid = existing(&tx, queue).await?;
            tx.execute(&tx.stmt("DELETE FROM sqs_messages WHERE queue = $1").await?, &[&qid]).await.map_err(backend)?;
        })
    }

    async fn move_visible(&self, queue: &str, now_ms: u64, max: usize, to: MoveTo) -> Result<Moved> {
        in_tx!(self, |tx| move_visible(&tx, queue, now_ms, max, &to).await?)
    }

    async fn expire(&self, queue: &str, sent_before_ms: u64, now_ms: u64, limit: usize) -> Result<(usize, usize)> {
        in_tx!(self, |tx| expire(&tx, queue, sent_before_ms, now_ms, limit).await?)
    }

    async fn import_queue(
        &self,
        name: &str,
        definition: &str,
        messages: Vec<StoredMessage>,
        dedup: Vec<(Dedup, String, u64)>,
    ) -> Result<()> {
        in_tx!(self, |tx| import_queue(&tx, name, definition, &messages, &dedup).await?)
    }
}
