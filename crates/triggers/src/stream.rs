//! The poller of one DynamoDB stream mapping: read a batch after the checkpoint, invoke,
//! checkpoint; retry a failed batch with backoff until `maximumRetryAttempts`, then skip it.
//! With `ReportBatchItemFailures`, the function names the records that failed and the
//! checkpoint stops before the first of them.

use crate::Ctx;
use bytes::Bytes;
use serde_json::{Value, json};
use squall_functions::EventOutcome;
use squall_functions::async_invoke::jitter;
use squall_tables::stream::{Start, StreamRecord, format_seq, parse_seq, stream_arn};
use squall_types::{EventSource, EventSourceMapping, RequestId, StartingPosition, TraceContext};
use std::sync::Arc;
use std::time::Duration;

/// The longest an idle poller sleeps without looking (commits wake it sooner). Real time:
/// it looks for streams enabled and functions deployed, which happen in real time.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// Where a poller is in its stream.
struct Cursor {
    label: String,
    /// The last sequence number done with.
    after: u64,
    /// Failed attempts of the batch starting after `after`.
    failures: u32,
}

/// What to do after one step.
enum Next {
    /// Step again at once.
    Go,
    /// Wait for new records, [`IDLE_WAIT`] at most.
    Idle,
    /// Wait for new records, or until the clock reads this (epoch ms).
    IdleUntil(u64),
    /// Sleep this long of the clock's time.
    Sleep(Duration),
}

pub(crate) async fn poll(ctx: Arc<Ctx>, function: String, mapping: EventSourceMapping) {
    let EventSource::DynamoDbStream { table } = &mapping.source else { return };
    let mut changes = ctx.tables.stream_changes();
    let mut cursor: Option<Cursor> = None;
    let mut store_failures = 0u32;
    loop {
        changes.mark_unchanged();
        let next = match step(&ctx, &function, table, &mapping, &mut cursor).await {
            Ok(next) => {
                store_failures = 0;
                next
            }
            Err(e) => {
                store_failures = store_failures.saturating_add(1);
                let pause = Duration::from_millis(100).saturating_mul(1 << store_failures.min(9));
                tracing::warn!(function, table, "reading the stream: {e}; retrying in {pause:?}");
                // Real time: the store recovers in real time.
                tokio::time::sleep(pause).await;
                continue;
            }
        };
        match next {
            Next::Go => {}
            Next::Idle => {
                let _ = tokio::time::timeout(IDLE_WAIT, changes.changed()).await;
            }
            Next::IdleUntil(due) => {
                tokio::select! {
                    _ = changes.changed() => {}
                    () = ctx.clock.sleep_until_ms(due) => {}
                }
            }
            Next::Sleep(d) => ctx.clock.sleep(d).await,
        }
    }
}

async fn step(
    ctx: &Ctx,
    function: &str,
    table: &str,
    m: &EventSourceMapping,
    cursor: &mut Option<Cursor>,
) -> squall_tables::Result<Next> {
    let Some(label) = ctx.tables.current_stream(table) else {
        // No table or no enabled stream (yet): look again later.
        *cursor = None;
        return Ok(Next::Idle);
    };
    let c = match cursor {
        Some(c) if c.label == label => c,
        _ => cursor.insert(open_cursor(ctx, function, table, &label, m).await?),
    };
    let mut records = Vec::new();
    while records.len() < m.batch_size as usize {
        let after = records.last().map_or(c.after, |r: &StreamRecord| r.seq);
        let page = ctx.tables.read_stream(table, &label, after, m.batch_size as usize - records.len()).await?;
        let short = page.len() < squall_tables::stream::MAX_READ;
        records.extend(page);
        if short {
            break;
        }
    }
    if records.is_empty() {
        return Ok(Next::Idle);
    }
    if let Some(age) = m.maximum_record_age_s {
        let oldest = ctx.clock.now_ms().saturating_sub(u64::from(age) * 1000);
        let last = records.last().map_or(c.after, |r| r.seq);
        records.retain(|r| r.at_ms >= oldest);
        if records.is_empty() {
            // All too old: skip them.
            ctx.tables.save_stream_checkpoint(function, table, &label, last).await?;
            c.after = last;
            c.failures = 0;
            return Ok(Next::Go);
        }
    }
    // Gather a fuller batch for up to the batching window, counted from the oldest record.
    if records.len() < m.batch_size as usize && m.batching_window_s > 0 {
        let due = records[0].at_ms + u64::from(m.batching_window_s) * 1000;
        if due > ctx.clock.now_ms() {
            return Ok(Next::IdleUntil(due));
        }
    }
    let Some(record) = ctx.functions.function(function) else { return Ok(Next::Idle) };
    let table_id = ctx.tables.table_id(table).unwrap_or_default();
    let arn = stream_arn(&ctx.region, squall_types::ACCOUNT_ID, table, &label);
    let event = json!({
        "Records": records.iter().map(|r| r.to_event_json(&ctx.region, &table_id, &arn)).collect::<Vec<_>>(),
    });
    let request_id = RequestId::new();
    let trace = TraceContext::new_root();
    let (first, last) = (records[0].seq, records[records.len() - 1].seq);
    let outcome = ctx.functions.invoke_event(&record, Bytes::from(event.to_string()), &request_id, &trace).await;
    let failure = match outcome {
        EventOutcome::Answered(body) if m.report_batch_item_failures => match first_failure(&body, &records) {
            Ok(None) => None,
            Ok(Some(seq)) => {
                // Done with everything before the first failed record; the next batch
                // starts there, and its attempts count from this one.
                if let Some(done) = records.iter().take_while(|r| r.seq < seq).last() {
                    ctx.tables.save_stream_checkpoint(function, table, &label, done.seq).await?;
                    c.after = done.seq;
                    c.failures = 0;
                }
                Some(format!("the function reported record {} as failed", format_seq(seq)))
            }
            Err(why) => Some(why),
        },
        EventOutcome::Answered(_) => None,
        EventOutcome::Unreadable(why) if m.report_batch_item_failures => Some(why),
        EventOutcome::Unreadable(_) => None,
        EventOutcome::Throttled => return Ok(Next::Sleep(jitter(Duration::from_secs(1)))),
        EventOutcome::Failed { message, .. } => Some(message),
    };
    let Some(failure) = failure else {
        ctx.tables.save_stream_checkpoint(function, table, &label, last).await?;
        c.after = last;
        c.failures = 0;
        return Ok(Next::Go);
    };
    c.failures += 1;
    let range = format!("{}..{}", format_seq(first), format_seq(last));
    if m.maximum_retry_attempts.is_some_and(|max| c.failures > max) {
        ctx.functions.platform_line(
            function,
            &request_id,
            &trace,
            format!("stream batch {range} of {table} failed {} times, skipping it: {failure}", c.failures),
        );
        ctx.tables.save_stream_checkpoint(function, table, &label, last).await?;
        c.after = last;
        c.failures = 0;
        return Ok(Next::Go);
    }
    let delay =
        ctx.policy.retry_delay.saturating_mul(2u32.saturating_pow(c.failures - 1)).min(ctx.policy.max_retry_delay);
    let delay = jitter(delay);
    ctx.functions.platform_line(
        function,
        &request_id,
        &trace,
        format!(
            "stream batch {range} of {table} failed (attempt {}), retrying in {:.1} s: {failure}",
            c.failures,
            delay.as_secs_f64()
        ),
    );
    Ok(Next::Sleep(delay))
}

/// Where a poller starts in a stream: its checkpoint, or the mapping's starting position
/// (saved at once for LATEST, so what is written from now on is delivered even after a
/// restart).
async fn open_cursor(
    ctx: &Ctx,
    function: &str,
    table: &str,
    label: &str,
    m: &EventSourceMapping,
) -> squall_tables::Result<Cursor> {
    let after = match ctx.tables.stream_checkpoint(function, table, label).await? {
        Some(after) => after,
        None => match m.starting_position {
            StartingPosition::TrimHorizon => ctx.tables.stream_position(table, label, Start::TrimHorizon).await?,
            StartingPosition::Latest => {
                let after = ctx.tables.stream_position(table, label, Start::Latest).await?;
                ctx.tables.save_stream_checkpoint(function, table, label, after).await?;
                after
            }
        },
    };
    Ok(Cursor { label: label.to_string(), after, failures: 0 })
}

/// The first record a `ReportBatchItemFailures` answer names, if any. An answer that is
/// not of that shape, or names a record not in the batch, fails the whole batch (Lambda's
/// rule).
fn first_failure(body: &[u8], records: &[StreamRecord]) -> Result<Option<u64>, String> {
    let whole = |why: &str| Err(format!("{why}: the whole batch counts as failed"));
    if body.is_empty() || body == b"null" {
        return Ok(None);
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else { return whole("the answer is not JSON") };
    let Some(list) = v.get("batchItemFailures").filter(|l| !l.is_null()) else { return Ok(None) };
    let Some(list) = list.as_array() else { return whole("batchItemFailures is not a list") };
    let mut first = None;
    for f in list {
        let Some(seq) = f.get("itemIdentifier").and_then(Value::as_str).and_then(parse_seq) else {
            return whole("a batchItemFailures entry has no valid itemIdentifier");
        };
        if !records.iter().any(|r| r.seq == seq) {
            return whole("batchItemFailures names a record not in the batch");
        }
        first = Some(first.map_or(seq, |f: u64| f.min(seq)));
    }
    Ok(first)
}
