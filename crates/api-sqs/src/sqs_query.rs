//! SQS's query protocol, what SDKs spoke to SQS before its JSON protocol (boto3 before
//! 1.34, the Java SDK v1, the Go SDK v1 until late 2023) and what hand-written clients
//! send: form-encoded `Action=<Op>&Version=2012-11-05&…` POSTed to `/` or to a queue's URL,
//! or a GET's query string; XML answers.
//!
//! A request is this protocol's when it is signed for `sqs` and has no `X-Amz-Target`. The
//! adapter only translates: the flattened parameters become the operation's JSON input
//! document (`Attribute.N.Name`/`.Value` → `Attributes`, `AttributeName.N` →
//! `AttributeNames`, `MessageAttribute.N.Name`/`.Value.*` → `MessageAttributes`,
//! `<Op>RequestEntry.N.*` → `Entries`, numbers as numbers, …), the JSON adapter runs it
//! (`sqs::call`), and its JSON output is written as the query protocol's flattened XML.

use super::protocol::{Handler, Protocol, Recognition, Service, never};
use super::query::{Params, Xml, escape, response};
use super::sqs::{call, query_code, queue_base};
use super::{ApiError, ApiRequest, ApiState};
use http::{HeaderValue, StatusCode};
use serde_json::{Map, Value};
use squall_runtime::{Body, full_body};
use std::collections::BTreeMap;

/// The XML namespace of SQS's documents.
pub(crate) const NAMESPACE: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

/// Parameters that are numbers in the JSON input.
const NUMBERS: [&str; 5] =
    ["DelaySeconds", "MaxNumberOfMessages", "MaxResults", "VisibilityTimeout", "WaitTimeSeconds"];

/// Flattened lists (`Name.N`) and the JSON member each becomes. `MessageSystemAttributeNames`
/// came after SQS's move to JSON and has no query name of its own: a query serializer
/// working from today's model sends `MessageSystemAttributeNames.N`.
const LISTS: [(&str, &str); 5] = [
    ("AttributeName", "AttributeNames"),
    ("MessageAttributeName", "MessageAttributeNames"),
    ("MessageSystemAttributeName", "MessageSystemAttributeNames"),
    ("MessageSystemAttributeNames", "MessageSystemAttributeNames"),
    ("TagKey", "TagKeys"),
];

/// Lists and maps of the JSON input: the query protocol writes an empty one as `Name=`.
const COLLECTIONS: [&str; 9] = [
    "Attributes",
    "AttributeNames",
    "Entries",
    "MessageAttributeNames",
    "MessageAttributes",
    "MessageSystemAttributeNames",
    "MessageSystemAttributes",
    "TagKeys",
    "Tags",
];

/// Operations that answer nothing: their responses have no `<OpResult>`.
const NO_RESULT: [&str; 7] = [
    "ChangeMessageVisibility",
    "DeleteMessage",
    "DeleteQueue",
    "PurgeQueue",
    "SetQueueAttributes",
    "TagQueue",
    "UntagQueue",
];

/// The order SQS writes a structure's members in (others follow, by name).
const ORDER: [&str; 23] = [
    "Messages",
    "Successful",
    "Failed",
    "Id",
    "QueueUrl",
    "QueueUrls",
    "queueUrls",
    "MessageId",
    "ReceiptHandle",
    "MD5OfBody",
    "Body",
    "Attributes",
    "MD5OfMessageBody",
    "MD5OfMessageAttributes",
    "MD5OfMessageSystemAttributes",
    "MessageAttributes",
    "SequenceNumber",
    "SenderFault",
    "Code",
    "Message",
    "StringValue",
    "BinaryValue",
    "DataType",
];

/// SQS's query protocol: a request signed for `sqs` without an `X-Amz-Target`, POSTed to
/// `/` or to a queue's URL, or a GET with its parameters in the query string.
pub static SERVICE: Service = Service {
    name: "sqs-query",
    signing_name: Some("sqs"),
    protocol: Protocol::Query,
    recognition: Recognition::Signature,
    namespace: NAMESPACE,
    query_code: Some(query_code),
    unsigned: never,
    max_body: super::sqs::MAX_REQUEST,
    handler: Handler::Buffered(|state, req, _| Box::pin(dispatch(state, req))),
};

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// The query protocol's parameters (`Params`, shared with SNS) read as SQS's JSON input
/// document.
struct Form(Params);

impl std::ops::Deref for Form {
    type Target = Params;
    fn deref(&self) -> &Params {
        &self.0
    }
}

impl Form {
    /// A flattened map of strings (`base.N.<key>` / `base.N.<value>`; also the unnumbered
    /// `base.<key>` of old clients).
    fn pairs(&self, base: &str, key: &str, value: &str) -> Result<Map<String, Value>, ApiError> {
        let mut out = Map::new();
        for m in std::iter::once(base.to_string()).chain(self.numbered(base)) {
            let v = self.get(&format!("{m}.{value}"));
            match self.get(&format!("{m}.{key}")) {
                Some(k) => {
                    out.insert(k.to_string(), v.unwrap_or("").into());
                }
                None if v.is_some() => return Err(missing(&format!("{m}.{key}"))),
                None => {}
            }
        }
        Ok(out)
    }

    /// Message attributes (`base.N.Name`, `base.N.Value.DataType`, `.StringValue`,
    /// `.BinaryValue` in base64, `.StringListValue.M`, `.BinaryListValue.M`).
    fn json_message_attributes(&self, base: &str) -> Result<Map<String, Value>, ApiError> {
        let mut out = Map::new();
        for m in self.numbered(base) {
            let name = self.get(&format!("{m}.Name")).ok_or_else(|| missing(&format!("{m}.Name")))?;
            let mut value = Map::new();
            for field in ["DataType", "StringValue", "BinaryValue"] {
                if let Some(v) = self.get(&format!("{m}.Value.{field}")) {
                    value.insert(field.into(), v.into());
                }
            }
            // Unsupported, so refused by the JSON adapter; every spelling of them counts.
            for field in ["StringListValue", "BinaryListValue"] {
                let items: Vec<Value> =
                    self.under(&format!("{m}.Value.{field}")).map(|(_, v)| Value::from(v)).collect();
                if !items.is_empty() {
                    value.insert(format!("{field}s"), items.into());
                }
            }
            out.insert(name.to_string(), Value::Object(value));
        }
        Ok(out)
    }

    /// The JSON input of the structure whose parameters start with `prefix` (`""` for the
    /// request, `SendMessageBatchRequestEntry.N.` for a batch entry).
    fn structure(&self, prefix: &str) -> Result<Map<String, Value>, ApiError> {
        let mut out = Map::new();
        for (name, v) in self.under(prefix) {
            let empty_collection = v.is_empty() && COLLECTIONS.iter().any(|c| c.eq_ignore_ascii_case(name));
            if name.contains('.') || name == "Action" || name == "Version" || empty_collection {
                continue;
            }
            let v = if NUMBERS.contains(&name) {
                let n: i64 = v.trim().parse().map_err(|_| {
                    bad(
                        "InvalidParameterValue",
                        format!("Value {v} for parameter {prefix}{name} is invalid. Reason: must be an integer."),
                    )
                })?;
                Value::from(n)
            } else {
                Value::from(v)
            };
            out.insert(name.to_string(), v);
        }
        let mut lists: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for (flat, member) in LISTS {
            let items = lists.entry(member).or_default();
            // `AttributeName=All` (unnumbered, as old clients send it) comes first.
            items.extend(out.remove(flat));
            let numbered = self.numbered(&format!("{prefix}{flat}"));
            items.extend(numbered.iter().filter_map(|p| self.get(p)).map(Value::from));
        }
        for (member, items) in lists {
            if !items.is_empty() {
                out.insert(member.into(), items.into());
            }
        }
        let maps = [
            ("Attributes", self.pairs(&format!("{prefix}Attribute"), "Name", "Value")?),
            ("Tags", self.pairs(&format!("{prefix}Tag"), "Key", "Value")?),
            ("MessageAttributes", self.json_message_attributes(&format!("{prefix}MessageAttribute"))?),
            ("MessageSystemAttributes", self.json_message_attributes(&format!("{prefix}MessageSystemAttribute"))?),
        ];
        for (member, map) in maps {
            if !map.is_empty() {
                out.insert(member.into(), Value::Object(map));
            }
        }
        Ok(out)
    }
}

fn missing(name: &str) -> ApiError {
    bad("MissingParameter", format!("The request must contain the parameter {name}."))
}

/// The JSON input document of `action` from its form parameters; `path` is the URL's path,
/// which names the queue when the request was sent to the queue's URL.
fn json_input(form: &Form, action: &str, path: &str) -> Result<Map<String, Value>, ApiError> {
    let mut input = form.structure("")?;
    let entries = form
        .numbered(&format!("{action}RequestEntry"))
        .iter()
        .map(|m| form.structure(&format!("{m}.")).map(Value::Object))
        .collect::<Result<Vec<_>, _>>()?;
    if !entries.is_empty() {
        input.insert("Entries".into(), entries.into());
    }
    if action == "CreateQueue"
        && let Some(tags) = input.remove("Tags")
    {
        input.insert("tags".into(), tags);
    }
    if !input.contains_key("QueueUrl") && !path.trim_matches('/').is_empty() {
        input.insert("QueueUrl".into(), path.into());
    }
    Ok(input)
}

type Reply = Result<http::Response<Body>, ApiError>;

/// A request in SQS's query protocol.
pub(crate) async fn dispatch(state: &ApiState, req: &ApiRequest) -> Reply {
    let form = Form(Params::parse(req.uri.query(), &req.body));
    let action = form
        .get("Action")
        .ok_or_else(|| bad("MissingAction", "The request is missing an action or a required parameter."))?;
    let input = json_input(&form, action, req.uri.path())?;
    let out = call(state, req, &queue_base(req), action, &input).await?;
    let rid = req.request_id.as_str();
    if NO_RESULT.contains(&action) {
        return Ok(bare_response(action, rid));
    }
    let empty = Map::new();
    let out = out.as_object().unwrap_or(&empty);
    Ok(response(NAMESPACE, action, rid, |x| members(x, action, out)))
}

/// `<OpResponse>` with only its `<ResponseMetadata>`.
fn bare_response(op: &str, request_id: &str) -> http::Response<Body> {
    let doc = format!(
        r#"<?xml version="1.0"?><{op}Response xmlns="{NAMESPACE}"><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{op}Response>"#,
        escape(request_id)
    );
    let mut r = http::Response::new(full_body(doc));
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    r
}

/// Writes the members of a JSON output structure as the query protocol's XML: lists and
/// maps flattened into repeated elements named after one member.
fn members(x: &mut Xml, op: &str, obj: &Map<String, Value>) {
    let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
    let mut keys: Vec<&String> = obj.keys().collect();
    keys.sort_by_key(|k| (rank(k), *k));
    for key in keys {
        let v = &obj[key];
        match key.as_str() {
            "QueueUrls" | "queueUrls" => {
                for url in v.as_array().into_iter().flatten() {
                    x.elem("QueueUrl", &scalar(url));
                }
            }
            "Attributes" => pairs(x, v, "Attribute", "Name", "Value"),
            "Tags" => pairs(x, v, "Tag", "Key", "Value"),
            "Messages" => each(x, v, "Message", op),
            "Successful" => each(x, v, &format!("{op}ResultEntry"), op),
            "Failed" => each(x, v, "BatchResultErrorEntry", op),
            // ListMessageMoveTasks: its entries are flattened as `<Result>`.
            "Results" => each(x, v, "Result", op),
            "MessageAttributes" => {
                for (name, value) in v.as_object().into_iter().flatten() {
                    x.nest("MessageAttribute", |a| {
                        a.elem("Name", name);
                        if let Some(value) = value.as_object() {
                            a.nest("Value", |a| members(a, op, value));
                        }
                    });
                }
            }
            _ => match v {
                Value::Object(m) => {
                    x.nest(key, |x| members(x, op, m));
                }
                Value::Array(items) => {
                    for item in items {
                        x.elem(key, &scalar(item));
                    }
                }
                Value::Null => {}
                v => {
                    x.elem(key, &scalar(v));
                }
            },
        }
    }
}

/// A map of strings as repeated `<elem><key>…</key><value>…</value></elem>`.
fn pairs(x: &mut Xml, map: &Value, elem: &str, key: &str, value: &str) {
    for (k, v) in map.as_object().into_iter().flatten() {
        x.nest(elem, |p| {
            p.elem(key, k).elem(value, &scalar(v));
        });
    }
}

/// A list of structures as repeated `<elem>`.
fn each(x: &mut Xml, list: &Value, elem: &str, op: &str) {
    for item in list.as_array().into_iter().flatten() {
        if let Some(m) = item.as_object() {
            x.nest(elem, |x| members(x, op, m));
        }
    }
}

/// A JSON scalar as XML text.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(body: &str) -> Form {
        Form(Params::parse(None, body.as_bytes()))
    }

    #[test]
    fn flattened_parameters_become_the_json_input() {
        let f = form(
            "Action=CreateQueue&Version=2012-11-05&QueueName=q&Attribute.2.Name=DelaySeconds&Attribute.2.Value=5\
             &Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=60&Tag.1.Key=team&Tag.1.Value=shop",
        );
        let input = json_input(&f, "CreateQueue", "/").unwrap();
        assert_eq!(
            Value::Object(input),
            json!({
                "QueueName": "q",
                "Attributes": { "DelaySeconds": "5", "VisibilityTimeout": "60" },
                "tags": { "team": "shop" },
            })
        );
    }

    #[test]
    fn lists_numbers_and_message_attributes_translate() {
        let f = form(
            "Action=ReceiveMessage&AttributeName=SentTimestamp&AttributeName.2=All&AttributeName.10=SenderId\
             &MessageAttributeName.1=All&MaxNumberOfMessages=10&WaitTimeSeconds=1\
             &MessageSystemAttributeName.1=SentTimestamp&MessageSystemAttributeNames.1=SenderId",
        );
        let input = json_input(&f, "ReceiveMessage", "/000000000000/jobs").unwrap();
        assert_eq!(
            Value::Object(input),
            json!({
                "AttributeNames": ["SentTimestamp", "All", "SenderId"],
                "MessageAttributeNames": ["All"],
                "MessageSystemAttributeNames": ["SentTimestamp", "SenderId"],
                "MaxNumberOfMessages": 10,
                "WaitTimeSeconds": 1,
                "QueueUrl": "/000000000000/jobs",
            })
        );
        let f = form(
            "Action=SendMessage&QueueUrl=http%3A%2F%2Fh%2F0%2Fq&MessageBody=hi&DelaySeconds=2\
             &MessageAttribute.1.Name=n&MessageAttribute.1.Value.DataType=Number&MessageAttribute.1.Value.StringValue=5\
             &MessageAttribute.2.Name=b&MessageAttribute.2.Value.DataType=Binary&MessageAttribute.2.Value.BinaryValue=AQI%3D",
        );
        let input = json_input(&f, "SendMessage", "/000000000000/other").unwrap();
        assert_eq!(input["QueueUrl"], "http://h/0/q");
        assert_eq!(input["DelaySeconds"], 2);
        assert_eq!(
            input["MessageAttributes"],
            json!({
                "n": { "DataType": "Number", "StringValue": "5" },
                "b": { "DataType": "Binary", "BinaryValue": "AQI=" },
            })
        );
        let f = form("Action=SendMessageBatch&QueueUrl=q&Entries=&AttributeNames=");
        assert_eq!(Value::Object(json_input(&f, "SendMessageBatch", "/").unwrap()), json!({ "QueueUrl": "q" }));
        let bad = input_err("Action=ReceiveMessage&MaxNumberOfMessages=ten");
        assert_eq!(bad.code, "InvalidParameterValue");
        let bad = input_err("Action=SendMessage&MessageAttribute.1.Value.DataType=String");
        assert_eq!(bad.code, "MissingParameter");
    }

    fn input_err(body: &str) -> ApiError {
        let f = form(body);
        json_input(&f, f.get("Action").unwrap(), "/").unwrap_err()
    }

    #[test]
    fn batch_entries_translate_in_numeric_order() {
        let f = form(
            "Action=SendMessageBatch&SendMessageBatchRequestEntry.10.Id=b&SendMessageBatchRequestEntry.10.MessageBody=2\
             &SendMessageBatchRequestEntry.2.Id=a&SendMessageBatchRequestEntry.2.MessageBody=1\
             &SendMessageBatchRequestEntry.2.DelaySeconds=3\
             &SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=k\
             &SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=String\
             &SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=v",
        );
        let input = json_input(&f, "SendMessageBatch", "/").unwrap();
        assert_eq!(
            input["Entries"],
            json!([
                { "Id": "a", "MessageBody": "1", "DelaySeconds": 3,
                  "MessageAttributes": { "k": { "DataType": "String", "StringValue": "v" } } },
                { "Id": "b", "MessageBody": "2" },
            ])
        );
    }

    async fn xml(op: &str, out: Value) -> String {
        let r = response(NAMESPACE, op, "rid", |x| members(x, op, out.as_object().unwrap()));
        let body = squall_runtime::collect_body(r.into_body(), 1 << 20).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        let start = body.find(&format!("<{op}Result>")).unwrap();
        let end = body.find("<ResponseMetadata>").unwrap();
        body[start..end].to_string()
    }

    #[tokio::test]
    async fn outputs_are_written_as_flattened_xml() {
        let got = xml(
            "ReceiveMessage",
            json!({ "Messages": [{
                "MessageId": "m", "ReceiptHandle": "r", "MD5OfBody": "d", "Body": "a<b",
                "Attributes": { "SentTimestamp": "1" },
                "MD5OfMessageAttributes": "e",
                "MessageAttributes": { "k": { "DataType": "Binary", "BinaryValue": "AQI=" } },
            }]}),
        )
        .await;
        assert_eq!(
            got,
            "<ReceiveMessageResult><Message><MessageId>m</MessageId><ReceiptHandle>r</ReceiptHandle>\
             <MD5OfBody>d</MD5OfBody><Body>a&lt;b</Body><Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>\
             <MD5OfMessageAttributes>e</MD5OfMessageAttributes><MessageAttribute><Name>k</Name><Value>\
             <BinaryValue>AQI=</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute></Message>\
             </ReceiveMessageResult>"
        );
        let got = xml(
            "DeleteMessageBatch",
            json!({ "Successful": [{ "Id": "a" }],
                    "Failed": [{ "Id": "b", "SenderFault": true, "Code": "ReceiptHandleIsInvalid", "Message": "no" }] }),
       ).await;
        assert_eq!(
            got,
            "<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id></DeleteMessageBatchResultEntry>\
             <BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>ReceiptHandleIsInvalid</Code>\
             <Message>no</Message></BatchResultErrorEntry></DeleteMessageBatchResult>"
        );
        let got = xml("ListQueues", json!({ "QueueUrls": ["u1", "u2"], "NextToken": "t" })).await;
        assert_eq!(
            got,
            "<ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl><NextToken>t</NextToken></ListQueuesResult>"
        );
        let got = xml("ListQueueTags", json!({ "Tags": { "a": "1" } })).await;
        assert_eq!(got, "<ListQueueTagsResult><Tag><Key>a</Key><Value>1</Value></Tag></ListQueueTagsResult>");
    }
}
