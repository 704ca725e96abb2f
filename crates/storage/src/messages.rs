//! Queues and their messages: the store decides which message each receive gets, so that
//! several processes on one store never hand a message out twice inside its visibility
//! timeout, and a backlog lives on disk rather than in memory.

use crate::Result;
use async_trait::async_trait;

/// A message as stored: what the store acts on, plus the caller's opaque content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its number: unique in the store, increasing in send order within a queue.
    pub seq: u64,
    /// `MessageId`.
    pub id: String,
    /// `MessageGroupId` (FIFO queues): the group whose order the store keeps.
    pub group: Option<String>,
    /// The queue a dead-lettered message came from.
    pub origin: Option<String>,
    /// When it was sent, ms since the epoch.
    pub sent_ms: u64,
    /// When it is (or was) next visible, ms since the epoch.
    pub visible_ms: u64,
    /// How often it was received.
    pub receives: u32,
    /// When it was first received.
    pub first_receive_ms: Option<u64>,
    /// Drawn at each receive: only the latest receipt acts on the message.
    pub nonce: u64,
    /// The caller's encoding of body and attributes.
    pub content: Vec<u8>,
}

impl StoredMessage {
    /// The message as a receive hands it out at `now_ms`: received once more, hidden until
    /// `until_ms`, with a fresh `nonce`.
    pub fn receive(&mut self, now_ms: u64, until_ms: u64, nonce: u64) {
        self.receives += 1;
        self.first_receive_ms.get_or_insert(now_ms);
        self.nonce = nonce;
        self.visible_ms = until_ms;
    }

    /// The message as moved to another queue at `now_ms`: visible there at once, never
    /// received, remembering `origin`.
    pub fn moved(self, now_ms: u64, origin: Option<&str>) -> StoredMessage {
        StoredMessage {
            origin: origin.map(str::to_string),
            visible_ms: now_ms,
            receives: 0,
            first_receive_ms: None,
            nonce: 0,
            ..self
        }
    }
}

impl NewStoredMessage {
    /// The message as first stored (its number still to be given).
    pub fn stored(&self) -> StoredMessage {
        StoredMessage {
            seq: 0,
            id: self.id.clone(),
            group: self.group.clone(),
            origin: None,
            sent_ms: self.sent_ms,
            visible_ms: self.visible_ms,
            receives: 0,
            first_receive_ms: None,
            nonce: 0,
            content: self.content.clone(),
        }
    }
}

/// A FIFO deduplication id as recorded: sends with the same key before `expires_ms` are
/// accepted and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dedup {
    /// The id (with the group, under per-group scope).
    pub key: String,
    /// When the record lapses.
    pub expires_ms: u64,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStoredMessage {
    /// `MessageId`.
    pub id: String,
    /// `MessageGroupId`.
    pub group: Option<String>,
    /// The deduplication record this send makes (FIFO queues).
    pub dedup: Option<Dedup>,
    /// When it was sent.
    pub sent_ms: u64,
    /// When it first becomes visible.
    pub visible_ms: u64,
    /// The caller's encoding of body and attributes.
    pub content: Vec<u8>,
}

/// What became of one sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Stored under this number.
    Stored(u64),
    /// A duplicate within the deduplication interval of the message `id`, number `seq`.
    Duplicate {
        /// The earlier message's id.
        id: String,
        /// The earlier message's number.
        seq: u64,
    },
}

/// Where a receive sends messages received too often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The dead-letter queue.
    pub queue: String,
    /// `maxReceiveCount`: a message received this often goes there instead.
    pub max_receives: u32,
}

/// One receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveRequest {
    /// The time of the receive.
    pub now_ms: u64,
    /// Most messages to hand out.
    pub max: usize,
    /// When the received messages become visible again.
    pub visible_until_ms: u64,
    /// FIFO order: a group with a message in flight or not yet visible gives none.
    pub fifo: bool,
    /// Where messages received too often go (moved in the same transaction).
    pub dead_letter: Option<DeadLetter>,
}

/// What a receive did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// The messages handed out, with their new receive count, nonce and visibility.
    pub messages: Vec<StoredMessage>,
    /// How many it moved to the dead-letter queue.
    pub dead_lettered: usize,
}

/// A receipt: which receive of which message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageReceipt {
    /// The message's number.
    pub seq: u64,
    /// The receive's nonce.
    pub nonce: u64,
}

/// What became of one visibility change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisibilityChange {
    /// Applied.
    Changed,
    /// The receipt is not the message's latest (or the message is gone).
    Stale,
    /// The message is visible already.
    NotInFlight,
}

/// A queue's messages by state, at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageCounts {
    /// Visible.
    pub visible: u64,
    /// Received and not yet visible again.
    pub in_flight: u64,
    /// Never received and not yet visible.
    pub delayed: u64,
}

/// Where a move takes visible messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveTo {
    /// This queue.
    Queue(String),
    /// The queue each message came from (its `origin`).
    Origin,
}

impl MoveTo {
    /// Where a message that came from `origin` goes.
    pub fn destination(&self, origin: Option<&str>) -> Result<String, MoveBlocked> {
        match (self, origin) {
            (MoveTo::Queue(q), _) => Ok(q.clone()),
            (MoveTo::Origin, Some(o)) => Ok(o.to_string()),
            (MoveTo::Origin, None) => Err(MoveBlocked::NoOrigin),
        }
    }
}

/// Why a move stopped at a message it could not move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveBlocked {
    /// Back to its origin, but it has none.
    NoOrigin,
    /// Its destination, this queue, does not exist.
    NoQueue(String),
}

/// What a move did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    /// Messages moved.
    pub moved: u64,
    /// Why it stopped before `max`, if it did at a message it could not move.
    pub blocked: Option<MoveBlocked>,
}

/// Queues and messages.
///
/// Contract for every backend:
/// - every `Ok` write is durable: it survives a crash (`kill -9`) of the process;
/// - each call is one transaction;
/// - `receive` never hands a message to two callers (of any process on the same store)
///   while it is invisible; a message stays until `delete` with its latest receipt,
///   `purge`, `expire`, a move or the queue's deletion;
/// - on a FIFO receive, a group gives messages in `seq` order and none while an earlier
///   message of it is invisible.
#[async_trait]
pub trait MessageStore: Send + Sync + 'static {
    /// Stores a new queue's definition; [`crate::Error::Conflict`] if the name is taken.
    async fn create_queue(&self, name: &str, definition: &str) -> Result<()>;

    /// Replaces an existing queue's definition.
    async fn update_queue(&self, name: &str, definition: &str) -> Result<()>;

    /// Deletes a queue, its messages and deduplication records; whether it existed.
    async fn delete_queue(&self, name: &str) -> Result<bool>;

    /// Every queue's name and definition, by name.
    async fn list_queues(&self) -> Result<Vec<(String, String)>>;

    /// Stores messages in order, all or none, at `now_ms` (which decides whether a
    /// deduplication record still holds). [`crate::Error::Conflict`] if the queue is gone.
    async fn send(&self, queue: &str, now_ms: u64, messages: Vec<NewStoredMessage>) -> Result<Vec<SendOutcome>>;

    /// Hands out up to `max` visible messages, oldest first, each with a fresh nonce.
    async fn receive(&self, queue: &str, request: ReceiveRequest) -> Result<Received>;

    /// Deletes each message whose latest receipt is given; which were deleted.
    async fn delete(&self, queue: &str, receipts: Vec<MessageReceipt>) -> Result<Vec<bool>>;

    /// Sets in-flight messages' visibility, each to its time.
    async fn change_visibility(
        &self,
        queue: &str,
        now_ms: u64,
        changes: Vec<(MessageReceipt, u64)>,
    ) -> Result<Vec<VisibilityChange>>;

    /// The queue's messages by state at `now_ms`.
    async fn counts(&self, queue: &str, now_ms: u64) -> Result<MessageCounts>;

    /// When the next message not visible at `now_ms` becomes visible.
    async fn next_visible_ms(&self, queue: &str, now_ms: u64) -> Result<Option<u64>>;

    /// Deletes every message of the queue.
    async fn purge(&self, queue: &str) -> Result<()>;

    /// Moves up to `max` visible messages, oldest first, to the end of their destination
    /// (visible at `now_ms`, receive count reset, no origin).
    async fn move_visible(&self, queue: &str, now_ms: u64, max: usize, to: MoveTo) -> Result<Moved>;

    /// Deletes up to `limit` messages sent at or before `sent_before_ms`, and up to `limit`
    /// deduplication records lapsed at `now_ms`; how many of each.
    async fn expire(&self, queue: &str, sent_before_ms: u64, now_ms: u64, limit: usize) -> Result<(usize, usize)>;

    /// Creates a queue with messages as they are (numbered anew in their order) and
    /// deduplication records (each with the id and old number of its message), all in one
    /// transaction: for carrying a queue over from an older layout.
    /// [`crate::Error::Conflict`] if the queue exists (it was carried over already).
    async fn import_queue(
        &self,
        name: &str,
        definition: &str,
        messages: Vec<StoredMessage>,
        dedup: Vec<(Dedup, String, u64)>,
    ) -> Result<()>;
}

/// Chooses what a FIFO receive hands out, given a queue's messages in order of number:
/// backends feed it rows (their number, group, visible time, receive count) until it is
/// full or the rows end, so every backend applies one rule.
///
/// A group's received messages come before the rest of it (it is received in order), so a
/// group gives nothing while one of them is in flight: those found visible wait as
/// tentative until the group's first message never received shows that none is. A
/// message never received that is not yet visible (delayed) holds back the rest of its
/// group.
#[derive(Debug)]
pub struct FifoPicker {
    now_ms: u64,
    max: usize,
    picked: Vec<u64>,
    blocked: std::collections::HashSet<String>,
    confirmed: std::collections::HashSet<String>,
    tentative: std::collections::HashMap<String, Vec<u64>>,
}

impl FifoPicker {
    /// A picker of up to `max` messages visible at `now_ms`.
    pub fn new(now_ms: u64, max: usize) -> FifoPicker {
        FifoPicker {
            now_ms,
            max,
            picked: Vec::new(),
            blocked: Default::default(),
            confirmed: Default::default(),
            tentative: Default::default(),
        }
    }

    /// Whether it has all it wants.
    pub fn is_full(&self) -> bool {
        self.picked.len() >= self.max
    }

    /// The next message in order.
    pub fn offer(&mut self, seq: u64, group: Option<String>, visible_ms: u64, receives: u32) {
        let group = group.unwrap_or_default();
        if self.blocked.contains(&group) {
            return;
        }
        let visible = visible_ms <= self.now_ms;
        match (visible, receives > 0, self.confirmed.contains(&group)) {
            (true, _, true) => self.picked.push(seq),
            (true, true, false) => self.tentative.entry(group).or_default().push(seq),
            (true, false, false) => {
                self.picked.extend(self.tentative.remove(&group).unwrap_or_default());
                self.picked.push(seq);
                self.confirmed.insert(group);
            }
            (false, true, _) => {
                self.tentative.remove(&group);
                self.blocked.insert(group);
            }
            (false, false, _) => {
                self.picked.extend(self.tentative.remove(&group).unwrap_or_default());
                self.blocked.insert(group);
            }
        }
    }

    /// The numbers to hand out, in order; `ended`: the rows ran out (rather than the picker
    /// filled up), so groups whose every message was received and is visible again count.
    pub fn finish(mut self, ended: bool) -> Vec<u64> {
        if ended {
            self.picked.extend(self.tentative.into_values().flatten());
        }
        self.picked.sort_unstable();
        self.picked.truncate(self.max);
        self.picked
    }
}
