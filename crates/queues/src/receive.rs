//! ReceiveMessage with long polling, DeleteMessage(Batch) and
//! ChangeMessageVisibility(Batch): the store hands messages out and checks receipts.

use crate::message::{md5_of_attributes, md5_of_body, sequence_number};
use crate::receipt::Receipt;
use crate::service::{Content, Queues, ReceiveOptions, Received, name_of_arn, storage_error};
use crate::{Error, Result};
use squall_storage::{DeadLetter, MessageReceipt, ReceiveRequest, StoredMessage, VisibilityChange};
use squall_types::ACCOUNT_ID;
use std::collections::BTreeMap;
use std::time::Duration;

/// How often a long poll looks at a store other servers share.
const SHARED_POLL: Duration = Duration::from_millis(200);

impl Queues {
    /// ReceiveMessage: up to `max` visible messages, waiting up to the wait time for one.
    pub async fn receive(&self, name: &str, opts: ReceiveOptions) -> Result<Vec<Received>> {
        let max = opts.max.unwrap_or(1);
        if !(1..=10).contains(&max) {
            return Err(Error::InvalidParameterValue(format!(
                "Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
            )));
        }
        if let Some(w) = opts.wait_s.filter(|w| *w > 20) {
            return Err(Error::InvalidParameterValue(format!(
                "Value {w} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
            )));
        }
        if let Some(v) = opts.visibility_timeout_s.filter(|v| *v > 43_200) {
            return Err(Error::InvalidParameterValue(format!(
                "Value {v} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."
            )));
        }
        let q = self.queue(name)?;
        let def = q.def()?;
        // The dead-letter queue, when it exists and is another queue.
        let dlq = def.attributes.redrive.as_ref().and_then(|r| {
            let target = name_of_arn(&r.dead_letter_target_arn).and_then(|n| self.queue(n).ok())?;
            (target.name != q.name)
                .then(|| (DeadLetter { queue: target.name.clone(), max_receives: r.max_receive_count }, target))
        });
        let wait_s = opts.wait_s.unwrap_or(def.attributes.receive_wait_s);
        let vt_ms = u64::from(opts.visibility_timeout_s.unwrap_or(def.attributes.visibility_timeout_s)) * 1000;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait_s));
        loop {
            let notified = q.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = self.clock.now_ms();
            let request = ReceiveRequest {
                now_ms: now,
                max: max as usize,
                visible_until_ms: now + vt_ms,
                fifo: def.is_fifo(),
                dead_letter: dlq.as_ref().map(|(d, _)| d.clone()),
            };
            let got = self.store.receive(name, request).await.map_err(storage_error)?;
            if let (Some((_, target)), true) = (&dlq, got.dead_lettered > 0) {
                tracing::debug!(from = name, to = target.name, n = got.dead_lettered, "moved to the dead-letter queue");
                target.notify.notify_waiters();
            }
            if !got.messages.is_empty() || tokio::time::Instant::now() >= deadline {
                return got.messages.iter().map(|m| received(name, m)).collect();
            }
            if got.dead_lettered > 0 {
                continue;
            }
            let next_due = self.store.next_visible_ms(name, now).await.map_err(storage_error)?;
            // The wait itself is real time (a connected client's), but the next message
            // falls due on the clock, so advancing it past that wakes this poll too.
            let due = async {
                match next_due {
                    Some(due) => self.clock.sleep_until_ms(due).await,
                    None => std::future::pending().await,
                }
            };
            // A send through another server sharing the store wakes nobody here: look again
            // now and then.
            let elsewhere = async {
                if self.cluster.shared { tokio::time::sleep(SHARED_POLL).await } else { std::future::pending().await }
            };
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline) => {}
                () = due => {}
                () = elsewhere => {}
            }
        }
    }

    fn receipt(&self, name: &str, handle: &str) -> Result<Receipt> {
        Receipt::decode(handle).filter(|r| r.queue == name).ok_or_else(|| {
            Error::ReceiptHandleIsInvalid(format!(
                "The input receipt handle \"{handle}\" is not a valid receipt handle."
            ))
        })
    }

    /// DeleteMessage: deletes the message if `handle` is its latest receipt handle; a
    /// stale handle succeeds and deletes nothing (SQS's rule).
    pub async fn delete_message(&self, name: &str, handle: &str) -> Result<()> {
        self.delete_batch(name, &[handle]).await?.pop().expect("one result per handle")
    }

    /// DeleteMessageBatch: one transaction for every valid handle.
    pub async fn delete_batch(&self, name: &str, handles: &[&str]) -> Result<Vec<Result<()>>> {
        self.queue(name)?.def()?;
        let results: Vec<Result<Receipt>> = handles.iter().map(|h| self.receipt(name, h)).collect();
        let receipts: Vec<MessageReceipt> =
            results.iter().flatten().map(|r| MessageReceipt { seq: r.seq, nonce: r.nonce }).collect();
        if !receipts.is_empty() {
            self.store.delete(name, receipts).await.map_err(storage_error)?;
        }
        Ok(results.into_iter().map(|r| r.map(|_| ())).collect())
    }

    /// ChangeMessageVisibility: the message becomes visible `timeout_s` from now.
    pub async fn change_visibility(&self, name: &str, handle: &str, timeout_s: u32) -> Result<()> {
        self.change_visibility_batch(name, &[(handle, timeout_s)]).await?.pop().expect("one result per entry")
    }

    /// ChangeMessageVisibilityBatch.
    pub async fn change_visibility_batch(&self, name: &str, entries: &[(&str, u32)]) -> Result<Vec<Result<()>>> {
        let q = self.queue(name)?;
        q.def()?;
        let now = self.clock.now_ms();
        let checked: Vec<Result<(MessageReceipt, u64)>> = entries
            .iter()
            .map(|(h, timeout_s)| {
                let r = self.receipt(name, h)?;
                if *timeout_s > 43_200 {
                    return Err(Error::InvalidParameterValue(format!(
                        "Value {timeout_s} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200."
                    )));
                }
                Ok((MessageReceipt { seq: r.seq, nonce: r.nonce }, now + u64::from(*timeout_s) * 1000))
            })
            .collect();
        let changes: Vec<(MessageReceipt, u64)> = checked.iter().flatten().copied().collect();
        let mut outcomes = if changes.is_empty() {
            Vec::new().into_iter()
        } else {
            self.store.change_visibility(name, now, changes).await.map_err(storage_error)?.into_iter()
        };
        let mut wake = false;
        let results = checked
            .into_iter()
            .zip(entries)
            .map(|(c, (h, timeout_s))| {
                c?;
                match outcomes.next().expect("one outcome per change") {
                    VisibilityChange::Changed => {
                        wake |= *timeout_s == 0;
                        Ok(())
                    }
                    VisibilityChange::NotInFlight => Err(Error::MessageNotInflight),
                    VisibilityChange::Stale => Err(Error::InvalidParameterValue(format!(
                        "Value {h} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
                    ))),
                }
            })
            .collect();
        if wake {
            q.notify.notify_waiters();
        }
        Ok(results)
    }
}

fn received(queue: &str, m: &StoredMessage) -> Result<Received> {
    let c: Content = serde_json::from_slice(&m.content).map_err(|e| {
        Error::Storage(squall_storage::Error::Corrupt {
            what: format!("message {} of queue {queue}", m.id),
            detail: e.to_string(),
        })
    })?;
    let mut system = BTreeMap::from([
        ("SenderId".to_string(), ACCOUNT_ID.to_string()),
        ("SentTimestamp".to_string(), m.sent_ms.to_string()),
        ("ApproximateReceiveCount".to_string(), m.receives.to_string()),
        ("ApproximateFirstReceiveTimestamp".to_string(), m.first_receive_ms.unwrap_or(m.sent_ms).to_string()),
    ]);
    if let Some(trace) = c.sys.get("AWSTraceHeader").and_then(|v| v.string.clone()) {
        system.insert("AWSTraceHeader".into(), trace);
    }
    if let Some(g) = &m.group {
        system.insert("MessageGroupId".into(), g.clone());
    }
    if let Some(d) = &c.dedup {
        system.insert("MessageDeduplicationId".into(), d.clone());
        system.insert("SequenceNumber".into(), sequence_number(m.seq));
    }
    Ok(Received {
        id: m.id.clone(),
        receipt_handle: Receipt { queue: queue.to_string(), seq: m.seq, nonce: m.nonce }.encode(),
        md5_of_body: md5_of_body(&c.body),
        md5_of_attributes: md5_of_attributes(&c.attrs),
        body: c.body,
        attributes: c.attrs,
        system,
    })
}
