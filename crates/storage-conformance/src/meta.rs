//! [`MetaStore`]'s contract.

use squall_storage::{DeploymentChange, Error, Expect, MetaStore};
use squall_types::*;

/// A function record named `name`, of `service`, at `revision`.
pub fn record(name: &str, service: Option<&str>, revision: u64) -> FunctionRecord {
    FunctionRecord {
        config: FunctionConfig {
            name: FunctionName::new(name).unwrap(),
            service: service.map(|s| ServiceName::new(s).unwrap()),
            runtime: Runtime::Wasm,
            handler: "f.wasm".into(),
            memory_mb: 128,
            timeout_s: 3,
            environment: Default::default(),
            description: String::new(),
            role: default_role(),
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
        },
        code_sha256: "0".repeat(64),
        code_size: 1,
        revision,
        last_modified_ms: 1,
        version: None,
        versions: Default::default(),
        runtime_stamp: None,
    }
}

fn service(name: &str, functions: &[&str]) -> ServiceRecord {
    ServiceRecord {
        name: ServiceName::new(name).unwrap(),
        routes: functions
            .iter()
            .map(|f| RouteSpec {
                key: RouteKey::parse(&format!("GET /{f}")).unwrap(),
                function: f.to_string(),
                api: Default::default(),
            })
            .collect(),
        cors: None,
        functions: functions.iter().map(|f| FunctionName::new(*f).unwrap()).collect(),
        deployed_at_ms: 1,
        stage: None,
        api_keys: vec![],
        binary_media_types: vec![],
        outputs: Default::default(),
        gateway_responses: vec![],
        resource_policies: vec![],
    }
}

/// Every check, on an empty store.
pub async fn all(store: &dyn MetaStore) {
    function_writes_are_conditional(store).await;
    deployments_apply_whole_and_services_remove_their_functions(store).await;
    settings_keep_the_first_value(store).await;
}

async fn function_writes_are_conditional(s: &dyn MetaStore) {
    s.put_function(&record("a", None, 1), Expect::Absent).await.unwrap();
    let again = s.put_function(&record("a", None, 1), Expect::Absent).await;
    assert!(matches!(again, Err(Error::Conflict(_))));
    let stale = s.put_function(&record("a", None, 2), Expect::Revision(7)).await;
    assert!(matches!(stale, Err(Error::Conflict(_))));
    let missing = s.put_function(&record("zz", None, 2), Expect::Revision(1)).await;
    assert!(matches!(missing, Err(Error::Conflict(_))));
    s.put_function(&record("a", None, 2), Expect::Revision(1)).await.unwrap();
    assert_eq!(s.get_function("a").await.unwrap().unwrap().revision, 2);
    assert_eq!(s.list_functions().await.unwrap().len(), 1);
    assert_eq!(s.delete_function("a").await.unwrap().map(|f| f.revision), Some(2));
    assert!(s.delete_function("a").await.unwrap().is_none());
}

async fn deployments_apply_whole_and_services_remove_their_functions(s: &dyn MetaStore) {
    s.put_function(&record("loose", None, 1), Expect::Absent).await.unwrap();
    let change = DeploymentChange {
        service: service("svc", &["svc-a", "svc-b"]),
        upsert: vec![record("svc-a", Some("svc"), 1), record("svc-b", Some("svc"), 1)],
        delete: vec![],
    };
    s.apply_deployment(&change).await.unwrap();
    let change = DeploymentChange {
        service: service("svc", &["svc-a"]),
        upsert: vec![record("svc-a", Some("svc"), 2)],
        delete: vec!["svc-b".into()],
    };
    s.apply_deployment(&change).await.unwrap();
    let names: Vec<String> = s.list_functions().await.unwrap().into_iter().map(|f| f.config.name.to_string()).collect();
    assert_eq!(names, ["loose", "svc-a"]);
    assert_eq!(s.get_service("svc").await.unwrap().unwrap(), change.service);

    // Deleting a service's function also drops it from the service's routes.
    s.delete_function("svc-a").await.unwrap();
    let svc = s.get_service("svc").await.unwrap().unwrap();
    assert!(svc.routes.is_empty() && svc.functions.is_empty());

    s.apply_deployment(&change).await.unwrap();
    assert!(s.remove_service("svc").await.unwrap().is_some());
    assert!(s.remove_service("svc").await.unwrap().is_none());
    assert!(s.get_function("svc-a").await.unwrap().is_none());
    assert!(s.get_function("loose").await.unwrap().is_some());
    assert!(s.list_services().await.unwrap().is_empty());
    s.delete_function("loose").await.unwrap();
}

async fn settings_keep_the_first_value(s: &dyn MetaStore) {
    assert_eq!(s.get_setting("k").await.unwrap(), None);
    assert_eq!(s.init_setting("k", "one").await.unwrap(), "one");
    assert_eq!(s.init_setting("k", "two").await.unwrap(), "one");
    assert_eq!(s.get_setting("k").await.unwrap().as_deref(), Some("one"));
}
