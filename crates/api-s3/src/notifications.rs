//! PutBucketNotificationConfiguration and GetBucketNotificationConfiguration: functions,
//! queues and topics that get the bucket's object events, and `EventBridgeConfiguration`
//! (every event also to the default event bus).

use super::error::S3Error;
use super::{S3Request, xml, xml_response};
use crate::body::empty;
use squall_api::ApiState;
use squall_objects::Objects;
use squall_objects::events::NotificationTarget;
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

/// (configuration element, ARN element) per kind of target, as S3's XML names them.
const KINDS: [(&str, &str, &str); 3] = [
    ("CloudFunctionConfiguration", "CloudFunction", "lambda"),
    ("QueueConfiguration", "Queue", "sqs"),
    ("TopicConfiguration", "Topic", "sns"),
];

pub(super) async fn put(state: &ApiState, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(256 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "NotificationConfiguration").ok_or_else(S3Error::malformed_xml)?;
    // Its events also go to the default event bus, in EventBridge's S3 shape.
    let eventbridge = doc.child("EventBridgeConfiguration").is_some();
    let mut targets = Vec::new();
    for (element, arn_element, service) in KINDS {
        for c in doc.all(element) {
            let arn = c.text_of(arn_element).ok_or_else(S3Error::malformed_xml)?.trim().to_string();
            if squall_types::arn_service(&arn) != Some(service) {
                return Err(S3Error::invalid_argument(format!("{arn} is not a valid {arn_element} ARN")));
            }
            let rule = |name: &str| {
                c.child("Filter")
                    .and_then(|f| f.child("S3Key"))
                    .and_then(|k| {
                        k.all("FilterRule").find(|r| r.text_of("Name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
                    })
                    .and_then(|r| r.text_of("Value"))
                    .unwrap_or("")
                    .to_string()
            };
            let id = c.text_of("Id").map(str::to_string).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            targets.push(NotificationTarget {
                id,
                arn,
                events: c.all("Event").map(|e| e.text.trim().to_string()).collect(),
                prefix: rule("prefix"),
                suffix: rule("suffix"),
            });
        }
    }
    // As S3 does, each target's own policy must let S3 deliver for this bucket.
    let source = format!("arn:aws:s3:::{bucket}");
    for t in &targets {
        let permitted = squall_topics::destinations::permitted(
            &state.queues,
            &state.topics,
            &state.functions,
            "s3.amazonaws.com",
            &source,
            &t.arn,
        );
        if let Err(why) = permitted {
            return Err(S3Error::invalid_argument(format!(
                "Unable to validate the following destination configurations: {} ({why})",
                t.arn
            )));
        }
    }
    state.objects.set_notifications(bucket, targets, eventbridge).await?;
    Ok(http::Response::new(empty()))
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let record = objects.bucket(bucket)?;
    let targets = record.notifications;
    Ok(xml_response("NotificationConfiguration", |x| {
        for (element, arn_element, service) in KINDS {
            for t in targets.iter().filter(|t| squall_types::arn_service(&t.arn) == Some(service)) {
                x.nest(element, |x| {
                    x.elem("Id", &t.id).elem(arn_element, &t.arn);
                    for e in &t.events {
                        x.elem("Event", e);
                    }
                    if !t.prefix.is_empty() || !t.suffix.is_empty() {
                        x.nest("Filter", |x| {
                            x.nest("S3Key", |x| {
                                for (name, value) in [("prefix", &t.prefix), ("suffix", &t.suffix)] {
                                    if !value.is_empty() {
                                        x.nest("FilterRule", |x| {
                                            x.elem("Name", name).elem("Value", value);
                                        });
                                    }
                                }
                            });
                        });
                    }
                });
            }
        }
        if record.eventbridge {
            x.nest("EventBridgeConfiguration", |_| {});
        }
    }))
}
