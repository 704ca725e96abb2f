//! Opening the services from their stores, wiring the ones that deliver to each other, and
//! the order they start in.

use crate::ServerConfig;
use crate::stores::Stores;
use anyhow::Context;
use sha2::Digest;
use squall_events::EventBuses;
use squall_functions::{Functions, LogPipe};
use squall_identity::Identities;
use squall_lifecycle::Service;
use squall_objects::Objects;
use squall_params::{Params, Sealer};
use squall_queues::Queues;
use squall_runtime::ByKind;
use squall_scheduler::Scheduler;
use squall_tables::Tables;
use squall_topics::{Destinations, Topics};
use squall_triggers::Triggers;
use squall_workflows::Workflows;
use std::net::SocketAddr;
use std::sync::Arc;

/// Every service, opened and wired, not yet started.
pub(crate) struct Services {
    pub(crate) functions: Arc<Functions>,
    pub(crate) tables: Arc<Tables>,
    pub(crate) queues: Arc<Queues>,
    pub(crate) topics: Arc<Topics>,
    pub(crate) objects: Arc<Objects>,
    pub(crate) params: Arc<Params>,
    pub(crate) identities: Arc<Identities>,
    pub(crate) events: Arc<EventBuses>,
    pub(crate) scheduler: Arc<Scheduler>,
    pub(crate) workflows: Arc<Workflows>,
    /// What state machines' Tasks call through (given the api port's state once made).
    pub(crate) workflow_tasks: Arc<crate::workflow_tasks::WorkflowTasks>,
    triggers: Arc<Triggers>,
}

impl Services {
    /// Loads every service's state; process functions and SNS links reach the api port at
    /// `api_addr`.
    pub(crate) async fn open(
        config: &ServerConfig,
        stores: &Stores,
        runtime: Arc<ByKind>,
        log_pipe: Arc<LogPipe>,
        api_addr: SocketAddr,
    ) -> anyhow::Result<Services> {
        let clock = config.clock.clone();
        let function_stores = squall_functions::Stores {
            meta: stores.meta.clone(),
            artifacts: stores.artifacts.clone(),
            logs: stores.logs.clone(),
            queue: stores.queue.clone(),
            layers: stores.layers.clone(),
        };
        let functions = Arc::new(
            Functions::open(function_stores, log_pipe, runtime, clock.clone(), stores.cluster.clone())
                .await
                .context("loading functions")?,
        );
        let tables = Arc::new(
            Tables::open(stores.tables.clone(), clock.clone(), stores.cluster.clone())
                .await
                .context("loading tables")?,
        );
        let queues = Arc::new(open_queues(config, stores).await.context("loading queues")?);
        let topics = Topics::open(
            stores.topics.clone(),
            &config.region,
            &format!("http://{api_addr}"),
            queues.clone(),
            functions.clone(),
            clock.clone(),
            stores.cluster.clone(),
        )
        .await
        .context("loading topics")?;
        let key = crate::keys::load_or_create(&config.data_dir).context("loading the key of parameters and secrets")?;
        // SSE-S3 seals objects' data keys under a key of its own, derived from the
        // installation's (every server of a store has the same).
        let sse_key: [u8; 32] =
            sha2::Sha256::new_with_prefix(b"squall s3 sse master key\0").chain_update(key).finalize().into();
        let objects = Objects::open(
            stores.objects.clone(),
            stores.blobs.clone(),
            &config.region,
            clock.clone(),
            stores.cluster.clone(),
            sse_key,
        )
        .await
        .context("loading buckets")?;
        functions.set_async_policy(config.async_policy.clone());
        let events = Arc::new(
            EventBuses::open(stores.events.clone(), &config.region, clock.clone(), stores.cluster.clone())
                .await
                .context("loading event buses and rules")?,
        );
        // Bucket events go to functions, queues and topics by ARN, and to the default bus.
        let sink = ObjectEvents(Destinations::new(queues.clone(), topics.clone(), &functions), events.clone());
        objects.set_event_sink(Arc::new(sink));
        let params = Params::open(
            stores.params.clone(),
            Sealer::new(&key),
            &config.region,
            clock.clone(),
            stores.cluster.clone(),
        )
        .await
        .with_context(|| {
            format!(
                "loading parameters, secrets and KMS keys (params.db, key {})",
                crate::keys::path(&config.data_dir).display()
            )
        })?;
        // SSE-KMS asks the KMS for objects' data keys.
        objects.set_key_service(Arc::new(crate::object_keys::ObjectKeys(params.clone())));
        // Session tokens are sealed under a key of their own, derived from the installation's
        // (every server of a store has the same).
        let session_key: [u8; 32] =
            sha2::Sha256::new_with_prefix(b"squall sts session tokens\0").chain_update(key).finalize().into();
        let identities = Identities::open(
            stores.identities.clone(),
            clock.clone(),
            stores.cluster.clone(),
            squall_auth::Sealer::new(&session_key),
        )
        .await
        .context("loading IAM identities")?;
        // Asynchronous invocation records go there too, as their function's role may send.
        let sink = crate::destinations::FunctionDestinations::new(
            Destinations::new(queues.clone(), topics.clone(), &functions),
            identities.clone(),
            events.clone(),
            config.clock.clone(),
        );
        functions.set_destinations(Arc::new(sink), &config.region);
        let caller =
            Arc::new(crate::api_destinations::ApiCaller::new(identities.clone(), params.clone(), clock.clone()));
        let workflows = Arc::new(
            Workflows::open(stores.workflows.clone(), &config.region, clock.clone(), stores.cluster.clone())
                .await
                .context("loading state machines")?,
        );
        let workflow_tasks = Arc::new(crate::workflow_tasks::WorkflowTasks {
            functions: functions.clone(),
            identities: identities.clone(),
            clock: clock.clone(),
            region: config.region.clone(),
            api: Default::default(),
        });
        workflows.set_tasks(workflow_tasks.clone());
        let machines = Arc::new(crate::state_machine_targets::StateMachineTargets {
            identities: identities.clone(),
            workflows: workflows.clone(),
            clock: clock.clone(),
        });
        events.set_sink(Arc::new(crate::event_targets::EventTargets(
            Destinations::new(queues.clone(), topics.clone(), &functions),
            caller.clone(),
            machines.clone(),
        )));
        events.set_secrets(caller);
        let scheduler = Arc::new(
            Scheduler::open(stores.scheduler.clone(), &config.region, clock.clone(), stores.cluster.clone())
                .await
                .context("loading schedules")?,
        );
        scheduler.set_sink(Arc::new(crate::schedule_targets::ScheduleTargets {
            destinations: Destinations::new(queues.clone(), topics.clone(), &functions),
            identities: identities.clone(),
            events: events.clone(),
            clock: clock.clone(),
            machines,
        }));
        let triggers = Arc::new(Triggers::new(
            functions.clone(),
            tables.clone(),
            queues.clone(),
            config.region.clone(),
            config.triggers.clone(),
            clock,
            stores.cluster.clone(),
        ));
        Ok(Services {
            functions,
            tables,
            queues,
            topics,
            objects,
            params,
            identities,
            events,
            scheduler,
            workflows,
            workflow_tasks,
            triggers,
        })
    }

    /// The order services start in (they stop in reverse): a service starts after those
    /// its workers deliver to, and stops before them.
    pub(crate) fn in_start_order(&self) -> Vec<Arc<dyn Service>> {
        vec![
            self.functions.clone(),
            self.tables.clone(),
            self.queues.clone(),
            self.topics.clone(),
            self.objects.clone(),
            self.params.clone(),
            self.identities.clone(),
            self.events.clone(),
            self.scheduler.clone(),
            self.workflows.clone(),
            self.triggers.clone(),
        ]
    }
}

/// The queues, carried over first from `messages.db` when an older embedded server left one.
async fn open_queues(config: &ServerConfig, stores: &Stores) -> anyhow::Result<Queues> {
    let legacy = if stores.embedded { squall_storage_embedded::legacy_messages(&config.data_dir)? } else { None };
    let carried = legacy.is_some();
    let legacy = legacy.map(|l| l as Arc<dyn squall_storage::TableStore>);
    let queues =
        Queues::open(stores.messages.clone(), legacy, &config.region, config.clock.clone(), stores.cluster.clone())
            .await?;
    if carried {
        squall_storage_embedded::remove_legacy_messages(&config.data_dir)?;
    }
    Ok(queues)
}

/// Object events go where asynchronous invocation records go: a function (queued
/// invocation), a queue or a topic, by ARN, when the target's policy lets S3 deliver; and,
/// for a bucket with `EventBridgeConfiguration`, to the default event bus.
struct ObjectEvents(Destinations, Arc<EventBuses>);

#[async_trait::async_trait]
impl squall_objects::events::EventSink for ObjectEvents {
    async fn deliver(&self, arn: &str, source: &str, body: String) -> Result<(), String> {
        if arn == squall_objects::events::EVENT_BUS {
            let e = squall_objects::events::EventBridgeEvent::from_body(&body)?;
            let bus = squall_events::names::DEFAULT_BUS;
            let resources = vec![source.to_string()];
            let sent = self.1.put_service_event(bus, "aws.s3", &e.detail_type, e.detail, resources, Some(e.time_ms));
            return sent.await.map(drop).map_err(|e| e.to_string());
        }
        if let Err(why) = self.0.permitted("s3.amazonaws.com", source, arn) {
            // As on S3: an event its target refuses is not retried.
            tracing::warn!(target_arn = %arn, "dropping an object event: {why}");
            return Ok(());
        }
        self.0.send(arn, body, Vec::new()).await
    }
}
