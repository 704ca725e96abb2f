//! The service's own logic (reconcile, ownership, atomicity, asynchronous retries on a
//! manual clock) over the embedded store and a runtime double that accepts code starting
//! with `ok`.

use super::*;
use async_trait::async_trait;
use squall_runtime::{Failure, FailureKind, FunctionRuntime, Invocation, Outcome};
use squall_storage::QueuedInvocation;
use squall_storage_embedded::EmbeddedStores;
use squall_types::{FunctionConfig, FunctionName, RequestId, Runtime, ServiceName, TraceContext};
use std::collections::HashSet;
use std::sync::Mutex;
use tokio::sync::watch;

const START_MS: u64 = 1_700_000_000_000;

#[derive(Default)]
struct FakeRuntime {
    prepared: Mutex<Vec<String>>,
    /// Functions whose next invocation fails.
    fail_next: Mutex<HashSet<String>>,
    /// The function of every invocation, in order.
    invoked: watch::Sender<Vec<String>>,
}

#[async_trait]
impl FunctionRuntime for FakeRuntime {
    async fn prepare(
        &self,
        f: &FunctionRecord,
        code: &[u8],
        _: &dyn squall_runtime::CodeSource,
    ) -> squall_runtime::Result<()> {
        if !code.starts_with(b"ok") {
            return Err(squall_runtime::Error::InvalidCode("not ok".into()));
        }
        self.prepared.lock().unwrap().push(format!("{}@{}", f.config.name, f.revision));
        Ok(())
    }
    async fn invoke(&self, f: &FunctionRecord, _: Invocation, _: &dyn CodeSource) -> squall_runtime::Result<Outcome> {
        let name = f.config.name.to_string();
        let fail = self.fail_next.lock().unwrap().remove(&name);
        self.invoked.send_modify(|v| v.push(name));
        Ok(if fail {
            Outcome::Failed(Failure::new(FailureKind::GuestError, "failing as asked"))
        } else {
            Outcome::Response(http::Response::new(squall_runtime::full_body("ok")))
        })
    }
    fn evict(&self, _: &str) {}
}

impl FakeRuntime {
    fn invocations_of(&self, name: &str) -> usize {
        self.invoked.borrow().iter().filter(|n| *n == name).count()
    }
}

/// What the dispatcher did with the invocation queue.
#[derive(Default, Clone)]
struct QueueLog {
    /// Each lease: the time it was made at and the ids it handed out.
    leases: Vec<(u64, Vec<String>)>,
    /// Each rescheduling: id and due time.
    retries: Vec<(String, u64)>,
    /// Ids completed.
    completed: Vec<String>,
}

/// The embedded queue, recording what is asked of it.
struct Recording {
    inner: Arc<dyn InvocationQueue>,
    log: watch::Sender<QueueLog>,
}

#[async_trait]
impl InvocationQueue for Recording {
    async fn release_orphans(&self) -> squall_storage::Result<usize> {
        self.inner.release_orphans().await
    }
    async fn enqueue(&self, invocation: &QueuedInvocation) -> squall_storage::Result<()> {
        self.inner.enqueue(invocation).await
    }
    async fn lease(&self, now_ms: u64, until: u64, limit: usize) -> squall_storage::Result<Vec<QueuedInvocation>> {
        let got = self.inner.lease(now_ms, until, limit).await?;
        self.log.send_modify(|l| l.leases.push((now_ms, got.iter().map(|i| i.id.clone()).collect())));
        Ok(got)
    }
    async fn complete(&self, id: &str) -> squall_storage::Result<()> {
        self.inner.complete(id).await?;
        self.log.send_modify(|l| l.completed.push(id.to_string()));
        Ok(())
    }
    async fn retry_at(&self, id: &str, attempts: u32, due_ms: u64) -> squall_storage::Result<()> {
        self.inner.retry_at(id, attempts, due_ms).await?;
        self.log.send_modify(|l| l.retries.push((id.to_string(), due_ms)));
        Ok(())
    }
    async fn next_due_ms(&self) -> squall_storage::Result<Option<u64>> {
        self.inner.next_due_ms().await
    }
}

async fn open(dir: &std::path::Path) -> (Functions, Arc<FakeRuntime>) {
    let (f, rt, _) = open_at(dir, &Clock::manual(START_MS)).await;
    (f, rt)
}

async fn open_at(dir: &std::path::Path, clock: &Clock) -> (Functions, Arc<FakeRuntime>, Arc<Recording>) {
    let stores = EmbeddedStores::open(dir).unwrap();
    let rt = Arc::new(FakeRuntime::default());
    let pipe = LogPipe::start(stores.logs.clone());
    let queue = Arc::new(Recording { inner: stores.queue, log: watch::Sender::new(QueueLog::default()) });
    let stores = Stores {
        meta: stores.meta,
        artifacts: stores.artifacts,
        logs: stores.logs,
        queue: queue.clone(),
        layers: stores.layers,
    };
    let f =
        Functions::open(stores, pipe, rt.clone(), clock.clone(), squall_lifecycle::Cluster::single()).await.unwrap();
    (f, rt, queue)
}

fn advance(clock: &Clock, ms: u64) {
    clock.advance(std::time::Duration::from_millis(ms)).unwrap();
}

fn config(name: &str) -> FunctionConfig {
    FunctionConfig {
        name: FunctionName::new(name).unwrap(),
        service: None,
        runtime: Runtime::Wasm,
        handler: "f.wasm".into(),
        memory_mb: 128,
        timeout_s: 3,
        environment: Default::default(),
        description: String::new(),
        role: squall_types::default_role(),
        role_policy: None,
        reserved_concurrency: None,
        provisioned_concurrency: 0,
        event_sources: Vec::new(),
        async_invoke: Default::default(),
        permissions: Default::default(),
        egress: None,
        tags: Default::default(),
        layers: Vec::new(),
        tracing_active: false,
        logging: Default::default(),
        recursive_loop_allowed: false,
        runtime_updates: Default::default(),
        serve_through: None,
        ephemeral_storage_mb: None,
    }
}

async fn upload(f: &Functions, code: &[u8]) -> String {
    let sha = crud::sha256_hex(code);
    f.put_artifact(&sha, code.to_vec()).await.unwrap();
    sha
}

fn plan(functions: Vec<(&str, &str, &[&str])>) -> DeploymentPlan {
    DeploymentPlan {
        service: ServiceName::new("svc-dev").unwrap(),
        stage: Some("dev".into()),
        cors: None,
        functions: functions
            .into_iter()
            .map(|(name, sha, routes)| PlannedFunction {
                config: config(name),
                code_sha256: sha.to_string(),
                publish: false,
                url: None,
                routes: routes
                    .iter()
                    .map(|r| RouteSpec {
                        key: RouteKey::parse(r).unwrap(),
                        function: String::new(),
                        api: RouteApi::default(),
                    })
                    .collect(),
            })
            .collect(),
        api_keys: vec![],
        binary_media_types: vec![],
        outputs: Default::default(),
        gateway_responses: vec![],
        resource_policies: vec![],
        routes: vec![],
    }
}

use squall_types::{RouteApi, RouteKey, RouteSpec};

fn actions(r: &DeployReport) -> Vec<(String, Action)> {
    r.changes.iter().map(|c| (c.function.clone(), c.action)).collect()
}

#[tokio::test]
async fn deploy_reconciles_idempotently_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (f, rt) = open(dir.path()).await;
    let a = upload(&f, b"ok a").await;
    let b = upload(&f, b"ok b").await;
    let r = f.deploy(plan(vec![("svc-a", &a, &["GET /a"]), ("svc-b", &b, &["GET /b/{id}"])])).await.unwrap();
    assert_eq!(actions(&r), [("svc-a".into(), Action::Created), ("svc-b".into(), Action::Created)]);

    let again = f.deploy(plan(vec![("svc-a", &a, &["GET /a"]), ("svc-b", &b, &["GET /b/{id}"])])).await.unwrap();
    assert!(again.changes.iter().all(|c| c.action == Action::Unchanged));
    assert_eq!(rt.prepared.lock().unwrap().len(), 2, "unchanged functions are not recompiled");

    let a2 = upload(&f, b"ok a2").await;
    let r = f.deploy(plan(vec![("svc-a", &a2, &["GET /a"])])).await.unwrap();
    assert_eq!(actions(&r), [("svc-a".into(), Action::Updated), ("svc-b".into(), Action::Removed)]);
    assert_eq!(f.get_function("svc-a").unwrap().revision, 2);
    assert!(f.function("svc-b").is_none());
    drop(f);

    let (f, _) = open(dir.path()).await;
    assert_eq!(f.get_function("svc-a").unwrap().code_sha256, a2);
    match f.route("GET", "/svc/dev/a") {
        Routed::Service { matched: RouteMatch::Found { function, .. }, .. } => assert_eq!(function, "svc-a"),
        _ => panic!("route /a should survive a restart"),
    }
    assert!(matches!(f.route("GET", "/svc/dev/b/1"), Routed::Service { matched: RouteMatch::NotFound, .. }));
}

#[tokio::test]
async fn stages_are_separate_deployments_under_their_own_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = open(dir.path()).await;
    let a = upload(&f, b"ok a").await;
    f.deploy(plan(vec![("svc-dev-a", &a, &["GET /a"])])).await.unwrap();
    let mut prod = plan(vec![("svc-prod-a", &a, &["GET /a"])]);
    prod.service = ServiceName::new("svc-prod").unwrap();
    prod.stage = Some("prod".into());
    let r = f.deploy(prod.clone()).await.unwrap();
    assert_eq!(r.base_path, "/svc/prod");
    let found = |path: &str| match f.route("GET", path) {
        Routed::Service { matched: RouteMatch::Found { function, .. }, rest, .. } => Some((function, rest)),
        _ => None,
    };
    assert_eq!(found("/svc/dev/a"), Some(("svc-dev-a".into(), "/a".into())));
    assert_eq!(found("/svc/prod/a"), Some(("svc-prod-a".into(), "/a".into())));
    assert!(matches!(f.route("GET", "/svc/test/a"), Routed::NoService));
    assert!(matches!(f.route("GET", "/svc/a"), Routed::NoService), "a staged service has no unstaged prefix");

    // Another service whose name and stage spell the same deployment name is refused.
    prod.service = ServiceName::new("svc-prod").unwrap();
    prod.stage = Some("svc-prod".into());
    assert!(f.deploy(prod.clone()).await.is_err(), "the name must end with the stage");
    let mut clash = plan(vec![]);
    clash.service = ServiceName::new("svc-prod").unwrap();
    clash.stage = None;
    let err = f.deploy(clash).await.unwrap_err().to_string();
    assert!(err.contains("taken by service svc at stage prod"), "{err}");
}

#[tokio::test]
async fn api_keys_are_made_once_and_kept_across_deploys_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = open(dir.path()).await;
    let a = upload(&f, b"ok a").await;
    let mut p = plan(vec![("svc-dev-a", &a, &["GET /a"])]);
    p.api_keys = vec![
        PlannedApiKey { name: "made".into(), value: None, throttle: None },
        PlannedApiKey { name: "given".into(), value: Some("g".repeat(20)), throttle: None },
    ];
    let first = f.deploy(p.clone()).await.unwrap();
    assert_eq!(first.api_keys.len(), 2);
    let made = first.api_keys[0].value.clone();
    assert_eq!(made.len(), 40);
    assert!(made.bytes().all(|b| b.is_ascii_alphanumeric()), "{made}");
    assert_eq!(first.api_keys[1].value, "g".repeat(20));
    let again = f.deploy(p.clone()).await.unwrap();
    assert_eq!(again.api_keys, first.api_keys, "a second deploy keeps the keys");
    drop(f);
    let (f, _) = open(dir.path()).await;
    assert_eq!(f.deploy(p.clone()).await.unwrap().api_keys, first.api_keys, "and so does a restart");
    p.api_keys[1].value = Some("short".into());
    assert!(f.deploy(p).await.is_err(), "API key values have 20 to 128 characters");
}

#[tokio::test]
async fn a_failed_deploy_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = open(dir.path()).await;
    let good = upload(&f, b"ok").await;
    let bad = upload(&f, b"garbage").await;
    f.deploy(plan(vec![("svc-a", &good, &["GET /a"])])).await.unwrap();

    let err = f.deploy(plan(vec![("svc-a", &bad, &["GET /a"]), ("svc-new", &good, &[])])).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCode(ref m) if m.contains("svc-a")), "{err}");
    assert_eq!(f.get_function("svc-a").unwrap().code_sha256, good);
    assert!(f.function("svc-new").is_none());

    let missing = "a".repeat(64);
    let err = f.deploy(plan(vec![("svc-a", &missing, &[])])).await.unwrap_err();
    assert!(matches!(err, Error::MissingArtifacts(ref m) if m.as_slice() == std::slice::from_ref(&missing)), "{err}");

    let err =
        f.deploy(plan(vec![("svc-a", &good, &["GET /x/{a}"]), ("svc-b", &good, &["GET /x/{b}"])])).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(ref m) if m.contains("collides")), "{err}");
    assert_eq!(f.list_functions().len(), 1);
}

#[tokio::test]
async fn services_do_not_take_each_others_functions() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = open(dir.path()).await;
    f.create_function(config("svc-a"), b"ok".to_vec()).await.unwrap();
    let sha = upload(&f, b"ok").await;
    let err = f.deploy(plan(vec![("svc-a", &sha, &[])])).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(ref m) if m.contains("belongs to no service")), "{err}");
    let err = f.create_function(config("svc-a"), b"ok".to_vec()).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
}

#[tokio::test]
async fn crud_updates_bump_revisions_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = open(dir.path()).await;
    let err = f.create_function(config("bad"), b"nope".to_vec()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidCode(_)));
    assert!(f.function("bad").is_none());

    f.create_function(config("fn"), b"ok 1".to_vec()).await.unwrap();
    let r = f.update_code("fn", b"ok 2".to_vec(), Some(1)).await.unwrap();
    assert!(matches!(f.update_code("fn", b"ok 3".to_vec(), Some(1)).await, Err(Error::PreconditionFailed(_))));
    assert_eq!(r.revision, 2);
    assert_eq!(f.function_code("fn").await.unwrap(), b"ok 2");
    let patch = ConfigPatch { timeout_s: Some(10), ..Default::default() };
    assert_eq!(f.update_config("fn", patch).await.unwrap().config.timeout_s, 10);
    let patch = ConfigPatch { memory_mb: Some(1), ..Default::default() };
    assert!(matches!(f.update_config("fn", patch).await, Err(Error::InvalidRequest(_))));
    f.delete_function("fn").await.unwrap();
    assert!(matches!(f.delete_function("fn").await, Err(Error::NotFound { .. })));
}

/// Lambda's retries and delays (the default), fewer at once.
fn policy() -> AsyncPolicy {
    AsyncPolicy { concurrency: 4, ..AsyncPolicy::default() }
}

async fn invoke_async(f: &Functions, name: &str) -> String {
    let id = RequestId::new();
    let record = f.function(name).unwrap();
    f.invoke_async(&record, bytes::Bytes::from("{}"), &id, &TraceContext::new_root(), &Default::default())
        .await
        .unwrap();
    id.to_string()
}

#[tokio::test]
async fn a_failed_asynchronous_invocation_runs_again_once_the_clock_passes_its_retry_time() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (f, rt, queue) = open_at(dir.path(), &clock).await;
    let f = Arc::new(f);
    f.create_function(config("flaky"), b"ok".to_vec()).await.unwrap();
    f.create_function(config("probe"), b"ok".to_vec()).await.unwrap();
    rt.fail_next.lock().unwrap().insert("flaky".into());
    let dispatcher = f.start_async_dispatcher(policy());
    let mut log = queue.log.subscribe();
    let mut invoked = rt.invoked.subscribe();

    let id = invoke_async(&f, "flaky").await;
    let due = log.wait_for(|l| !l.retries.is_empty()).await.unwrap().retries[0].1;
    assert_eq!(rt.invocations_of("flaky"), 1);
    assert!((START_MS + 45_000..START_MS + 75_000).contains(&due), "a minute ±25% after the failure: {due}");

    // A millisecond before it is due, a probe invocation makes the dispatcher lease: the
    // retry is not handed out with it.
    advance(&clock, due - START_MS - 1);
    invoke_async(&f, "probe").await;
    invoked.wait_for(|v| v.iter().any(|n| n == "probe")).await.unwrap();
    let early =
        log.borrow().leases.iter().filter(|(at, _)| *at < due).flat_map(|(_, ids)| ids.clone()).collect::<Vec<_>>();
    assert_eq!(early.iter().filter(|i| **i == id).count(), 1, "only the first attempt was leased before {due}");
    assert_eq!(rt.invocations_of("flaky"), 1);

    advance(&clock, 1);
    invoked.wait_for(|v| v.iter().filter(|n| *n == "flaky").count() == 2).await.unwrap();
    log.wait_for(|l| l.completed.contains(&id)).await.unwrap();
    let leased_at: Vec<u64> =
        log.borrow().leases.iter().filter(|(_, ids)| ids.contains(&id)).map(|(at, _)| *at).collect();
    assert_eq!(leased_at, [START_MS, due]);
    dispatcher.abort();
}

#[tokio::test]
async fn an_event_older_than_its_maximum_age_is_dropped_unrun() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (f, rt, queue) = open_at(dir.path(), &clock).await;
    let f = Arc::new(f);
    f.create_function(config("slow"), b"ok".to_vec()).await.unwrap();
    let id = invoke_async(&f, "slow").await;
    // Queued while no dispatcher runs, for longer than the event may wait.
    advance(&clock, 6 * 3600 * 1000 + 1);
    let dispatcher = f.start_async_dispatcher(policy());
    queue.log.subscribe().wait_for(|l| l.completed.contains(&id)).await.unwrap();
    assert_eq!(rt.invocations_of("slow"), 0);
    dispatcher.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_server_deploys_another_on_the_same_postgresql_serves() {
    use squall_lifecycle::{Cluster, Service};
    let pg = squall_storage_conformance::TempPostgres::start().expect("a throwaway PostgreSQL");
    let pg_stores = squall_storage_postgres::PgStores::connect(&pg.url()).await.unwrap();
    let server = |node: &str| {
        let cluster = Cluster { coordination: Arc::new(pg_stores.coordination()), node: node.into(), shared: true };
        let logs: Arc<dyn LogStore> = Arc::new(pg_stores.logs());
        let stores = Stores {
            meta: Arc::new(pg_stores.meta()),
            artifacts: Arc::new(pg_stores.artifacts()),
            logs: logs.clone(),
            queue: Arc::new(pg_stores.invocations("functions-test")),
            layers: Arc::new(pg_stores.tables("layers")),
        };
        Functions::open(stores, LogPipe::start(logs), Arc::new(FakeRuntime::default()), Clock::system(), cluster)
    };
    let (a, b) = (Arc::new(server("a").await.unwrap()), Arc::new(server("b").await.unwrap()));
    let (wa, wb) = (a.clone().start(), b.clone().start());
    let within = |what: &'static str, done: Box<dyn Fn() -> bool>| async move {
        for _ in 0..50 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{what} did not reach the other server within a second");
    };

    a.create_function(config("fn"), b"ok 1".to_vec()).await.unwrap();
    let seen = b.clone();
    within("a created function", Box::new(move || seen.function("fn").is_some())).await;
    assert_eq!(b.function_code("fn").await.unwrap(), b"ok 1", "its code comes from the shared store");
    a.update_code("fn", b"ok 2".to_vec(), Some(1)).await.unwrap();
    let seen = b.clone();
    within("an update", Box::new(move || seen.function("fn").is_some_and(|f| f.revision == 2))).await;

    let sha = upload(&a, b"ok svc").await;
    a.deploy(plan(vec![("svc-dev-api", &sha, &["GET /items"])])).await.unwrap();
    let seen = b.clone();
    within("a deployment", Box::new(move || seen.list_services().iter().any(|s| s.name.as_str() == "svc-dev"))).await;
    b.remove_service("svc-dev").await.unwrap();
    b.delete_function("fn").await.unwrap();
    let seen = a.clone();
    within("removals", Box::new(move || seen.list_functions().is_empty() && seen.list_services().is_empty())).await;
    wa.stop().await;
    wb.stop().await;
}

#[tokio::test]
async fn layer_versions_are_numbered_once_kept_across_restarts_and_resolved_for_functions() {
    let dir = tempfile::tempdir().unwrap();
    let arn = |n: &str| format!("arn:aws:lambda:us-east-1:000000000000:layer:{n}");
    {
        let (f, _) = open(dir.path()).await;
        let one = f.publish_layer_version("libs", Default::default(), b"zip one".to_vec()).await.unwrap();
        let two = f.publish_layer_version("libs", Default::default(), b"zip two".to_vec()).await.unwrap();
        assert_eq!((one.version, two.version), (1, 2));
        f.delete_layer_version("libs", 2).await.unwrap();
        f.delete_layer_version("libs", 2).await.unwrap();
        assert!(matches!(f.layer_version("libs", 2).await, Err(Error::NotFound { .. })));
    }
    let (f, _) = open(dir.path()).await;
    let three = f.publish_layer_version("libs", Default::default(), b"zip three".to_vec()).await.unwrap();
    assert_eq!(three.version, 3, "numbers are never reused, even after a restart");
    assert_eq!(f.layer_versions("libs").await.unwrap().iter().map(|v| v.version).collect::<Vec<_>>(), [3, 1]);
    assert_eq!(f.layer_code("libs", 1).await.unwrap(), b"zip one");

    let used = f.function_layers(&[arn("libs:1")]).await.unwrap();
    assert_eq!((used[0].code_sha256.as_str(), used[0].code_size), (crud::sha256_hex(b"zip one").as_str(), 7));
    let six: Vec<String> = (0..6).map(|i| arn(&format!("l{i}:1"))).collect();
    let foreign = "arn:aws:lambda:us-east-1:123456789012:layer:libs:1".to_string();
    for (arns, says) in [
        (vec![arn("libs:2")], "does not exist"),
        (vec![arn("libs:1"), arn("libs:3")], "Two different versions"),
        (six, "more than 5"),
        (vec![foreign], "publish-layer-version"),
    ] {
        let problem = f.function_layers(&arns).await.unwrap_err().to_string();
        assert!(problem.contains(says), "{problem}");
    }

    let sid = "everyone".to_string();
    let changed = f
        .change_layer_policy(
            "libs",
            1,
            Some(1),
            Box::new(move |p| {
                p.insert(sid.clone(), "{}".into());
                Ok(())
            }),
        )
        .await
        .unwrap();
    assert_eq!(changed.revision, 2);
    let stale = f.change_layer_policy("libs", 1, Some(1), Box::new(|_| Ok(()))).await;
    assert!(matches!(stale, Err(Error::PreconditionFailed(_))));

    // A function of a Lambda runtime may use layers; a component may not.
    let mut c = config("with-layers");
    c.layers = used;
    assert!(c.validate().unwrap_err().contains("layers are for functions of Lambda's runtimes"));
    c.runtime = squall_types::Runtime::Python { minor: 12 };
    assert!(c.validate().is_ok());
}

#[tokio::test]
async fn settings_made_through_lambdas_api_outlive_deploys_and_a_canary_switch_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = open(dir.path()).await;
    let a = upload(&f, b"ok a").await;
    let published = |p: DeploymentPlan| DeploymentPlan {
        functions: p.functions.into_iter().map(|f| PlannedFunction { publish: true, ..f }).collect(),
        ..p
    };
    f.deploy(published(plan(vec![("svc-a", &a, &["GET /a"])]))).await.unwrap();
    let patch = ConfigPatch {
        recursive_loop_allowed: Some(true),
        runtime_updates: Some(squall_types::RuntimeUpdates {
            on: squall_types::UpdateRuntimeOn::Manual,
            held_to: Some("Fake 1".into()),
        }),
        ..ConfigPatch::default()
    };
    f.update_config("svc-a", patch).await.unwrap();
    let again = f.deploy(published(plan(vec![("svc-a", &a, &["GET /a"])]))).await.unwrap();
    assert_eq!(actions(&again), [("svc-a".into(), Action::Unchanged)]);
    let c = f.get_function("svc-a").unwrap();
    assert!(c.config.recursive_loop_allowed && c.config.runtime_updates.on == squall_types::UpdateRuntimeOn::Manual);

    // Routing the same code through an alias rewrites the record but publishes no version.
    let mut canary = published(plan(vec![("svc-a", &a, &["GET /a"])]));
    canary.functions[0].config.serve_through = Some("live".into());
    let switched = f.deploy(canary).await.unwrap();
    assert_eq!(actions(&switched), [("svc-a".into(), Action::Updated)]);
    let c = f.get_function("svc-a").unwrap();
    assert_eq!((c.config.serve_through.as_deref(), c.versions.last), (Some("live"), 1));
    assert!(c.config.recursive_loop_allowed, "still");
}
