//! Event source mappings (`/2015-03-31/event-source-mappings/…`): Create, Get, Update,
//! Delete and ListEventSourceMappings, for SQS queues and DynamoDB streams. The mappings
//! are the ones the triggers' pollers run (serverless.yml's `sqs` and `stream` events
//! included); sources and settings Squall does not run are refused by name.

use super::lambda::{parse_json, qualified_name};
use super::{ApiError, ApiRequest, ApiState};
use crate::body::json_response;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use squall_api::authorize::authorize_under;
use squall_runtime::Body;
use squall_types::{ACCOUNT_ID, EventSource, EventSourceMapping, FunctionRecord, StartingPosition};

/// Where Lambda's mapping operations live.
pub(super) const MAPPINGS: &str = "/2015-03-31/event-source-mappings";

type Reply = Result<http::Response<Body>, ApiError>;

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", "The resource you requested does not exist.")
}

/// A mapping's ARN.
fn mapping_arn(state: &ApiState, uuid: &str) -> String {
    format!("arn:aws:lambda:{}:{ACCOUNT_ID}:event-source-mapping:{uuid}", state.region)
}

/// Authorizes `op` on `resource`, with `lambda:FunctionArn` (the function the mapping
/// invokes) for policies to test.
fn authorize(
    state: &ApiState,
    req: &ApiRequest,
    op: &str,
    resource: String,
    function_arn: Option<&str>,
) -> Result<(), ApiError> {
    let mut keys = squall_iam::Context::default();
    if let Some(arn) = function_arn {
        keys.set("lambda:FunctionArn", arn.to_string());
    }
    authorize_under(state, req.who().with_keys(&keys), "lambda", op, None, || vec![resource])
}

/// Mapping operations by method and path (after [`MAPPINGS`]).
pub(super) async fn serve(state: &ApiState, req: &ApiRequest, rest: &str) -> Reply {
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match (&req.method, segments.as_slice()) {
        (&Method::POST, []) => create(state, req).await,
        (&Method::GET, []) => list(state, req),
        (&Method::GET, [uuid]) => {
            authorize(state, req, "GetEventSourceMapping", mapping_arn(state, uuid), None)?;
            let (f, m) = found(state, uuid)?;
            Ok(json_response(StatusCode::OK, &document(state, &f, &m, None)))
        }
        (&Method::PUT, [uuid]) => update(state, req, uuid).await,
        (&Method::DELETE, [uuid]) => {
            let function_arn = state.functions.event_source_mapping(uuid).ok().map(|(f, m)| target_arn(state, &f, &m));
            authorize(state, req, "DeleteEventSourceMapping", mapping_arn(state, uuid), function_arn.as_deref())?;
            found(state, uuid)?;
            let (f, m) = state.functions.delete_event_source_mapping(uuid).await?;
            Ok(json_response(StatusCode::ACCEPTED, &document(state, &f, &m, Some("Deleting"))))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("Lambda operation {} {} is not supported", req.method, req.uri.path()),
        )),
    }
}

fn found(state: &ApiState, uuid: &str) -> Result<(std::sync::Arc<FunctionRecord>, EventSourceMapping), ApiError> {
    state.functions.event_source_mapping(uuid).map_err(|_| not_found())
}

/// The ARN of what a mapping invokes: its function's, qualified when it names a version or alias.
fn target_arn(state: &ApiState, f: &FunctionRecord, m: &EventSourceMapping) -> String {
    let name = match &m.qualifier {
        Some(q) => format!("{}:{q}", f.config.name),
        None => f.config.name.to_string(),
    };
    squall_types::function_arn(&state.region, &name)
}

/// The source's ARN.
fn source_arn(state: &ApiState, m: &EventSourceMapping) -> String {
    match &m.source {
        EventSource::Sqs { queue } => format!("arn:aws:sqs:{}:{ACCOUNT_ID}:{queue}", state.region),
        EventSource::DynamoDbStream { table } => {
            let label = state.tables.current_stream(table).unwrap_or_default();
            squall_tables::stream::stream_arn(&state.region, ACCOUNT_ID, table, &label)
        }
    }
}

/// Lambda's `EventSourceMappingConfiguration`; `state` overrides the settled one (what an
/// operation answers while it is, on Lambda, still being carried out).
fn document(state: &ApiState, f: &FunctionRecord, m: &EventSourceMapping, transition: Option<&str>) -> Value {
    let stream = matches!(m.source, EventSource::DynamoDbStream { .. });
    let settled = if m.enabled { "Enabled" } else { "Disabled" };
    let mut doc = json!({
        "UUID": m.uuid,
        "BatchSize": m.batch_size,
        "MaximumBatchingWindowInSeconds": m.batching_window_s,
        "EventSourceArn": source_arn(state, m),
        "FunctionArn": target_arn(state, f, m),
        "LastModified": m.last_modified_ms as f64 / 1000.0,
        "State": transition.unwrap_or(settled),
        "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": if m.report_batch_item_failures { json!(["ReportBatchItemFailures"]) } else { json!([]) },
        "EventSourceMappingArn": mapping_arn(state, &m.uuid),
    });
    if stream {
        doc["LastProcessingResult"] =
            json!(state.functions.mapping_result(&m.uuid).unwrap_or_else(|| "No records processed".into()));
        doc["StartingPosition"] = json!(match m.starting_position {
            StartingPosition::TrimHorizon => "TRIM_HORIZON",
            StartingPosition::Latest => "LATEST",
        });
        doc["ParallelizationFactor"] = json!(1);
        doc["MaximumRecordAgeInSeconds"] = json!(m.maximum_record_age_s.map_or(-1, i64::from));
        doc["MaximumRetryAttempts"] = json!(m.maximum_retry_attempts.map_or(-1, i64::from));
        doc["BisectBatchOnFunctionError"] = json!(m.bisect_on_error);
        doc["TumblingWindowInSeconds"] = json!(m.tumbling_window_s.unwrap_or(0));
        doc["DestinationConfig"] = match &m.on_failure {
            Some(d) => json!({ "OnFailure": { "Destination": d } }),
            None => json!({ "OnFailure": {} }),
        };
    }
    if !m.filters.is_empty() {
        let filters: Vec<Value> = m.filters.iter().map(|p| json!({ "Pattern": p })).collect();
        doc["FilterCriteria"] = json!({ "Filters": filters });
    }
    if let Some(n) = m.maximum_concurrency {
        doc["ScalingConfig"] = json!({ "MaximumConcurrency": n });
    }
    doc
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct FilterInput {
    #[serde(default)]
    pattern: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct FilterCriteria {
    #[serde(default)]
    filters: Option<Vec<FilterInput>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Destination {
    destination: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct DestinationConfig {
    on_success: Option<Destination>,
    on_failure: Option<Destination>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ScalingConfig {
    maximum_concurrency: Option<u32>,
}

/// What Create and Update take (Update has neither `EventSourceArn` nor `StartingPosition`).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Input {
    event_source_arn: Option<String>,
    function_name: Option<String>,
    enabled: Option<bool>,
    batch_size: Option<u32>,
    filter_criteria: Option<FilterCriteria>,
    maximum_batching_window_in_seconds: Option<u32>,
    parallelization_factor: Option<u32>,
    starting_position: Option<String>,
    starting_position_timestamp: Option<Value>,
    destination_config: Option<DestinationConfig>,
    maximum_record_age_in_seconds: Option<i64>,
    bisect_batch_on_function_error: Option<bool>,
    maximum_retry_attempts: Option<i64>,
    tags: Option<Value>,
    tumbling_window_in_seconds: Option<u32>,
    topics: Option<Value>,
    queues: Option<Value>,
    source_access_configurations: Option<Value>,
    self_managed_event_source: Option<Value>,
    function_response_types: Option<Vec<String>>,
    amazon_managed_kafka_event_source_config: Option<Value>,
    self_managed_kafka_event_source_config: Option<Value>,
    scaling_config: Option<ScalingConfig>,
    #[serde(rename = "DocumentDBEventSourceConfig")]
    document_db_event_source_config: Option<Value>,
    #[serde(rename = "KMSKeyArn")]
    kms_key_arn: Option<Value>,
    metrics_config: Option<Value>,
    provisioned_poller_config: Option<Value>,
    logging_config: Option<Value>,
}

impl Input {
    /// Refuses what Squall does not run, by name.
    fn refuse_unsupported(&self) -> Result<(), ApiError> {
        let unsupported = [
            ("Topics", self.topics.is_some()),
            ("Queues", self.queues.is_some()),
            ("SourceAccessConfigurations", self.source_access_configurations.is_some()),
            ("SelfManagedEventSource", self.self_managed_event_source.is_some()),
            ("AmazonManagedKafkaEventSourceConfig", self.amazon_managed_kafka_event_source_config.is_some()),
            ("SelfManagedKafkaEventSourceConfig", self.self_managed_kafka_event_source_config.is_some()),
            ("DocumentDBEventSourceConfig", self.document_db_event_source_config.is_some()),
            ("KMSKeyArn (Squall would keep the filter criteria unencrypted)", self.kms_key_arn.is_some()),
            ("MetricsConfig", self.metrics_config.is_some()),
            ("ProvisionedPollerConfig", self.provisioned_poller_config.is_some()),
            ("LoggingConfig", self.logging_config.is_some()),
            ("Tags on event source mappings", self.tags.is_some()),
            ("StartingPositionTimestamp", self.starting_position_timestamp.is_some()),
            (
                "ParallelizationFactor above 1 (a stream has one shard here)",
                self.parallelization_factor.is_some_and(|p| p > 1),
            ),
            (
                "DestinationConfig.OnSuccess (Lambda takes only OnFailure for these sources)",
                self.destination_config
                    .as_ref()
                    .is_some_and(|d| d.on_success.as_ref().is_some_and(|s| s.destination.is_some())),
            ),
        ];
        match unsupported.iter().find(|(_, given)| *given) {
            Some((what, _)) => {
                Err(ApiError::invalid(format!("{what} is not supported by Squall's event source mappings")))
            }
            None => Ok(()),
        }
    }

    /// Applies the settings given to `m`.
    fn apply(&self, m: &mut EventSourceMapping, clustered: bool) -> Result<(), ApiError> {
        if let Some(e) = self.enabled {
            m.enabled = e;
        }
        if let Some(b) = self.batch_size {
            m.batch_size = b;
        }
        if let Some(w) = self.maximum_batching_window_in_seconds {
            m.batching_window_s = w;
        }
        if let Some(filters) = &self.filter_criteria {
            let mut texts = Vec::new();
            for f in filters.filters.iter().flatten() {
                let Some(text) = &f.pattern else {
                    return Err(ApiError::invalid("Invalid filter pattern definition. A filter needs a Pattern"));
                };
                squall_patterns::Pattern::parse(text)
                    .map_err(|e| ApiError::invalid(format!("Invalid filter pattern definition. {e}")))?;
                texts.push(text.clone());
            }
            m.filters = texts;
        }
        let minus_one = |v: i64, what: &str| -> Result<Option<u32>, ApiError> {
            match v {
                -1 => Ok(None),
                n => u32::try_from(n)
                    .map(Some)
                    .map_err(|_| validation(format!("{what} must be -1 or 0 to {}", u32::MAX))),
            }
        };
        if let Some(a) = self.maximum_record_age_in_seconds {
            m.maximum_record_age_s = minus_one(a, "MaximumRecordAgeInSeconds")?;
        }
        if let Some(r) = self.maximum_retry_attempts {
            m.maximum_retry_attempts = minus_one(r, "MaximumRetryAttempts")?;
        }
        if let Some(b) = self.bisect_batch_on_function_error {
            m.bisect_on_error = b;
        }
        if let Some(w) = self.tumbling_window_in_seconds {
            m.tumbling_window_s = Some(w).filter(|w| *w > 0);
        }
        if let Some(d) = &self.destination_config {
            m.on_failure = d.on_failure.as_ref().and_then(|f| f.destination.clone()).filter(|d| !d.is_empty());
        }
        if let Some(types) = &self.function_response_types {
            match types.as_slice() {
                [] => m.report_batch_item_failures = false,
                [t] if t == "ReportBatchItemFailures" => m.report_batch_item_failures = true,
                _ => {
                    return Err(validation(format!(
                        "FunctionResponseTypes {types:?}: the only type is ReportBatchItemFailures"
                    )));
                }
            }
        }
        if let Some(s) = &self.scaling_config {
            m.maximum_concurrency = s.maximum_concurrency;
        }
        if m.maximum_concurrency.is_some() && clustered {
            // One poller per server: on a shared store the cap could not be kept.
            return Err(ApiError::invalid(
                "ScalingConfig.MaximumConcurrency is not supported on servers sharing a store: each runs its own poller of the queue",
            ));
        }
        m.validate().map_err(ApiError::invalid)
    }
}

/// The source an `EventSourceArn` names: a queue or a table's stream of this server.
fn source(state: &ApiState, arn: &str) -> Result<EventSource, ApiError> {
    let parts: Vec<&str> = arn.split(':').collect();
    let foreign = |region: &str, account: &str| region != state.region || account != ACCOUNT_ID;
    match parts.as_slice() {
        ["arn", _, "sqs", region, account, name] => {
            if foreign(region, account) || state.queues.queue_arn(name).is_err() {
                return Err(ApiError::invalid(format!(
                    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist ({arn})"
                )));
            }
            Ok(EventSource::Sqs { queue: (*name).to_string() })
        }
        ["arn", _, "dynamodb", region, account, ..] => {
            let stream = squall_tables::stream::parse_stream_arn(arn).filter(|_| !foreign(region, account));
            let Some((table, label)) = stream else {
                return Err(ApiError::invalid(format!("Stream not found: {arn}")));
            };
            if state.tables.current_stream(table).as_deref() != Some(label) {
                return Err(ApiError::invalid(format!("Stream not found: {arn}")));
            }
            Ok(EventSource::DynamoDbStream { table: table.to_string() })
        }
        _ => Err(ApiError::invalid(format!(
            "Unsupported event source {arn}: Squall's event source mappings read SQS queues and DynamoDB streams"
        ))),
    }
}

/// What the function's execution role must be allowed, as Lambda checks it when a mapping
/// is made or changed: reading the source, and sending to the on-failure destination.
fn role_can_use(state: &ApiState, f: &FunctionRecord, m: &EventSourceMapping) -> Result<(), ApiError> {
    let source = source_arn(state, m);
    let (actions, refusal): (&[&str], String) = match &m.source {
        EventSource::Sqs { .. } => (
            &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "The provided execution role does not have permissions to call {action} on SQS".into(),
        ),
        EventSource::DynamoDbStream { .. } => (
            &["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"],
            format!(
                "Cannot access stream {source}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM."
            ),
        ),
    };
    for action in actions {
        if state.functions.role_may(f, action, &source).is_err() {
            let short = action.split_once(':').map_or(*action, |(_, a)| a);
            return Err(ApiError::invalid(refusal.replace("{action}", short)));
        }
    }
    if let Some(d) = &m.on_failure {
        let action = if d.starts_with("arn:aws:sns:") { "sns:Publish" } else { "sqs:SendMessage" };
        state.functions.role_may(f, action, d).map_err(|why| {
            ApiError::invalid(format!(
                "The provided execution role does not have permissions to send to the on-failure destination: {why}"
            ))
        })?;
    }
    Ok(())
}

/// The function (and qualifier, which must exist) a `FunctionName` names.
fn function_of(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<(String, Option<String>), ApiError> {
    let (name, qualifier) = qualified_name(req, raw)?;
    state.functions.resolve(&name, qualifier.as_deref(), 1.0)?;
    Ok((name, qualifier))
}

async fn create(state: &ApiState, req: &ApiRequest) -> Reply {
    let input: Input = parse_json(&req.body)?;
    let raw = input.function_name.as_deref().unwrap_or_default();
    let named = qualified_name(req, raw).ok();
    let target = named.as_ref().map(|(name, qualifier)| {
        squall_types::function_arn(&state.region, &qualifier.as_ref().map_or(name.clone(), |q| format!("{name}:{q}")))
    });
    // Authorized before its input is judged, as every operation is.
    authorize(state, req, "CreateEventSourceMapping", "*".into(), target.as_deref())?;
    if raw.is_empty() {
        return Err(validation("FunctionName is required"));
    }
    let (name, qualifier) = function_of(state, req, raw)?;
    input.refuse_unsupported()?;
    let arn = input.event_source_arn.as_deref().ok_or_else(|| validation("EventSourceArn is required"))?;
    let source = source(state, arn)?;
    let stream = matches!(source, EventSource::DynamoDbStream { .. });
    let mut m = EventSourceMapping::new(source);
    m.starting_position = match (input.starting_position.as_deref(), stream) {
        (Some("TRIM_HORIZON"), true) => StartingPosition::TrimHorizon,
        (Some("LATEST"), true) => StartingPosition::Latest,
        (Some("AT_TIMESTAMP"), true) => {
            return Err(ApiError::invalid(
                "StartingPosition AT_TIMESTAMP is not supported by Squall's event source mappings",
            ));
        }
        (Some(other), true) => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]"
            )));
        }
        (None, true) => {
            return Err(ApiError::invalid(
                "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null",
            ));
        }
        (Some(_), false) => return Err(ApiError::invalid("StartingPosition is not valid for SQS event sources.")),
        (None, false) => StartingPosition::TrimHorizon,
    };
    m.uuid = squall_types::RequestId::new().to_string();
    m.qualifier = qualifier;
    m.from_api = true;
    input.apply(&mut m, state.functions.clustered())?;
    role_can_use(state, &*state.functions.get_function(&name)?, &m)?;
    let (f, m) = state.functions.create_event_source_mapping(&name, m).await?;
    Ok(json_response(StatusCode::ACCEPTED, &document(state, &f, &m, Some("Creating"))))
}

async fn update(state: &ApiState, req: &ApiRequest, uuid: &str) -> Reply {
    let input: Input = parse_json(&req.body)?;
    let function_arn = state.functions.event_source_mapping(uuid).ok().map(|(f, m)| target_arn(state, &f, &m));
    authorize(state, req, "UpdateEventSourceMapping", mapping_arn(state, uuid), function_arn.as_deref())?;
    let (f, current) = found(state, uuid)?;
    input.refuse_unsupported()?;
    if input.event_source_arn.is_some() || input.starting_position.is_some() {
        return Err(ApiError::bad_content("EventSourceArn and StartingPosition cannot be changed; make a new mapping"));
    }
    let qualifier = match input.function_name.as_deref() {
        Some(raw) => {
            let (name, qualifier) = function_of(state, req, raw)?;
            if name != f.config.name.as_str() {
                return Err(ApiError::invalid(format!(
                    "Moving a mapping to another function ({name}) is not supported by Squall: delete it and make a new one"
                )));
            }
            Some(qualifier)
        }
        None => None,
    };
    // Checked before the change is applied under the function's write lock.
    let mut check = current.clone();
    input.apply(&mut check, state.functions.clustered())?;
    if let Some(q) = &qualifier {
        let name = f.config.name.as_str();
        let target =
            squall_types::function_arn(&state.region, &q.as_ref().map_or(name.to_string(), |q| format!("{name}:{q}")));
        authorize(state, req, "UpdateEventSourceMapping", mapping_arn(state, uuid), Some(&target))?;
    }
    role_can_use(state, &f, &check)?;
    let clustered = state.functions.clustered();
    let (f, m) = state
        .functions
        .update_event_source_mapping(uuid, |m| {
            input.apply(m, clustered).map_err(|e| squall_functions::Error::InvalidRequest(e.message))?;
            if let Some(q) = qualifier {
                m.qualifier = q;
            }
            Ok(())
        })
        .await?;
    Ok(json_response(StatusCode::ACCEPTED, &document(state, &f, &m, Some("Updating"))))
}

fn list(state: &ApiState, req: &ApiRequest) -> Reply {
    authorize(state, req, "ListEventSourceMappings", "*".into(), None)?;
    // Lambda takes up to 10,000 and answers at most 100 a page.
    let max = match req.query("MaxItems") {
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|m| (1..=10_000).contains(m))
            .ok_or_else(|| validation("MaxItems must be 1 to 10000"))?
            .min(100),
        None => 100,
    };
    let by_function = match req.query("FunctionName") {
        Some(raw) => Some(qualified_name(req, &raw)?),
        None => None,
    };
    let by_source = req.query("EventSourceArn");
    let all: Vec<(std::sync::Arc<FunctionRecord>, EventSourceMapping)> = state
        .functions
        .event_source_mappings()
        .into_iter()
        .filter(|(f, m)| {
            by_function
                .as_ref()
                .is_none_or(|(name, q)| f.config.name.as_str() == name && (q.is_none() || q == &m.qualifier))
        })
        .filter(|(_, m)| by_source.as_ref().is_none_or(|a| &source_arn(state, m) == a))
        .collect();
    let start = match req.query("Marker") {
        Some(marker) => all.iter().position(|(_, m)| m.uuid == marker).map_or(all.len(), |i| i + 1),
        None => 0,
    };
    let page: Vec<Value> = all.iter().skip(start).take(max).map(|(f, m)| document(state, f, m, None)).collect();
    let mut body = json!({ "EventSourceMappings": page });
    if start + max < all.len() {
        body["NextMarker"] = json!(all[start + max - 1].1.uuid);
    }
    Ok(json_response(StatusCode::OK, &body))
}
