//! SendMessage and SendMessageBatch: each message checked as SQS checks it, the valid ones
//! stored in one transaction (with FIFO deduplication decided by the store).

use crate::message::{
    self, DEDUP_INTERVAL_MS, NewMessage, check_attributes, check_text, md5_of_attributes, md5_of_body, sequence_number,
};
use crate::service::{Content, QueueDef, Queues, Sent, storage_error};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use squall_storage::{Dedup, NewStoredMessage, SendOutcome};
use squall_types::RequestId;

/// A message checked and ready to store, with what its answer needs.
struct Prepared {
    stored: NewStoredMessage,
    content: Content,
}

impl Queues {
    /// SendMessage.
    pub async fn send(&self, name: &str, m: NewMessage) -> Result<Sent> {
        self.send_batch(name, vec![m]).await?.pop().expect("one result per message")
    }

    /// SendMessageBatch (and SendMessage): each message is checked on its own; the valid
    /// ones are stored in one transaction and become visible once it is durable.
    pub async fn send_batch(&self, name: &str, batch: Vec<NewMessage>) -> Result<Vec<Result<Sent>>> {
        let q = self.queue(name)?;
        let def = q.def()?;
        let now = self.clock.now_ms();
        let checked: Vec<Result<Prepared>> = batch.iter().map(|m| prepare(&def, m, now)).collect();
        let accepted: Vec<NewStoredMessage> =
            checked.iter().filter_map(|p| p.as_ref().ok()).map(|p| p.stored.clone()).collect();
        let mut outcomes = if accepted.is_empty() {
            Vec::new().into_iter()
        } else {
            let outcomes = self.store.send(name, now, accepted).await.map_err(storage_error)?;
            q.notify.notify_waiters();
            outcomes.into_iter()
        };
        let fifo = def.is_fifo();
        Ok(checked
            .into_iter()
            .map(|p| {
                let p = p?;
                Ok(match outcomes.next().expect("one outcome per stored message") {
                    SendOutcome::Stored(seq) => sent(&p.content, p.stored.id, fifo.then_some(seq)),
                    // A duplicate within the interval: accepted, not enqueued again.
                    SendOutcome::Duplicate { id, seq } => sent(&p.content, id, Some(seq)),
                })
            })
            .collect())
    }
}

fn prepare(def: &QueueDef, m: &NewMessage, now: u64) -> Result<Prepared> {
    check_text(&m.body, "the message body")?;
    check_attributes(&m.attributes)?;
    if m.body.is_empty() {
        return Err(Error::MissingParameter("The request must contain the parameter MessageBody.".into()));
    }
    let size = m.body.len() + message::attributes_size(&m.attributes);
    let limit = def.attributes.max_message_bytes as usize;
    if size > limit {
        return Err(Error::InvalidParameterValue(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
        )));
    }
    if let Some(d) = m.delay_s.filter(|d| def.is_fifo() && *d > 0) {
        return Err(Error::InvalidParameterValue(format!(
            "Value {d} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
        )));
    }
    let dedup = match (&def.attributes.fifo, &m.dedup_id) {
        (None, Some(_)) => {
            return Err(Error::InvalidParameterValue(
                "The request include parameter MessageDeduplicationId that is not valid for this queue type.".into(),
            ));
        }
        (None, None) => None,
        (Some(_), Some(id)) => Some(check_fifo_id("MessageDeduplicationId", id)?.to_string()),
        (Some(f), None) if f.content_based_dedup => Some(hex::encode(Sha256::digest(m.body.as_bytes()))),
        (Some(_), None) => {
            return Err(Error::InvalidParameterValue(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly".into(),
            ));
        }
    };
    let group = match &m.group_id {
        Some(g) => Some(check_fifo_id("MessageGroupId", g)?.to_string()),
        None if def.is_fifo() => {
            return Err(Error::MissingParameter("The request must contain the parameter MessageGroupId.".into()));
        }
        None => None,
    };
    if let Some(d) = m.delay_s.filter(|d| *d > 900) {
        return Err(Error::InvalidParameterValue(format!(
            "Value {d} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided."
        )));
    }
    if let Some(bad) = m.system_attributes.keys().find(|k| k.as_str() != "AWSTraceHeader") {
        return Err(Error::InvalidParameterValue(format!(
            "Message system attribute name '{bad}' is invalid: only AWSTraceHeader is supported."
        )));
    }
    let delay = m.delay_s.unwrap_or(def.attributes.delay_s);
    let content =
        Content { body: m.body.clone(), attrs: m.attributes.clone(), sys: m.system_attributes.clone(), dedup };
    let dedup = dedup_key(def, group.as_deref(), content.dedup.as_deref())
        .map(|key| Dedup { key, expires_ms: now + DEDUP_INTERVAL_MS });
    let stored = NewStoredMessage {
        id: RequestId::new().to_string(),
        group,
        dedup,
        sent_ms: now,
        visible_ms: now + u64::from(delay) * 1000,
        content: content.encode(),
    };
    Ok(Prepared { stored, content })
}

/// The key a FIFO message's deduplication id is remembered under: the id, or with
/// `DeduplicationScope: messageGroup` the group and the id.
pub(crate) fn dedup_key(def: &QueueDef, group: Option<&str>, dedup: Option<&str>) -> Option<String> {
    let f = def.attributes.fifo.as_ref()?;
    let id = dedup?;
    // Both are printable ASCII, so a line feed cannot occur in either (and, unlike NUL,
    // every backend's text type holds it).
    Some(if f.dedup_per_group { format!("{}\n{id}", group.unwrap_or("")) } else { id.to_string() })
}

/// What SendMessage answers for `c`, stored as message `id` (an earlier one, for a duplicate).
fn sent(c: &Content, id: String, seq: Option<u64>) -> Sent {
    Sent {
        id,
        md5_of_body: md5_of_body(&c.body),
        md5_of_attributes: md5_of_attributes(&c.attrs),
        md5_of_system_attributes: md5_of_attributes(&c.sys),
        sequence_number: seq.map(sequence_number),
    }
}

/// A `MessageGroupId` or `MessageDeduplicationId`: 1 to 128 printable ASCII characters.
fn check_fifo_id<'a>(what: &str, id: &'a str) -> Result<&'a str> {
    if !message::is_fifo_id(id) {
        return Err(Error::InvalidParameterValue(format!(
            "Value {id} for parameter {what} is invalid. Reason: {what} can only include alphanumeric and punctuation characters. 1 to 128 in length."
        )));
    }
    Ok(id)
}
