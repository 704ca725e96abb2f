//! The service's own logic (reconcile, ownership, atomicity) over the embedded store and
//! a runtime double that accepts code starting with `ok`.

use super::*;
use async_trait::async_trait;
use squall_runtime::{FunctionRuntime, Invocation, Outcome};
use squall_storage_embedded::EmbeddedStores;
use squall_types::{FunctionConfig, FunctionName, Runtime, ServiceName};
use std::sync::Mutex;

#[derive(Default)]
struct FakeRuntime {
    prepared: Mutex<Vec<String>>,
}

#[async_trait]
impl FunctionRuntime for FakeRuntime {
    async fn prepare(&self, f: &FunctionRecord, code: &[u8]) -> squall_runtime::Result<()> {
        if !code.starts_with(b"ok") {
            return Err(squall_runtime::Error::InvalidCode("not ok".into()));
        }
        self.prepared.lock().unwrap().push(format!("{}@{}", f.config.name, f.revision));
        Ok(())
    }
    async fn invoke(&self, _: &FunctionRecord, _: Invocation, _: &dyn CodeSource) -> squall_runtime::Result<Outcome> {
        Err(squall_runtime::Error::Internal("not used".into()))
    }
    fn evict(&self, _: &str) {}
}

async fn open(dir: &std::path::Path) -> (Functions, Arc<FakeRuntime>) {
    let stores = EmbeddedStores::open(dir).unwrap();
    let rt = Arc::new(FakeRuntime::default());
    let pipe = LogPipe::start(stores.logs.clone());
    let stores = Stores { meta: stores.meta, artifacts: stores.artifacts, logs: stores.logs, queue: stores.queue };
    let f = Functions::open(stores, pipe, rt.clone()).await.unwrap();
    (f, rt)
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
        reserved_concurrency: None,
        provisioned_concurrency: 0,
        event_sources: Vec::new(),
        async_invoke: Default::default(),
    }
}

async fn upload(f: &Functions, code: &[u8]) -> String {
    let sha = crud::sha256_hex(code);
    f.put_artifact(&sha, code.to_vec()).await.unwrap();
    sha
}

fn plan(functions: Vec<(&str, &str, &[&str])>) -> DeploymentPlan {
    DeploymentPlan {
        service: ServiceName::new("svc").unwrap(),
        cors: None,
        functions: functions
            .into_iter()
            .map(|(name, sha, routes)| PlannedFunction {
                config: config(name),
                code_sha256: sha.to_string(),
                routes: routes.iter().map(|r| RouteKey::parse(r).unwrap()).collect(),
            })
            .collect(),
    }
}

use squall_types::RouteKey;

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
    match f.route("svc", "GET", "/a") {
        Routed::Service { matched: RouteMatch::Found { function, .. }, .. } => assert_eq!(function, "svc-a"),
        _ => panic!("route /a should survive a restart"),
    }
    assert!(matches!(f.route("svc", "GET", "/b/1"), Routed::Service { matched: RouteMatch::NotFound, .. }));
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
