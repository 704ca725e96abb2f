//! SNS's query protocol (what every SDK speaks to SNS) over the topics service.
//!
//! A request is SNS's when its signature's credential scope names `sns`; the links SNS
//! puts in messages (`SubscribeURL`, `UnsubscribeURL`) arrive unsigned as `GET
//! /?Action=ConfirmSubscription…` or `…Unsubscribe…`, authorized by the secret token or
//! the unguessable subscription ARN they carry, as on AWS.

use super::protocol::{Handler, Protocol, Recognition, Service};
use super::query::{Params, Xml, response};
use super::{ApiError, ApiRequest, ApiState};
use http::StatusCode;
use squall_runtime::Body;
use squall_topics::Error as E;
use squall_topics::message::Publish;
use squall_topics::service::{Subscribe, SubscriptionInfo};

/// The XML namespace of SNS's documents.
const NAMESPACE: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

/// SNS: the query protocol, signed for `sns`; and its unsigned links.
pub static SERVICE: Service = Service {
    name: "sns",
    signing_name: Some("sns"),
    protocol: Protocol::Query,
    recognition: Recognition::Signature,
    namespace: NAMESPACE,
    query_code: None,
    unsigned: is_link,
    // Ten messages of 256 KB, form-encoded.
    max_body: 8 << 20,
    handler: Handler::Buffered(|state, req, _| Box::pin(serve(state, req))),
};

/// A signed request, or one of the links.
async fn serve(state: &ApiState, req: &ApiRequest) -> Reply {
    // Signed requests have a caller; SNS's links come unsigned.
    if req.caller.is_some() {
        dispatch(state, req).await
    } else {
        follow_link(state, &req.uri, req.request_id.as_str()).await
    }
}

/// `GET /?Action=ConfirmSubscription…` or `…Unsubscribe…`: a link SNS sent.
pub(crate) fn is_link(method: &http::Method, uri: &http::Uri) -> bool {
    method == http::Method::GET
        && uri.path() == "/"
        && form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .any(|(k, v)| k == "Action" && (v == "ConfirmSubscription" || v == "Unsubscribe"))
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

fn error(e: squall_topics::Error) -> ApiError {
    let code = match &e {
        E::NotFound(_) => return ApiError::new(StatusCode::NOT_FOUND, "NotFound", e.to_string()),
        E::InvalidParameter(_) => "InvalidParameter",
        E::InvalidParameterValue(_) => "ParameterValueInvalid",
        E::TooManyEntriesInBatchRequest => "TooManyEntriesInBatchRequest",
        E::EmptyBatchRequest => "EmptyBatchRequest",
        E::BatchEntryIdsNotDistinct => "BatchEntryIdsNotDistinct",
        E::InvalidBatchEntryId => "InvalidBatchEntryId",
        E::BatchRequestTooLong => "BatchRequestTooLong",
        E::TagLimitExceeded => "TagLimitExceeded",
        other => {
            tracing::error!(error = %other, "topics: internal error");
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "Internal error");
        }
    };
    bad(code, e.to_string())
}

/// Tag operations name a missing topic with their own code.
fn tag_error(e: squall_topics::Error) -> ApiError {
    match e {
        E::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFound", "Resource does not exist"),
        other => error(other),
    }
}

type Reply = Result<http::Response<Body>, ApiError>;

/// One of SNS's unsigned links.
async fn follow_link(state: &ApiState, uri: &http::Uri, request_id: &str) -> Reply {
    let p = Params::parse(uri.query(), b"");
    run(state, &p, p.get("Action").unwrap_or(""), request_id, &squall_types::TraceContext::new_root(), None).await
}

/// A signed SNS request.
async fn dispatch(state: &ApiState, req: &ApiRequest) -> Reply {
    let p = Params::parse(req.uri.query(), &req.body);
    let action = p.required("Action", "MissingAction")?.to_string();
    // A topic's own policy may grant what the caller's identity policies do not.
    let topic = p.get("TopicArn").filter(|_| action != "CreateTopic");
    let policy_doc = topic.and_then(|t| state.topics.policy(t));
    let policy = match (topic, policy_doc.as_deref()) {
        (Some(arn), Some(document)) => Some(squall_api::authorize::ResourcePolicy { arn, document }),
        _ => None,
    };
    let mut keys = squall_api::request_keys::of_query(&p);
    if action == "Subscribe" {
        for (param, key) in [("Protocol", "sns:Protocol"), ("Endpoint", "sns:Endpoint")] {
            if let Some(v) = p.get(param) {
                keys.set(key, v);
            }
        }
    }
    let caller = req.who().with_keys(&keys);
    squall_api::authorize::authorize_under(state, caller, "sns", &action, policy, || {
        let named = match action.as_str() {
            "CreateTopic" => {
                p.get("Name").map(|n| format!("arn:aws:sns:{}:{}:{n}", state.region, squall_types::ACCOUNT_ID))
            }
            "TagResource" | "UntagResource" | "ListTagsForResource" => p.get("ResourceArn").map(str::to_string),
            "Publish" => p.get("TopicArn").or(p.get("TargetArn")).map(str::to_string),
            _ => p.get("TopicArn").map(str::to_string),
        };
        named.into_iter().collect()
    })?;
    let xray = req.header("x-amzn-trace-id").filter(|h| !h.is_empty());
    run(state, &p, &action, req.request_id.as_str(), &req.trace, xray).await
}

/// Runs `action`; `xray` is the request's X-Ray trace header, which a publish passes on.
async fn run(
    state: &ApiState,
    p: &Params,
    action: &str,
    rid: &str,
    trace: &squall_types::TraceContext,
    xray: Option<&str>,
) -> Reply {
    let t = &state.topics;
    let req = |name: &str| p.required(name, "InvalidParameter");
    let ok = |op: &str, result: &dyn Fn(&mut Xml)| Ok(response(NAMESPACE, op, rid, result));
    match action {
        "CreateTopic" => {
            if p.get("DataProtectionPolicy").is_some() {
                return Err(bad("InvalidParameter", "Invalid parameter: DataProtectionPolicy is not supported yet"));
            }
            let arn = t.create_topic(req("Name")?, p.map("Attributes"), p.tags("Tags")).await.map_err(error)?;
            ok(action, &|x| {
                x.elem("TopicArn", &arn);
            })
        }
        "ListTopics" => {
            let (arns, next) = t.list_topics(p.get("NextToken")).map_err(error)?;
            ok(action, &|x| {
                x.nest("Topics", |x| {
                    for arn in &arns {
                        x.nest("member", |m| {
                            m.elem("TopicArn", arn);
                        });
                    }
                });
                if let Some(n) = &next {
                    x.elem("NextToken", n);
                }
            })
        }
        "DeleteTopic" => {
            t.delete_topic(req("TopicArn")?).await.map_err(error)?;
            ok(action, &|_| {})
        }
        "GetTopicAttributes" => {
            let attrs = t.topic_attributes(req("TopicArn")?).map_err(error)?;
            ok(action, &|x| {
                x.nest("Attributes", |x| {
                    x.entries(&attrs);
                });
            })
        }
        "SetTopicAttributes" => {
            let value = p.get("AttributeValue").unwrap_or("");
            t.set_topic_attribute(req("TopicArn")?, req("AttributeName")?, value).await.map_err(error)?;
            ok(action, &|_| {})
        }
        "Subscribe" => {
            let topic = req("TopicArn")?;
            let s = Subscribe {
                protocol: req("Protocol")?.to_string(),
                endpoint: p.get("Endpoint").unwrap_or("").to_string(),
                attributes: p.map("Attributes"),
            };
            let (protocol, endpoint) = (s.protocol.clone(), s.endpoint.clone());
            let info = t.subscribe(topic, s).await.map_err(error)?;
            let arn = if p.get("ReturnSubscriptionArn") == Some("true") {
                t.subscription_arn(topic, &protocol, &endpoint).unwrap_or(info.arn)
            } else if info.arn == "PendingConfirmation" {
                // What Subscribe says (listings say PendingConfirmation).
                "pending confirmation".to_string()
            } else {
                info.arn
            };
            ok(action, &|x| {
                x.elem("SubscriptionArn", &arn);
            })
        }
        "ConfirmSubscription" => {
            let arn = t.confirm(req("TopicArn")?, req("Token")?).await.map_err(error)?;
            ok(action, &|x| {
                x.elem("SubscriptionArn", &arn);
            })
        }
        "Unsubscribe" => {
            t.unsubscribe(req("SubscriptionArn")?).await.map_err(error)?;
            ok(action, &|_| {})
        }
        "ListSubscriptions" | "ListSubscriptionsByTopic" => {
            let topic = if action == "ListSubscriptionsByTopic" { Some(req("TopicArn")?) } else { None };
            let (subs, next) = t.list_subscriptions(topic, p.get("NextToken")).map_err(error)?;
            ok(action, &|x| {
                x.nest("Subscriptions", |x| {
                    for s in &subs {
                        x.nest("member", |m| subscription(m, s));
                    }
                });
                if let Some(n) = &next {
                    x.elem("NextToken", n);
                }
            })
        }
        "GetSubscriptionAttributes" => {
            let attrs = t.subscription_attributes(req("SubscriptionArn")?).map_err(error)?;
            ok(action, &|x| {
                x.nest("Attributes", |x| {
                    x.entries(&attrs);
                });
            })
        }
        "SetSubscriptionAttributes" => {
            let value = p.get("AttributeValue").unwrap_or("");
            t.set_subscription_attribute(req("SubscriptionArn")?, req("AttributeName")?, value).await.map_err(error)?;
            ok(action, &|_| {})
        }
        "Publish" => {
            if p.get("PhoneNumber").is_some() {
                return Err(bad("InvalidParameter", "Invalid parameter: PhoneNumber: SMS is not supported yet"));
            }
            let topic = p.get("TopicArn").or(p.get("TargetArn")).ok_or_else(|| {
                bad(
                    "InvalidParameter",
                    "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter",
                )
            })?;
            let message = publish_input(p, "", xray)?;
            let published = t.publish(topic, message, trace).await.map_err(error)?;
            ok(action, &|x| {
                x.elem("MessageId", &published.id);
                if let Some(n) = &published.sequence_number {
                    x.elem("SequenceNumber", n);
                }
            })
        }
        "PublishBatch" => {
            let topic = req("TopicArn")?;
            let mut entries = Vec::new();
            for m in p.members("PublishBatchRequestEntries") {
                let id = p.get(&format!("{m}.Id")).unwrap_or("").to_string();
                entries.push((id, publish_input(p, &format!("{m}."), xray)?));
            }
            let results = t.publish_batch(topic, entries, trace).await.map_err(error)?;
            ok(action, &|x| {
                x.nest("Successful", |x| {
                    for (id, r) in &results {
                        if let Ok(published) = r {
                            x.nest("member", |m| {
                                m.elem("Id", id).elem("MessageId", &published.id);
                                if let Some(n) = &published.sequence_number {
                                    m.elem("SequenceNumber", n);
                                }
                            });
                        }
                    }
                });
                x.nest("Failed", |x| {
                    for (id, r) in &results {
                        if let Err(e) = r {
                            let code = match e {
                                E::InvalidParameterValue(_) => "ParameterValueInvalid",
                                _ => "InvalidParameter",
                            };
                            x.nest("member", |m| {
                                m.elem("Id", id)
                                    .elem("Code", code)
                                    .elem("Message", &e.to_string())
                                    .elem("SenderFault", "true");
                            });
                        }
                    }
                });
            })
        }
        "TagResource" => {
            t.tag(req("ResourceArn")?, p.tags("Tags")).await.map_err(tag_error)?;
            ok(action, &|_| {})
        }
        "UntagResource" => {
            t.untag(req("ResourceArn")?, &p.strings("TagKeys")).await.map_err(tag_error)?;
            ok(action, &|_| {})
        }
        "ListTagsForResource" => {
            let tags = t.tags(req("ResourceArn")?).map_err(tag_error)?;
            ok(action, &|x| {
                x.nest("Tags", |x| {
                    for (k, v) in &tags {
                        x.nest("member", |m| {
                            m.elem("Key", k).elem("Value", v);
                        });
                    }
                });
            })
        }
        other => Err(bad("InvalidAction", format!("Could not find operation {other} for version 2010-03-31"))),
    }
}

fn subscription(x: &mut Xml, s: &SubscriptionInfo) {
    x.elem("SubscriptionArn", &s.arn)
        .elem("Owner", squall_types::ACCOUNT_ID)
        .elem("Protocol", &s.protocol)
        .elem("Endpoint", &s.endpoint)
        .elem("TopicArn", &s.topic_arn);
}

/// Publish's parameters (or one PublishBatch entry's, after `prefix`).
fn publish_input(p: &Params, prefix: &str, xray: Option<&str>) -> Result<Publish, ApiError> {
    let get = |name: &str| p.get(&format!("{prefix}{name}")).map(str::to_string);
    let structure = get("MessageStructure");
    if structure.as_deref().is_some_and(|s| s != "json") {
        return Err(bad("InvalidParameter", "Invalid parameter: MessageStructure"));
    }
    let attributes =
        p.message_attributes(&format!("{prefix}MessageAttributes")).map_err(|m| bad("ParameterValueInvalid", m))?;
    Ok(Publish {
        message: get("Message").unwrap_or_default(),
        subject: get("Subject"),
        structure_json: structure.is_some(),
        attributes,
        group_id: get("MessageGroupId"),
        dedup_id: get("MessageDeduplicationId"),
        trace_header: xray.map(str::to_string),
    })
}
