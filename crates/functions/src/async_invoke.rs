//! Asynchronous invocation as Lambda does it: the event is stored durably and the caller
//! answered at once; a dispatcher runs it later. A function error is retried with
//! exponential backoff and jitter up to `max_retries` times; a throttled attempt is retried
//! without counting, until the event is older than `max_event_age`. Delivery is at least
//! once: an attempt cut short by a crash runs again after a restart.

use crate::EventOutcome;
use crate::destinations::{Condition, Record};
use crate::{Error, Functions, Result};
use bytes::Bytes;
use squall_storage::QueuedInvocation;
use squall_types::{FunctionRecord, Lineage, RequestId, TraceContext};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Lambda's limit on an asynchronous invocation's event.
pub const MAX_ASYNC_PAYLOAD: usize = 256 * 1024;

/// How long a dispatched invocation is leased: past Lambda's longest timeout (15 minutes),
/// so a lease ends only when its server is gone.
const LEASE: Duration = Duration::from_secs(16 * 60);

/// Longest wait between attempts of a throttled invocation (Lambda's).
const MAX_THROTTLE_BACKOFF: Duration = Duration::from_secs(5 * 60);

/// Longest wait between attempts after a function error.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

/// How asynchronous invocations are retried.
#[derive(Debug, Clone)]
pub struct AsyncPolicy {
    /// Retries after a function error (Lambda's default and maximum: 2).
    pub max_retries: u32,
    /// The wait before the first retry; it doubles for each later one, ±25% jitter. Lambda
    /// waits about a minute.
    pub retry_delay: Duration,
    /// Events older than this are dropped instead of run (Lambda's default: 6 hours).
    pub max_event_age: Duration,
    /// Most asynchronous invocations running at once on this server.
    pub concurrency: usize,
}

impl Default for AsyncPolicy {
    fn default() -> Self {
        AsyncPolicy {
            max_retries: 2,
            retry_delay: Duration::from_secs(60),
            max_event_age: Duration::from_secs(6 * 3600),
            concurrency: 64,
        }
    }
}

impl Functions {
    /// Accepts an invocation of `function` to run later; `Ok` means it is stored durably.
    pub async fn invoke_async(
        &self,
        function: &FunctionRecord,
        payload: Bytes,
        request_id: &RequestId,
        trace: &TraceContext,
        lineage: &Lineage,
    ) -> Result<()> {
        if payload.len() > MAX_ASYNC_PAYLOAD {
            return Err(Error::InvalidRequest(format!(
                "an asynchronous invocation's payload is at most {MAX_ASYNC_PAYLOAD} bytes"
            )));
        }
        self.enqueue_async(function, payload, request_id, trace, lineage).await
    }

    /// Accepts an event from inside the platform (a topic's delivery, say) to run later,
    /// without the caller's payload limit: the platform's own envelopes may exceed it, as
    /// they do on Lambda. `Ok` means it is stored durably. `lineage` is the chain of
    /// requests that caused it (recursive loop detection).
    pub async fn enqueue_async(
        &self,
        function: &FunctionRecord,
        payload: Bytes,
        request_id: &RequestId,
        trace: &TraceContext,
        lineage: &Lineage,
    ) -> Result<()> {
        let now = self.clock.now_ms();
        let queued = QueuedInvocation {
            id: request_id.to_string(),
            // `name:n` for a published version: the attempts run that version.
            function: function.instance_key(),
            payload: payload.to_vec(),
            traceparent: trace.traceparent(),
            attempts: 0,
            enqueued_ms: now,
            due_ms: now,
            lineage: lineage.field(),
        };
        self.queue.enqueue(&queued).await?;
        self.async_wake.notify_one();
        Ok(())
    }

    /// Runs queued invocations from now on, in the background.
    pub fn start_async_dispatcher(self: &Arc<Self>, policy: AsyncPolicy) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move { me.dispatch(Arc::new(policy)).await })
    }

    async fn dispatch(self: Arc<Self>, policy: Arc<AsyncPolicy>) {
        let slots = Arc::new(Semaphore::new(policy.concurrency.max(1)));
        let mut failures = 0u32;
        loop {
            let free = slots.available_permits();
            if free == 0 {
                // Every slot is busy: the next finished invocation wakes this loop.
                self.async_wake.notified().await;
                continue;
            }
            {
                let now = self.clock.now_ms();
                match self.queue.lease(now, now + LEASE.as_millis() as u64, free).await {
                    Ok(batch) => {
                        failures = 0;
                        let full = batch.len() == free;
                        for inv in batch {
                            let Ok(slot) = slots.clone().acquire_owned().await else { return };
                            let (me, policy) = (self.clone(), policy.clone());
                            tokio::spawn(async move {
                                me.run_queued(inv, &policy).await;
                                drop(slot);
                                me.async_wake.notify_one();
                            });
                        }
                        if full {
                            continue;
                        }
                    }
                    Err(e) => {
                        // Back off: a store that fails now likely fails again at once.
                        failures = failures.saturating_add(1);
                        let pause = Duration::from_millis(100).saturating_mul(1 << failures.min(9));
                        tracing::warn!("reading the asynchronous invocation queue: {e}; retrying in {pause:?}");
                        // Real time: the store recovers in real time, whatever the clock says.
                        tokio::time::sleep(pause).await;
                        continue;
                    }
                }
            }
            // Sleep until something is enqueued, a slot frees up, or the next one is due on
            // the clock (an advanced clock wakes this at once); a minute at most.
            let next = self.queue.next_due_ms().await.ok().flatten();
            let now = self.clock.now_ms();
            let until = next.map_or(now + 60_000, |due| due.clamp(now + 1, now + 60_000));
            tokio::select! {
                () = self.async_wake.notified() => {}
                () = self.clock.sleep_until_ms(until) => {}
            }
        }
    }

    async fn run_queued(&self, inv: QueuedInvocation, policy: &AsyncPolicy) {
        let request_id = RequestId::parse(&inv.id).unwrap_or_default();
        let trace = TraceContext::from_traceparent(Some(&inv.traceparent));
        let (name, version) = match inv.function.split_once(':') {
            Some((name, n)) => (name, n.parse::<u32>().ok()),
            None => (inv.function.as_str(), None),
        };
        let note = |message: String| self.platform_line(name, &request_id, &trace, message);
        let age = Duration::from_millis(self.clock.now_ms().saturating_sub(inv.enqueued_ms));
        let found = self.function(name).and_then(|f| match version {
            None => Some(f),
            Some(n) => f.at_version(n).map(std::sync::Arc::new),
        });
        let Some(function) = found else {
            tracing::warn!(
                function = inv.function,
                id = inv.id,
                "dropping an asynchronous invocation: no such function"
            );
            return self.finish(&inv.id).await;
        };
        // The function's own settings win over the server's.
        let settings = &function.config.async_invoke;
        let max_retries = settings.maximum_retry_attempts.unwrap_or(policy.max_retries);
        let max_age = settings.maximum_event_age_s.map_or(policy.max_event_age, |s| Duration::from_secs(s.into()));
        if age > max_age {
            note(format!("dropping asynchronous invocation {}: older than {max_age:?}", inv.id));
            let outcome =
                GivenUp { condition: Condition::EventAgeExceeded, message: "the event is too old", document: None };
            self.give_up(&function, &inv, &outcome).await;
            return self.finish(&inv.id).await;
        }
        let payload = Bytes::from(inv.payload.clone());
        let lineage = Lineage::from_trace_header(&format!("Lineage={}", inv.lineage));
        let (failure, document) = match self.invoke_event(&function, payload, &request_id, &trace, &lineage).await {
            EventOutcome::Answered(answer) => {
                self.succeeded(&function, &inv, Some(&answer)).await;
                return self.finish(&inv.id).await;
            }
            EventOutcome::Unreadable(_) => {
                self.succeeded(&function, &inv, None).await;
                return self.finish(&inv.id).await;
            }
            EventOutcome::Throttled => {
                let backoff = (age / 2).clamp(policy.retry_delay.min(Duration::from_secs(1)), MAX_THROTTLE_BACKOFF);
                return self.retry(&inv, inv.attempts, jitter(backoff)).await;
            }
            EventOutcome::Stopped(why) => {
                // A recursive loop: given up on at once, to the dead-letter queue or
                // on-failure destination, as Lambda does.
                let outcome = GivenUp { condition: Condition::RetriesExhausted, message: &why, document: None };
                self.give_up(&function, &inv, &outcome).await;
                return self.finish(&inv.id).await;
            }
            EventOutcome::Failed { message, document } => (message, document),
        };
        let attempts = inv.attempts + 1;
        if attempts > max_retries {
            note(format!("asynchronous invocation {} failed after {attempts} attempts, giving up: {failure}", inv.id));
            let inv = QueuedInvocation { attempts, ..inv };
            let outcome =
                GivenUp { condition: Condition::RetriesExhausted, message: &failure, document: document.as_deref() };
            self.give_up(&function, &inv, &outcome).await;
            return self.finish(&inv.id).await;
        }
        let backoff = jitter(policy.retry_delay.saturating_mul(2u32.saturating_pow(attempts - 1)).min(MAX_RETRY_DELAY));
        note(format!(
            "asynchronous invocation {} failed (attempt {attempts} of {}), retrying in {:.1} s: {failure}",
            inv.id,
            max_retries + 1,
            backoff.as_secs_f64()
        ));
        self.retry(&inv, attempts, backoff).await;
    }

    /// Sends the record of a successful invocation to the function's `onSuccess`, if any.
    async fn succeeded(&self, function: &FunctionRecord, inv: &QueuedInvocation, answer: Option<&[u8]>) {
        let Some(arn) = &function.config.async_invoke.on_success else { return };
        let record = self.record(function, inv, Condition::Success, inv.attempts + 1, answer);
        self.send_to(function, inv, arn, record, vec![]).await;
    }

    /// Sends what an invocation given up on leaves behind: its record to `onFailure`, its
    /// event to the dead-letter queue.
    async fn give_up(&self, function: &FunctionRecord, inv: &QueuedInvocation, outcome: &GivenUp<'_>) {
        let settings = &function.config.async_invoke;
        if let Some(arn) = &settings.on_failure {
            let record = self.record(function, inv, outcome.condition, inv.attempts, outcome.document);
            self.send_to(function, inv, arn, record, vec![]).await;
        }
        if let Some(arn) = &settings.dead_letter {
            let event = String::from_utf8_lossy(&inv.payload).into_owned();
            // The function's own errorMessage when it reported one, as Lambda sends.
            let reported = outcome.document.and_then(|d| serde_json::from_slice::<serde_json::Value>(d).ok());
            let message =
                reported.as_ref().and_then(|d| d["errorMessage"].as_str()).unwrap_or(outcome.message).to_string();
            let attributes = vec![
                ("RequestID".to_string(), inv.id.clone()),
                ("ErrorCode".to_string(), "200".to_string()),
                ("ErrorMessage".to_string(), message),
            ];
            self.send_to(function, inv, arn, event, attributes).await;
        }
    }

    fn record(
        &self,
        function: &FunctionRecord,
        inv: &QueuedInvocation,
        condition: Condition,
        invoke_count: u32,
        response: Option<&[u8]>,
    ) -> String {
        let region = self.destinations.get().map_or(squall_types::DEFAULT_REGION, |(_, r)| r.as_str());
        let function_arn = squall_types::function_arn(region, function.config.name.as_str());
        let version = function.version_label();
        Record {
            request_id: &inv.id,
            function_arn: &function_arn,
            version: &version,
            condition,
            invoke_count,
            payload: &inv.payload,
            response,
            timestamp_ms: self.clock.now_ms(),
        }
        .to_json()
    }

    /// Delivers to a destination; a failure is the function's platform log line, since
    /// the invocation itself is over.
    async fn send_to(
        &self,
        function: &FunctionRecord,
        inv: &QueuedInvocation,
        arn: &str,
        body: String,
        attributes: Vec<(String, String)>,
    ) {
        let request_id = RequestId::parse(&inv.id).unwrap_or_default();
        let trace = TraceContext::from_traceparent(Some(&inv.traceparent));
        let result = match self.destinations.get() {
            Some((sink, _)) => sink.deliver(function, arn, body, attributes).await,
            None => Err("this server delivers to no destinations".to_string()),
        };
        if let Err(e) = result {
            let message = format!("asynchronous invocation {}: could not deliver to {arn}: {e}", inv.id);
            self.platform_line(function.config.name.as_str(), &request_id, &trace, message);
        }
    }

    async fn finish(&self, id: &str) {
        if let Err(e) = self.queue.complete(id).await {
            // The lease ends with this server; the invocation will run again then.
            tracing::warn!(id, "completing an asynchronous invocation: {e}");
        }
    }

    async fn retry(&self, inv: &QueuedInvocation, attempts: u32, after: Duration) {
        let due = self.clock.now_ms() + after.as_millis() as u64;
        if let Err(e) = self.queue.retry_at(&inv.id, attempts, due).await {
            tracing::warn!(id = inv.id, "rescheduling an asynchronous invocation: {e}");
        }
    }
}

/// Why an invocation was given up on, for its record and its dead-letter message.
struct GivenUp<'a> {
    condition: Condition,
    message: &'a str,
    document: Option<&'a [u8]>,
}

/// `d` scaled by a random factor in [0.75, 1.25), so retries of many events spread out.
pub fn jitter(d: Duration) -> Duration {
    d.mul_f64(0.75 + squall_types::random_draw() / 2.0)
}
