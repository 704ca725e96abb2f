//! The walk over the YAML tree: every key is either understood, accepted with a warning,
//! or refused with its location.

use crate::buckets::EventFunction;
use crate::intrinsics::Evaluated;
use crate::{
    BucketNotification, BucketResource, FunctionSpec, Locator, Manifest, ManifestError, ManifestErrors,
    SubscriptionResource, TopicResource,
};
use serde_norway::{Mapping, Value};
use squall_types::{EventSourceMapping, FunctionConfig, FunctionName, PayloadVersion, RouteSpec, Runtime, ServiceName};
use std::collections::{BTreeMap, HashMap};

/// The Serverless Framework's defaults.
const DEFAULT_MEMORY_MB: u32 = 1024;
const DEFAULT_TIMEOUT_S: u32 = 6;

/// Where queue URLs point when the caller does not say (Squall's default api port).
const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4566";

/// Parses and validates `text`, read from `file`.
pub fn parse(file: &str, text: &str) -> Result<Manifest, ManifestErrors> {
    parse_for(file, text, DEFAULT_ENDPOINT)
}

/// [`parse`] for a server whose api port is `endpoint` (`http://host:port`): what a
/// queue's `Ref` (its URL) resolves to.
pub fn parse_for(file: &str, text: &str, endpoint: &str) -> Result<Manifest, ManifestErrors> {
    parse_with(file, text, endpoint, &crate::Inputs::default())
}

/// [`parse_for`] with what `${...}` variables resolve from besides the manifest (the
/// stage, region, environment and files).
pub fn parse_with(
    file: &str,
    text: &str,
    endpoint: &str,
    inputs: &crate::Inputs<'_>,
) -> Result<Manifest, ManifestErrors> {
    let locator = Locator::new(text);
    let endpoint = endpoint.trim_end_matches('/').to_string();
    let mut cx = Cx {
        file,
        locator,
        errors: vec![],
        warnings: vec![],
        refs: Default::default(),
        endpoint,
        region: squall_types::DEFAULT_REGION.to_string(),
        stage: inputs.stage.clone(),
        stack: String::new(),
        conditions: HashMap::new(),
        dotenv: BTreeMap::new(),
        outputs: vec![],
        gateway_responses: vec![],
        resource_policies: vec![],
        egress: None,
        topics: vec![],
        subscriptions: vec![],
        buckets: vec![],
        bucket_notifications: vec![],
        rules: vec![],
        schedules: vec![],
        event_buses: vec![],
        schedule_groups: vec![],
        roles: vec![],
        state_machines: vec![],
        state_machine_routes: vec![],
        layer_ids: Default::default(),
    };
    let root: Value = match serde_norway::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let line = e.location().map(|l| l.line());
            return Err(ManifestErrors(vec![ManifestError {
                file: file.to_string(),
                line,
                key: String::new(),
                message: format!("not valid YAML: {e}"),
            }]));
        }
    };
    let mut root = match crate::variables::resolve(&root, inputs) {
        Ok(resolved) => resolved,
        Err(unresolved) => {
            for (path, message) in unresolved {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                cx.error(&path, message);
            }
            return Err(ManifestErrors(cx.errors));
        }
    };
    // `--region` is `provider.region`, as the framework's flag is.
    if let (Some(region), Value::Mapping(m)) = (&inputs.region, &mut root) {
        let provider = m.entry("provider".into()).or_insert_with(|| Value::Mapping(Default::default()));
        if let Value::Mapping(p) = provider {
            p.insert("region".into(), Value::String(region.clone()));
        }
    }
    // serverless-dotenv-plugin's files, for the functions' environment.
    let lists_dotenv = |plugins: Option<&Value>| {
        let names = match plugins {
            Some(Value::Mapping(m)) => m.get("modules"),
            other => other,
        };
        names
            .and_then(Value::as_sequence)
            .is_some_and(|l| l.iter().any(|p| p.as_str() == Some("serverless-dotenv-plugin")))
    };
    if lists_dotenv(root.get("plugins")) {
        let stage = inputs
            .stage
            .clone()
            .or_else(|| root.get("provider").and_then(|p| p.get("stage")).and_then(Value::as_str).map(String::from))
            .unwrap_or_else(|| "dev".into());
        match crate::variables::dotenv_plugin(inputs, &stage) {
            Ok(vars) => cx.dotenv = vars,
            Err(e) => {
                cx.error(&["plugins"], e);
                return Err(ManifestErrors(cx.errors));
            }
        }
    }
    let manifest = cx.manifest(&root);
    match manifest {
        Some(m) if cx.errors.is_empty() => Ok(m),
        _ => {
            if cx.errors.is_empty() {
                cx.error(&[], "the manifest is incomplete");
            }
            Err(ManifestErrors(cx.errors))
        }
    }
}

pub(crate) type Path<'a> = [&'a str];

pub(crate) struct Cx<'f> {
    file: &'f str,
    locator: Locator,
    pub(crate) errors: Vec<ManifestError>,
    warnings: Vec<String>,
    /// What `Ref`/`Fn::GetAtt` to this service's resources resolve to.
    pub(crate) refs: crate::resources::Refs,
    /// The api port's URL, which queue URLs start with.
    pub(crate) endpoint: String,
    /// `provider.region`: the region in the ARNs of topics, queues, tables and functions.
    pub(crate) region: String,
    /// `--stage`, else `provider.stage`, else `dev`.
    pub(crate) stage: Option<String>,
    /// `<service>-<stage>`: `AWS::StackName`, and what unnamed resources are named after.
    pub(crate) stack: String,
    /// `resources.Conditions`, evaluated.
    pub(crate) conditions: HashMap<String, bool>,
    /// serverless-dotenv-plugin's variables, under every function's own environment.
    pub(crate) dotenv: BTreeMap<String, String>,
    /// `resources.Outputs`, evaluated.
    pub(crate) outputs: Vec<crate::Output>,
    /// `AWS::ApiGateway::GatewayResponse` resources.
    pub(crate) gateway_responses: Vec<squall_types::GatewayResponse>,
    /// `custom.squall.egress`: what the functions may reach besides the platform (`None`:
    /// anywhere).
    pub(crate) egress: Option<Vec<String>>,
    /// `AWS::S3::BucketPolicy` and `AWS::Lambda::Permission` resources.
    pub(crate) resource_policies: Vec<squall_types::ResourcePolicy>,
    /// Topics declared under `resources`, then those `sns` events imply.
    pub(crate) topics: Vec<TopicResource>,
    /// Subscriptions from resources and `sns` events, in manifest order.
    pub(crate) subscriptions: Vec<SubscriptionResource>,
    /// Buckets declared under `resources`, then those `s3` events imply.
    pub(crate) buckets: Vec<BucketResource>,
    /// Function `s3` events, in manifest order.
    pub(crate) bucket_notifications: Vec<BucketNotification>,
    /// Event rules from function `schedule` events, in manifest order.
    pub(crate) rules: Vec<crate::RuleResource>,
    /// EventBridge Scheduler schedules from `schedule` events with `method: scheduler`.
    pub(crate) schedules: Vec<crate::ScheduleResource>,
    /// Buses `eventBridge` events name by name.
    pub(crate) event_buses: Vec<String>,
    /// `AWS::Scheduler::ScheduleGroup` resources' names.
    pub(crate) schedule_groups: Vec<String>,
    /// `AWS::IAM::Role` resources.
    pub(crate) roles: Vec<crate::RoleResource>,
    /// State machines from resources and `stepFunctions`, in manifest order.
    pub(crate) state_machines: Vec<crate::StateMachineResource>,
    pub(crate) state_machine_routes: Vec<squall_types::RouteSpec>,
    /// The logical ids of the service's layers (`<Key>LambdaLayer`), to their keys.
    pub(crate) layer_ids: BTreeMap<String, String>,
}

/// A key path as messages show it: `functions.f.events[0].sns`.
pub(crate) fn dotted(path: &Path) -> String {
    let mut s = String::new();
    for seg in path {
        if seg.parse::<usize>().is_ok() {
            s.push_str(&format!("[{seg}]"));
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(seg);
        }
    }
    s
}

impl Cx<'_> {
    pub(crate) fn error(&mut self, path: &Path, message: impl Into<String>) {
        self.errors.push(ManifestError {
            file: self.file.to_string(),
            line: self.locator.line_of(path),
            key: dotted(path),
            message: message.into(),
        });
    }

    pub(crate) fn warn(&mut self, path: &Path, message: &str) {
        let line = self.locator.line_of(path).map(|l| format!(":{l}")).unwrap_or_default();
        self.warnings.push(format!("{}{line}: {}: {message}", self.file, dotted(path)));
    }

    fn mapping<'v>(&mut self, path: &Path, v: &'v Value) -> Option<&'v Mapping> {
        match v {
            Value::Mapping(m) => Some(m),
            _ => {
                self.error(path, "must be a mapping");
                None
            }
        }
    }

    /// The entries of a mapping whose keys are strings.
    pub(crate) fn entries<'v>(&mut self, path: &Path, v: &'v Value) -> Vec<(&'v str, &'v Value)> {
        let Some(m) = self.mapping(path, v) else { return vec![] };
        let mut out = Vec::new();
        for (k, v) in m {
            match k.as_str() {
                Some(k) => out.push((k, v)),
                None => self.error(path, format!("keys must be strings, found {k:?}")),
            }
        }
        out
    }

    pub(crate) fn string(&mut self, path: &Path, v: &Value) -> Option<String> {
        match v {
            Value::String(s) if s.contains("${") => {
                // What is left after the framework's variables are resolved is CloudFormation's.
                self.error(
                    path,
                    "Fn::Sub placeholders (${Resource}, ${AWS::Region}) are not supported yet; write the value out",
                );
                None
            }
            Value::String(s) => Some(s.clone()),
            _ => {
                self.error(path, "must be a string");
                None
            }
        }
    }

    /// A scalar as a string, the way the framework turns `PORT: 8080` into "8080".
    pub(crate) fn scalar(&mut self, path: &Path, v: &Value) -> Option<String> {
        match v {
            Value::String(_) => self.string(path, v),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.error(path, "must be a string, number or boolean");
                None
            }
        }
    }

    /// A function's `url`: `true`, or `{cors, authorizer: aws_iam}`; streaming is refused
    /// until Squall serves it.
    fn function_url(&mut self, path: &Path, v: &Value) -> Option<squall_types::DeclaredUrl> {
        if let Value::Bool(b) = v {
            return b.then_some(squall_types::DeclaredUrl { cors: None, iam: false, streaming: false });
        }
        let mut url = squall_types::DeclaredUrl { cors: None, iam: false, streaming: false };
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "cors" => url.cors = self.cors(&p, val),
                "authorizer" => match val.as_str() {
                    Some("aws_iam") => url.iam = true,
                    _ => self.error(&p, "must be aws_iam"),
                },
                "invokeMode" => match val.as_str() {
                    Some("BUFFERED") => {}
                    Some("RESPONSE_STREAM") => url.streaming = true,
                    _ => self.error(&p, "must be BUFFERED or RESPONSE_STREAM"),
                },
                other => self.error(&p, format!("{other} is not a setting of a function URL")),
            }
        }
        Some(url)
    }

    /// A `true`/`false` setting.
    pub(crate) fn flag(&mut self, path: &Path, v: &Value) -> Option<bool> {
        let b = v.as_bool();
        if b.is_none() {
            self.error(path, "must be true or false");
        }
        b
    }

    pub(crate) fn number(&mut self, path: &Path, v: &Value) -> Option<u32> {
        match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.error(path, "must be a whole number");
                None
            }
        }
    }

    fn environment(&mut self, path: &Path, v: &Value) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        let refs = std::mem::take(&mut self.refs);
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            let value = match self.evaluate(&p, val, &refs) {
                Ok(Some(Evaluated::Text(resolved))) => Some(resolved),
                // `Fn::If: [Cond, value, !Ref AWS::NoValue]` leaves the variable out.
                Ok(Some(Evaluated::NoValue)) => None,
                Ok(Some(Evaluated::List(_))) => {
                    self.error(&p, "must evaluate to a string, not a list");
                    None
                }
                Ok(None) => self.scalar(&p, val),
                Err(()) => None,
            };
            if let Some(s) = value {
                env.insert(k.to_string(), s);
            }
        }
        self.refs = refs;
        env
    }

    fn manifest(&mut self, root: &Value) -> Option<Manifest> {
        let mut service = None;
        let mut provider = Provider::default();
        let mut functions = None;
        let mut build = None;
        let mut plugins = crate::Plugins::default();
        let mut package = crate::PackageSpec::default();
        let mut layers = Vec::new();
        let mut step_functions = None;
        self.layer_ids = crate::layers::layer_ids(root.get("layers"));
        // Resources first: environment values anywhere may refer to them.
        let mut tables = Vec::new();
        let mut queues = Vec::new();
        if let Some(region) = root.get("provider").and_then(|p| p.get("region")).and_then(Value::as_str) {
            self.region = region.to_string();
        }
        let declared_stage = root.get("provider").and_then(|p| p.get("stage")).and_then(Value::as_str);
        let stage = self.stage.clone().or(declared_stage.map(str::to_string)).unwrap_or_else(|| "dev".to_string());
        if let Err(e) = squall_types::check_stage(&stage) {
            let at: &[&str] = if self.stage.is_some() { &[] } else { &["provider", "stage"] };
            self.error(at, e);
            return None;
        }
        let name = match root.get("service") {
            Some(Value::Mapping(m)) => m.get("name").and_then(Value::as_str),
            Some(other) => other.as_str(),
            None => None,
        };
        // What CloudFormation names a stack's resources after: `<service>-<stage>`.
        let stack = name.map(|n| format!("{n}-{stage}"));
        self.stack = stack.clone().unwrap_or_default();
        if let Some(stack) = stack.as_deref().filter(|n| ServiceName::new(*n).is_ok()) {
            self.function_refs(stack, root.get("functions"));
            self.state_machine_refs(stack, root.get("stepFunctions"));
            if let Some(res) = root.get("resources") {
                (tables, queues) = self.resources(stack, res);
            }
            self.implied_bucket_refs(root.get("functions"));
        }
        for (key, v) in self.entries(&[], root) {
            match key {
                "service" => {
                    let name = match v {
                        Value::Mapping(m) => m.get("name").cloned().unwrap_or(Value::Null),
                        other => other.clone(),
                    };
                    if let Some(s) = self.string(&["service"], &name) {
                        match ServiceName::new(&s).and_then(|n| ServiceName::new(format!("{s}-{stage}")).map(|_| n)) {
                            Ok(n) => service = Some(n),
                            Err(e) => self.error(&["service"], e.to_string()),
                        }
                    }
                }
                "frameworkVersion" => {}
                "provider" => provider = self.provider(v),
                "functions" => functions = Some(v),
                "stepFunctions" => step_functions = Some(v),
                "custom" => build = self.custom(v),
                "plugins" => plugins = self.plugins(v, root.get("custom")),
                "package" => package = self.package(&["package"], v),
                "configValidationMode" | "deprecationNotificationMode" | "disabledDeprecations" => {
                    self.warn(&[key], "ignored")
                }
                // Read by `${env:}` and `${param:}` variables, resolved before this.
                "useDotenv" | "params" => {}
                "resources" => {}
                "layers" => layers = self.layers(v),
                "stages" | "outputs" | "org" | "app" | "console" | "dashboard" => {
                    self.error(&[key], "is not supported yet")
                }
                other => self.error(&[other], "unknown key"),
            }
        }
        let Some(service) = service else {
            self.error(&["service"], "is required");
            return None;
        };
        let stack = ServiceName::new(format!("{service}-{stage}")).expect("checked with the service name");
        let functions = match functions {
            Some(f) => self.functions(&stack, &provider, f),
            None => vec![],
        };
        if let Some(v) = step_functions {
            let keys: Vec<&str> = functions.iter().map(|f| f.key.as_str()).collect();
            self.step_functions(stack.as_str(), &provider.tags, &keys, v);
        }
        // A function's permissions become statements of its policy on deploy: it must be
        // one this service deploys.
        let outside: Vec<(String, String)> = self
            .resource_policies
            .iter()
            .filter(|p| !p.resource.starts_with("arn:aws:s3:::"))
            .filter(|p| {
                !functions.iter().any(|f| p.resource.ends_with(&format!(":function:{}", f.config.name.as_str())))
            })
            .map(|p| (p.logical_id.clone(), p.resource.clone()))
            .collect();
        for (id, arn) in outside {
            self.error(
                &["resources", "Resources", &id, "Properties", "FunctionName"],
                format!("{arn} is not a function of this service (a permission on another service's function is not supported yet)"),
            );
        }
        let implicit = crate::resource_policies::implicit_permissions(
            &self.bucket_notifications,
            &self.subscriptions,
            &self.rules,
        );
        for p in implicit {
            if !self.resource_policies.iter().any(|q| q.logical_id == p.logical_id) {
                self.resource_policies.push(p);
            }
        }
        Some(Manifest {
            service,
            stage,
            api_keys: provider.rest_api.api_keys.clone(),
            binary_media_types: provider.rest_api.binary_media_types.clone(),
            package,
            plugins,
            outputs: std::mem::take(&mut self.outputs),
            gateway_responses: std::mem::take(&mut self.gateway_responses),
            resource_policies: std::mem::take(&mut self.resource_policies),
            region: self.region.clone(),
            build,
            cors: provider.http_api.cors.clone(),
            functions,
            layers,
            tables,
            queues,
            topics: std::mem::take(&mut self.topics),
            subscriptions: std::mem::take(&mut self.subscriptions),
            buckets: std::mem::take(&mut self.buckets),
            bucket_notifications: std::mem::take(&mut self.bucket_notifications),
            rules: std::mem::take(&mut self.rules),
            schedules: std::mem::take(&mut self.schedules),
            event_buses: std::mem::take(&mut self.event_buses),
            schedule_groups: std::mem::take(&mut self.schedule_groups),
            roles: std::mem::take(&mut self.roles),
            state_machines: std::mem::take(&mut self.state_machines),
            state_machine_routes: std::mem::take(&mut self.state_machine_routes),
            warnings: std::mem::take(&mut self.warnings),
            locator: self.locator.clone(),
        })
    }

    /// `custom.squall.egress`: a list of hosts (`api.stripe.com`, `*.example.com`,
    /// `10.0.0.5:8443`); an empty list allows only the platform.
    fn egress(&mut self, v: &Value) -> Option<Vec<String>> {
        let path = ["custom", "squall", "egress"];
        let Value::Sequence(items) = v else {
            self.error(&path, "must be a list of hosts (host, *.domain, or IP address, with an optional :port)");
            return None;
        };
        let mut grants = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let p = [path[0], path[1], path[2], idx.as_str()];
            let Some(entry) = self.string(&p, item) else { continue };
            match squall_types::egress_entry_problem(&entry) {
                Some(problem) => self.error(&p, problem),
                None => grants.push(entry),
            }
        }
        Some(grants)
    }

    fn custom(&mut self, v: &Value) -> Option<String> {
        let mut build = None;
        for (key, v) in self.entries(&["custom"], v) {
            // Other `custom` sections belong to plugins and are free-form by design.
            if key != "squall" {
                continue;
            }
            for (k, v) in self.entries(&["custom", "squall"], v) {
                match k {
                    "build" => build = self.string(&["custom", "squall", "build"], v),
                    "egress" => self.egress = self.egress(v),
                    other => self.error(&["custom", "squall", other], "unknown key"),
                }
            }
        }
        build
    }

    fn provider(&mut self, v: &Value) -> Provider {
        let mut p = Provider::default();
        let mut legacy_plan = None;
        for (key, v) in self.entries(&["provider"], v) {
            let path = ["provider", key];
            match key {
                "name" => {
                    if let Some(n) = self.string(&path, v)
                        && n != "aws"
                    {
                        self.error(&path, format!("must be aws (squall speaks AWS's APIs), not {n:?}"));
                    }
                }
                "runtime" => p.runtime = self.string(&path, v).map(|s| (s, "provider")),
                "memorySize" => p.memory_mb = self.number(&path, v),
                "timeout" => p.timeout_s = self.number(&path, v),
                "environment" => p.environment = self.environment(&path, v),
                "stage" | "region" => {
                    self.string(&path, v);
                }
                "httpApi" => p.http_api = self.http_api(v),
                "apiGateway" => {
                    let older = std::mem::take(&mut p.rest_api.api_keys);
                    p.rest_api = self.api_gateway(v);
                    if p.rest_api.api_keys.is_empty() {
                        p.rest_api.api_keys = older;
                    }
                }
                // The framework's older places for them.
                "apiKeys" => p.rest_api.api_keys = self.api_keys(&path, v),
                "usagePlan" => legacy_plan = Some(v),
                "iam" => self.provider_iam(v, &mut p.role),
                "iamRoleStatements" | "iamManagedPolicies" | "role" => self.provider_iam_legacy(key, v, &mut p.role),
                "apiName" | "endpointType" => self.warn(&path, "is about the API on AWS; ignored by squall"),
                "versionFunctions" => p.version_functions = self.flag(&path, v),
                "architecture" | "logRetentionInDays" | "deploymentMethod" => {
                    self.warn(&path, "has no effect under squall; ignored")
                }
                // How the framework deploys to AWS (credentials profile, CloudFormation
                // stack, artifact bucket): nothing of it exists on one Squall.
                "profile"
                | "stackName"
                | "stackTags"
                | "deploymentBucket"
                | "deploymentPrefix"
                | "lambdaHashingVersion" => self.warn(&path, "is about deploying to AWS; ignored by squall"),
                "tags" => p.tags = self.environment(&path, v),
                "tracing" => self.warn(&path, "ignored: squall traces every request with W3C trace context, not X-Ray"),
                "logs" => p.logging = self.provider_logs(v),
                "vpc" => self.warn(&path, "ignored: functions share the server's network (there are no VPCs on one Squall)"),
                "kmsKeyArn" => self.error(&path, "encrypting environment variables with a KMS key is not supported: squall would keep them unencrypted; remove it"),
                "layers" => p.layers = Some(self.layer_refs(&path, v)),
                other => self.error(&["provider", other], "is not supported yet"),
            }
        }
        if let Some(plan) = legacy_plan {
            self.usage_plans(&["provider", "usagePlan"], plan, &mut p.rest_api.api_keys);
        }
        p
    }

    pub(crate) fn strings(&mut self, path: &Path, v: &Value) -> Vec<String> {
        match v {
            Value::Sequence(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.scalar(&[path, &[i.to_string().as_str()]].concat(), item))
                .collect(),
            _ => {
                self.error(path, "must be a list");
                vec![]
            }
        }
    }

    fn functions(&mut self, service: &ServiceName, provider: &Provider, v: &Value) -> Vec<FunctionSpec> {
        let mut out: Vec<FunctionSpec> = Vec::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut routes: HashMap<(String, String), String> = HashMap::new();
        for (key, fv) in self.entries(&["functions"], v) {
            let Some(f) = self.function(service, provider, key, fv) else { continue };
            if let Some(first) = names.insert(f.config.name.to_string(), key.to_string()) {
                self.error(
                    &["functions", key],
                    format!("the function name {} is also used by functions.{first}", f.config.name),
                );
                continue;
            }
            for (i, r) in f.routes.iter().enumerate() {
                let route_id = (r.key.method.as_str().to_string(), r.key.path.shape());
                if let Some(other) = routes.insert(route_id, format!("functions.{key}")) {
                    let i = i.to_string();
                    // An `http` and an `httpApi` route are two APIs on AWS, with two hosts;
                    // under squall a stage's routes share one prefix.
                    self.error(
                        &["functions", key, "events", &i],
                        format!("route {} collides with a route of {other}", r.key),
                    );
                }
            }
            out.push(f);
        }
        out
    }

    fn function(&mut self, service: &ServiceName, provider: &Provider, key: &str, v: &Value) -> Option<FunctionSpec> {
        let at = |k: &str| -> Vec<String> { vec!["functions".into(), key.to_string(), k.to_string()] };
        let mut handler = None;
        let mut runtime = provider.runtime.clone();
        let mut memory_mb = provider.memory_mb;
        let mut timeout_s = provider.timeout_s;
        let mut environment = self.dotenv.clone();
        environment.extend(provider.environment.clone());
        let mut description = String::new();
        let mut name = None;
        let mut routes = Vec::new();
        let mut event_sources = Vec::new();
        let mut reserved_concurrency = None;
        let mut provisioned_concurrency = None;
        let mut async_invoke = squall_types::AsyncInvokeConfig::default();
        let mut function_role = crate::iam::FunctionRole::default();
        let mut package = None;
        let mut tags = provider.tags.clone();
        let mut publish = provider.version_functions.unwrap_or(true);
        let mut url = None;
        let mut layers = provider.layers.clone().unwrap_or_default();
        let mut ephemeral_storage_mb = None;
        let mut own_layers = false;
        let errors_before = self.errors.len();
        // `sns` and `s3` events name the function by its ARN, so its deployed name is
        // needed before `name:` may have been read.
        let deployed = v.get("name").and_then(Value::as_str).map_or_else(|| format!("{service}-{key}"), str::to_string);
        let function_arn = squall_types::function_arn(&self.region, &deployed);
        let event_function = EventFunction { service: service.as_str(), key, name: &deployed, arn: &function_arn };
        for (k, val) in self.entries(&["functions", key], v) {
            let path_owned = at(k);
            let path: Vec<&str> = path_owned.iter().map(String::as_str).collect();
            match k {
                "handler" => handler = self.string(&path, val),
                "runtime" => runtime = self.string(&path, val).map(|s| (s, "function")),
                "memorySize" => memory_mb = self.number(&path, val),
                "timeout" => timeout_s = self.number(&path, val),
                "environment" => environment.extend(self.environment(&path, val)),
                "description" => description = self.string(&path, val).unwrap_or_default(),
                "name" => name = self.string(&path, val),
                "package" => package = Some(self.package(&path, val)),
                "events" => (routes, event_sources) = self.events(&path, val, &event_function, provider),
                "reservedConcurrency" => reserved_concurrency = self.number(&path, val),
                "provisionedConcurrency" => provisioned_concurrency = self.number(&path, val),
                "role" | "iamRoleStatements" | "iamRoleStatementsInherit" | "iamRoleStatementsName" => {
                    self.function_iam(&path, k, val, &mut function_role)
                }
                "tags" => tags.extend(self.environment(&path, val)),
                "versionFunction" => publish = self.flag(&path, val).unwrap_or(publish),
                "url" => url = self.function_url(&path, val),
                "layers" => {
                    layers = self.layer_refs(&path, val);
                    own_layers = true;
                }
                "tracing" => self.warn(&path, "ignored: squall traces every request with W3C trace context, not X-Ray"),
                "vpc" => self.warn(&path, "ignored: functions share the server's network (there are no VPCs on one Squall)"),
                "ephemeralStorageSize" => ephemeral_storage_mb = self.number(&path, val),
                "architecture" | "logRetentionInDays" | "disableLogs" | "snapStart" => {
                    self.warn(&path, "has no effect under squall; ignored")
                }
                "kmsKeyArn" => self.error(&path, "encrypting environment variables with a KMS key is not supported: squall would keep them unencrypted; remove it"),
                other if self.async_setting(&path, other, val, &mut async_invoke) => {}
                other => self.error(&path, format!("function setting {other} is not supported yet")),
            }
        }
        let fpath = ["functions", key];
        let Some(handler) = handler else {
            self.error(&fpath, "handler is required");
            return None;
        };
        let runtime = match runtime {
            None => {
                self.error(&fpath, "runtime is required (here or in provider.runtime)");
                return None;
            }
            Some((r, from)) => match r.parse::<Runtime>() {
                Ok(r) => r,
                Err(e) => {
                    let path = if from == "function" {
                        vec!["functions", key, "runtime"]
                    } else {
                        vec!["provider", "runtime"]
                    };
                    self.error(&path, e);
                    return None;
                }
            },
        };
        let full_name = name.unwrap_or_else(|| format!("{service}-{key}"));
        let name = match FunctionName::new(full_name) {
            Ok(n) => n,
            Err(e) => {
                self.error(&fpath, e.to_string());
                return None;
            }
        };
        let (role, mut role_policy) = provider.role.for_function(&self.stack, &self.region, &function_role, key);
        if provider.role.made_by_framework(&function_role) {
            // As the framework does: the role it makes may send to the function's destinations.
            role_policy = crate::iam::with_destinations(role_policy, &async_invoke, &event_sources);
        }
        let config = FunctionConfig {
            name,
            service: Some(service.clone()),
            runtime,
            handler,
            memory_mb: memory_mb.unwrap_or(DEFAULT_MEMORY_MB),
            timeout_s: timeout_s.unwrap_or(DEFAULT_TIMEOUT_S),
            environment,
            description,
            role,
            role_policy,
            reserved_concurrency,
            provisioned_concurrency: provisioned_concurrency.unwrap_or(0),
            event_sources,
            async_invoke,
            permissions: Default::default(),
            egress: self.egress.clone(),
            tags,
            layers: Vec::new(),
            tracing_active: false,
            logging: provider.logging.clone().unwrap_or_default(),
            recursive_loop_allowed: false,
            runtime_updates: Default::default(),
            serve_through: None,
            ephemeral_storage_mb,
        };
        if let Err(e) = config.validate() {
            self.error(&fpath, e);
        }
        for r in &mut routes {
            r.function = config.name.to_string();
        }
        if url.as_ref().is_some_and(|u| !u.iam) {
            // As the framework: the URL is open to everyone through a permission of its own.
            let logical_id = format!("{}LambdaPermissionFnUrl", crate::resources::function_logical_name(key));
            let arn = squall_types::function_arn(&self.region, config.name.as_str());
            let statement = serde_json::json!({
                "Sid": logical_id,
                "Effect": "Allow",
                "Principal": "*",
                "Action": "lambda:InvokeFunctionUrl",
                "Resource": arn,
                "Condition": { "StringEquals": { "lambda:FunctionUrlAuthType": "NONE" } },
            });
            let document = serde_json::json!({ "Version": "2012-10-17", "Statement": [statement] }).to_string();
            self.resource_policies.push(squall_types::ResourcePolicy { logical_id, resource: arn, document });
        }
        if !layers.is_empty() && !config.runtime.is_process() {
            let why = format!("a {} function is a component: it has no /opt for layers", config.runtime);
            if own_layers {
                self.error(&["functions", key, "layers"], why);
            } else {
                self.warn(&["provider", "layers"], &format!("not given to function {key}: {why}"));
                layers.clear();
            }
        }
        let spec = FunctionSpec { key: key.to_string(), config, routes, package, publish, url, layers };
        (self.errors.len() == errors_before).then_some(spec)
    }

    /// A function's `events`: its HTTP routes and its event source mappings. `sns` events
    /// (SNS pushes: no mapping) add their subscriptions, and the topics they imply, to
    /// `self`; `s3` events (S3 pushes too) their notifications and the buckets they imply.
    fn events(
        &mut self,
        path: &Path,
        v: &Value,
        function: &EventFunction,
        provider: &Provider,
    ) -> (Vec<RouteSpec>, Vec<EventSourceMapping>) {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list");
            return (vec![], vec![]);
        };
        let mut routes = Vec::new();
        let mut sources = Vec::new();
        let mut schedules = 1;
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let ipath = [path, &[idx.as_str()]].concat();
            let entries = self.entries(&ipath, item);
            if entries.len() != 1 {
                self.error(&ipath, "an event has exactly one type, such as httpApi");
                continue;
            }
            let (kind, spec) = entries[0];
            let epath = [ipath.as_slice(), &[kind]].concat();
            match kind {
                "httpApi" => {
                    let payload = provider.http_api.payload.unwrap_or(PayloadVersion::V2);
                    routes.extend(self.http_api_event(&epath, spec, payload));
                }
                "http" => routes.extend(self.http_event(&epath, spec)),
                "stream" => sources.extend(self.stream_event(&epath, spec)),
                "sqs" => sources.extend(self.sqs_event(&epath, spec)),
                "sns" => self.sns_event(&epath, spec, function.arn),
                "s3" => self.s3_event(&epath, spec, function),
                "schedule" => self.schedule_event(&epath, spec, function, &mut schedules),
                "eventBridge" => self.event_bridge_event(&epath, spec, function, i + 1),
                other => self.error(&epath, format!("{other} events are not supported yet")),
            }
        }
        (routes, sources)
    }
}

#[derive(Default, Clone)]
struct Provider {
    runtime: Option<(String, &'static str)>,
    memory_mb: Option<u32>,
    timeout_s: Option<u32>,
    environment: BTreeMap<String, String>,
    http_api: crate::http::HttpApiSettings,
    rest_api: crate::http::RestApiSettings,
    role: crate::iam::ProviderRole,
    /// `provider.tags`, under every function's own.
    tags: BTreeMap<String, String>,
    /// `provider.versionFunctions` (the framework's default: true).
    version_functions: Option<bool>,
    /// `provider.layers`: every function's, unless it names its own.
    layers: Option<Vec<crate::LayerRef>>,
    /// `provider.logs.lambda`: every function's `LoggingConfig`.
    logging: Option<squall_types::LoggingConfig>,
}

#[cfg(test)]
mod tests;
