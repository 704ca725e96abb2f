//! The poller of one queue mapping: receive a batch (long polling, so an idle queue costs
//! nothing), invoke the function with Lambda's SQS event, delete the messages it handled.
//! Failed messages are left to become visible again after the queue's visibility timeout,
//! so the queue's redrive policy decides when they move to its dead-letter queue. With
//! `ReportBatchItemFailures` only the messages the function names are left.

use crate::Ctx;
use base64::Engine;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use squall_functions::EventOutcome;
use squall_functions::async_invoke::jitter;
use squall_queues::service::{ReceiveOptions, Received};
use squall_types::{EventSource, EventSourceMapping, Lineage, RECURSION_LIMIT, RequestId, TraceContext};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// The longest long poll SQS allows.
const MAX_WAIT_S: u32 = 20;

pub(crate) async fn poll(ctx: Arc<Ctx>, function: String, mapping: EventSourceMapping, stop: crate::Stop) {
    let EventSource::Sqs { queue } = &mapping.source else { return };
    let filters = match crate::Filters::of(&mapping) {
        Ok(f) => f,
        Err(why) => {
            tracing::error!(function, queue, "the mapping delivers nothing: {why}");
            ctx.functions.note_mapping_result(&mapping.uuid, &format!("PROBLEM: {why}"));
            return;
        }
    };
    let mut failures = 0u32;
    while crate::current(&ctx, &function, &mapping, &stop) {
        // The target first: messages received for a function that is not there would
        // only count receives toward the dead-letter queue.
        if crate::target(&ctx, &function, &mapping).is_none() {
            ctx.functions.note_mapping_result(&mapping.uuid, "PROBLEM: Function not found");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        match step(&ctx, &function, queue, &mapping, &filters, &stop).await {
            Ok(None) => failures = 0,
            Ok(Some(pause)) => {
                failures = 0;
                ctx.clock.sleep(pause).await;
            }
            // Not created yet, or deleted: look again later (real time, as deploys are).
            Err(squall_queues::Error::QueueDoesNotExist) => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(e) => {
                failures = failures.saturating_add(1);
                let pause = Duration::from_millis(100).saturating_mul(1 << failures.min(9));
                tracing::warn!(function, queue, "polling the queue: {e}; retrying in {pause:?}");
                // Real time: the store recovers in real time.
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// One batch; `Some(pause)` asks the caller to wait before the next.
async fn step(
    ctx: &Ctx,
    function: &str,
    queue: &str,
    m: &EventSourceMapping,
    filters: &crate::Filters,
    stop: &crate::Stop,
) -> squall_queues::Result<Option<Duration>> {
    let want = m.batch_size as usize;
    let receive = |max: usize, wait_s: u32| ReceiveOptions {
        max: Some(max.min(10) as u32),
        visibility_timeout_s: None,
        wait_s: Some(wait_s),
    };
    let mut batch = ctx.queues.receive(queue, receive(want, MAX_WAIT_S)).await?;
    if batch.is_empty() {
        return Ok(None);
    }
    // Fill the batch for up to the batching window, on the clock (each receive's long poll
    // is a real wait).
    let deadline = ctx.clock.now_ms() + u64::from(m.batching_window_s) * 1000;
    while batch.len() < want {
        let left = deadline.saturating_sub(ctx.clock.now_ms());
        if left == 0 {
            break;
        }
        let wait_s = (left.div_ceil(1000) as u32).clamp(1, MAX_WAIT_S);
        batch.extend(ctx.queues.receive(queue, receive(want - batch.len(), wait_s)).await?);
    }
    if !crate::current(ctx, function, m, stop) {
        // Changed or disabled meanwhile: the messages go back at once.
        let handles: Vec<(&str, u32)> = batch.iter().map(|r| (r.receipt_handle.as_str(), 0)).collect();
        ctx.queues.change_visibility_batch(queue, &handles).await?;
        return Ok(None);
    }
    let Some(record) = crate::target(ctx, function, m) else {
        // The function is going away; its messages return after the visibility timeout.
        return Ok(Some(Duration::from_secs(1)));
    };
    let arn = ctx.queues.queue_arn(queue)?;
    // Messages no filter admits are deleted unseen, as Lambda does.
    let (batch, dropped): (Vec<Received>, Vec<Received>) =
        batch.into_iter().partition(|r| filters.admit(&filtered_view(record_json(r, &arn, &ctx.region))));
    if !dropped.is_empty() {
        let handles: Vec<&str> = dropped.iter().map(|r| r.receipt_handle.as_str()).collect();
        ctx.queues.delete_batch(queue, &handles).await?;
    }
    // Recursive loop detection: a message whose chain of requests has invoked the function
    // as often as Lambda allows is not delivered again.
    let name = record.config.name.as_str();
    let (batch, looping): (Vec<Received>, Vec<Received>) =
        batch.into_iter().partition(|r| !lineage_of(r).stops(name, record.config.recursive_loop_allowed));
    if !looping.is_empty() {
        stop_loop(ctx, name, queue, &looping).await?;
    }
    if batch.is_empty() {
        return Ok(None);
    }
    let mut lineage = Lineage::default();
    for r in &batch {
        lineage.join(&lineage_of(r));
    }
    let event = json!({ "Records": batch.iter().map(|r| record_json(r, &arn, &ctx.region)).collect::<Vec<_>>() });
    let request_id = RequestId::new();
    let trace = TraceContext::new_root();
    let payload = Bytes::from(event.to_string());
    let outcome = ctx.functions.invoke_event(&record, payload, &request_id, &trace, &lineage).await;
    let all = || batch.iter().map(|r| r.id.clone()).collect::<HashSet<String>>();
    let (failed, why) = match outcome {
        EventOutcome::Answered(body) if m.report_batch_item_failures => match reported_failures(&body, &batch) {
            Ok(ids) => (ids, "the function reported them as failed".to_string()),
            Err(why) => (all(), why),
        },
        EventOutcome::Answered(_) => (HashSet::new(), String::new()),
        EventOutcome::Unreadable(why) if m.report_batch_item_failures => (all(), why),
        EventOutcome::Unreadable(_) => (HashSet::new(), String::new()),
        EventOutcome::Throttled => {
            // Not the function's fault: make the messages visible again at once.
            let handles: Vec<(&str, u32)> = batch.iter().map(|r| (r.receipt_handle.as_str(), 0)).collect();
            ctx.queues.change_visibility_batch(queue, &handles).await?;
            return Ok(Some(jitter(Duration::from_secs(1))));
        }
        EventOutcome::Failed { message, .. } | EventOutcome::Stopped(message) => (all(), message),
    };
    ctx.functions.note_mapping_result(&m.uuid, if failed.is_empty() { crate::OK } else { crate::FAILED });
    let done: Vec<&str> = batch.iter().filter(|r| !failed.contains(&r.id)).map(|r| r.receipt_handle.as_str()).collect();
    if !done.is_empty() {
        ctx.queues.delete_batch(queue, &done).await?;
    }
    if !failed.is_empty() {
        ctx.functions.platform_line(
            function,
            &request_id,
            &trace,
            format!(
                "{} of {} messages from queue {queue} failed and return to it after its visibility timeout: {why}",
                failed.len(),
                batch.len()
            ),
        );
    }
    Ok(None)
}

/// The chain of requests a message belongs to: the `Lineage` of its `AWSTraceHeader`.
fn lineage_of(r: &Received) -> Lineage {
    r.system.get("AWSTraceHeader").map(|h| Lineage::from_trace_header(h)).unwrap_or_default()
}

/// Messages stopped by recursive loop detection: with a redrive policy they go back to the
/// queue at once, which moves them to its dead-letter queue after `maxReceiveCount`
/// receives, as Lambda leaves them to the queue's; without one they are deleted. Either
/// way the function's log says so.
async fn stop_loop(ctx: &Ctx, function: &str, queue: &str, looping: &[Received]) -> squall_queues::Result<()> {
    let redrive = ctx.queues.get_attributes(queue, &["RedrivePolicy".to_string()]).await?;
    let what = if redrive.contains_key("RedrivePolicy") {
        let handles: Vec<(&str, u32)> = looping.iter().map(|r| (r.receipt_handle.as_str(), 0)).collect();
        ctx.queues.change_visibility_batch(queue, &handles).await?;
        "returned to the queue, for its dead-letter queue"
    } else {
        let handles: Vec<&str> = looping.iter().map(|r| r.receipt_handle.as_str()).collect();
        ctx.queues.delete_batch(queue, &handles).await?;
        "deleted (the queue has no dead-letter queue)"
    };
    let ids: Vec<&str> = looping.iter().map(|r| r.id.as_str()).collect();
    ctx.functions.platform_line(
        function,
        &RequestId::new(),
        &TraceContext::new_root(),
        format!(
            "Lambda stopped a recursive loop: messages {} from queue {queue} come from a chain of requests that has invoked {function} {RECURSION_LIMIT} times; {what}. PutFunctionRecursionConfig with RecursiveLoop Allow lets such chains go on",
            ids.join(", ")
        ),
    );
    Ok(())
}

/// The messages a `ReportBatchItemFailures` answer names. An answer not of that shape, or
/// naming a message not in the batch, fails the whole batch (Lambda's rule).
fn reported_failures(body: &[u8], batch: &[Received]) -> Result<HashSet<String>, String> {
    let whole = |why: &str| Err(format!("{why}: the whole batch counts as failed"));
    if body.is_empty() || body == b"null" {
        return Ok(HashSet::new());
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else { return whole("the answer is not JSON") };
    let Some(list) = v.get("batchItemFailures").filter(|l| !l.is_null()) else { return Ok(HashSet::new()) };
    let Some(list) = list.as_array() else { return whole("batchItemFailures is not a list") };
    let mut out = HashSet::new();
    for f in list {
        let Some(id) = f.get("itemIdentifier").and_then(Value::as_str).filter(|id| !id.is_empty()) else {
            return whole("a batchItemFailures entry has no itemIdentifier");
        };
        if !batch.iter().any(|r| r.id == id) {
            return whole("batchItemFailures names a message not in the batch");
        }
        out.insert(id.to_string());
    }
    Ok(out)
}

/// A message as filter patterns see it: a body that is JSON is matched as JSON (Lambda's
/// rule), any other as the string it is.
fn filtered_view(mut record: Value) -> Value {
    if let Some(parsed) = record["body"].as_str().and_then(|b| serde_json::from_str::<Value>(b).ok()) {
        record["body"] = parsed;
    }
    record
}

/// One message as Lambda's SQS event shows it.
fn record_json(r: &Received, arn: &str, region: &str) -> Value {
    let attributes: Map<String, Value> = r.system.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect();
    let message_attributes: Map<String, Value> = r
        .attributes
        .iter()
        .map(|(k, v)| {
            let mut a = json!({ "stringListValues": [], "binaryListValues": [], "dataType": v.data_type });
            if let Some(s) = &v.string {
                a["stringValue"] = s.clone().into();
            }
            if let Some(b) = &v.binary {
                a["binaryValue"] = base64::engine::general_purpose::STANDARD.encode(b).into();
            }
            (k.clone(), a)
        })
        .collect();
    let mut out = json!({
        "messageId": r.id,
        "receiptHandle": r.receipt_handle,
        "body": r.body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": r.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    });
    if let Some(md5) = &r.md5_of_attributes {
        out["md5OfMessageAttributes"] = md5.clone().into();
    }
    out
}
