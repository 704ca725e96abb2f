//! Squall's shared vocabulary: validated names, function configuration, routes,
//! trace context and log lines.
//!
//! Every other crate speaks in these types. Nothing here does I/O, and nothing
//! here knows about HTTP wire formats or storage engines.
#![deny(missing_docs)]

mod async_config;
mod bucket_name;
mod clock;
mod egress;
mod encoding;
mod event_source;
mod function;
mod function_url;
mod layers;
mod lineage;
mod log;
mod log_config;
mod names;
mod route;
mod runtime_updates;
mod trace;
mod versions;

pub use async_config::{AsyncInvokeConfig, arn_service};
pub use bucket_name::bucket_name_problem;
pub use clock::{format_iso8601_millis, format_iso8601_millis_z};
pub use egress::{egress_allows, egress_entry_problem};
pub use encoding::{form_decode, form_encode, percent_decode, query_pairs, title_case_header};
pub use event_source::{EventSource, EventSourceMapping, StartingPosition};
pub use function::{
    ApiKey, Cors, FunctionConfig, FunctionRecord, ResourcePolicy, RolePolicy, Runtime, ServiceRecord, Throttle,
    base_path_of, default_role, service_name_of, tags_problem,
};
pub use function_url::{DeclaredUrl, FunctionUrl, UrlAuth};
pub use layers::{
    FunctionLayer, LayerVersion, LayerVersionArn, MAX_FUNCTION_LAYERS, layer_arn, layer_name_problem, layer_version_arn,
};
pub use lineage::{Lineage, RECURSION_LIMIT};
pub use log::{LogLine, LogStream};
pub use log_config::{LogLevel, LoggingConfig};
pub use names::{FunctionName, NameError, ServiceName, check_stage};
pub use route::{
    GatewayHeader, GatewayResponse, HttpMethod, PayloadVersion, RequiredParameters, RestCors, RestRoute, RouteApi,
    RouteKey, RoutePath, RouteSegment, RouteSpec, StartExecutionRoute,
};
pub use runtime_updates::{RuntimeUpdates, UpdateRuntimeOn};
pub use trace::{RequestId, TraceContext, random_draw, random_u64};
pub use versions::{Alias, LATEST, Provisioned, PublishedVersion, Versions, alias_name_problem};

/// The AWS account id Squall reports in ARNs (one account per installation).
pub const ACCOUNT_ID: &str = "000000000000";

/// The region Squall reports when a client did not name one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The ARN of a function, as Lambda spells it.
pub fn function_arn(region: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}")
}
