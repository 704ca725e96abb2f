//! The poller of one DynamoDB stream mapping: read a batch after the checkpoint, invoke,
//! checkpoint; retry a failed batch with backoff until `maximumRetryAttempts`, then skip it.
//! With `ReportBatchItemFailures`, the function names the records that failed and the
//! checkpoint stops before the first of them.

use crate::Ctx;
use crate::window::Window;
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
    /// The most records the next batch takes: halved after a failure when the mapping
    /// bisects failing batches; `None`: the mapping's batch size.
    limit: Option<usize>,
    /// The tumbling window in progress, with a `TumblingWindowInSeconds`.
    window: Option<Window>,
}

impl Cursor {
    /// Done with the stream up to `seq`: saved, with the window in progress, durably.
    async fn save(&mut self, ctx: &Ctx, consumer: &str, table: &str, seq: u64) -> squall_tables::Result<()> {
        let window = self.window.as_ref().map(Window::encode);
        ctx.tables.save_stream_checkpoint_with(consumer, table, &self.label, seq, window.as_deref()).await?;
        self.after = seq;
        Ok(())
    }
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

pub(crate) async fn poll(ctx: Arc<Ctx>, function: String, mapping: EventSourceMapping, stop: crate::Stop) {
    let EventSource::DynamoDbStream { table } = &mapping.source else { return };
    let filters = match crate::Filters::of(&mapping) {
        Ok(f) => f,
        Err(why) => {
            tracing::error!(function, table, "the mapping delivers nothing: {why}");
            ctx.functions.note_mapping_result(&mapping.uuid, &format!("PROBLEM: {why}"));
            return;
        }
    };
    // Checkpoints are the mapping's (see `consumer`); the function's name is the invoked one.
    let consumer = crate::consumer(&function, &mapping);
    let mut changes = ctx.tables.stream_changes();
    let mut cursor: Option<Cursor> = None;
    let mut store_failures = 0u32;
    while crate::current(&ctx, &function, &mapping, &stop) {
        changes.mark_unchanged();
        let at = Poll { function: &function, consumer: &consumer, stop: &stop };
        let next = match step(&ctx, at, table, &mapping, &filters, &mut cursor).await {
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

/// Whose poller this is: the function invoked, the checkpoint's consumer, its stop.
#[derive(Clone, Copy)]
struct Poll<'a> {
    function: &'a str,
    consumer: &'a str,
    stop: &'a crate::Stop,
}

async fn step(
    ctx: &Ctx,
    at: Poll<'_>,
    table: &str,
    m: &EventSourceMapping,
    filters: &crate::Filters,
    cursor: &mut Option<Cursor>,
) -> squall_tables::Result<Next> {
    let Poll { function, consumer, stop } = at;
    let Some(label) = ctx.tables.current_stream(table) else {
        // No table or no enabled stream (yet): look again later.
        *cursor = None;
        return Ok(Next::Idle);
    };
    let c = match cursor {
        Some(c) if c.label == label => c,
        _ => cursor.insert(open_cursor(ctx, consumer, table, &label, m).await?),
    };
    let mut records = Vec::new();
    let size = c.limit.unwrap_or(m.batch_size as usize);
    while records.len() < size {
        let after = records.last().map_or(c.after, |r: &StreamRecord| r.seq);
        let page = ctx.tables.read_stream(table, &label, after, size - records.len()).await?;
        let short = page.len() < squall_tables::stream::MAX_READ;
        records.extend(page);
        if short {
            break;
        }
    }
    // A tumbling window that has ended (by the clock, or a record past it) gets its final
    // invocation before anything of the next.
    let window_end = m.tumbling_window_s.zip(c.window.as_ref()).map(|(len, w)| (len, w.end_ms(len)));
    if let Some((len, end)) = window_end {
        if records.first().map_or(ctx.clock.now_ms() >= end, |r| r.at_ms >= end) {
            return close_window(ctx, at, c, table, m, len).await;
        }
        if records.is_empty() {
            return Ok(Next::IdleUntil(end));
        }
    }
    if records.is_empty() {
        return Ok(Next::Idle);
    }
    if let Some(len) = m.tumbling_window_s {
        // One window's records per batch.
        let window = c.window.get_or_insert_with(|| Window::of(records[0].at_ms, len));
        let end = window.end_ms(len);
        records.retain(|r| r.at_ms < end);
    }
    if let Some(age) = m.maximum_record_age_s {
        let oldest = ctx.clock.now_ms().saturating_sub(u64::from(age) * 1000);
        let last = records.last().map_or(c.after, |r| r.seq);
        let (fresh, expired): (Vec<StreamRecord>, Vec<StreamRecord>) =
            records.into_iter().partition(|r| r.at_ms >= oldest);
        records = fresh;
        if !expired.is_empty() {
            // Given up on unseen, as Lambda does: said in the log, and with an on-failure
            // destination, the batch's record goes there.
            let (request_id, trace) = (RequestId::new(), TraceContext::new_root());
            let range = format!("{}..{}", format_seq(expired[0].seq), format_seq(expired[expired.len() - 1].seq));
            ctx.functions.platform_line(
                function,
                &request_id,
                &trace,
                format!(
                    "stream records {range} of {table} are older than {age} s (MaximumRecordAgeInSeconds): skipped"
                ),
            );
            if let (Some(destination), Some(record)) = (&m.on_failure, crate::target(ctx, function, m)) {
                let arn = stream_arn(&ctx.region, squall_types::ACCOUNT_ID, table, &label);
                let info = FailedBatch {
                    m,
                    shard: shard_of(ctx, table, &label),
                    arn: &arn,
                    records: &expired,
                    attempts: c.failures,
                    condition: "RecordAgeExceeded",
                };
                info.send(ctx, function, &record, destination, (&request_id, &trace), &range).await;
            }
            // Past them for good (they are the oldest), so no later read reports them again.
            let through = expired[expired.len() - 1].seq;
            if records.first().is_none_or(|r| r.seq > through) {
                c.save(ctx, consumer, table, through).await?;
            }
        }
        if records.is_empty() {
            // All too old: skip them.
            c.save(ctx, consumer, table, last).await?;
            c.failures = 0;
            return Ok(Next::Go);
        }
    }
    // Gather a fuller batch for up to the batching window, counted from the oldest record.
    if records.len() < size && c.limit.is_none() && m.batching_window_s > 0 {
        let due = records[0].at_ms + u64::from(m.batching_window_s) * 1000;
        if due > ctx.clock.now_ms() {
            return Ok(Next::IdleUntil(due));
        }
    }
    if !crate::current(ctx, function, m, stop) {
        return Ok(Next::Idle);
    }
    let Some(record) = crate::target(ctx, function, m) else { return Ok(Next::Idle) };
    let table_id = ctx.tables.table_id(table).unwrap_or_default();
    let arn = stream_arn(&ctx.region, squall_types::ACCOUNT_ID, table, &label);
    let (first, last) = (records[0].seq, records[records.len() - 1].seq);
    // Records no filter admits are passed over, as Lambda does.
    let (records, shown): (Vec<StreamRecord>, Vec<Value>) = records
        .into_iter()
        .map(|r| {
            let json = r.to_event_json(&ctx.region, &table_id, &arn);
            (r, json)
        })
        .filter(|(_, json)| filters.admit(json))
        .unzip();
    if records.is_empty() {
        c.save(ctx, consumer, table, last).await?;
        c.failures = 0;
        return Ok(Next::Go);
    }
    let event = match (m.tumbling_window_s, &c.window) {
        (Some(len), Some(w)) => w.event(len, shown, &shard_of(ctx, table, &label), &arn, false),
        _ => json!({ "Records": shown }),
    };
    let request_id = RequestId::new();
    let trace = TraceContext::new_root();
    // A table's stream carries no trace header: its chains are not counted (nor on Lambda).
    let payload = Bytes::from(event.to_string());
    let outcome = ctx.functions.invoke_event(&record, payload, &request_id, &trace, &Default::default()).await;
    // A window's next invocation gets the state this one returned.
    if let (EventOutcome::Answered(body), Some(w)) = (&outcome, c.window.as_mut()) {
        w.take_state(body);
    }
    let failure = match outcome {
        EventOutcome::Answered(body) if m.report_batch_item_failures => match first_failure(&body, &records) {
            Ok(None) => None,
            Ok(Some(seq)) => {
                // Done with everything before the first failed record; the next batch
                // starts there, and its attempts count from this one.
                if let Some(done) = records.iter().take_while(|r| r.seq < seq).last() {
                    c.save(ctx, consumer, table, done.seq).await?;
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
        EventOutcome::Failed { message, .. } | EventOutcome::Stopped(message) => Some(message),
    };
    let Some(failure) = failure else {
        ctx.functions.note_mapping_result(&m.uuid, crate::OK);
        c.save(ctx, consumer, table, last).await?;
        c.failures = 0;
        c.limit = None;
        return Ok(Next::Go);
    };
    ctx.functions.note_mapping_result(&m.uuid, crate::FAILED);
    let range = format!("{}..{}", format_seq(first), format_seq(last));
    if m.bisect_on_error && records.len() > 1 {
        // Split, and try the first half on its own; splitting is no retry.
        let half = records.len() / 2;
        c.limit = Some(half);
        ctx.functions.platform_line(
            function,
            &request_id,
            &trace,
            format!("stream batch {range} of {table} failed, trying its first {half} records on their own: {failure}"),
        );
        return Ok(Next::Go);
    }
    c.failures += 1;
    if m.maximum_retry_attempts.is_some_and(|max| c.failures > max) {
        ctx.functions.platform_line(
            function,
            &request_id,
            &trace,
            format!("stream batch {range} of {table} failed {} times, skipping it: {failure}", c.failures),
        );
        if let Some(destination) = &m.on_failure {
            let info = FailedBatch {
                m,
                shard: shard_of(ctx, table, &label),
                arn: &arn,
                records: &records,
                attempts: c.failures,
                condition: "RetryAttemptsExhausted",
            };
            info.send(ctx, function, &record, destination, (&request_id, &trace), &range).await;
        }
        c.save(ctx, consumer, table, last).await?;
        c.failures = 0;
        c.limit = None;
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

/// The shard id of the table's stream `label`.
fn shard_of(ctx: &Ctx, table: &str, label: &str) -> String {
    let streams = ctx.tables.list_streams(Some(table)).ok().unwrap_or_default();
    streams.into_iter().find(|(_, d)| d.label == label).map(|(_, d)| d.shard_id()).unwrap_or_default()
}

/// What Lambda's on-failure record of a stream batch says.
struct FailedBatch<'a> {
    m: &'a EventSourceMapping,
    shard: String,
    arn: &'a str,
    records: &'a [StreamRecord],
    attempts: u32,
    /// `RetryAttemptsExhausted` or `RecordAgeExceeded`.
    condition: &'static str,
}

impl FailedBatch<'_> {
    /// Sends the record to the on-failure `destination` as the function's role; a failure
    /// to deliver it is a platform line of `function`'s log.
    async fn send(
        &self,
        ctx: &Ctx,
        function: &str,
        record: &squall_types::FunctionRecord,
        destination: &str,
        (request_id, trace): (&RequestId, &TraceContext),
        range: &str,
    ) {
        let body = self.record(request_id, record, ctx.clock.now_ms(), &ctx.region);
        if let Err(why) = ctx.functions.deliver_to_destination(record, destination, body).await {
            let message = format!("the record of skipped records {range} did not reach {destination}: {why}");
            ctx.functions.platform_line(function, request_id, trace, message);
        }
    }

    /// The invocation record (Lambda's shape for a stream batch given up on).
    fn record(&self, request_id: &RequestId, f: &squall_types::FunctionRecord, now_ms: u64, region: &str) -> String {
        let (first, last) = (&self.records[0], &self.records[self.records.len() - 1]);
        let iso = |ms: u64| squall_types::format_iso8601_millis_z(ms);
        let qualified = match &self.m.qualifier {
            Some(q) => format!("{}:{q}", f.config.name),
            None => f.config.name.to_string(),
        };
        json!({
            "requestContext": {
                "requestId": request_id.to_string(),
                "functionArn": squall_types::function_arn(region, &qualified),
                "condition": self.condition,
                "approximateInvokeCount": self.attempts,
            },
            "responseContext": { "statusCode": 200, "executedVersion": f.version_label(), "functionError": "Unhandled" },
            "version": "1.0",
            "timestamp": iso(now_ms),
            "DDBStreamBatchInfo": {
                "shardId": self.shard,
                "startSequenceNumber": format_seq(first.seq),
                "endSequenceNumber": format_seq(last.seq),
                "approximateArrivalOfFirstRecord": iso(first.at_ms),
                "approximateArrivalOfLastRecord": iso(last.at_ms),
                "batchSize": self.records.len(),
                "streamArn": self.arn,
            },
        })
        .to_string()
    }
}

/// Where a poller starts in a stream: its checkpoint, or the mapping's starting position
/// (saved at once for LATEST, so what is written from now on is delivered even after a
/// restart).
async fn open_cursor(
    ctx: &Ctx,
    consumer: &str,
    table: &str,
    label: &str,
    m: &EventSourceMapping,
) -> squall_tables::Result<Cursor> {
    let (after, window) = match ctx.tables.stream_checkpoint_with(consumer, table, label).await? {
        // A tumbling window in progress is kept with the checkpoint.
        Some((after, kept)) => {
            (after, kept.as_deref().and_then(Window::decode).filter(|_| m.tumbling_window_s.is_some()))
        }
        None => (
            match m.starting_position {
                StartingPosition::TrimHorizon => ctx.tables.stream_position(table, label, Start::TrimHorizon).await?,
                StartingPosition::Latest => {
                    let after = ctx.tables.stream_position(table, label, Start::Latest).await?;
                    ctx.tables.save_stream_checkpoint(consumer, table, label, after).await?;
                    after
                }
            },
            None,
        ),
    };
    Ok(Cursor { label: label.to_string(), after, failures: 0, limit: None, window })
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

/// The final invocation of the cursor's tumbling window (no records, its state,
/// `isFinalInvokeForWindow`), after which the next window starts afresh; retried as a
/// failing batch is, and given up on past the mapping's retries.
async fn close_window(
    ctx: &Ctx,
    at: Poll<'_>,
    c: &mut Cursor,
    table: &str,
    m: &EventSourceMapping,
    len: u32,
) -> squall_tables::Result<Next> {
    let Poll { function, consumer, stop } = at;
    if !crate::current(ctx, function, m, stop) {
        return Ok(Next::Idle);
    }
    let Some(record) = crate::target(ctx, function, m) else { return Ok(Next::Idle) };
    let Some(window) = c.window.clone() else { return Ok(Next::Go) };
    let arn = stream_arn(&ctx.region, squall_types::ACCOUNT_ID, table, &c.label);
    let event = window.event(len, Vec::new(), &shard_of(ctx, table, &c.label), &arn, true);
    let (request_id, trace) = (RequestId::new(), TraceContext::new_root());
    let payload = Bytes::from(event.to_string());
    let failure = match ctx.functions.invoke_event(&record, payload, &request_id, &trace, &Default::default()).await {
        EventOutcome::Answered(_) | EventOutcome::Unreadable(_) => None,
        EventOutcome::Throttled => return Ok(Next::Sleep(jitter(Duration::from_secs(1)))),
        EventOutcome::Failed { message, .. } | EventOutcome::Stopped(message) => Some(message),
    };
    let start = squall_types::format_iso8601_millis_z(window.start_ms);
    if let Some(failure) = failure {
        c.failures += 1;
        if m.maximum_retry_attempts.is_none_or(|max| c.failures <= max) {
            let delay = ctx
                .policy
                .retry_delay
                .saturating_mul(2u32.saturating_pow(c.failures - 1))
                .min(ctx.policy.max_retry_delay);
            let message = format!("the final invocation of the window from {start} failed, retrying: {failure}");
            ctx.functions.platform_line(function, &request_id, &trace, message);
            return Ok(Next::Sleep(jitter(delay)));
        }
        let message = format!(
            "the final invocation of the window from {start} failed {} times, giving it up: {failure}",
            c.failures
        );
        ctx.functions.platform_line(function, &request_id, &trace, message);
    }
    c.window = None;
    c.failures = 0;
    let after = c.after;
    c.save(ctx, consumer, table, after).await?;
    Ok(Next::Go)
}
