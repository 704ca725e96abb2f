//! [`MessageStore`] on SQLite: queues' messages on disk, handed out by queries on an index
//! of visibility, so memory does not grow with a backlog (SQLite's page cache is the only
//! buffer: 2 MiB per connection).

use crate::db::{Db, Sync, backend};
use crate::writer::GroupWriter;
use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};
use squall_storage::{
    DeadLetter, Dedup, Error, FifoPicker, MessageCounts, MessageReceipt, MessageStore, MoveBlocked, MoveTo, Moved,
    NewStoredMessage, ReceiveRequest, Received, Result, SendOutcome, StoredMessage, VisibilityChange,
};
use squall_types::random_u64;
use std::collections::HashMap;
use std::path::Path;

const MIGRATIONS: &[&str] = &["
    CREATE TABLE queues (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        definition TEXT NOT NULL,
        next_seq INTEGER NOT NULL DEFAULT 1
    );
    -- A message's number is its rowid: the queue's id in the high bits and the queue's own
    -- count below, so one queue's messages are one range of the table's b-tree. Rows keep
    -- their content up to nearly a page in the leaf (a 1 KiB message costs ~1.3x on disk).
    CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        queue INTEGER NOT NULL,
        id TEXT NOT NULL,
        grp TEXT,
        origin TEXT,
        sent_ms INTEGER NOT NULL,
        visible_ms INTEGER NOT NULL,
        receives INTEGER NOT NULL DEFAULT 0,
        first_receive_ms INTEGER,
        nonce INTEGER NOT NULL DEFAULT 0,
        content BLOB NOT NULL
    );
    CREATE INDEX messages_by_visibility ON messages (queue, visible_ms);
    CREATE TABLE dedup (
        queue INTEGER NOT NULL,
        key TEXT NOT NULL,
        expires_ms INTEGER NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (queue, key)
    ) WITHOUT ROWID;
    CREATE INDEX dedup_by_expiry ON dedup (queue, expires_ms);
"];

/// Bits of a message number below the queue's id.
const QUEUE_SHIFT: u32 = 40;

/// Most messages a FIFO receive looks at, oldest first, for ones it may hand out (SQS
/// holds at most 20,000 FIFO messages in flight; past them, later groups wait).
const FIFO_LOOKAHEAD: usize = 20_000;

/// Most rounds of a receive whose candidates all went to the dead-letter queue.
const DEAD_LETTER_ROUNDS: usize = 10;

/// Queues and messages in `queues.db` (`synchronous=NORMAL`: an acknowledged write survives
/// a crash of the process). Writes, receives among them, go to one [`GroupWriter`];
/// counts are read beside it.
pub struct SqliteMessageStore {
    reads: Db,
    writer: GroupWriter,
}

impl SqliteMessageStore {
    /// Opens or creates the database at `path` and starts its writer thread.
    pub fn open(path: &Path) -> Result<Self> {
        let reads = Db::open(path, Sync::Normal, MIGRATIONS)?;
        let writer = GroupWriter::start(path, "queues")?;
        Ok(SqliteMessageStore { reads, writer })
    }
}

fn gone(queue: &str) -> Error {
    Error::Conflict(format!("queue {queue} does not exist"))
}

/// The queue's id and next own number.
fn queue_id(tx: &Transaction<'_>, name: &str) -> Result<Option<(i64, i64)>> {
    let mut stmt = tx.prepare_cached("SELECT id, next_seq FROM queues WHERE name = ?1").map_err(backend)?;
    stmt.query_row([name], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(backend)
}

/// The range of message numbers of queue `qid`.
fn range(qid: i64) -> (i64, i64) {
    (qid << QUEUE_SHIFT, (qid + 1) << QUEUE_SHIFT)
}

const COLUMNS: &str = "seq, id, grp, origin, sent_ms, visible_ms, receives, first_receive_ms, nonce, content";

fn message(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredMessage> {
    Ok(StoredMessage {
        seq: r.get::<_, i64>(0)? as u64,
        id: r.get(1)?,
        group: r.get(2)?,
        origin: r.get(3)?,
        sent_ms: r.get::<_, i64>(4)? as u64,
        visible_ms: r.get::<_, i64>(5)? as u64,
        receives: r.get(6)?,
        first_receive_ms: r.get::<_, Option<i64>>(7)?.map(|v| v as u64),
        nonce: r.get::<_, i64>(8)? as u64,
        content: r.get(9)?,
    })
}

/// Stores message `m` as number `seq` of queue `qid`.
fn insert(tx: &Transaction<'_>, qid: i64, seq: i64, m: &StoredMessage) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO messages (seq, queue, id, grp, origin, sent_ms, visible_ms, receives, first_receive_ms, nonce, content)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .map_err(backend)?
    .execute(params![
        seq,
        qid,
        m.id,
        m.group,
        m.origin,
        m.sent_ms as i64,
        m.visible_ms as i64,
        m.receives,
        m.first_receive_ms.map(|v| v as i64),
        m.nonce as i64,
        m.content
    ])
    .map_err(backend)?;
    Ok(())
}

/// Records that queue `qid`'s next own number is `next`.
fn set_next(tx: &Transaction<'_>, qid: i64, next: i64) -> Result<()> {
    tx.prepare_cached("UPDATE queues SET next_seq = ?2 WHERE id = ?1")
        .map_err(backend)?
        .execute(params![qid, next])
        .map_err(backend)?;
    Ok(())
}

/// Appends messages to queue `qid` (whose next own number is `next`), numbering them in
/// order; their numbers.
fn append(tx: &Transaction<'_>, qid: i64, mut next: i64, messages: &[StoredMessage]) -> Result<Vec<u64>> {
    let mut seqs = Vec::with_capacity(messages.len());
    for m in messages {
        let seq = (qid << QUEUE_SHIFT) | next;
        next += 1;
        insert(tx, qid, seq, m)?;
        seqs.push(seq as u64);
    }
    set_next(tx, qid, next)?;
    Ok(seqs)
}

/// Moves messages to queue `to` (fresh: visible at `now`, never received), deleting them
/// where they are.
fn transfer(tx: &Transaction<'_>, to: &str, now: u64, origin: Option<&str>, msgs: Vec<StoredMessage>) -> Result<bool> {
    let Some((qid, next)) = queue_id(tx, to)? else { return Ok(false) };
    let mut delete = tx.prepare_cached("DELETE FROM messages WHERE seq = ?1").map_err(backend)?;
    for m in &msgs {
        delete.execute([m.seq as i64]).map_err(backend)?;
    }
    let fresh: Vec<StoredMessage> = msgs.into_iter().map(|m| m.moved(now, origin)).collect();
    append(tx, qid, next, &fresh)?;
    Ok(true)
}

/// Up to `max` messages of queue `qid` that a receive may hand out at `now`.
fn candidates(tx: &Transaction<'_>, qid: i64, now: u64, max: usize, fifo: bool) -> Result<Vec<StoredMessage>> {
    if !fifo {
        let mut stmt = tx
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM messages WHERE queue = ?1 AND visible_ms <= ?2 ORDER BY visible_ms LIMIT ?3"
            ))
            .map_err(backend)?;
        let rows = stmt.query_map(params![qid, now as i64, max as i64], message).map_err(backend)?;
        return rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend);
    }
    let (lo, hi) = range(qid);
    let picked: Vec<u64> = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT seq, grp, visible_ms, receives FROM messages WHERE seq >= ?1 AND seq < ?2 ORDER BY seq LIMIT ?3",
            )
            .map_err(backend)?;
        let mut rows = stmt.query(params![lo, hi, FIFO_LOOKAHEAD as i64]).map_err(backend)?;
        let mut picker = FifoPicker::new(now, max);
        let mut ended = false;
        while !picker.is_full() {
            let Some(r) = rows.next().map_err(backend)? else {
                ended = true;
                break;
            };
            let (seq, group, visible, receives): (i64, Option<String>, i64, u32) = (
                r.get(0).map_err(backend)?,
                r.get(1).map_err(backend)?,
                r.get(2).map_err(backend)?,
                r.get(3).map_err(backend)?,
            );
            picker.offer(seq as u64, group, visible as u64, receives);
        }
        picker.finish(ended)
    };
    let mut get = tx.prepare_cached(&format!("SELECT {COLUMNS} FROM messages WHERE seq = ?1")).map_err(backend)?;
    picked.into_iter().map(|seq| get.query_row([seq as i64], message).map_err(backend)).collect()
}

fn receive(tx: &Transaction<'_>, queue: &str, req: &ReceiveRequest) -> Result<Received> {
    let (qid, _) = queue_id(tx, queue)?.ok_or_else(|| gone(queue))?;
    let mut out = Received::default();
    let mut update = tx
        .prepare_cached(
            "UPDATE messages SET receives = ?2, first_receive_ms = ?3, nonce = ?4, visible_ms = ?5 WHERE seq = ?1",
        )
        .map_err(backend)?;
    for _ in 0..DEAD_LETTER_ROUNDS {
        let want = req.max - out.messages.len();
        let found = candidates(tx, qid, req.now_ms, want, req.fifo)?;
        let (mut dead, mut any_dead) = (Vec::new(), false);
        for mut m in found.into_iter() {
            if let Some(DeadLetter { max_receives, .. }) = &req.dead_letter
                && m.receives >= *max_receives
            {
                dead.push(m);
                continue;
            }
            m.receive(req.now_ms, req.visible_until_ms, random_u64());
            update
                .execute(params![
                    m.seq as i64,
                    m.receives,
                    m.first_receive_ms.map(|v| v as i64),
                    m.nonce as i64,
                    m.visible_ms as i64
                ])
                .map_err(backend)?;
            out.messages.push(m);
        }
        if let (Some(dl), false) = (&req.dead_letter, dead.is_empty()) {
            let n = dead.len();
            if transfer(tx, &dl.queue, req.now_ms, Some(queue), dead)? {
                out.dead_lettered += n;
                any_dead = true;
            }
        }
        // Another round only when dead-lettering made room and there may be more.
        if !any_dead || out.messages.len() == req.max {
            break;
        }
    }
    Ok(out)
}

fn change_visibility(
    tx: &Transaction<'_>,
    queue: &str,
    now: u64,
    changes: &[(MessageReceipt, u64)],
) -> Result<Vec<VisibilityChange>> {
    let (qid, _) = queue_id(tx, queue)?.ok_or_else(|| gone(queue))?;
    let mut get = tx
        .prepare_cached("SELECT visible_ms FROM messages WHERE seq = ?1 AND queue = ?2 AND nonce = ?3 AND receives > 0")
        .map_err(backend)?;
    let mut set = tx.prepare_cached("UPDATE messages SET visible_ms = ?2 WHERE seq = ?1").map_err(backend)?;
    let mut out = Vec::with_capacity(changes.len());
    for (r, until) in changes {
        let visible: Option<i64> =
            get.query_row(params![r.seq as i64, qid, r.nonce as i64], |row| row.get(0)).optional().map_err(backend)?;
        out.push(match visible {
            None => VisibilityChange::Stale,
            Some(v) if v as u64 <= now => VisibilityChange::NotInFlight,
            Some(_) => {
                set.execute(params![r.seq as i64, *until as i64]).map_err(backend)?;
                VisibilityChange::Changed
            }
        });
    }
    Ok(out)
}

fn move_visible(tx: &Transaction<'_>, queue: &str, now: u64, max: usize, to: &MoveTo) -> Result<Moved> {
    let (qid, _) = queue_id(tx, queue)?.ok_or_else(|| gone(queue))?;
    let found = candidates(tx, qid, now, max, false)?;
    let mut out = Moved::default();
    for m in found {
        let dest = match to.destination(m.origin.as_deref()) {
            Ok(dest) => dest,
            Err(blocked) => {
                out.blocked = Some(blocked);
                break;
            }
        };
        if !transfer(tx, &dest, now, None, vec![m])? {
            out.blocked = Some(MoveBlocked::NoQueue(dest));
            break;
        }
        out.moved += 1;
    }
    Ok(out)
}

fn expire(tx: &Transaction<'_>, queue: &str, sent_before: u64, now: u64, limit: usize) -> Result<(usize, usize)> {
    let Some((qid, _)) = queue_id(tx, queue)? else { return Ok((0, 0)) };
    let (lo, hi) = range(qid);
    // Messages are numbered in sending order, so the oldest is first; one moved from a
    // dead-letter queue (which keeps its sent time) waits until it reaches the front.
    let oldest: Option<i64> = tx
        .prepare_cached("SELECT sent_ms FROM messages WHERE seq >= ?1 AND seq < ?2 ORDER BY seq LIMIT 1")
        .map_err(backend)?
        .query_row(params![lo, hi], |r| r.get(0))
        .optional()
        .map_err(backend)?;
    let messages = match oldest {
        Some(sent) if sent as u64 <= sent_before => tx
            .prepare_cached(
                "DELETE FROM messages WHERE seq IN
                 (SELECT seq FROM messages WHERE seq >= ?1 AND seq < ?2 ORDER BY seq LIMIT ?3) AND sent_ms <= ?4",
            )
            .map_err(backend)?
            .execute(params![lo, hi, limit as i64, sent_before as i64])
            .map_err(backend)?,
        _ => 0,
    };
    let dedup = tx
        .prepare_cached(
            "DELETE FROM dedup WHERE queue = ?1 AND key IN
             (SELECT key FROM dedup WHERE queue = ?1 AND expires_ms <= ?2 LIMIT ?3)",
        )
        .map_err(backend)?
        .execute(params![qid, now as i64, limit as i64])
        .map_err(backend)?;
    Ok((messages, dedup))
}

fn send(tx: &Transaction<'_>, queue: &str, now: u64, messages: &[NewStoredMessage]) -> Result<Vec<SendOutcome>> {
    let (qid, next) = queue_id(tx, queue)?.ok_or_else(|| gone(queue))?;
    let mut seen = tx
        .prepare_cached("SELECT id, seq FROM dedup WHERE queue = ?1 AND key = ?2 AND expires_ms > ?3")
        .map_err(backend)?;
    let mut record = tx
        .prepare_cached("INSERT OR REPLACE INTO dedup (queue, key, expires_ms, id, seq) VALUES (?1, ?2, ?3, ?4, ?5)")
        .map_err(backend)?;
    let mut out = Vec::with_capacity(messages.len());
    let mut next = next;
    for m in messages {
        if let Some(d) = &m.dedup {
            let earlier: Option<(String, i64)> = seen
                .query_row(params![qid, d.key, now as i64], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(backend)?;
            if let Some((id, seq)) = earlier {
                out.push(SendOutcome::Duplicate { id, seq: seq as u64 });
                continue;
            }
        }
        let stored = m.stored();
        let seq = (qid << QUEUE_SHIFT) | next;
        next += 1;
        insert(tx, qid, seq, &stored)?;
        if let Some(d) = &m.dedup {
            record.execute(params![qid, d.key, d.expires_ms as i64, m.id, seq]).map_err(backend)?;
        }
        out.push(SendOutcome::Stored(seq as u64));
    }
    set_next(tx, qid, next)?;
    Ok(out)
}

fn import_queue(
    tx: &Transaction<'_>,
    name: &str,
    definition: &str,
    messages: &[StoredMessage],
    dedup: &[(Dedup, String, u64)],
) -> Result<()> {
    if queue_id(tx, name)?.is_some() {
        return Err(Error::Conflict(format!("queue {name} exists")));
    }
    tx.execute("INSERT INTO queues (name, definition) VALUES (?1, ?2)", params![name, definition]).map_err(backend)?;
    let (qid, next) = queue_id(tx, name)?.ok_or_else(|| gone(name))?;
    let seqs = append(tx, qid, next, messages)?;
    let renumbered: HashMap<u64, u64> = messages.iter().map(|m| m.seq).zip(seqs).collect();
    let mut record = tx
        .prepare_cached("INSERT OR REPLACE INTO dedup (queue, key, expires_ms, id, seq) VALUES (?1, ?2, ?3, ?4, ?5)")
        .map_err(backend)?;
    for (d, id, old) in dedup {
        // A duplicate of a message since deleted keeps its old number (it only shows in
        // SendMessage's answer).
        let seq = renumbered.get(old).copied().unwrap_or(*old);
        record.execute(params![qid, d.key, d.expires_ms as i64, id, seq as i64]).map_err(backend)?;
    }
    Ok(())
}

#[async_trait]
impl MessageStore for SqliteMessageStore {
    async fn create_queue(&self, name: &str, definition: &str) -> Result<()> {
        let (name, definition) = (name.to_string(), definition.to_string());
        self.writer
            .call(move |tx| {
                let n = tx
                    .execute(
                        "INSERT OR IGNORE INTO queues (name, definition) VALUES (?1, ?2)",
                        params![name, definition],
                    )
                    .map_err(backend)?;
                if n == 0 {
                    return Err(Error::Conflict(format!("queue {name} exists")));
                }
                Ok(())
            })
            .await
    }

    async fn update_queue(&self, name: &str, definition: &str) -> Result<()> {
        let (name, definition) = (name.to_string(), definition.to_string());
        self.writer
            .call(move |tx| {
                let n = tx
                    .execute("UPDATE queues SET definition = ?2 WHERE name = ?1", params![name, definition])
                    .map_err(backend)?;
                if n == 0 {
                    return Err(gone(&name));
                }
                Ok(())
            })
            .await
    }

    async fn delete_queue(&self, name: &str) -> Result<bool> {
        let name = name.to_string();
        self.writer
            .call(move |tx| {
                let Some((qid, _)) = queue_id(tx, &name)? else { return Ok(false) };
                let (lo, hi) = range(qid);
                tx.execute("DELETE FROM messages WHERE seq >= ?1 AND seq < ?2", params![lo, hi]).map_err(backend)?;
                tx.execute("DELETE FROM dedup WHERE queue = ?1", [qid]).map_err(backend)?;
                tx.execute("DELETE FROM queues WHERE id = ?1", [qid]).map_err(backend)?;
                Ok(true)
            })
            .await
    }

    async fn list_queues(&self) -> Result<Vec<(String, String)>> {
        self.reads
            .call(|c| {
                let mut stmt =
                    c.prepare_cached("SELECT name, definition FROM queues ORDER BY name").map_err(backend)?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
            })
            .await
    }

    async fn send(&self, queue: &str, now_ms: u64, messages: Vec<NewStoredMessage>) -> Result<Vec<SendOutcome>> {
        let queue = queue.to_string();
        self.writer.call(move |tx| send(tx, &queue, now_ms, &messages)).await
    }

    async fn receive(&self, queue: &str, request: ReceiveRequest) -> Result<Received> {
        let queue = queue.to_string();
        self.writer.call(move |tx| receive(tx, &queue, &request)).await
    }

    async fn delete(&self, queue: &str, receipts: Vec<MessageReceipt>) -> Result<Vec<bool>> {
        let queue = queue.to_string();
        self.writer
            .call(move |tx| {
                let (qid, _) = queue_id(tx, &queue)?.ok_or_else(|| gone(&queue))?;
                let mut delete = tx
                    .prepare_cached(
                        "DELETE FROM messages WHERE seq = ?1 AND queue = ?2 AND nonce = ?3 AND receives > 0",
                    )
                    .map_err(backend)?;
                receipts
                    .iter()
                    .map(|r| Ok(delete.execute(params![r.seq as i64, qid, r.nonce as i64]).map_err(backend)? > 0))
                    .collect()
            })
            .await
    }

    async fn change_visibility(
        &self,
        queue: &str,
        now_ms: u64,
        changes: Vec<(MessageReceipt, u64)>,
    ) -> Result<Vec<VisibilityChange>> {
        let queue = queue.to_string();
        self.writer.call(move |tx| change_visibility(tx, &queue, now_ms, &changes)).await
    }

    async fn counts(&self, queue: &str, now_ms: u64) -> Result<MessageCounts> {
        let queue = queue.to_string();
        self.reads
            .call(move |c| {
                let qid: Option<i64> = c
                    .prepare_cached("SELECT id FROM queues WHERE name = ?1")
                    .map_err(backend)?
                    .query_row([&queue], |r| r.get(0))
                    .optional()
                    .map_err(backend)?;
                let Some(qid) = qid else { return Err(gone(&queue)) };
                let visible: i64 = c
                    .prepare_cached("SELECT COUNT(*) FROM messages WHERE queue = ?1 AND visible_ms <= ?2")
                    .map_err(backend)?
                    .query_row(params![qid, now_ms as i64], |r| r.get(0))
                    .map_err(backend)?;
                let (hidden, in_flight): (i64, i64) = c
                    .prepare_cached(
                        "SELECT COUNT(*), COALESCE(SUM(receives > 0), 0) FROM messages WHERE queue = ?1 AND visible_ms > ?2",
                    )
                    .map_err(backend)?
                    .query_row(params![qid, now_ms as i64], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(backend)?;
                Ok(MessageCounts {
                    visible: visible as u64,
                    in_flight: in_flight as u64,
                    delayed: (hidden - in_flight) as u64,
                })
            })
            .await
    }

    async fn next_visible_ms(&self, queue: &str, now_ms: u64) -> Result<Option<u64>> {
        let queue = queue.to_string();
        self.reads
            .call(move |c| {
                let next: Option<i64> = c
                    .prepare_cached(
                        "SELECT MIN(visible_ms) FROM messages
                         WHERE queue = (SELECT id FROM queues WHERE name = ?1) AND visible_ms > ?2",
                    )
                    .map_err(backend)?
                    .query_row(params![queue, now_ms as i64], |r| r.get(0))
                    .map_err(backend)?;
                Ok(next.map(|n| n as u64))
            })
            .await
    }

    async fn purge(&self, queue: &str) -> Result<()> {
        let queue = queue.to_string();
        self.writer
            .call(move |tx| {
                let (qid, _) = queue_id(tx, &queue)?.ok_or_else(|| gone(&queue))?;
                let (lo, hi) = range(qid);
                tx.execute("DELETE FROM messages WHERE seq >= ?1 AND seq < ?2", params![lo, hi]).map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn move_visible(&self, queue: &str, now_ms: u64, max: usize, to: MoveTo) -> Result<Moved> {
        let queue = queue.to_string();
        self.writer.call(move |tx| move_visible(tx, &queue, now_ms, max, &to)).await
    }

    async fn expire(&self, queue: &str, sent_before_ms: u64, now_ms: u64, limit: usize) -> Result<(usize, usize)> {
        let queue = queue.to_string();
        self.writer.call(move |tx| expire(tx, &queue, sent_before_ms, now_ms, limit)).await
    }

    async fn import_queue(
        &self,
        name: &str,
        definition: &str,
        messages: Vec<StoredMessage>,
        dedup: Vec<(Dedup, String, u64)>,
    ) -> Result<()> {
        let (name, definition) = (name.to_string(), definition.to_string());
        self.writer.call(move |tx| import_queue(tx, &name, &definition, &messages, &dedup)).await
    }
}
