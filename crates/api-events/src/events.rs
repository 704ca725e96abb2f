//! The operations: decode, authorize, call, encode.

use crate::encode;
use crate::errors::{error, validation};
use crate::input::{Input, only, target};
use http::StatusCode;
use serde_json::{Value, json};
use squall_api::json::json11;
use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_events::NewParameter;
use squall_events::model::RuleState;
use squall_events::model::{Authorization, ReplayState};
use squall_events::names::{bus_arn, bus_of, rule_arn};
use squall_events::{Entry, EntryResult, PutRule, StartReplay, archive_arn, replay_arn};
use squall_runtime::Body;

/// EventBridge: awsJson1.1, `X-Amz-Target: AWSEvents.<Op>`.
pub static SERVICE: Service = Service {
    name: "events",
    signing_name: Some("events"),
    protocol: Protocol::AwsJson11,
    recognition: Recognition::Target("AWSEvents"),
    namespace: "",
    query_code: None,
    unsigned: never,
    // Ten entries of at most 256 KB in all, with room for JSON escaping.
    max_body: 2 << 20,
    handler: Handler::Buffered(|state, req, op| Box::pin(dispatch(state, req, op))),
};

type Reply = Result<http::Response<Body>, ApiError>;

/// Why a `RoleArn` is refused: EventBridge would act as that role; Squall decides each
/// delivery by the target's own policy.
pub(crate) const ROLE_ARN: &str = "RoleArn is not supported by Squall here: each delivery to a function, queue, topic or bus is decided by the target's own policy; only API destination and state machine targets are called as a role.";

/// Most items a list answers at once.
const MAX_LIMIT: usize = 100;

fn limit(input: &Input) -> Result<usize, ApiError> {
    match input.int("Limit")? {
        None => Ok(MAX_LIMIT),
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as usize),
        Some(n) => Err(validation(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {MAX_LIMIT}"
        ))),
    }
}

fn with_token(mut out: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    out
}

fn state_of(input: &Input) -> Result<Option<RuleState>, ApiError> {
    match input.str("State")? {
        None => Ok(None),
        Some("ENABLED") => Ok(Some(RuleState::Enabled)),
        Some("DISABLED") => Ok(Some(RuleState::Disabled)),
        Some(other) => Err(validation(format!(
            "State {other} is not supported by Squall: a rule is ENABLED or DISABLED (there is no CloudTrail)."
        ))),
    }
}

/// The ARNs an operation acts on, for authorization.
fn resources(state: &ApiState, input: &Input, op: &str) -> Vec<String> {
    let region = &state.region;
    let bus = || bus_of(input.str("EventBusName").ok().flatten()).unwrap_or_default();
    match op {
        "CreateEventBus" => vec![bus_arn(region, input.str("Name").ok().flatten().unwrap_or_default())],
        // DeleteEventBus takes a name or an ARN: the bus it names is what is authorized.
        "DeleteEventBus" => vec![bus_arn(region, &bus_of(input.str("Name").ok().flatten()).unwrap_or_default())],
        "DescribeEventBus" => vec![bus_arn(region, &bus_of(input.str("Name").ok().flatten()).unwrap_or_default())],
        "PutEvents" => {
            let entries = input.objects("Entries").unwrap_or_default();
            let mut arns: Vec<String> = entries
                .iter()
                .map(|e| bus_arn(region, &bus_of(e.str("EventBusName").ok().flatten()).unwrap_or_default()))
                .collect();
            arns.sort();
            arns.dedup();
            arns
        }
        "PutRule" | "DescribeRule" | "DeleteRule" | "EnableRule" | "DisableRule" => {
            vec![rule_arn(region, &bus(), input.str("Name").ok().flatten().unwrap_or_default())]
        }
        "PutTargets" | "RemoveTargets" | "ListTargetsByRule" => {
            vec![rule_arn(region, &bus(), input.str("Rule").ok().flatten().unwrap_or_default())]
        }
        "TagResource" | "UntagResource" | "ListTagsForResource" => {
            input.str("ResourceARN").ok().flatten().map(str::to_string).into_iter().collect()
        }
        "CreateArchive" | "DescribeArchive" | "UpdateArchive" | "DeleteArchive" => {
            vec![archive_arn(region, input.str("ArchiveName").ok().flatten().unwrap_or_default())]
        }
        "StartReplay" => input.str("EventSourceArn").ok().flatten().map(str::to_string).into_iter().collect(),
        "DescribeReplay" | "CancelReplay" => {
            vec![replay_arn(region, input.str("ReplayName").ok().flatten().unwrap_or_default())]
        }
        "CreateConnection"
        | "DescribeConnection"
        | "UpdateConnection"
        | "DeleteConnection"
        | "DeauthorizeConnection" => {
            // The stored ARN (`…/<name>/<id>`) when it exists, as policies name them.
            let name = input.str("Name").ok().flatten().unwrap_or_default();
            let stored = state.events.describe_connection(name).ok().map(|c| c.arn);
            vec![
                stored.unwrap_or_else(|| {
                    format!("arn:aws:events:{region}:{}:connection/{name}", squall_types::ACCOUNT_ID)
                }),
            ]
        }
        "CreateApiDestination" | "DescribeApiDestination" | "UpdateApiDestination" | "DeleteApiDestination" => {
            let name = input.str("Name").ok().flatten().unwrap_or_default();
            let stored = state.events.describe_api_destination(name).ok().map(|a| a.arn);
            vec![stored.unwrap_or_else(|| {
                format!("arn:aws:events:{region}:{}:api-destination/{name}", squall_types::ACCOUNT_ID)
            })]
        }
        _ => vec!["*".to_string()],
    }
}

async fn dispatch(state: &ApiState, req: &ApiRequest, op: &str) -> Reply {
    let input = crate::input::parse(&req.body)?;
    let keys = squall_api::request_keys::of_json(input.members());
    // A target's RoleArn is passed on to EventBridge (iam:PassRole), as on AWS.
    let roles: Vec<String> = match op {
        "PutTargets" => input
            .objects("Targets")
            .unwrap_or_default()
            .iter()
            .filter_map(|t| t.str("RoleArn").ok().flatten().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    if roles.is_empty() {
        squall_api::authorize::authorize(state, req.who().with_keys(&keys), "events", op, || {
            resources(state, &input, op)
        })?;
    } else {
        let mut keys = keys.clone();
        keys.set("iam:PassedToService", "events.amazonaws.com");
        squall_api::authorize::authorize_each(state, req.who().with_keys(&keys), "events", op, || {
            let action = squall_api::actions::find("events", op).map_or("events:PutTargets", |r| r.action);
            let mut checks: Vec<(&'static str, String)> =
                resources(state, &input, op).into_iter().map(|r| (action, r)).collect();
            checks.extend(roles.iter().map(|r| ("iam:PassRole", r.clone())));
            checks
        })?;
    }
    let buses = &state.events;
    let bus_name = || input.str("EventBusName");
    let members: &[&str] = match op {
        "DeleteEventBus" | "DescribeEventBus" => &["Name"],
        "ListEventBuses" => &["NamePrefix", "NextToken", "Limit"],
        "DescribeRule" | "EnableRule" | "DisableRule" => &["Name", "EventBusName"],
        "DeleteRule" => &["Name", "EventBusName", "Force"],
        "ListRules" => &["NamePrefix", "EventBusName", "NextToken", "Limit"],
        "ListRuleNamesByTarget" => &["TargetArn", "EventBusName", "NextToken", "Limit"],
        "RemoveTargets" => &["Rule", "EventBusName", "Ids", "Force"],
        "ListTargetsByRule" => &["Rule", "EventBusName", "NextToken", "Limit"],
        "TestEventPattern" => &["EventPattern", "Event"],
        "TagResource" => &["ResourceARN", "Tags"],
        "CreateArchive" => &["ArchiveName", "EventSourceArn", "Description", "EventPattern", "RetentionDays"],
        "UpdateArchive" => &["ArchiveName", "Description", "EventPattern", "RetentionDays"],
        "DescribeArchive" | "DeleteArchive" => &["ArchiveName"],
        "ListArchives" => &["NamePrefix", "EventSourceArn", "State", "NextToken", "Limit"],
        "StartReplay" => {
            &["ReplayName", "Description", "EventSourceArn", "EventStartTime", "EventEndTime", "Destination"]
        }
        "DescribeReplay" | "CancelReplay" => &["ReplayName"],
        "DescribeConnection"
        | "DeleteConnection"
        | "DeauthorizeConnection"
        | "DescribeApiDestination"
        | "DeleteApiDestination" => &["Name"],
        "ListConnections" => &["NamePrefix", "ConnectionState", "NextToken", "Limit"],
        "ListApiDestinations" => &["NamePrefix", "ConnectionArn", "NextToken", "Limit"],
        "CreateConnection" | "UpdateConnection" => &["Name", "Description", "AuthorizationType", "AuthParameters"],
        "CreateApiDestination" | "UpdateApiDestination" => &[
            "Name",
            "Description",
            "ConnectionArn",
            "InvocationEndpoint",
            "HttpMethod",
            "InvocationRateLimitPerSecond",
        ],
        "ListReplays" => &["NamePrefix", "State", "EventSourceArn", "NextToken", "Limit"],
        "UntagResource" => &["ResourceARN", "TagKeys"],
        "ListTagsForResource" => &["ResourceARN"],
        _ => &[],
    };
    if !members.is_empty() {
        only(&input, op, members)?;
    }
    let out = match op {
        "CreateEventBus" => {
            only(&input, op, &["Name", "Description", "Tags"])?;
            let b = buses
                .create_bus(input.required("Name")?, input.str("Description")?.map(str::to_string), input.tags("Tags")?)
                .await
                .map_err(error)?;
            json!({ "EventBusArn": b.arn })
        }
        "DeleteEventBus" => {
            buses.delete_bus(input.required("Name")?).await.map_err(error)?;
            json!({})
        }
        "DescribeEventBus" => encode::bus(&buses.describe_bus(input.str("Name")?).map_err(error)?),
        "ListEventBuses" => {
            let (page, next) = buses.list_buses(input.str("NamePrefix")?, input.str("NextToken")?, limit(&input)?);
            with_token(json!({ "EventBuses": page.iter().map(encode::bus).collect::<Vec<_>>() }), next)
        }
        "PutRule" => {
            only(
                &input,
                op,
                &[
                    "Name",
                    "ScheduleExpression",
                    "EventPattern",
                    "State",
                    "Description",
                    "RoleArn",
                    "Tags",
                    "EventBusName",
                ],
            )?;
            if input.get("RoleArn").is_some() {
                return Err(validation(ROLE_ARN));
            }
            let put = PutRule {
                name: input.required("Name")?.to_string(),
                bus: bus_name()?.map(str::to_string),
                pattern: input.str("EventPattern")?.map(str::to_string),
                schedule: input.str("ScheduleExpression")?.map(str::to_string),
                state: state_of(&input)?,
                description: input.str("Description")?.map(str::to_string),
                tags: input.tags("Tags")?,
            };
            json!({ "RuleArn": buses.put_rule(put).await.map_err(error)?.arn })
        }
        "DescribeRule" => {
            let r = buses.describe_rule(input.required("Name")?, bus_name()?).map_err(error)?;
            let mut out = encode::rule(&r);
            out["CreatedBy"] = json!(squall_types::ACCOUNT_ID);
            out
        }
        "ListRules" => {
            let page = buses
                .list_rules(bus_name()?, input.str("NamePrefix")?, input.str("NextToken")?, limit(&input)?)
                .map_err(error)?;
            with_token(json!({ "Rules": page.rules.iter().map(encode::rule).collect::<Vec<_>>() }), page.next)
        }
        "DeleteRule" => {
            if input.bool("Force")? {
                return Err(validation("Force is for rules managed by AWS services; Squall has none."));
            }
            buses.delete_rule(input.required("Name")?, bus_name()?).await.map_err(error)?;
            json!({})
        }
        "EnableRule" | "DisableRule" => {
            let to = if op == "EnableRule" { RuleState::Enabled } else { RuleState::Disabled };
            buses.set_rule_state(input.required("Name")?, bus_name()?, to).await.map_err(error)?;
            json!({})
        }
        "ListRuleNamesByTarget" => {
            let names = buses.rules_by_target(input.required("TargetArn")?, bus_name()?).map_err(error)?;
            // Names are in order: the token is the last name of the page before.
            let after = input.str("NextToken")?;
            let rest: Vec<&String> = names.iter().filter(|n| after.is_none_or(|a| n.as_str() > a)).collect();
            let n = limit(&input)?;
            let next = (rest.len() > n).then(|| rest[n - 1].clone());
            with_token(json!({ "RuleNames": rest.into_iter().take(n).collect::<Vec<_>>() }), next)
        }
        "PutTargets" => {
            only(&input, op, &["Rule", "EventBusName", "Targets"])?;
            let targets = input.objects("Targets")?.iter().map(target).collect::<Result<Vec<_>, _>>()?;
            if targets.is_empty() || targets.len() > 10 {
                return Err(validation(
                    "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10",
                ));
            }
            buses.put_targets(input.required("Rule")?, bus_name()?, targets).await.map_err(error)?;
            json!({ "FailedEntryCount": 0, "FailedEntries": [] })
        }
        "RemoveTargets" => {
            if input.bool("Force")? {
                return Err(validation("Force is for rules managed by AWS services; Squall has none."));
            }
            buses.remove_targets(input.required("Rule")?, bus_name()?, &input.strings("Ids")?).await.map_err(error)?;
            json!({ "FailedEntryCount": 0, "FailedEntries": [] })
        }
        "ListTargetsByRule" => {
            let targets = buses.targets_of(input.required("Rule")?, bus_name()?).map_err(error)?;
            // The token is the id of the last target of the page before.
            let after = input.str("NextToken")?;
            let start = after.map_or(0, |id| targets.iter().position(|t| t.id == id).map_or(targets.len(), |i| i + 1));
            let n = limit(&input)?;
            let page: Vec<Value> = targets.iter().skip(start).take(n).map(encode::target).collect();
            let next = (start + n < targets.len()).then(|| targets[start + n - 1].id.clone());
            with_token(json!({ "Targets": page }), next)
        }
        "PutEvents" => {
            only(&input, op, &["Entries", "EndpointId"])?;
            if input.get("EndpointId").is_some() {
                return Err(validation("EndpointId: global endpoints are not supported by Squall."));
            }
            let entries = input.objects("Entries")?.iter().map(entry).collect::<Result<Vec<_>, _>>()?;
            let results = buses.put_events(entries).await.map_err(error)?;
            let failed = results.iter().filter(|r| matches!(r, EntryResult::Failed(..))).count();
            let entries: Vec<Value> = results
                .iter()
                .map(|r| match r {
                    EntryResult::Accepted(id) => json!({ "EventId": id }),
                    EntryResult::Failed(code, message) => json!({ "ErrorCode": code, "ErrorMessage": message }),
                })
                .collect();
            json!({ "FailedEntryCount": failed, "Entries": entries })
        }
        "TestEventPattern" => {
            let pattern = squall_patterns::Pattern::parse(input.required("EventPattern")?)
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "InvalidEventPatternException", e.message()))?;
            let event = test_event(input.required("Event")?)?;
            json!({ "Result": pattern.matches(&event) })
        }
        "TagResource" => {
            buses.retag(input.required("ResourceARN")?, input.tags("Tags")?, &[]).await.map_err(error)?;
            json!({})
        }
        "UntagResource" => {
            buses.retag(input.required("ResourceARN")?, Vec::new(), &input.strings("TagKeys")?).await.map_err(error)?;
            json!({})
        }
        "ListTagsForResource" => {
            json!({ "Tags": encode::tags(&buses.tags_of(input.required("ResourceARN")?).map_err(error)?) })
        }
        "CreateArchive" | "UpdateArchive" => {
            let retention = match input.int("RetentionDays")? {
                None => None,
                Some(n) => Some(u32::try_from(n).map_err(|_| validation("RetentionDays must be 0 or more days"))?),
            };
            let description = input.str("Description")?.map(str::to_string);
            let pattern = input.str("EventPattern")?.map(str::to_string);
            let name = input.required("ArchiveName")?;
            let a = if op == "CreateArchive" {
                let source = input.required("EventSourceArn")?;
                buses.create_archive(name, source, description, pattern, retention.unwrap_or(0)).await
            } else {
                buses.update_archive(name, description, pattern, retention).await
            }
            .map_err(error)?;
            json!({ "ArchiveArn": a.arn, "State": "ENABLED", "CreationTime": a.created_ms as f64 / 1000.0 })
        }
        "DescribeArchive" => {
            let a = buses.describe_archive(input.required("ArchiveName")?).await.map_err(error)?;
            encode::archive(&a, &bus_arn(&state.region, &a.archive.bus), true)
        }
        "DeleteArchive" => {
            buses.delete_archive(input.required("ArchiveName")?).await.map_err(error)?;
            json!({})
        }
        "ListArchives" => {
            one_filter(&input, op)?;
            if let Some(s) = input.str("State")?.filter(|s| *s != "ENABLED") {
                // Squall's archives are ENABLED from the moment they are made.
                if !["DISABLED", "CREATING", "UPDATING", "CREATE_FAILED", "UPDATE_FAILED"].contains(&s) {
                    return Err(validation(format!("State {s} is not an archive's state.")));
                }
                return Ok(json11(&json!({ "Archives": [] })));
            }
            let (page, next) = buses
                .list_archives(
                    input.str("NamePrefix")?,
                    input.str("EventSourceArn")?,
                    input.str("NextToken")?,
                    limit(&input)?,
                )
                .await
                .map_err(error)?;
            let archives: Vec<Value> =
                page.iter().map(|a| encode::archive(a, &bus_arn(&state.region, &a.archive.bus), false)).collect();
            with_token(json!({ "Archives": archives }), next)
        }
        "StartReplay" => {
            let destination = input.object("Destination")?.ok_or_else(|| validation("Destination is required."))?;
            only(&destination, "Destination", &["Arn", "FilterArns"])?;
            let time = |name: &str| -> Result<u64, ApiError> {
                input
                    .get(name)
                    .and_then(Value::as_f64)
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(|s| (s * 1000.0) as u64)
                    .ok_or_else(|| validation(format!("{name} is required (a timestamp).")))
            };
            let replay = buses
                .start_replay(StartReplay {
                    name: input.required("ReplayName")?.to_string(),
                    description: input.str("Description")?.map(str::to_string),
                    archive_arn: input.required("EventSourceArn")?.to_string(),
                    start_ms: time("EventStartTime")?,
                    end_ms: time("EventEndTime")?,
                    destination_arn: destination.required("Arn")?.to_string(),
                    filter_arns: destination.strings("FilterArns")?,
                })
                .await
                .map_err(error)?;
            json!({
                "ReplayArn": replay.arn,
                "State": replay.state.as_str(),
                "ReplayStartTime": replay.started_ms as f64 / 1000.0,
            })
        }
        "DescribeReplay" => encode::replay(&buses.describe_replay(input.required("ReplayName")?).map_err(error)?, true),
        "CancelReplay" => {
            let r = buses.cancel_replay(input.required("ReplayName")?).await.map_err(error)?;
            json!({ "ReplayArn": r.arn, "State": r.state.as_str() })
        }
        "ListReplays" => {
            one_filter(&input, op)?;
            let state_filter = match input.str("State")? {
                None => None,
                Some(s) => Some(replay_state(s)?),
            };
            let (page, next) = buses.list_replays(
                input.str("NamePrefix")?,
                state_filter,
                input.str("EventSourceArn")?,
                input.str("NextToken")?,
                limit(&input)?,
            );
            with_token(json!({ "Replays": page.iter().map(|r| encode::replay(r, false)).collect::<Vec<_>>() }), next)
        }
        "CreateConnection" | "UpdateConnection" => {
            let description_only = input.get("AuthorizationType").is_none() && input.get("AuthParameters").is_none();
            let c = if op == "UpdateConnection" && description_only {
                let description = input.str("Description")?.map(str::to_string);
                buses.set_connection_description(input.required("Name")?, description).await
            } else if op == "CreateConnection" {
                buses.create_connection(new_connection(&input)?).await
            } else {
                buses.update_connection(new_connection(&input)?).await
            }
            .map_err(error)?;
            // EventBridge answers an OAuth connection AUTHORIZING: its token is asked for after.
            // Squall asks before answering, and DescribeConnection tells how it went.
            let state = match c.authorization {
                Authorization::OAuthClientCredentials if !description_only => "AUTHORIZING",
                _ => encode::connection_state(&c),
            };
            let mut answer = encode::connection_change(&c, state);
            if op == "CreateConnection" {
                answer.as_object_mut().map(|m| m.remove("LastAuthorizedTime"));
            }
            answer
        }
        "DescribeConnection" => encode::connection(&buses.describe_connection(input.required("Name")?).map_err(error)?),
        "DeauthorizeConnection" | "DeleteConnection" => {
            let name = input.required("Name")?;
            let c = if op == "DeleteConnection" {
                buses.delete_connection(name).await
            } else {
                buses.deauthorize_connection(name).await
            }
            .map_err(error)?;
            let state = if op == "DeleteConnection" { "DELETING" } else { "DEAUTHORIZING" };
            encode::connection_change(&c, state)
        }
        "ListConnections" => {
            let authorized = match input.str("ConnectionState")? {
                None => None,
                Some("AUTHORIZED") => Some(true),
                Some("DEAUTHORIZED") => Some(false),
                // Squall's connections are in one of those two states.
                Some(
                    "CREATING"
                    | "UPDATING"
                    | "DELETING"
                    | "AUTHORIZING"
                    | "DEAUTHORIZING"
                    | "ACTIVE"
                    | "FAILED_CONNECTIVITY",
                ) => return Ok(json11(&json!({ "Connections": [] }))),
                Some(other) => return Err(validation(format!("ConnectionState {other} is not a connection's state."))),
            };
            let (page, next) =
                buses.list_connections(input.str("NamePrefix")?, authorized, input.str("NextToken")?, limit(&input)?);
            let list: Vec<Value> = page
                .iter()
                .map(encode::connection)
                .map(|mut c| {
                    if let Some(m) = c.as_object_mut() {
                        m.remove("AuthParameters");
                        m.remove("SecretArn");
                        m.remove("Description");
                    }
                    c
                })
                .collect();
            with_token(json!({ "Connections": list }), next)
        }
        "CreateApiDestination" | "UpdateApiDestination" => {
            // UpdateApiDestination changes what it names; the rest stays.
            let existing = match op {
                "UpdateApiDestination" => Some(buses.describe_api_destination(input.required("Name")?).map_err(error)?),
                _ => None,
            };
            let given = |name: &str, kept: Option<&str>| -> Result<String, ApiError> {
                match (input.str(name)?, kept) {
                    (Some(v), _) => Ok(v.to_string()),
                    (None, Some(k)) => Ok(k.to_string()),
                    (None, None) => Ok(input.required(name)?.to_string()),
                }
            };
            let method = given("HttpMethod", existing.as_ref().map(|e| e.method.as_str()))?;
            let method = method.as_str();
            if !["POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"].contains(&method) {
                return Err(validation(format!("HttpMethod {method} is not an HTTP method API destinations take.")));
            }
            let rate = match input.int("InvocationRateLimitPerSecond")? {
                None => existing.as_ref().and_then(|e| e.rate_per_second),
                Some(n) => {
                    Some(u32::try_from(n).map_err(|_| validation("InvocationRateLimitPerSecond is at least 1."))?)
                }
            };
            let a = squall_events::NewApiDestination {
                name: input.required("Name")?.to_string(),
                description: input
                    .str("Description")?
                    .map(str::to_string)
                    .or_else(|| existing.as_ref().and_then(|e| e.description.clone())),
                connection_arn: given("ConnectionArn", existing.as_ref().map(|e| e.connection_arn.as_str()))?,
                endpoint: given("InvocationEndpoint", existing.as_ref().map(|e| e.endpoint.as_str()))?,
                method: method.to_string(),
                rate_per_second: rate,
            };
            let a = buses.put_api_destination(a, op == "UpdateApiDestination").await.map_err(error)?;
            json!({
                "ApiDestinationArn": a.arn,
                "ApiDestinationState": "ACTIVE",
                "CreationTime": a.created_ms as f64 / 1000.0,
                "LastModifiedTime": a.modified_ms as f64 / 1000.0,
            })
        }
        "DescribeApiDestination" => {
            encode::api_destination(&buses.describe_api_destination(input.required("Name")?).map_err(error)?)
        }
        "DeleteApiDestination" => {
            buses.delete_api_destination(input.required("Name")?).await.map_err(error)?;
            json!({})
        }
        "ListApiDestinations" => {
            let (page, next) = buses.list_api_destinations(
                input.str("NamePrefix")?,
                input.str("ConnectionArn")?,
                input.str("NextToken")?,
                limit(&input)?,
            );
            // A listed destination carries no Description, as on AWS.
            let list: Vec<Value> = page
                .iter()
                .map(encode::api_destination)
                .map(|mut a| {
                    a.as_object_mut().map(|m| m.remove("Description"));
                    a
                })
                .collect();
            with_token(json!({ "ApiDestinations": list }), next)
        }
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                format!(
                    "Squall's EventBridge serves buses, rules, targets, PutEvents, archives, replays, connections and API destinations: {other} is not supported"
                ),
            ));
        }
    };
    Ok(json11(&out))
}

/// ListArchives' and ListReplays' filters are exclusive, as on AWS.
fn one_filter(input: &Input, op: &str) -> Result<(), ApiError> {
    let given = ["State", "EventSourceArn", "NamePrefix"].iter().filter(|f| input.get(f).is_some()).count();
    if given > 1 {
        return Err(validation(format!(
            "At most one filter is allowed for {op}. Use either : State, EventSourceArn, or NamePrefix."
        )));
    }
    Ok(())
}

/// CreateConnection's and UpdateConnection's input: API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS.
fn new_connection(input: &Input) -> Result<squall_events::NewConnection, ApiError> {
    let auth = input.object("AuthParameters")?.ok_or_else(|| validation("AuthParameters is required."))?;
    only(
        &auth,
        "AuthParameters",
        &["ApiKeyAuthParameters", "BasicAuthParameters", "InvocationHttpParameters", "OAuthParameters"],
    )?;
    let (authorization, principal, credential) = match input.required("AuthorizationType")? {
        "API_KEY" => {
            let p = auth
                .object("ApiKeyAuthParameters")?
                .ok_or_else(|| validation("ApiKeyAuthParameters is required for API_KEY."))?;
            only(&p, "ApiKeyAuthParameters", &["ApiKeyName", "ApiKeyValue"])?;
            (Authorization::ApiKey, p.required("ApiKeyName")?.to_string(), p.required("ApiKeyValue")?.to_string())
        }
        "BASIC" => {
            let p = auth
                .object("BasicAuthParameters")?
                .ok_or_else(|| validation("BasicAuthParameters is required for BASIC."))?;
            only(&p, "BasicAuthParameters", &["Username", "Password"])?;
            (Authorization::Basic, p.required("Username")?.to_string(), p.required("Password")?.to_string())
        }
        "OAUTH_CLIENT_CREDENTIALS" => {
            let p = auth
                .object("OAuthParameters")?
                .ok_or_else(|| validation("OAuthParameters is required for OAUTH_CLIENT_CREDENTIALS."))?;
            only(
                &p,
                "OAuthParameters",
                &["ClientParameters", "AuthorizationEndpoint", "HttpMethod", "OAuthHttpParameters"],
            )?;
            let client = p.object("ClientParameters")?.ok_or_else(|| validation("ClientParameters is required."))?;
            only(&client, "ClientParameters", &["ClientID", "ClientSecret"])?;
            (
                Authorization::OAuthClientCredentials,
                client.required("ClientID")?.to_string(),
                client.required("ClientSecret")?.to_string(),
            )
        }
        other => {
            return Err(validation(format!(
                "AuthorizationType {other} is not BASIC, OAUTH_CLIENT_CREDENTIALS or API_KEY."
            )));
        }
    };
    let oauth = match auth.object("OAuthParameters")? {
        None => None,
        Some(p) => {
            let (headers, query, body) = http_parameters(&p, "OAuthHttpParameters")?;
            Some(squall_events::NewOAuth {
                endpoint: p.required("AuthorizationEndpoint")?.to_string(),
                method: p.required("HttpMethod")?.to_string(),
                headers,
                query,
                body,
            })
        }
    };
    let (headers, query, body) = http_parameters(&auth, "InvocationHttpParameters")?;
    Ok(squall_events::NewConnection {
        name: input.required("Name")?.to_string(),
        description: input.str("Description")?.map(str::to_string),
        authorization,
        principal,
        credential,
        oauth,
        headers,
        query,
        body,
    })
}

/// The header, query string and body parameters of `input`'s `name` object.
type HttpParameters = (Vec<NewParameter>, Vec<NewParameter>, Vec<NewParameter>);
fn http_parameters(input: &Input, name: &str) -> Result<HttpParameters, ApiError> {
    let (mut headers, mut query, mut body) = (Vec::new(), Vec::new(), Vec::new());
    if let Some(h) = input.object(name)? {
        only(&h, name, &["HeaderParameters", "QueryStringParameters", "BodyParameters"])?;
        for (name, out) in
            [("HeaderParameters", &mut headers), ("QueryStringParameters", &mut query), ("BodyParameters", &mut body)]
        {
            for p in h.objects(name)? {
                only(&p, name, &["Key", "Value", "IsValueSecret"])?;
                out.push((
                    p.required("Key")?.to_string(),
                    p.str("Value")?.unwrap_or_default().to_string(),
                    p.bool("IsValueSecret")?,
                ));
            }
        }
    }
    Ok((headers, query, body))
}

/// A replay state's API name.
fn replay_state(s: &str) -> Result<ReplayState, ApiError> {
    let all = [
        ReplayState::Starting,
        ReplayState::Running,
        ReplayState::Cancelling,
        ReplayState::Completed,
        ReplayState::Cancelled,
        ReplayState::Failed,
    ];
    all.into_iter().find(|r| r.as_str() == s).ok_or_else(|| validation(format!("State {s} is not a replay's state.")))
}

/// A PutEvents entry.
fn entry(e: &Input) -> Result<Entry, ApiError> {
    only(e, "PutEvents entry", &["Time", "Source", "Resources", "DetailType", "Detail", "EventBusName"])?;
    let time_ms = match e.get("Time") {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| (s * 1000.0) as u64)
                .ok_or_else(|| validation("Time must be a timestamp"))?,
        ),
    };
    Ok(Entry {
        source: e.str("Source")?.map(str::to_string),
        detail_type: e.str("DetailType")?.map(str::to_string),
        detail: e.str("Detail")?.map(str::to_string),
        resources: e.strings("Resources")?,
        time_ms,
        bus: e.str("EventBusName")?.map(str::to_string),
    })
}

/// TestEventPattern's event: JSON with the fields every event has.
fn test_event(text: &str) -> Result<Value, ApiError> {
    let event: Value = serde_json::from_str(text).map_err(|_| validation("Parameter Event is not valid."))?;
    let has = |f: &str| event.get(f).is_some_and(|v| !v.is_null());
    let fields = ["id", "account", "source", "time", "region", "resources", "detail-type"];
    if !event.is_object() || !fields.iter().all(|f| has(f)) {
        return Err(validation("Parameter Event is not valid."));
    }
    Ok(event)
}
