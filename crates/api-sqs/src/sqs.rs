//! SQS's JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Op>`, what current SDKs send) over
//! the queues service. Errors carry the JSON `__type` and, since SQS is
//! "awsQueryCompatible", the query protocol's code in `x-amzn-query-error`, which botocore
//! reports as the error code.

use super::protocol::{Handler, Protocol, Recognition, Service, never};
use super::{ApiError, ApiRequest, ApiState};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use serde_json::{Map, Value, json};
use squall_api::authorize::ResourcePolicy;
use squall_api::json::{json10, serialization};
use squall_queues::message::{AttributeValue, Attributes, NewMessage, md5_of_attributes};
use squall_queues::service::{MAX_BATCH, ReceiveOptions, Received};
use squall_runtime::Body;
use std::collections::BTreeMap;

/// SQS's JSON protocol, `awsQueryCompatible`.
pub static SERVICE: Service = Service {
    name: "sqs",
    signing_name: Some("sqs"),
    protocol: Protocol::AwsJson10,
    recognition: Recognition::Target("AmazonSQS"),
    namespace: "com.amazonaws.sqs",
    query_code: Some(query_code),
    unsigned: never,
    max_body: MAX_REQUEST,
    handler: Handler::Buffered(|state, req, op| Box::pin(dispatch(state, req, op))),
};

/// The largest request either SQS protocol reads: a full batch of the largest messages,
/// with room for JSON escaping or form encoding.
pub(super) const MAX_REQUEST: usize = 8 << 20;

/// Largest total of message bodies in one SendMessageBatch.
const MAX_BATCH_BYTES: usize = 1_048_576;

/// The query protocol's code of an error shape (what older SDKs and botocore show).
pub(super) fn query_code(code: &'static str) -> &'static str {
    match code {
        // SQS's JSON protocol names these two with an `Exception` suffix; its query
        // protocol (and `x-amzn-query-error`) without.
        "InvalidParameterValueException" => "InvalidParameterValue",
        "MissingRequiredParameterException" => "MissingParameter",
        "QueueDoesNotExist" => "AWS.SimpleQueueService.NonExistentQueue",
        "QueueNameExists" => "QueueAlreadyExists",
        "MessageNotInflight" => "AWS.SimpleQueueService.MessageNotInflight",
        "TooManyEntriesInBatchRequest" => "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        "EmptyBatchRequest" => "AWS.SimpleQueueService.EmptyBatchRequest",
        "BatchEntryIdsNotDistinct" => "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "InvalidBatchEntryId" => "AWS.SimpleQueueService.InvalidBatchEntryId",
        "BatchRequestTooLong" => "AWS.SimpleQueueService.BatchRequestTooLong",
        "UnsupportedOperation" => "AWS.SimpleQueueService.UnsupportedOperation",
        "PurgeQueueInProgress" => "AWS.SimpleQueueService.PurgeQueueInProgress",
        other => other,
    }
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

fn error(e: squall_queues::Error) -> ApiError {
    use squall_queues::Error as E;
    let code = match &e {
        E::QueueDoesNotExist => "QueueDoesNotExist",
        E::QueueNameExists(_) => "QueueNameExists",
        E::InvalidParameterValue(_) => "InvalidParameterValueException",
        E::MissingParameter(_) => "MissingRequiredParameterException",
        E::InvalidAttributeName(_) => "InvalidAttributeName",
        E::InvalidAttributeValue(_) => "InvalidAttributeValue",
        E::InvalidMessageContents(_) => "InvalidMessageContents",
        E::ReceiptHandleIsInvalid(_) => "ReceiptHandleIsInvalid",
        E::MessageNotInflight => "MessageNotInflight",
        E::TooManyEntriesInBatchRequest(_) => "TooManyEntriesInBatchRequest",
        E::EmptyBatchRequest => "EmptyBatchRequest",
        E::BatchEntryIdsNotDistinct(_) => "BatchEntryIdsNotDistinct",
        E::InvalidBatchEntryId => "InvalidBatchEntryId",
        E::BatchRequestTooLong(_) => "BatchRequestTooLong",
        E::UnsupportedOperation(_) => "UnsupportedOperation",
        E::ResourceNotFound(_) => "ResourceNotFoundException",
        other => {
            tracing::error!(error = %other, "queues: internal error");
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "Internal error");
        }
    };
    bad(code, e.to_string())
}

type Reply = Result<http::Response<Body>, ApiError>;

pub(crate) async fn dispatch(state: &ApiState, req: &ApiRequest, op: &str) -> Reply {
    let doc: Value = if req.body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&req.body).map_err(|e| serialization(format!("the request body is not JSON: {e}")))?
    };
    let input = doc.as_object().ok_or_else(|| serialization("the request body must be a JSON object"))?;
    let out = call(state, req, &queue_base(req), op, input).await?;
    Ok(json10(&out))
}

/// Operation `op` on its JSON input document, answering its JSON output document (the
/// query protocol's adapter, `sqs_query`, calls this too); queue URLs start with `base`.
pub(super) async fn call(
    state: &ApiState,
    req: &ApiRequest,
    base: &str,
    op: &str,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let arn = |name: &str| format!("arn:aws:sqs:{}:{}:{name}", state.region, squall_types::ACCOUNT_ID);
    // A queue's own policy may grant what the caller's identity policies do not.
    let named = queue_name(input).ok().filter(|_| !matches!(op, "CreateQueue" | "GetQueueUrl" | "ListQueues"));
    let policy_doc = named.and_then(|n| state.queues.policy(n));
    let queue_arn = named.map(arn).unwrap_or_default();
    let policy = policy_doc.as_deref().map(|document| ResourcePolicy { arn: &queue_arn, document });
    let keys = squall_api::request_keys::of_json(input);
    let caller = req.who().with_keys(&keys);
    squall_api::authorize::authorize_under(state, caller, "sqs", op, policy, || {
        let named = match op {
            "CreateQueue" | "GetQueueUrl" => opt_str(input, "QueueName").ok().flatten().map(arn),
            "StartMessageMoveTask" | "ListMessageMoveTasks" => {
                opt_str(input, "SourceArn").ok().flatten().map(str::to_string)
            }
            _ => queue_name(input).ok().map(arn),
        };
        named.into_iter().collect()
    })?;
    let q = &state.queues;
    let out = match op {
        "CreateQueue" => {
            let name = required_str(input, "QueueName")?;
            q.create_queue(name, &string_map(input, "Attributes")?, string_map(input, "tags")?).await.map_err(error)?;
            json!({ "QueueUrl": format!("{base}{name}") })
        }
        "GetQueueUrl" => {
            let name = required_str(input, "QueueName")?;
            q.check_queue(name).map_err(error)?;
            json!({ "QueueUrl": format!("{base}{name}") })
        }
        "ListQueues" => {
            let prefix = opt_str(input, "QueueNamePrefix")?.unwrap_or("");
            let names = q.list_queues(prefix);
            let (page, next) = paginate(names, input)?;
            let mut out = json!({ "QueueUrls": page.iter().map(|n| format!("{base}{n}")).collect::<Vec<_>>() });
            if page.is_empty() {
                out = json!({});
            }
            if let Some(next) = next {
                out["NextToken"] = next.into();
            }
            out
        }
        "DeleteQueue" => {
            q.delete_queue(queue_name(input)?).await.map_err(error)?;
            json!({})
        }
        "GetQueueAttributes" => {
            let names = match input.get("AttributeNames").filter(|v| !v.is_null()) {
                Some(v) => string_list(v, "AttributeNames")?,
                None => Vec::new(),
            };
            let attrs = q.get_attributes(queue_name(input)?, &names).await.map_err(error)?;
            if attrs.is_empty() { json!({}) } else { json!({ "Attributes": attrs }) }
        }
        "SetQueueAttributes" => {
            q.set_attributes(queue_name(input)?, &string_map(input, "Attributes")?).await.map_err(error)?;
            json!({})
        }
        "PurgeQueue" => {
            q.purge(queue_name(input)?).await.map_err(error)?;
            json!({})
        }
        "TagQueue" => {
            q.tag_queue(queue_name(input)?, string_map(input, "Tags")?).await.map_err(error)?;
            json!({})
        }
        "UntagQueue" => {
            let keys = string_list(input.get("TagKeys").unwrap_or(&Value::Null), "TagKeys")?;
            q.untag_queue(queue_name(input)?, &keys).await.map_err(error)?;
            json!({})
        }
        "ListQueueTags" => {
            let tags = q.list_tags(queue_name(input)?).map_err(error)?;
            if tags.is_empty() { json!({}) } else { json!({ "Tags": tags }) }
        }
        "ListDeadLetterSourceQueues" => {
            let names = q.dead_letter_sources(queue_name(input)?).map_err(error)?;
            let (page, next) = paginate(names, input)?;
            let mut out = json!({ "queueUrls": page.iter().map(|n| format!("{base}{n}")).collect::<Vec<_>>() });
            if let Some(next) = next {
                out["NextToken"] = next.into();
            }
            out
        }
        "SendMessage" => {
            let sent = q.send(queue_name(input)?, new_message(input, trace_header(req))?).await.map_err(error)?;
            sent_json(sent, json!({}))
        }
        "SendMessageBatch" => {
            let entries = entries(input)?;
            let total: usize =
                entries.iter().map(|e| e.get("MessageBody").and_then(Value::as_str).map_or(0, str::len)).sum();
            if total > MAX_BATCH_BYTES {
                return Err(error(squall_queues::Error::BatchRequestTooLong(MAX_BATCH_BYTES)));
            }
            let mut ids = Vec::new();
            let mut messages = Vec::new();
            let mut failed = Vec::new();
            for e in &entries {
                let id = text(e, "Id")?;
                match new_message(e, trace_header(req)) {
                    Ok(m) => {
                        ids.push(id);
                        messages.push(m);
                    }
                    Err(err) => failed.push(failure(&id, err)),
                }
            }
            let results = if messages.is_empty() {
                Vec::new()
            } else {
                q.send_batch(queue_name(input)?, messages).await.map_err(error)?
            };
            let mut ok = Vec::new();
            for (id, r) in ids.into_iter().zip(results) {
                match r {
                    Ok(sent) => ok.push(sent_json(sent, json!({ "Id": id }))),
                    Err(e) => failed.push(failure(&id, error(e))),
                }
            }
            json!({ "Successful": ok, "Failed": failed })
        }
        "ReceiveMessage" => {
            let opts = ReceiveOptions {
                max: opt_u32(input, "MaxNumberOfMessages")?,
                visibility_timeout_s: opt_u32(input, "VisibilityTimeout")?,
                wait_s: opt_u32(input, "WaitTimeSeconds")?,
            };
            let got = q.receive(queue_name(input)?, opts).await.map_err(error)?;
            let mut system = Vec::new();
            for key in ["AttributeNames", "MessageSystemAttributeNames"] {
                if let Some(v) = input.get(key).filter(|v| !v.is_null()) {
                    system.extend(string_list(v, key)?);
                }
            }
            let wanted = match input.get("MessageAttributeNames").filter(|v| !v.is_null()) {
                Some(v) => string_list(v, "MessageAttributeNames")?,
                None => Vec::new(),
            };
            let messages: Vec<Value> = got.into_iter().map(|m| received_json(m, &system, &wanted)).collect();
            if messages.is_empty() { json!({}) } else { json!({ "Messages": messages }) }
        }
        "DeleteMessage" => {
            q.delete_message(queue_name(input)?, required_str(input, "ReceiptHandle")?).await.map_err(error)?;
            json!({})
        }
        "DeleteMessageBatch" => {
            let entries = entries(input)?;
            let ids: Vec<String> = entries.iter().map(|e| text(e, "Id")).collect::<Result<_, _>>()?;
            let handles: Vec<String> = entries.iter().map(|e| text(e, "ReceiptHandle")).collect::<Result<_, _>>()?;
            let refs: Vec<&str> = handles.iter().map(String::as_str).collect();
            let results = q.delete_batch(queue_name(input)?, &refs).await.map_err(error)?;
            batch_reply(ids, results)
        }
        "ChangeMessageVisibility" => {
            let timeout = opt_u32(input, "VisibilityTimeout")?.ok_or_else(|| {
                bad("MissingRequiredParameterException", "The request must contain the parameter VisibilityTimeout.")
            })?;
            q.change_visibility(queue_name(input)?, required_str(input, "ReceiptHandle")?, timeout)
                .await
                .map_err(error)?;
            json!({})
        }
        "ChangeMessageVisibilityBatch" => {
            let entries = entries(input)?;
            let mut ids = Vec::new();
            let mut changes = Vec::new();
            for e in &entries {
                ids.push(text(e, "Id")?);
                let timeout = opt_u32(e, "VisibilityTimeout")?.unwrap_or(0);
                changes.push((text(e, "ReceiptHandle")?, timeout));
            }
            let refs: Vec<(&str, u32)> = changes.iter().map(|(h, t)| (h.as_str(), *t)).collect();
            let results = q.change_visibility_batch(queue_name(input)?, &refs).await.map_err(error)?;
            batch_reply(ids, results)
        }
        "StartMessageMoveTask" => {
            let source = required_str(input, "SourceArn")?;
            let rate = opt_u32(input, "MaxNumberOfMessagesPerSecond")?;
            let handle = q.start_move_task(source, opt_str(input, "DestinationArn")?, rate).await.map_err(error)?;
            json!({ "TaskHandle": handle })
        }
        "ListMessageMoveTasks" => {
            let max = opt_u32(input, "MaxResults")?.unwrap_or(1);
            if !(1..=10).contains(&max) {
                return Err(bad("InvalidParameterValueException", "MaxResults must be between 1 and 10."));
            }
            let tasks = q.list_move_tasks(required_str(input, "SourceArn")?, max as usize).map_err(error)?;
            let results: Vec<Value> = tasks.iter().map(move_task_json).collect();
            json!({ "Results": results })
        }
        "CancelMessageMoveTask" => {
            let moved = q.cancel_move_task(required_str(input, "TaskHandle")?).map_err(error)?;
            json!({ "ApproximateNumberOfMessagesMoved": moved })
        }
        "AddPermission" | "RemovePermission" => {
            return Err(bad("UnsupportedOperation", format!("{op} is not supported yet")));
        }
        other => return Err(bad("InvalidAction", format!("The action {other} is not valid for this endpoint."))),
    };
    Ok(out)
}

/// A message move task as ListMessageMoveTasks reports it (the handle only while it runs).
fn move_task_json(t: &squall_queues::redrive::MoveTask) -> Value {
    let mut v = json!({
        "Status": t.status,
        "SourceArn": t.source_arn,
        "ApproximateNumberOfMessagesMoved": t.moved,
        "ApproximateNumberOfMessagesToMove": t.to_move,
        "StartedTimestamp": t.started_ms,
    });
    if t.status == "RUNNING" {
        v["TaskHandle"] = t.handle.clone().into();
    }
    if let Some(d) = &t.destination_arn {
        v["DestinationArn"] = d.clone().into();
    }
    if let Some(r) = t.max_per_second {
        v["MaxNumberOfMessagesPerSecond"] = r.into();
    }
    if let Some(f) = &t.failure_reason {
        v["FailureReason"] = f.clone().into();
    }
    v
}

/// `http://<host>/<account>/`: queue URLs name the endpoint the client used.
pub(super) fn queue_base(req: &ApiRequest) -> String {
    let host = req.header("host").unwrap_or("localhost:4566");
    format!("http://{host}/{}/", squall_types::ACCOUNT_ID)
}

/// The queue a `QueueUrl` names: its last path segment.
fn queue_name(input: &Map<String, Value>) -> Result<&str, ApiError> {
    let url = required_str(input, "QueueUrl")?;
    let path = url.split_once("://").map_or(url, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad("QueueDoesNotExist", "The specified queue does not exist."))
}

fn opt_str<'a>(input: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, ApiError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(serialization(format!("{name} must be a string"))),
    }
}

fn required_str<'a>(input: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    opt_str(input, name)?.ok_or_else(|| {
        bad("MissingRequiredParameterException", format!("The request must contain the parameter {name}."))
    })
}

fn text(input: &Map<String, Value>, name: &str) -> Result<String, ApiError> {
    required_str(input, name).map(str::to_string)
}

fn opt_u32(input: &Map<String, Value>, name: &str) -> Result<Option<u32>, ApiError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => Ok(Some(n as u32)),
            Some(n) => Err(bad(
                "InvalidParameterValueException",
                format!("Value {n} for parameter {name} is invalid. Reason: must not be negative."),
            )),
            None => Err(serialization(format!("{name} must be an integer"))),
        },
    }
}

fn string_map(input: &Map<String, Value>, name: &str) -> Result<BTreeMap<String, String>, ApiError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let v = v.as_str().ok_or_else(|| serialization(format!("{name} values must be strings")))?;
                Ok((k.clone(), v.to_string()))
            })
            .collect(),
        Some(_) => Err(serialization(format!("{name} must be a map"))),
    }
}

fn string_list(v: &Value, name: &str) -> Result<Vec<String>, ApiError> {
    v.as_array()
        .ok_or_else(|| serialization(format!("{name} must be a list")))?
        .iter()
        .map(|s| s.as_str().map(str::to_string).ok_or_else(|| serialization(format!("{name} must be strings"))))
        .collect()
}

/// A page of `names` after `NextToken`, at most `MaxResults` (1–1000); without
/// `MaxResults`, up to 1000 and no token.
fn paginate(names: Vec<String>, input: &Map<String, Value>) -> Result<(Vec<String>, Option<String>), ApiError> {
    let max = opt_u32(input, "MaxResults")?;
    if max.is_some_and(|m| !(1..=1000).contains(&m)) {
        return Err(bad(
            "InvalidParameterValueException",
            "Value for parameter MaxResults is invalid. Reason: must be between 1 and 1000.",
        ));
    }
    let after = match opt_str(input, "NextToken")? {
        Some(t) => Some(
            STANDARD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| bad("InvalidParameterValueException", "Invalid NextToken"))?,
        ),
        None => None,
    };
    let rest: Vec<String> = names.into_iter().filter(|n| after.as_ref().is_none_or(|a| n > a)).collect();
    let limit = max.unwrap_or(1000) as usize;
    let more = rest.len() > limit;
    let page: Vec<String> = rest.into_iter().take(limit).collect();
    let next = (more && max.is_some()).then(|| page.last().map(|l| STANDARD.encode(l))).flatten();
    Ok((page, next))
}

fn entries(input: &Map<String, Value>) -> Result<Vec<Map<String, Value>>, ApiError> {
    let list = match input.get("Entries") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => v.as_array().ok_or_else(|| serialization("Entries must be a list"))?.clone(),
    };
    if list.is_empty() {
        return Err(error(squall_queues::Error::EmptyBatchRequest));
    }
    if list.len() > MAX_BATCH {
        return Err(error(squall_queues::Error::TooManyEntriesInBatchRequest(list.len())));
    }
    let entries: Vec<Map<String, Value>> = list
        .into_iter()
        .map(|e| match e {
            Value::Object(m) => Ok(m),
            _ => Err(serialization("Entries must be objects")),
        })
        .collect::<Result<_, _>>()?;
    let mut seen = std::collections::HashSet::new();
    for e in &entries {
        let id = text(e, "Id")?;
        if id.is_empty() || id.len() > 80 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(error(squall_queues::Error::InvalidBatchEntryId));
        }
        if !seen.insert(id.clone()) {
            return Err(error(squall_queues::Error::BatchEntryIdsNotDistinct(id)));
        }
    }
    Ok(entries)
}

fn failure(id: &str, e: ApiError) -> Value {
    json!({ "Id": id, "SenderFault": !e.status.is_server_error(), "Code": query_code(e.code), "Message": e.message })
}

fn batch_reply(ids: Vec<String>, results: Vec<squall_queues::Result<()>>) -> Value {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for (id, r) in ids.into_iter().zip(results) {
        match r {
            Ok(()) => ok.push(json!({ "Id": id })),
            Err(e) => failed.push(failure(&id, error(e))),
        }
    }
    json!({ "Successful": ok, "Failed": failed })
}

fn attributes(input: &Map<String, Value>, name: &str) -> Result<Attributes, ApiError> {
    let Some(map) = input.get(name).filter(|v| !v.is_null()) else { return Ok(Attributes::new()) };
    let map = map.as_object().ok_or_else(|| serialization(format!("{name} must be a map")))?;
    let mut out = Attributes::new();
    for (k, v) in map {
        let v = v.as_object().ok_or_else(|| serialization(format!("{name}.{k} must be an object")))?;
        if v.get("StringListValues")
            .or(v.get("BinaryListValues"))
            .is_some_and(|l| l.as_array().is_some_and(|a| !a.is_empty()))
        {
            return Err(bad(
                "InvalidParameterValueException",
                "StringListValues and BinaryListValues are not supported.",
            ));
        }
        let binary =
            match opt_str(v, "BinaryValue")? {
                Some(b) => Some(STANDARD.decode(b).map_err(|_| {
                    bad("InvalidParameterValueException", format!("{name}.{k}.BinaryValue is not base64"))
                })?),
                None => None,
            };
        out.insert(
            k.clone(),
            AttributeValue {
                data_type: required_str(v, "DataType")?.to_string(),
                string: opt_str(v, "StringValue")?.map(str::to_string),
                binary,
            },
        );
    }
    Ok(out)
}

/// The X-Ray trace header of the request (AWS's SDKs send it from inside a function).
fn trace_header(req: &ApiRequest) -> Option<&str> {
    req.header("x-amzn-trace-id").filter(|h| !h.is_empty())
}

/// A message from SendMessage's input (or a batch entry's); without an `AWSTraceHeader` of
/// its own it gets the request's X-Ray trace header as one, as SQS does, which carries the
/// chain of requests recursive loop detection counts.
fn new_message(input: &Map<String, Value>, trace_header: Option<&str>) -> Result<NewMessage, ApiError> {
    let mut system_attributes = attributes(input, "MessageSystemAttributes")?;
    if let Some(h) = trace_header.filter(|_| !system_attributes.contains_key("AWSTraceHeader")) {
        system_attributes.extend([squall_queues::message::trace_header_attribute(h)]);
    }
    Ok(NewMessage {
        body: required_str(input, "MessageBody")?.to_string(),
        attributes: attributes(input, "MessageAttributes")?,
        system_attributes,
        delay_s: opt_u32(input, "DelaySeconds")?,
        group_id: opt_str(input, "MessageGroupId")?.map(str::to_string),
        dedup_id: opt_str(input, "MessageDeduplicationId")?.map(str::to_string),
    })
}

/// What SendMessage (or a SendMessageBatch entry) answers.
fn sent_json(sent: squall_queues::service::Sent, mut out: Value) -> Value {
    out["MessageId"] = sent.id.into();
    out["MD5OfMessageBody"] = sent.md5_of_body.into();
    if let Some(m) = sent.md5_of_attributes {
        out["MD5OfMessageAttributes"] = m.into();
    }
    if let Some(m) = sent.md5_of_system_attributes {
        out["MD5OfMessageSystemAttributes"] = m.into();
    }
    if let Some(n) = sent.sequence_number {
        out["SequenceNumber"] = n.into();
    }
    out
}

/// Whether attribute `name` is asked for by `wanted` (`All`, `.*`, `prefix.*` or names).
fn asked(wanted: &[String], name: &str) -> bool {
    wanted.iter().any(|w| match w.as_str() {
        "All" | ".*" => true,
        w => match w.strip_suffix(".*") {
            Some(prefix) => name.starts_with(prefix) && name[prefix.len()..].starts_with('.'),
            None => w == name,
        },
    })
}

fn received_json(m: Received, system: &[String], wanted: &[String]) -> Value {
    let mut out = json!({
        "MessageId": m.id,
        "ReceiptHandle": m.receipt_handle,
        "MD5OfBody": m.md5_of_body,
        "Body": m.body,
    });
    let sys: BTreeMap<&String, &String> = m.system.iter().filter(|(k, _)| asked(system, k)).collect();
    if !sys.is_empty() {
        out["Attributes"] = json!(sys);
    }
    // The digest covers what is returned, so clients can check it.
    let attrs: Attributes = m.attributes.into_iter().filter(|(k, _)| asked(wanted, k)).collect();
    if let Some(md5) = md5_of_attributes(&attrs) {
        out["MD5OfMessageAttributes"] = md5.into();
        let rendered: Map<String, Value> = attrs
            .into_iter()
            .map(|(k, v)| {
                let mut a = json!({ "DataType": v.data_type });
                if let Some(s) = v.string {
                    a["StringValue"] = s.into();
                }
                if let Some(b) = v.binary {
                    a["BinaryValue"] = STANDARD.encode(b).into();
                }
                (k, a)
            })
            .collect();
        out["MessageAttributes"] = Value::Object(rendered);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_name_filters_work_like_sqs() {
        let all = ["All".to_string()];
        assert!(asked(&all, "x"));
        let prefix = ["foo.*".to_string()];
        assert!(asked(&prefix, "foo.bar") && !asked(&prefix, "foobar") && !asked(&prefix, "bar"));
        assert!(asked(&["x".to_string()], "x") && !asked(&[], "x"));
    }

    #[test]
    fn queue_urls_name_their_queue() {
        let m = |url: &str| Map::from_iter([("QueueUrl".to_string(), Value::from(url))]);
        assert_eq!(queue_name(&m("http://127.0.0.1:4566/000000000000/jobs")).unwrap(), "jobs");
        assert_eq!(queue_name(&m("http://localhost/000000000000/jobs/")).unwrap(), "jobs");
        assert_eq!(queue_name(&m("jobs")).unwrap(), "jobs");
        assert!(queue_name(&m("http://localhost/")).is_err());
    }
}
