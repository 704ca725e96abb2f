//! `serverless.yml` (Serverless Framework v3, the subset Squall runs) into a typed,
//! validated [`Manifest`].
//!
//! Errors name the file, the line and the key (`serverless.yml:14: functions.greet.runtime:
//! unknown runtime "java8"`). Keys Squall does not honour are refused, never ignored; keys
//! that change nothing here (`frameworkVersion`, `plugins`...) are accepted with a warning.
//!
//! Pure: the caller reads the file and checks handler paths; [`Manifest::locate`] gives
//! it the line of any key for its own errors.

mod async_settings;
mod buckets;
mod event_bridge;
mod event_rules;
mod events;
mod gateway_responses;
mod http;
mod iam;
mod iam_roles;
mod intrinsics;
mod layers;
mod locate;
mod logs;
mod package;
mod parse;
mod queues;
mod resource_policies;
mod resources;
mod scheduler_resources;
mod schedules;
mod step_functions;
mod topics;
mod variables;

pub use buckets::{BucketCorsRule, BucketNotification, BucketResource, default_bucket_name};
pub use iam_roles::RoleResource;
pub use layers::{LayerRef, LayerSpec};
pub use locate::Locator;
pub use package::{Esbuild, PackageSpec, Plugins};
pub use parse::{parse, parse_for, parse_with};
pub use queues::QueueResource;
pub use resources::TableResource;
pub use scheduler_resources::{ScheduleResource, ScheduleTarget, deployment_group};
pub use schedules::{RuleResource, RuleTarget, rule_name};
pub use step_functions::{MadeRole, StateMachineResource, state_machine_arn};
pub use topics::{SubscriptionResource, TopicResource};
pub use variables::{Inputs, ReadOutput, ReadSsm, Stored};

use squall_types::{Cors, FunctionConfig, RouteSpec, ServiceName};
use std::fmt;

/// A validated service manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The service name.
    pub service: ServiceName,
    /// The stage: `--stage`, else `provider.stage`, else `dev`. Functions are named
    /// `<service>-<stage>-<key>` and the deployment `<service>-<stage>`.
    pub stage: String,
    /// `provider.apiGateway.apiKeys`: the REST API's keys.
    pub api_keys: Vec<ApiKeySpec>,
    /// `provider.apiGateway.binaryMediaTypes`.
    pub binary_media_types: Vec<String>,
    /// `package`: how the service's code is packaged.
    pub package: PackageSpec,
    /// The plugins whose work `squall deploy` does.
    pub plugins: Plugins,
    /// `resources.Outputs`, their values resolved: printed after a deploy and read by
    /// other services' `${cf:}` variables.
    pub outputs: Vec<Output>,
    /// `AWS::ApiGateway::GatewayResponse` resources.
    pub gateway_responses: Vec<squall_types::GatewayResponse>,
    /// `AWS::S3::BucketPolicy` and `AWS::Lambda::Permission` resources, set on deploy
    /// (a bucket's policy; statements of a function's policy).
    pub resource_policies: Vec<squall_types::ResourcePolicy>,
    /// `provider.region` (default `us-east-1`): the region in the ARNs the manifest
    /// resolves (topics, queues, tables, functions).
    pub region: String,
    /// `custom.squall.build`: a shell command `squall deploy` runs in the service
    /// directory before packaging.
    pub build: Option<String>,
    /// `provider.httpApi.cors`.
    pub cors: Option<Cors>,
    /// The functions, in manifest order.
    pub functions: Vec<FunctionSpec>,
    /// The layers the service defines (`layers:`), published on deploy when changed.
    pub layers: Vec<LayerSpec>,
    /// Tables declared under `resources`, created on deploy when missing.
    pub tables: Vec<TableResource>,
    /// Queues declared under `resources`, created (or their attributes set) on deploy.
    pub queues: Vec<QueueResource>,
    /// Topics declared under `resources` (`AWS::SNS::Topic`), then those `sns` events
    /// imply by `topicName` (logical id empty): created (or their attributes set) on deploy.
    pub topics: Vec<TopicResource>,
    /// Subscriptions: `AWS::SNS::Subscription` resources, topics' `Subscription` entries
    /// and function `sns` events (protocol `lambda`, endpoint the function's ARN). SNS
    /// pushes, so these are not event source mappings; deploy makes them after the
    /// functions exist.
    pub subscriptions: Vec<SubscriptionResource>,
    /// Buckets declared under `resources` (`AWS::S3::Bucket`), then those `s3` events
    /// imply by name (logical id empty; not those with `existing: true`): created when
    /// missing on deploy, never deleted.
    pub buckets: Vec<BucketResource>,
    /// Function `s3` events: targets of their buckets' notification configurations. S3
    /// pushes, so these are not event source mappings; deploy puts them after the
    /// functions exist, beside the other targets of each bucket.
    pub bucket_notifications: Vec<BucketNotification>,
    /// Event rules from `schedule` and `eventBridge` events, each with its function as its
    /// target.
    pub rules: Vec<RuleResource>,
    /// EventBridge Scheduler schedules from `schedule` events with `method: scheduler` and
    /// `AWS::Scheduler::Schedule` resources.
    pub schedules: Vec<ScheduleResource>,
    /// Event buses `eventBridge` events name by name (not ARN) and `AWS::Events::EventBus`
    /// resources: the service's own, made on deploy and removed with it.
    pub event_buses: Vec<String>,
    /// `AWS::Scheduler::ScheduleGroup` resources: the service's own groups.
    pub schedule_groups: Vec<String>,
    /// `AWS::IAM::Role` resources: made (or brought up to date) in IAM on deploy before
    /// what refers to them, deleted when the manifest drops them and by `squall remove`.
    pub roles: Vec<RoleResource>,
    /// State machines: `AWS::StepFunctions::StateMachine` resources, then
    /// `stepFunctions.stateMachines` (the serverless-step-functions plugin's shape); created
    /// or updated on deploy after the functions, deleted when the manifest drops them.
    pub state_machines: Vec<StateMachineResource>,
    /// State machines' `http` events: REST routes starting an execution.
    pub state_machine_routes: Vec<squall_types::RouteSpec>,
    /// Things accepted but not used, for the user to see.
    pub warnings: Vec<String>,
    /// Finds the line of a key path.
    pub locator: Locator,
}

impl Manifest {
    /// What the service is deployed as: `<service>-<stage>`, as CloudFormation names the
    /// stack.
    pub fn deployment(&self) -> ServiceName {
        ServiceName::new(format!("{}-{}", self.service, self.stage)).expect("checked when parsed")
    }

    /// The line of `path` (`["functions", "greet", "handler"]`), or of its nearest
    /// ancestor that can be found.
    pub fn locate(&self, path: &[&str]) -> Option<usize> {
        self.locator.line_of(path)
    }
}

/// One function of the manifest, with provider defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    /// The key under `functions:`.
    pub key: String,
    /// Its configuration: the deployed name is `name:` if given, else `<service>-<key>`;
    /// the environment merges provider and function (the function wins); `handler` is, for
    /// `wasm`, the component's path relative to the service directory.
    pub config: FunctionConfig,
    /// Its `httpApi` and `http` routes (`function` is its deployed name).
    pub routes: Vec<RouteSpec>,
    /// Its own `package` settings.
    pub package: Option<PackageSpec>,
    /// Whether a deploy that changes it publishes a version (`provider.versionFunctions`
    /// and `versionFunction`, true unless set false, as the framework does).
    pub publish: bool,
    /// Its function URL (`url`), open to everyone as the framework's.
    pub url: Option<squall_types::DeclaredUrl>,
    /// Its layers (`layers`, else `provider.layers`), in order; `squall deploy` puts their
    /// versions' ARNs in its configuration.
    pub layers: Vec<LayerRef>,
}

/// A stack output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Its name (the key under `Outputs`).
    pub name: String,
    /// Its value.
    pub value: String,
    /// Its `Description`.
    pub description: String,
}

/// A REST API key serverless.yml declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeySpec {
    /// Its name.
    pub name: String,
    /// Its value, when given (else the server keeps the one it made).
    pub value: Option<String>,
    /// Its usage plan's throttle.
    pub throttle: Option<squall_types::Throttle>,
    /// The `apiKeys` group it is listed under (a usage plan's name).
    pub group: Option<String>,
}

/// A problem in a manifest, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The file name as the user gave it.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Dotted key path (`functions.greet.events[0].httpApi`), empty for the whole file.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ManifestError {}

/// All problems found in one manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestErrors(pub Vec<ManifestError>);

impl fmt::Display for ManifestErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestErrors {}
