//! DynamoDB Streams' JSON 1.0 protocol (`X-Amz-Target: DynamoDBStreams_20120810.<Op>`):
//! ListStreams, DescribeStream, GetShardIterator and GetRecords over the tables service.
//! Each stream has one shard; shard iterators are opaque tokens that carry the stream and
//! the position, and expire after 15 minutes as DynamoDB's do. Sequence numbers have gaps,
//! so an iterator behind the oldest record kept reads on from it (DynamoDB would answer
//! TrimmedDataAccessException).

use super::dynamodb::{error, field, key_schema_json, opt_str, opt_u64, serialization, validation};
use super::protocol::{Handler, Protocol, Recognition, Service, never};
use super::{ApiError, ApiRequest, ApiState};
use base64::Engine;
use http::StatusCode;
use serde_json::{Map, Value, json};
use squall_tables::stream::{Start, StreamDef, format_seq, parse_seq, parse_stream_arn, stream_arn};

/// The `X-Amz-Target` prefix of DynamoDB Streams operations.
pub static SERVICE: Service = Service {
    name: "dynamodb-streams",
    // botocore signs DynamoDB Streams for `dynamodb`.
    signing_name: Some("dynamodb"),
    protocol: Protocol::AwsJson10,
    recognition: Recognition::Target("DynamoDBStreams_20120810"),
    namespace: super::dynamodb::ERROR_NAMESPACE,
    query_code: None,
    unsigned: never,
    max_body: 1 << 20,
    handler: Handler::Buffered(|state, req, op| Box::pin(dispatch(state, req, op))),
};

/// How long a shard iterator stays valid.
const ITERATOR_TTL_MS: u64 = 15 * 60 * 1000;

type Reply = Result<Value, ApiError>;

pub(crate) async fn dispatch(
    state: &ApiState,
    req: &ApiRequest,
    op: &str,
) -> Result<http::Response<squall_runtime::Body>, ApiError> {
    let doc: Value = if req.body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&req.body).map_err(|e| serialization(format!("the request body is not JSON: {e}")))?
    };
    let input = doc.as_object().ok_or_else(|| serialization("the request body must be a JSON object"))?;
    req.authorize(state, "dynamodbstreams", op, || match op {
        // The iterator carries its stream.
        "GetRecords" => {
            let token = input.get("ShardIterator").and_then(Value::as_str).unwrap_or_default();
            Iterator::decode(token)
                .map(|it| stream_arn(&state.region, squall_types::ACCOUNT_ID, &it.table, &it.label))
                .into_iter()
                .collect()
        }
        _ => input.get("StreamArn").and_then(Value::as_str).map(str::to_string).into_iter().collect(),
    })?;
    let out = match op {
        "ListStreams" => list_streams(state, input)?,
        "DescribeStream" => describe_stream(state, input).await?,
        "GetShardIterator" => get_shard_iterator(state, input).await?,
        "GetRecords" => get_records(state, input).await?,
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                format!("Unknown operation {other}"),
            ));
        }
    };
    Ok(squall_api::json::json10(&out))
}

fn list_streams(state: &ApiState, input: &Map<String, Value>) -> Reply {
    let limit = opt_u64(input, "Limit")?.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return Err(validation(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100"
        )));
    }
    let streams = state.tables.list_streams(opt_str(input, "TableName")?).map_err(error)?;
    let arns: Vec<(String, String, String)> =
        streams.into_iter().map(|(t, s)| (arn(state, &t, &s), t, s.label)).collect();
    let start = opt_str(input, "ExclusiveStartStreamArn")?;
    let rest: Vec<_> = match start {
        Some(a) => arns.iter().skip_while(|(x, ..)| x != a).skip(1).collect(),
        None => arns.iter().collect(),
    };
    let page: Vec<Value> = rest
        .iter()
        .take(limit as usize)
        .map(|(a, t, l)| json!({ "StreamArn": a, "TableName": t, "StreamLabel": l }))
        .collect();
    let mut out = json!({ "Streams": page });
    if rest.len() > limit as usize {
        out["LastEvaluatedStreamArn"] = rest[limit as usize - 1].0.clone().into();
    }
    Ok(out)
}

fn arn(state: &ApiState, table: &str, s: &StreamDef) -> String {
    stream_arn(&state.region, squall_types::ACCOUNT_ID, table, &s.label)
}

fn shard_id(s: &StreamDef) -> String {
    s.shard_id()
}

fn stream_of(input: &Map<String, Value>) -> Result<(&str, &str), ApiError> {
    let arn = field(input, "StreamArn")?.as_str().ok_or_else(|| serialization("StreamArn must be a string"))?;
    parse_stream_arn(arn).ok_or_else(|| validation(format!("Invalid StreamArn: {arn}")))
}

async fn describe_stream(state: &ApiState, input: &Map<String, Value>) -> Reply {
    let (table, label) = stream_of(input)?;
    let s = state.tables.describe_stream(table, label).await.map_err(error)?;
    let mut range = json!({ "StartingSequenceNumber": format_seq(s.first_seq.or(s.last_seq).unwrap_or(1)) });
    if !s.stream.enabled() {
        range["EndingSequenceNumber"] = format_seq(s.last_seq.unwrap_or(0)).into();
    }
    let shards = match opt_str(input, "ExclusiveStartShardId")? {
        Some(_) => vec![],
        None => vec![json!({ "ShardId": shard_id(&s.stream), "SequenceNumberRange": range })],
    };
    Ok(json!({ "StreamDescription": {
        "StreamArn": arn(state, table, &s.stream),
        "StreamLabel": s.stream.label,
        "StreamStatus": if s.stream.enabled() { "ENABLED" } else { "DISABLED" },
        "StreamViewType": s.stream.view.as_str(),
        "CreationRequestDateTime": s.stream.created_ms as f64 / 1000.0,
        "TableName": s.table,
        "KeySchema": key_schema_json(&s.def.key),
        "Shards": shards,
    }}))
}

/// What a shard iterator carries.
struct Iterator {
    table: String,
    label: String,
    after: u64,
    issued_ms: u64,
}

impl Iterator {
    fn encode(&self) -> String {
        let raw = format!("v1|{}|{}|{}|{}", self.issued_ms, self.after, self.label, self.table);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    fn decode(token: &str) -> Result<Iterator, ApiError> {
        let invalid = || validation("Invalid ShardIterator");
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let raw = String::from_utf8(raw).map_err(|_| invalid())?;
        let mut parts = raw.splitn(5, '|');
        let (Some("v1"), Some(issued), Some(after), Some(label), Some(table)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        Ok(Iterator {
            table: table.to_string(),
            label: label.to_string(),
            after: after.parse().map_err(|_| invalid())?,
            issued_ms: issued.parse().map_err(|_| invalid())?,
        })
    }
}

async fn get_shard_iterator(state: &ApiState, input: &Map<String, Value>) -> Reply {
    let (table, label) = stream_of(input)?;
    let shard = field(input, "ShardId")?.as_str().ok_or_else(|| serialization("ShardId must be a string"))?;
    let kind = field(input, "ShardIteratorType")?
        .as_str()
        .ok_or_else(|| serialization("ShardIteratorType must be a string"))?;
    let seq = || -> Result<u64, ApiError> {
        let s = opt_str(input, "SequenceNumber")?
            .ok_or_else(|| validation(format!("SequenceNumber is required for ShardIteratorType {kind}")))?;
        parse_seq(s).ok_or_else(|| validation(format!("Invalid SequenceNumber: {s}")))
    };
    let start = match kind {
        "TRIM_HORIZON" => Start::TrimHorizon,
        "LATEST" => Start::Latest,
        "AT_SEQUENCE_NUMBER" => Start::At(seq()?),
        "AFTER_SEQUENCE_NUMBER" => Start::After(seq()?),
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
            )));
        }
    };
    let s = state.tables.describe_stream(table, label).await.map_err(error)?;
    if shard != shard_id(&s.stream) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            format!("Requested resource not found: Shard does not exist: {shard}"),
        ));
    }
    let after = state.tables.stream_position(table, label, start).await.map_err(error)?;
    let it = Iterator { table: table.into(), label: label.into(), after, issued_ms: state.tables.clock().now_ms() };
    Ok(json!({ "ShardIterator": it.encode() }))
}

async fn get_records(state: &ApiState, input: &Map<String, Value>) -> Reply {
    let token =
        field(input, "ShardIterator")?.as_str().ok_or_else(|| serialization("ShardIterator must be a string"))?;
    let limit = opt_u64(input, "Limit")?.unwrap_or(1000);
    if !(1..=1000).contains(&limit) {
        return Err(validation(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000"
        )));
    }
    let it = Iterator::decode(token)?;
    let now = state.tables.clock().now_ms();
    if now.saturating_sub(it.issued_ms) > ITERATOR_TTL_MS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ExpiredIteratorException",
            "Iterator expired. The iterator was created more than 15 minutes ago.",
        ));
    }
    let s = state.tables.describe_stream(&it.table, &it.label).await.map_err(error)?;
    let records = state.tables.read_stream(&it.table, &it.label, it.after, limit as usize).await.map_err(error)?;
    let after = records.last().map_or(it.after, |r| r.seq);
    let mut out = json!({
        "Records": records.iter().map(|r| r.to_json(&state.region, &s.def.id)).collect::<Vec<_>>(),
    });
    // A disabled stream's shard is closed: once read to its end there is no next iterator.
    let closed = !s.stream.enabled() && s.last_seq.is_none_or(|last| after >= last);
    if !closed {
        let next = Iterator { after, issued_ms: now, ..it };
        out["NextShardIterator"] = next.encode().into();
    }
    Ok(out)
}
