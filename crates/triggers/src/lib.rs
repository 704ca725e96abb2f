//! Event source mappings: for every enabled mapping of every function (serverless.yml
//! `stream` and `sqs` events), a poller reads batches of records from the source, invokes
//! the function with them, and checkpoints (streams) or deletes (queues) what it is done
//! with.
//!
//! A supervisor compares the running pollers with the functions' mappings every second,
//! so a deploy starts, keeps or stops them. Delivery is at least once: the checkpoint is
//! saved after the function succeeds, so a batch cut short by a crash runs again.
//!
//! Among servers sharing a store, a stream's poller runs on the one server holding its
//! mapping's lease (a stream is read in order, from one checkpoint); queue pollers run on
//! every server, as receives never hand a message out twice.

mod sqs;
mod stream;
mod window;

use squall_clock::Clock;
use squall_functions::Functions;
use squall_lifecycle::{Cluster, Leader};
use squall_queues::Queues;
use squall_tables::Tables;
use squall_types::{EventSource, EventSourceMapping};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How failed batches are retried.
#[derive(Debug, Clone)]
pub struct TriggerPolicy {
    /// The wait before the first retry of a failed batch; it doubles for each later one
    /// (±25% jitter), up to `max_retry_delay`.
    pub retry_delay: Duration,
    /// The longest wait between retries.
    pub max_retry_delay: Duration,
    /// How often the supervisor looks for new or removed mappings.
    pub reconcile_every: Duration,
}

impl Default for TriggerPolicy {
    fn default() -> Self {
        TriggerPolicy {
            retry_delay: Duration::from_secs(1),
            max_retry_delay: Duration::from_secs(60),
            reconcile_every: Duration::from_secs(1),
        }
    }
}

/// What every poller needs.
pub(crate) struct Ctx {
    pub(crate) functions: Arc<Functions>,
    pub(crate) tables: Arc<Tables>,
    pub(crate) queues: Arc<Queues>,
    pub(crate) region: String,
    pub(crate) policy: TriggerPolicy,
    /// What retry delays, batching windows and record ages read.
    pub(crate) clock: Clock,
    /// This server among those of the store.
    cluster: Cluster,
}

/// The event source mappings' pollers, as one service: its worker is the supervisor,
/// which runs one poller per enabled mapping.
pub struct Triggers(Arc<Ctx>);

impl Triggers {
    /// Pollers over `functions`' mappings of `tables`' streams and `queues`. Retry delays,
    /// batching windows and record ages are `clock`'s time.
    pub fn new(
        functions: Arc<Functions>,
        tables: Arc<Tables>,
        queues: Arc<Queues>,
        region: String,
        policy: TriggerPolicy,
        clock: Clock,
        cluster: Cluster,
    ) -> Triggers {
        Triggers(Arc::new(Ctx { functions, tables, queues, region, policy, clock, cluster }))
    }
}

impl squall_lifecycle::Service for Triggers {
    fn name(&self) -> &'static str {
        "triggers"
    }

    /// A batch cut short by a stop has no saved checkpoint, so it is delivered again after
    /// the next start.
    fn start(self: Arc<Self>) -> squall_lifecycle::Workers {
        squall_lifecycle::Workers::none().with("mapping supervisor", tokio::spawn(supervise(self.0.clone())))
    }
}

/// One poller's identity: the function and its mapping as configured.
type Key = (String, EventSourceMapping);

async fn supervise(ctx: Arc<Ctx>) {
    // Dropping this task drops the map, which aborts every poller.
    let mut running: HashMap<Key, Poller> = HashMap::new();
    let mut leaders: HashMap<Key, Leader> = HashMap::new();
    loop {
        let mut wanted: Vec<Key> = Vec::new();
        for f in ctx.functions.list_functions() {
            for m in f.config.event_sources.iter().filter(|m| m.enabled) {
                wanted.push((f.config.name.to_string(), m.clone()));
            }
        }
        leaders.retain(|k, _| wanted.contains(k));
        let mut mine = Vec::with_capacity(wanted.len());
        for key in wanted {
            let EventSource::DynamoDbStream { table } = &key.1.source else {
                mine.push(key);
                continue;
            };
            let name = format!("triggers.stream.{}.{table}", key.0);
            let leader = leaders.entry(key.clone()).or_insert_with(|| ctx.cluster.leader(&name));
            if leader.is_leader().await {
                mine.push(key);
            }
        }
        let wanted = mine;
        running.retain(|k, poller| {
            let keep = wanted.contains(k);
            if !keep {
                // It finishes the batch in hand (a queue's messages handed back if it has
                // not invoked yet), then stops.
                poller.stop();
            }
            keep
        });
        for key in wanted {
            if let std::collections::hash_map::Entry::Vacant(slot) = running.entry(key) {
                let (function, mapping) = slot.key().clone();
                let stop = Stop::default();
                let task = match &mapping.source {
                    EventSource::DynamoDbStream { .. } => {
                        tokio::spawn(stream::poll(ctx.clone(), function, mapping, stop.clone()))
                    }
                    EventSource::Sqs { .. } => tokio::spawn(sqs::poll(ctx.clone(), function, mapping, stop.clone())),
                };
                slot.insert(Poller { task: Some(task), stop });
            }
        }
        // Real time: this looks for deploys, which happen in real time.
        tokio::time::sleep(ctx.policy.reconcile_every).await;
    }
}

/// A mapping's `FilterCriteria`, compiled (checked when the mapping was made).
pub(crate) struct Filters(Vec<squall_patterns::Pattern>);

impl Filters {
    /// The mapping's filters; `Err` names one that does not parse (checked when it was
    /// set, so only a damaged record): the poller then delivers nothing, rather than all.
    pub(crate) fn of(m: &EventSourceMapping) -> Result<Filters, String> {
        m.filters
            .iter()
            .map(|text| squall_patterns::Pattern::parse(text).map_err(|e| format!("filter {text} does not parse: {e}")))
            .collect::<Result<Vec<_>, _>>()
            .map(Filters)
    }

    /// Whether `record` (as the event shows it) is delivered: no filters, or one matches.
    pub(crate) fn admit(&self, record: &serde_json::Value) -> bool {
        self.0.is_empty() || self.0.iter().any(|p| p.matches(record))
    }
}

/// The record a mapping's invocation runs: its function's, or its version's or alias's
/// (an alias's weights choosing); `None` when it is gone.
pub(crate) fn target(ctx: &Ctx, function: &str, m: &EventSourceMapping) -> Option<Arc<squall_types::FunctionRecord>> {
    let draw = squall_types::random_draw();
    match m.qualifier.as_deref() {
        Some(q) => ctx.functions.resolve(function, Some(q), draw).ok(),
        // A deployment's own mapping runs the function as it is served (through a canary
        // deployment's alias); one made through Lambda's API names what it runs.
        None if !m.from_api => ctx.functions.serving(function, draw),
        None => ctx.functions.resolve(function, None, draw).ok(),
    }
}

/// Tells a poller to stop (its mapping changed, went, or moved to another server's lease).
#[derive(Clone, Default)]
pub(crate) struct Stop(Arc<std::sync::atomic::AtomicBool>);

impl Stop {
    fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Whether a poller of `m` goes on: not told to stop, and `m` still one of `function`'s
/// mappings, unchanged and enabled. One that stops hands back what it took and has not
/// invoked with (the supervisor starts one for new settings).
pub(crate) fn current(ctx: &Ctx, function: &str, m: &EventSourceMapping, stop: &Stop) -> bool {
    !stop.is_set() && m.enabled && ctx.functions.function(function).is_some_and(|f| f.config.event_sources.contains(m))
}

/// Where a stream mapping's checkpoint is kept: a deployment's under its function's name
/// (as before mappings had ids), one made through the API under its own id too, so a new
/// mapping starts where its starting position says, not where a deleted one stopped.
pub(crate) fn consumer(function: &str, m: &EventSourceMapping) -> String {
    if m.from_api { format!("{function}#{}", m.uuid) } else { function.to_string() }
}

/// Lambda's `LastProcessingResult` after a batch.
pub(crate) const OK: &str = "OK";
/// Lambda's `LastProcessingResult` after a failed invocation.
pub(crate) const FAILED: &str = "PROBLEM: Function call failed";

/// A running poller: told to stop when its mapping changes (it finishes what it holds),
/// aborted when the supervisor itself stops.
struct Poller {
    task: Option<tokio::task::JoinHandle<()>>,
    stop: Stop,
}

impl Poller {
    fn stop(&mut self) {
        self.stop.set();
        // Left to finish on its own.
        self.task.take();
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
