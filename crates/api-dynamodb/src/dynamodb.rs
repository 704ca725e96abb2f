//! DynamoDB's JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Op>`) over the tables
//! service: decode the request document, call one method, encode the answer.

use super::protocol::{Handler, Protocol, Recognition, Service, never};
use super::{ApiError, ApiRequest, ApiState};
use http::StatusCode;
use serde_json::{Map, Value, json};
pub(crate) use squall_api::json::{json10, serialization};
use squall_runtime::Body;
use squall_tables::schema::{
    Billing, CreateIndex, CreateTable, IndexDef, IndexProjection, KeyAttr, KeySchema, ScalarType,
};
use squall_tables::service::{
    BatchGet, BatchWrite, Page, Placeholders, ReadRequest, ReturnValues, TableStatus, UpdateTable, WriteOptions,
};
use squall_tables::stream::{ViewType, stream_arn};
use squall_tables::transact::{TransactGet, TransactWrite, WriteAction};
use squall_tables::value::{item_from_json, item_to_json};
use squall_tables::{AttributeValue, Item};

/// Where DynamoDB's (and DynamoDB Streams') error codes live (clients read the part after
/// `#`).
pub(crate) const ERROR_NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";

/// DynamoDB: JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Op>`.
pub static SERVICE: Service = Service {
    name: "dynamodb",
    signing_name: Some("dynamodb"),
    protocol: Protocol::AwsJson10,
    recognition: Recognition::Target("DynamoDB_20120810"),
    namespace: ERROR_NAMESPACE,
    query_code: None,
    unsigned: never,
    // DynamoDB's own limit on a request.
    max_body: 16 << 20,
    handler: Handler::Buffered(|state, req, op| Box::pin(dispatch(state, req, op))),
};

type Reply = Result<http::Response<Body>, ApiError>;

pub(crate) async fn dispatch(state: &ApiState, req: &ApiRequest, op: &str) -> Reply {
    let mut doc: Value = if req.body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&req.body).map_err(|e| serialization(format!("the request body is not JSON: {e}")))?
    };
    if let Some(obj) = doc.as_object_mut() {
        super::dynamodb_legacy::rewrite(op, obj)?;
    }
    let input = doc.as_object().ok_or_else(|| serialization("the request body must be a JSON object"))?;
    super::access::authorize_request(state, req, op, input)?;
    let t = &state.tables;
    let out = match op {
        "CreateTable" => {
            let status = t
                .create_table(create_table(input)?, t.clock().now_ms(), squall_types::RequestId::new().to_string())
                .await
                .map_err(error)?;
            json!({ "TableDescription": describe(state, &status) })
        }
        "DescribeTable" => {
            let status = t.describe_table(table_name(input)?).await.map_err(error)?;
            json!({ "Table": describe(state, &status) })
        }
        "UpdateTimeToLive" => {
            let spec = field(input, "TimeToLiveSpecification")?
                .as_object()
                .ok_or_else(|| serialization("TimeToLiveSpecification must be an object"))?;
            let enabled =
                opt_bool(spec, "Enabled")?.ok_or_else(|| validation("TimeToLiveSpecification.Enabled is required"))?;
            let attribute = opt_str(spec, "AttributeName")?
                .ok_or_else(|| validation("TimeToLiveSpecification.AttributeName is required"))?;
            t.update_ttl(table_name(input)?, enabled, attribute).await.map_err(error)?;
            json!({ "TimeToLiveSpecification": { "Enabled": enabled, "AttributeName": attribute } })
        }
        "DescribeTimeToLive" => match t.describe_ttl(table_name(input)?).map_err(error)? {
            Some(attr) => json!({ "TimeToLiveDescription": { "TimeToLiveStatus": "ENABLED", "AttributeName": attr } }),
            None => json!({ "TimeToLiveDescription": { "TimeToLiveStatus": "DISABLED" } }),
        },
        "UpdateTable" => {
            let status = t.update_table(table_name(input)?, update_table(input)?).await.map_err(error)?;
            json!({ "TableDescription": describe(state, &status) })
        }
        "DeleteTable" => {
            let status = t.delete_table(table_name(input)?).await.map_err(error)?;
            let mut d = describe(state, &status);
            d["TableStatus"] = "DELETING".into();
            json!({ "TableDescription": d })
        }
        "TagResource" => {
            t.tag_table(table_of_arn(input)?, tags(field(input, "Tags")?)?).await.map_err(error)?;
            json!({})
        }
        "UntagResource" => {
            let keys = field(input, "TagKeys")?
                .as_array()
                .ok_or_else(|| serialization("TagKeys must be a list"))?
                .iter()
                .map(|k| k.as_str().map(str::to_string).ok_or_else(|| serialization("TagKeys must be strings")))
                .collect::<Result<Vec<_>, _>>()?;
            t.untag_table(table_of_arn(input)?, &keys).await.map_err(error)?;
            json!({})
        }
        "ListTagsOfResource" => {
            let tags = t.list_tags(table_of_arn(input)?).map_err(error)?;
            json!({ "Tags": tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect::<Vec<_>>() })
        }
        "DescribeLimits" => json!({
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000,
        }),
        "ListTables" => {
            let limit = opt_u64(input, "Limit")?.map(|n| n as usize);
            let (names, last) = t.list_tables(opt_str(input, "ExclusiveStartTableName")?, limit).map_err(error)?;
            let mut out = json!({ "TableNames": names });
            if let Some(last) = last {
                out["LastEvaluatedTableName"] = last.into();
            }
            out
        }
        "PutItem" => {
            let item = item_from_json(field(input, "Item")?).map_err(error)?;
            let old = t.put_item(table_name(input)?, item, &write_options(input)?).await.map_err(error)?;
            attributes(old)
        }
        "GetItem" => {
            let key = item_from_json(field(input, "Key")?).map_err(error)?;
            let projection = opt_str(input, "ProjectionExpression")?;
            let item = t.get_item(table_name(input)?, &key, projection, &placeholders(input)?).await.map_err(error)?;
            match item {
                Some(i) => json!({ "Item": item_to_json(&i) }),
                None => json!({}),
            }
        }
        "DeleteItem" => {
            let key = item_from_json(field(input, "Key")?).map_err(error)?;
            let old = t.delete_item(table_name(input)?, &key, &write_options(input)?).await.map_err(error)?;
            attributes(old)
        }
        "UpdateItem" => {
            let key = item_from_json(field(input, "Key")?).map_err(error)?;
            let update = opt_str(input, "UpdateExpression")?;
            let new = t.update_item(table_name(input)?, &key, update, &write_options(input)?).await.map_err(error)?;
            attributes(new)
        }
        "BatchWriteItem" => {
            t.batch_write(batch_writes(field(input, "RequestItems")?)?).await.map_err(error)?;
            json!({ "UnprocessedItems": {} })
        }
        "BatchGetItem" => {
            let found = t.batch_get(batch_gets(field(input, "RequestItems")?)?).await.map_err(error)?;
            let responses: Map<String, Value> = found
                .into_iter()
                .map(|(table, items)| (table, Value::Array(items.iter().map(item_to_json).collect())))
                .collect();
            json!({ "Responses": responses, "UnprocessedKeys": {} })
        }
        "TransactWriteItems" => {
            let actions = transact_writes(field(input, "TransactItems")?)?;
            let token = opt_str(input, "ClientRequestToken")?.map(|t| (t.to_string(), fingerprint(&doc)));
            t.transact_write(actions, token, t.clock().now_ms()).await.map_err(error)?;
            json!({})
        }
        "TransactGetItems" => {
            let items = t.transact_get(transact_gets(field(input, "TransactItems")?)?).await.map_err(error)?;
            let responses: Vec<Value> = items
                .iter()
                .map(|i| match i {
                    Some(i) => json!({ "Item": item_to_json(i) }),
                    None => json!({}),
                })
                .collect();
            json!({ "Responses": responses })
        }
        "Query" => page_json(t.query(&read_request(input)?).await.map_err(error)?),
        "Scan" => {
            let mut r = read_request(input)?;
            r.segment = match (opt_u64(input, "Segment")?, opt_u64(input, "TotalSegments")?) {
                (Some(s), Some(total)) => Some((s as u32, total as u32)),
                (None, None) => None,
                _ => {
                    return Err(validation(
                        "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
                    ));
                }
            };
            page_json(t.scan(&r).await.map_err(error)?)
        }
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                format!("Unknown operation {other}"),
            ));
        }
    };
    Ok(json10(&out))
}

/// A key schema as DynamoDB lists it.
pub(super) fn key_schema_json(key: &KeySchema) -> Value {
    let mut out = vec![json!({ "AttributeName": key.hash.name, "KeyType": "HASH" })];
    if let Some(r) = &key.range {
        out.push(json!({ "AttributeName": r.name, "KeyType": "RANGE" }));
    }
    Value::Array(out)
}

pub(super) fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

pub(super) fn error(e: squall_tables::Error) -> ApiError {
    use squall_tables::Error as E;
    match e {
        E::Validation(m) => validation(m),
        E::ResourceNotFound(m) => ApiError::new(StatusCode::BAD_REQUEST, "ResourceNotFoundException", m),
        E::ResourceInUse(m) => ApiError::new(StatusCode::BAD_REQUEST, "ResourceInUseException", m),
        e @ E::ConditionalCheckFailed { .. } => {
            let message = e.to_string();
            let E::ConditionalCheckFailed { item } = e else { unreachable!() };
            let mut err = ApiError::new(StatusCode::BAD_REQUEST, "ConditionalCheckFailedException", message);
            if let Some(item) = item {
                let mut extra = Map::new();
                extra.insert("Item".into(), item_to_json(&item));
                err.extra = Some(extra);
            }
            err
        }
        e @ E::TransactionCanceled { .. } => {
            let message = e.to_string();
            let E::TransactionCanceled { reasons } = e else { unreachable!() };
            let reasons: Vec<Value> = reasons
                .into_iter()
                .map(|r| {
                    let mut v = json!({ "Code": r.code });
                    if let Some(m) = r.message {
                        v["Message"] = m.into();
                    }
                    if let Some(item) = r.item {
                        v["Item"] = item_to_json(&item);
                    }
                    v
                })
                .collect();
            let mut err = ApiError::new(StatusCode::BAD_REQUEST, "TransactionCanceledException", message);
            let mut extra = Map::new();
            extra.insert("CancellationReasons".into(), Value::Array(reasons));
            err.extra = Some(extra);
            err
        }
        E::IdempotentParameterMismatch(m) => {
            ApiError::new(StatusCode::BAD_REQUEST, "IdempotentParameterMismatchException", m)
        }
        other => {
            tracing::error!(error = %other, "tables: internal error");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", "Internal server error")
        }
    }
}

pub(super) fn field<'a>(input: &'a Map<String, Value>, name: &str) -> Result<&'a Value, ApiError> {
    input.get(name).filter(|v| !v.is_null()).ok_or_else(|| {
        validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(name)
        ))
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

pub(super) fn opt_str<'a>(input: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, ApiError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(serialization(format!("{name} must be a string"))),
    }
}

pub(super) fn opt_u64(input: &Map<String, Value>, name: &str) -> Result<Option<u64>, ApiError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| serialization(format!("{name} must be a non-negative integer"))),
    }
}

pub(super) fn opt_bool(input: &Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| serialization(format!("{name} must be a boolean"))),
    }
}

pub(super) fn table_name(input: &Map<String, Value>) -> Result<&str, ApiError> {
    field(input, "TableName")?.as_str().ok_or_else(|| serialization("TableName must be a string"))
}

pub(super) fn placeholders(input: &Map<String, Value>) -> Result<Placeholders, ApiError> {
    let mut p = Placeholders::default();
    if let Some(names) = input.get("ExpressionAttributeNames").and_then(Value::as_object) {
        for (k, v) in names {
            let v = v.as_str().ok_or_else(|| serialization("ExpressionAttributeNames values must be strings"))?;
            p.names.insert(k.clone(), v.to_string());
        }
    }
    if let Some(values) = input.get("ExpressionAttributeValues").and_then(Value::as_object) {
        for (k, v) in values {
            let v = AttributeValue::from_json(v).map_err(|e| {
                validation(format!("ExpressionAttributeValues contains invalid value: {e} for key {k}"))
            })?;
            p.values.insert(k.clone(), v);
        }
    }
    Ok(p)
}

fn write_options(input: &Map<String, Value>) -> Result<WriteOptions, ApiError> {
    for legacy in ["Expected", "ConditionalOperator"] {
        if input.contains_key(legacy) {
            return Err(validation(format!("{legacy} is not supported; use ConditionExpression")));
        }
    }
    let return_values = match opt_str(input, "ReturnValues")?.unwrap_or("NONE") {
        "NONE" => ReturnValues::None,
        "ALL_OLD" => ReturnValues::AllOld,
        "ALL_NEW" => ReturnValues::AllNew,
        "UPDATED_OLD" => ReturnValues::UpdatedOld,
        "UPDATED_NEW" => ReturnValues::UpdatedNew,
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"
            )));
        }
    };
    let return_old_on_failure = match opt_str(input, "ReturnValuesOnConditionCheckFailure")?.unwrap_or("NONE") {
        "NONE" => false,
        "ALL_OLD" => true,
        other => {
            return Err(validation(format!(
                "ReturnValuesOnConditionCheckFailure {other:?} is not one of ALL_OLD, NONE"
            )));
        }
    };
    Ok(WriteOptions {
        condition: opt_str(input, "ConditionExpression")?.map(str::to_string),
        placeholders: placeholders(input)?,
        return_values,
        return_old_on_failure,
    })
}

fn read_request(input: &Map<String, Value>) -> Result<ReadRequest, ApiError> {
    for legacy in ["KeyConditions", "QueryFilter", "ScanFilter", "AttributesToGet", "ConditionalOperator"] {
        if input.contains_key(legacy) {
            return Err(validation(format!("{legacy} is not supported; use the expression parameters")));
        }
    }
    let count_only = match opt_str(input, "Select")? {
        None | Some("ALL_ATTRIBUTES") => false,
        Some("COUNT") => true,
        Some("SPECIFIC_ATTRIBUTES") => false,
        Some(other) => {
            return Err(validation(format!(
                "Select {other:?} is not one of ALL_ATTRIBUTES, COUNT, SPECIFIC_ATTRIBUTES"
            )));
        }
    };
    Ok(ReadRequest {
        table: table_name(input)?.to_string(),
        index: opt_str(input, "IndexName")?.map(str::to_string),
        key_condition: opt_str(input, "KeyConditionExpression")?.map(str::to_string),
        filter: opt_str(input, "FilterExpression")?.map(str::to_string),
        projection: opt_str(input, "ProjectionExpression")?.map(str::to_string),
        placeholders: placeholders(input)?,
        forward: opt_bool(input, "ScanIndexForward")?.unwrap_or(true),
        limit: opt_u64(input, "Limit")?.map(|n| n as usize),
        start_key: input
            .get("ExclusiveStartKey")
            .filter(|v| !v.is_null())
            .map(item_from_json)
            .transpose()
            .map_err(error)?,
        count_only,
        segment: None,
    })
}

/// A stable digest of a request document, for idempotency tokens.
fn fingerprint(doc: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // serde_json keeps object members sorted (no preserve_order), so equal requests print equally.
    doc.to_string().hash(&mut h);
    h.finish()
}

fn transact_writes(items: &Value) -> Result<Vec<TransactWrite>, ApiError> {
    let list = items.as_array().ok_or_else(|| serialization("TransactItems must be a list"))?;
    list.iter()
        .map(|entry| {
            let entry = entry.as_object().ok_or_else(|| serialization("TransactItems members must be objects"))?;
            let mut kinds = entry.iter().filter(|(_, v)| !v.is_null());
            let (Some((kind, spec)), None) = (kinds.next(), kinds.next()) else {
                return Err(validation("TransactItems can only contain one of Check, Put, Update or Delete"));
            };
            let spec = spec.as_object().ok_or_else(|| serialization(format!("{kind} must be an object")))?;
            let key = || item_from_json(field(spec, "Key")?).map_err(error);
            let action = match kind.as_str() {
                "Put" => WriteAction::Put(item_from_json(field(spec, "Item")?).map_err(error)?),
                "Update" => WriteAction::Update(
                    key()?,
                    opt_str(spec, "UpdateExpression")?
                        .ok_or_else(|| validation("UpdateExpression is required in a transaction's Update"))?
                        .to_string(),
                ),
                "Delete" => WriteAction::Delete(key()?),
                "ConditionCheck" => WriteAction::ConditionCheck(key()?),
                other => {
                    return Err(validation(format!(
                        "TransactItems member {other:?} is not one of ConditionCheck, Put, Update, Delete"
                    )));
                }
            };
            let options = write_options(spec)?;
            Ok(TransactWrite {
                table: table_name(spec)?.to_string(),
                action,
                condition: options.condition,
                placeholders: options.placeholders,
                return_old_on_failure: options.return_old_on_failure,
            })
        })
        .collect()
}

fn transact_gets(items: &Value) -> Result<Vec<TransactGet>, ApiError> {
    let list = items.as_array().ok_or_else(|| serialization("TransactItems must be a list"))?;
    list.iter()
        .map(|entry| {
            let spec = entry
                .get("Get")
                .and_then(Value::as_object)
                .ok_or_else(|| validation("TransactGetItems members must each hold a Get"))?;
            Ok(TransactGet {
                table: table_name(spec)?.to_string(),
                key: item_from_json(field(spec, "Key")?).map_err(error)?,
                projection: opt_str(spec, "ProjectionExpression")?.map(str::to_string),
                placeholders: placeholders(spec)?,
            })
        })
        .collect()
}

fn batch_writes(items: &Value) -> Result<Vec<(String, BatchWrite)>, ApiError> {
    let tables = items.as_object().ok_or_else(|| serialization("RequestItems must be a map"))?;
    let mut out = Vec::new();
    for (table, requests) in tables {
        for r in requests.as_array().ok_or_else(|| serialization("RequestItems values must be lists"))? {
            let put = r.get("PutRequest").and_then(|p| p.get("Item"));
            let delete = r.get("DeleteRequest").and_then(|d| d.get("Key"));
            let op = match (put, delete) {
                (Some(item), None) => BatchWrite::Put(item_from_json(item).map_err(error)?),
                (None, Some(key)) => BatchWrite::Delete(item_from_json(key).map_err(error)?),
                _ => {
                    return Err(validation(
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes: each WriteRequest needs exactly one of PutRequest or DeleteRequest",
                    ));
                }
            };
            out.push((table.clone(), op));
        }
    }
    Ok(out)
}

fn batch_gets(items: &Value) -> Result<Vec<BatchGet>, ApiError> {
    let tables = items.as_object().ok_or_else(|| serialization("RequestItems must be a map"))?;
    tables
        .iter()
        .map(|(table, spec)| {
            let spec = spec.as_object().ok_or_else(|| serialization("RequestItems values must be objects"))?;
            if spec.contains_key("AttributesToGet") {
                return Err(validation("AttributesToGet is not supported; use ProjectionExpression"));
            }
            let keys = field(spec, "Keys")?
                .as_array()
                .ok_or_else(|| serialization("Keys must be a list"))?
                .iter()
                .map(|k| item_from_json(k).map_err(error))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(BatchGet {
                table: table.clone(),
                keys,
                projection: opt_str(spec, "ProjectionExpression")?.map(str::to_string),
                placeholders: placeholders(spec)?,
            })
        })
        .collect()
}

fn create_table(input: &Map<String, Value>) -> Result<CreateTable, ApiError> {
    // Without it (or with Enabled: false) DynamoDB encrypts with a key of its own, nothing a
    // caller can check; a KMS key it can, and Squall stores tables unencrypted.
    let sse = input.get("SSESpecification");
    let asks_for_kms = |s: &Value| {
        s.get("Enabled").and_then(Value::as_bool) == Some(true)
            || ["SSEType", "KMSMasterKeyId"].iter().any(|k| s.get(*k).is_some_and(|v| !v.is_null()))
    };
    if sse.is_some_and(asks_for_kms) {
        return Err(validation(
            "SSESpecification: encryption with a KMS key is not supported by Squall (the table would be stored unencrypted); leave it out or set Enabled to false",
        ));
    }
    let key_schema = key_schema(field(input, "KeySchema")?)?;
    let attributes = attribute_definitions(field(input, "AttributeDefinitions")?)?;
    let mut indexes = Vec::new();
    for (member, global) in [("GlobalSecondaryIndexes", true), ("LocalSecondaryIndexes", false)] {
        if let Some(list) = input.get(member).filter(|v| !v.is_null()) {
            let list = list.as_array().ok_or_else(|| serialization(format!("{member} must be a list")))?;
            for i in list {
                indexes.push(create_index(i, global)?);
            }
        }
    }
    Ok(CreateTable {
        name: table_name(input)?.to_string(),
        key_schema,
        attributes,
        billing_mode: opt_str(input, "BillingMode")?.map(str::to_string),
        throughput: throughput(input)?,
        indexes,
        stream: stream_specification(input)?.flatten(),
        tags: match input.get("Tags").filter(|v| !v.is_null()) {
            Some(t) => tags(t)?,
            None => Vec::new(),
        },
    })
}

/// `Tags`: a list of `{Key, Value}`.
fn tags(v: &Value) -> Result<Vec<(String, String)>, ApiError> {
    members(v, "Tags")?.iter().map(|t| Ok((text(t, "Key")?, text(t, "Value")?))).collect()
}

/// The table a `ResourceArn` names (`arn:aws:dynamodb:<region>:<account>:table/<name>`).
fn table_of_arn(input: &Map<String, Value>) -> Result<&str, ApiError> {
    let arn = field(input, "ResourceArn")?.as_str().ok_or_else(|| serialization("ResourceArn must be a string"))?;
    arn.strip_prefix("arn:")
        .and_then(|r| r.split_once(":dynamodb:"))
        .and_then(|(_, r)| r.split_once(":table/"))
        .map(|(_, name)| name)
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .ok_or_else(|| validation(format!("Invalid TableArn: Invalid ResourceArn provided as input {arn}")))
}

/// `StreamSpecification`: `Some(Some(view))` enables a stream, `Some(None)` disables it.
fn stream_specification(input: &Map<String, Value>) -> Result<Option<Option<ViewType>>, ApiError> {
    let Some(spec) = input.get("StreamSpecification").filter(|v| !v.is_null()) else { return Ok(None) };
    let spec = spec.as_object().ok_or_else(|| serialization("StreamSpecification must be an object"))?;
    let enabled = opt_bool(spec, "StreamEnabled")?.ok_or_else(|| {
        validation("1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null")
    })?;
    match (enabled, opt_str(spec, "StreamViewType")?) {
        (true, Some(view)) => Ok(Some(Some(ViewType::parse(view).map_err(error)?))),
        (true, None) => Err(validation(
            "One or more parameter values were invalid: StreamViewType must be specified when StreamEnabled is true",
        )),
        (false, Some(_)) => Err(validation(
            "One or more parameter values were invalid: StreamViewType cannot be specified when StreamEnabled is false",
        )),
        (false, None) => Ok(Some(None)),
    }
}

fn throughput(input: &Map<String, Value>) -> Result<Option<(u64, u64)>, ApiError> {
    Ok(match input.get("ProvisionedThroughput").and_then(Value::as_object) {
        Some(p) => {
            Some((opt_u64(p, "ReadCapacityUnits")?.unwrap_or(0), opt_u64(p, "WriteCapacityUnits")?.unwrap_or(0)))
        }
        None => None,
    })
}

fn members(v: &Value, what: &str) -> Result<Vec<Map<String, Value>>, ApiError> {
    v.as_array()
        .ok_or_else(|| serialization(format!("{what} must be a list")))?
        .iter()
        .map(|e| e.as_object().cloned().ok_or_else(|| serialization(format!("{what} members must be objects"))))
        .collect()
}

fn text(m: &Map<String, Value>, k: &str) -> Result<String, ApiError> {
    m.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(|| serialization(format!("{k} must be a string")))
}

fn key_schema(v: &Value) -> Result<Vec<(String, String)>, ApiError> {
    members(v, "KeySchema")?.iter().map(|e| Ok((text(e, "AttributeName")?, text(e, "KeyType")?))).collect()
}

fn attribute_definitions(v: &Value) -> Result<Vec<KeyAttr>, ApiError> {
    members(v, "AttributeDefinitions")?
        .iter()
        .map(|e| {
            let kind = ScalarType::parse(&text(e, "AttributeType")?).map_err(error)?;
            Ok(KeyAttr { name: text(e, "AttributeName")?, kind })
        })
        .collect()
}

fn create_index(v: &Value, global: bool) -> Result<CreateIndex, ApiError> {
    let i = v.as_object().ok_or_else(|| serialization("an index must be an object"))?;
    let projection =
        field(i, "Projection")?.as_object().ok_or_else(|| serialization("Projection must be an object"))?;
    let non_key = match projection.get("NonKeyAttributes").and_then(Value::as_array) {
        Some(a) => a
            .iter()
            .map(|n| n.as_str().map(str::to_string).ok_or_else(|| serialization("NonKeyAttributes must be strings")))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(CreateIndex {
        name: text(i, "IndexName")?,
        key_schema: key_schema(field(i, "KeySchema")?)?,
        projection_type: opt_str(projection, "ProjectionType")?.unwrap_or("ALL").to_string(),
        non_key,
        global,
    })
}

fn update_table(input: &Map<String, Value>) -> Result<UpdateTable, ApiError> {
    let mut change = UpdateTable::default();
    if let Some(defs) = input.get("AttributeDefinitions").filter(|v| !v.is_null()) {
        change.attributes = attribute_definitions(defs)?;
    }
    change.billing = match (opt_str(input, "BillingMode")?, throughput(input)?) {
        (Some("PAY_PER_REQUEST"), _) => Some(Billing::PayPerRequest),
        (_, Some((read, write))) => Some(Billing::Provisioned { read, write }),
        (Some("PROVISIONED"), None) => {
            return Err(validation(
                "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED",
            ));
        }
        (Some(other), None) => {
            return Err(validation(format!("BillingMode {other:?} is not one of PROVISIONED, PAY_PER_REQUEST")));
        }
        (None, None) => None,
    };
    if let Some(updates) = input.get("GlobalSecondaryIndexUpdates").filter(|v| !v.is_null()) {
        for u in members(updates, "GlobalSecondaryIndexUpdates")? {
            if let Some(create) = u.get("Create") {
                change.create_indexes.push(create_index(create, true)?);
            } else if let Some(delete) = u.get("Delete").and_then(Value::as_object) {
                change.delete_indexes.push(text(delete, "IndexName")?);
            } else if !u.contains_key("Update") {
                return Err(validation("GlobalSecondaryIndexUpdates members need one of Create, Update, Delete"));
            }
            // `Update` changes capacity: accepted, there is nothing to meter.
        }
    }
    change.stream = stream_specification(input)?;
    for unsupported in ["ReplicaUpdates", "SSESpecification"] {
        if input.get(unsupported).is_some_and(|v| !v.is_null()) {
            return Err(validation(format!("{unsupported} is not supported yet")));
        }
    }
    Ok(change)
}

fn describe(state: &ApiState, s: &TableStatus) -> Value {
    let d = &s.def;
    let (mode, read, write) = match d.billing {
        Billing::PayPerRequest => ("PAY_PER_REQUEST", 0, 0),
        Billing::Provisioned { read, write } => ("PROVISIONED", read, write),
    };
    let mut out = json!({
        "TableName": d.name,
        "TableStatus": "ACTIVE",
        "TableId": d.id,
        "TableArn": format!("arn:aws:dynamodb:{}:{}:table/{}", state.region, squall_types::ACCOUNT_ID, d.name),
        "KeySchema": key_schema_json(&d.key),
        "AttributeDefinitions": d.attributes.iter().map(|a| json!({ "AttributeName": a.name, "AttributeType": a.kind.as_str() })).collect::<Vec<_>>(),
        "CreationDateTime": d.created_ms as f64 / 1000.0,
        "ItemCount": s.item_count,
        "TableSizeBytes": s.size_bytes,
        "ProvisionedThroughput": { "ReadCapacityUnits": read, "WriteCapacityUnits": write, "NumberOfDecreasesToday": 0 },
        "DeletionProtectionEnabled": false,
    });
    let index_json = |i: &IndexDef, stats: (u64, u64)| {
        let projection = match &i.projection {
            IndexProjection::All => json!({ "ProjectionType": "ALL" }),
            IndexProjection::KeysOnly => json!({ "ProjectionType": "KEYS_ONLY" }),
            IndexProjection::Include(n) => json!({ "ProjectionType": "INCLUDE", "NonKeyAttributes": n }),
        };
        let mut v = json!({
            "IndexName": i.name,
            "KeySchema": key_schema_json(&i.key),
            "Projection": projection,
            "IndexArn": format!("arn:aws:dynamodb:{}:{}:table/{}/index/{}", state.region, squall_types::ACCOUNT_ID, d.name, i.name),
            "ItemCount": stats.0,
            "IndexSizeBytes": stats.1,
        });
        if i.global {
            v["IndexStatus"] = "ACTIVE".into();
            v["ProvisionedThroughput"] =
                json!({ "ReadCapacityUnits": read, "WriteCapacityUnits": write, "NumberOfDecreasesToday": 0 });
        }
        v
    };
    for (global, member) in [(true, "GlobalSecondaryIndexes"), (false, "LocalSecondaryIndexes")] {
        let list: Vec<Value> = d
            .indexes
            .iter()
            .zip(s.index_stats.iter().copied().chain(std::iter::repeat((0, 0))))
            .filter(|(i, _)| i.global == global)
            .map(|(i, stats)| index_json(i, stats))
            .collect();
        if !list.is_empty() {
            out[member] = Value::Array(list);
        }
    }
    if let Some(latest) = d.streams.last() {
        out["LatestStreamLabel"] = latest.label.clone().into();
        out["LatestStreamArn"] = stream_arn(&state.region, squall_types::ACCOUNT_ID, &d.name, &latest.label).into();
    }
    if let Some(s) = d.stream() {
        out["StreamSpecification"] = json!({ "StreamEnabled": true, "StreamViewType": s.view.as_str() });
    }
    if mode == "PAY_PER_REQUEST" {
        out["BillingModeSummary"] =
            json!({ "BillingMode": mode, "LastUpdateToPayPerRequestDateTime": d.created_ms as f64 / 1000.0 });
    }
    out
}

fn attributes(item: Option<Item>) -> Value {
    match item {
        Some(i) => json!({ "Attributes": item_to_json(&i) }),
        None => json!({}),
    }
}

fn page_json(p: Page) -> Value {
    let mut out = json!({ "Count": p.count, "ScannedCount": p.scanned });
    if !p.items.is_empty() || p.count == 0 {
        out["Items"] = Value::Array(p.items.iter().map(item_to_json).collect());
    }
    if let Some(k) = p.last_key {
        out["LastEvaluatedKey"] = item_to_json(&k);
    }
    out
}
