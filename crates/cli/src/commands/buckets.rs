//! S3 for `deploy` and `remove`: the manifest's buckets (HeadBucket, CreateBucket,
//! PutBucketCors / DeleteBucketCors) and its functions' `s3` events, which are targets in
//! their buckets' notification configurations.
//!
//! A notification configuration is one document per bucket that other services and
//! people share, so it is read, this service's function targets replaced, and written
//! back: the other targets stay, and a re-deploy puts the same targets again instead of
//! adding more. Two deploys editing one bucket at the same moment can lose one's change
//! (S3 has no conditional write of the document either).

use crate::client::{Client, Response, segment, server_error, xml_elements, xml_text, xml_unescape};
use anyhow::{Context, bail};
use http::{Method, StatusCode};
use squall_manifest::{BucketCorsRule, BucketNotification, BucketResource};
use std::collections::{BTreeSet, HashSet};

/// S3's XML namespace.
const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// (configuration element, ARN element) per kind of target, as S3's XML names them, in
/// the order S3 writes them.
const KINDS: [(&str, &str); 3] =
    [("CloudFunctionConfiguration", "CloudFunction"), ("QueueConfiguration", "Queue"), ("TopicConfiguration", "Topic")];

/// One target of a bucket's notification configuration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    /// Index into [`KINDS`].
    kind: usize,
    id: String,
    arn: String,
    events: Vec<String>,
    prefix: String,
    suffix: String,
}

/// An S3 call that must succeed: its answer, or the server's error.
async fn s3(client: &Client, method: Method, path: &str, body: Vec<u8>) -> anyhow::Result<Response> {
    let resp = client.s3(method, path, body).await?;
    if !resp.status.is_success() {
        return Err(server_error(&resp));
    }
    Ok(resp)
}

/// Whether bucket `name` exists (HeadBucket).
async fn exists(client: &Client, name: &str) -> anyhow::Result<bool> {
    let resp = client.s3(Method::HEAD, &format!("/{}", segment(name)), vec![]).await?;
    match resp.status {
        s if s.is_success() => Ok(true),
        StatusCode::NOT_FOUND => Ok(false),
        s => bail!("looking up bucket {name}: {s}"),
    }
}

/// Creates the manifest's buckets that do not exist yet and sets the CORS rules of those
/// it declares; checks that the buckets `existing: true` events name are there. A bucket
/// is never replaced: its objects stay.
pub(crate) async fn ensure_buckets(
    client: &Client,
    buckets: &[BucketResource],
    notifications: &[BucketNotification],
) -> anyhow::Result<()> {
    for b in buckets {
        let what = if b.logical_id.is_empty() { String::new() } else { format!(" ({})", b.logical_id) };
        let path = format!("/{}", segment(&b.name));
        let action = if exists(client, &b.name).await? {
            "exists"
        } else {
            s3(client, Method::PUT, &path, vec![])
                .await
                .with_context(|| format!("creating bucket {}{what}", b.name))?;
            "created"
        };
        // A declared bucket's CORS rules are the manifest's; an implied bucket's are left alone.
        match &b.cors {
            Some(rules) => s3(client, Method::PUT, &format!("{path}?cors"), cors_document(rules).into_bytes())
                .await
                .with_context(|| format!("setting the CORS rules of bucket {}{what}", b.name))
                .map(drop)?,
            None if !b.logical_id.is_empty() => s3(client, Method::DELETE, &format!("{path}?cors"), vec![])
                .await
                .with_context(|| format!("removing the CORS rules of bucket {}{what}", b.name))
                .map(drop)?,
            None => {}
        }
        println!("  bucket {}: {action}", b.name);
    }
    let mut checked = HashSet::new();
    for n in notifications.iter().filter(|n| n.existing && !buckets.iter().any(|b| b.name == n.bucket)) {
        if checked.insert(&n.bucket) && !exists(client, &n.bucket).await? {
            bail!("{}: bucket {} does not exist (existing: true asks for a bucket made elsewhere)", n.origin, n.bucket);
        }
    }
    Ok(())
}

/// Sets the bucket policies the service declares (`AWS::S3::BucketPolicy`).
pub(crate) async fn ensure_policies(client: &Client, policies: &[squall_types::ResourcePolicy]) -> anyhow::Result<()> {
    for p in policies {
        let Some(bucket) = p.resource.strip_prefix("arn:aws:s3:::") else { continue };
        s3(client, Method::PUT, &format!("/{}?policy", segment(bucket)), p.document.clone().into_bytes())
            .await
            .with_context(|| format!("setting the policy of bucket {bucket} ({})", p.logical_id))?;
        println!("  bucket policy {bucket}: set");
    }
    Ok(())
}

/// Puts the manifest's `s3` events into their buckets' notification configurations and
/// takes every other target naming one of `functions` (this service's, by name whatever
/// the ARN's region) out of every bucket.
pub(crate) async fn ensure_notifications(
    client: &Client,
    declared: &[BucketResource],
    notifications: &[BucketNotification],
    functions: &HashSet<String>,
) -> anyhow::Result<()> {
    let mut buckets = list_buckets(client).await?;
    buckets.extend(notifications.iter().map(|n| n.bucket.clone()));
    for bucket in buckets {
        let eventbridge = declared.iter().find(|b| b.name == bucket).and_then(|b| b.eventbridge);
        let wanted: Vec<&BucketNotification> = notifications.iter().filter(|n| n.bucket == bucket).collect();
        let desired = wanted.iter().map(|n| Target {
            kind: 0,
            id: n.id.clone(),
            arn: n.function_arn.clone(),
            events: vec![n.event.clone()],
            prefix: n.prefix.clone(),
            suffix: n.suffix.clone(),
        });
        let removed =
            replace_targets(client, &bucket, functions, desired.collect(), eventbridge, wanted.is_empty()).await?;
        for f in removed {
            println!("  notification {bucket} -> {f}: removed");
        }
        if eventbridge == Some(true) {
            println!("  notification {bucket} -> the default event bus: ready");
        }
        for n in wanted {
            println!("  notification {bucket}/{}*{} {} -> {}: ready", n.prefix, n.suffix, n.event, n.function_name);
        }
    }
    Ok(())
}

/// Takes the targets naming one of `functions` out of every bucket; the buckets it
/// changed.
pub(crate) async fn remove_notifications(client: &Client, functions: &HashSet<String>) -> anyhow::Result<Vec<String>> {
    let mut changed = Vec::new();
    for bucket in list_buckets(client).await? {
        let removed = replace_targets(client, &bucket, functions, Vec::new(), None, true).await?;
        for f in &removed {
            println!("  notification {bucket} -> {f}: removed");
        }
        if !removed.is_empty() {
            changed.push(bucket);
        }
    }
    Ok(changed)
}

/// Every bucket's name (ListBuckets).
async fn list_buckets(client: &Client) -> anyhow::Result<BTreeSet<String>> {
    let resp = s3(client, Method::GET, "/", vec![]).await.context("listing buckets")?;
    let text = String::from_utf8_lossy(&resp.body);
    Ok(xml_elements(&text, "Bucket").iter().filter_map(|b| xml_text(b, "Name")).collect())
}

/// Replaces the targets of `bucket` naming one of `functions` with `desired` (and sets
/// whether its events go to the default event bus, when `eventbridge` says), writing the
/// configuration only when it changes; the names of the functions whose targets went
/// and were not put back. A bucket gone meanwhile is skipped when `may_vanish`.
async fn replace_targets(
    client: &Client,
    bucket: &str,
    functions: &HashSet<String>,
    desired: Vec<Target>,
    eventbridge: Option<bool>,
    may_vanish: bool,
) -> anyhow::Result<Vec<String>> {
    let path = format!("/{}?notification", segment(bucket));
    let resp = client.s3(Method::GET, &path, vec![]).await?;
    if resp.status == StatusCode::NOT_FOUND && may_vanish {
        return Ok(Vec::new());
    }
    if !resp.status.is_success() {
        return Err(server_error(&resp).context(format!("reading the notification configuration of bucket {bucket}")));
    }
    let text = String::from_utf8_lossy(&resp.body);
    let current = parse_targets(&text);
    let had_eventbridge = text.contains("<EventBridgeConfiguration");
    let eventbridge_next = eventbridge.unwrap_or(had_eventbridge);
    let ours =
        |t: &Target| t.kind == 0 && super::deploy::function_of_arn(&t.arn).is_some_and(|f| functions.contains(f));
    let (mine, mut next): (Vec<Target>, Vec<Target>) = current.iter().cloned().partition(ours);
    let kept: HashSet<&str> = desired.iter().map(|t| t.arn.as_str()).collect();
    let mut removed: Vec<String> = mine
        .iter()
        .filter(|t| !kept.contains(t.arn.as_str()))
        .filter_map(|t| super::deploy::function_of_arn(&t.arn).map(String::from))
        .collect();
    removed.sort();
    removed.dedup();
    next.extend(desired);
    let (mut before, mut after) = (current, next.clone());
    before.sort();
    after.sort();
    if before != after || had_eventbridge != eventbridge_next {
        s3(client, Method::PUT, &path, notification_document(&next, eventbridge_next).into_bytes())
            .await
            .with_context(|| format!("writing the notification configuration of bucket {bucket}"))?;
    }
    Ok(removed)
}

/// The targets of a GetBucketNotificationConfiguration answer.
fn parse_targets(xml: &str) -> Vec<Target> {
    let mut out = Vec::new();
    for (kind, (element, arn_element)) in KINDS.iter().enumerate() {
        for c in xml_elements(xml, element) {
            let rule = |name: &str| {
                xml_elements(c, "FilterRule")
                    .into_iter()
                    .find(|r| xml_text(r, "Name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
                    .and_then(|r| xml_text(r, "Value"))
                    .unwrap_or_default()
            };
            out.push(Target {
                kind,
                id: xml_text(c, "Id").unwrap_or_default(),
                arn: xml_text(c, arn_element).unwrap_or_default(),
                events: xml_elements(c, "Event").iter().map(|e| xml_unescape(e)).collect(),
                prefix: rule("prefix"),
                suffix: rule("suffix"),
            });
        }
    }
    out
}

/// A PutBucketNotificationConfiguration document.
fn notification_document(targets: &[Target], eventbridge: bool) -> String {
    let mut x = format!("<NotificationConfiguration xmlns=\"{NS}\">");
    for (kind, (element, arn_element)) in KINDS.iter().enumerate() {
        for t in targets.iter().filter(|t| t.kind == kind) {
            x.push_str(&format!("<{element}>"));
            if !t.id.is_empty() {
                elem(&mut x, "Id", &t.id);
            }
            elem(&mut x, arn_element, &t.arn);
            for e in &t.events {
                elem(&mut x, "Event", e);
            }
            if !t.prefix.is_empty() || !t.suffix.is_empty() {
                x.push_str("<Filter><S3Key>");
                for (name, value) in [("prefix", &t.prefix), ("suffix", &t.suffix)] {
                    if !value.is_empty() {
                        x.push_str("<FilterRule>");
                        elem(&mut x, "Name", name);
                        elem(&mut x, "Value", value);
                        x.push_str("</FilterRule>");
                    }
                }
                x.push_str("</S3Key></Filter>");
            }
            x.push_str(&format!("</{element}>"));
        }
    }
    if eventbridge {
        x.push_str("<EventBridgeConfiguration/>");
    }
    x.push_str("</NotificationConfiguration>");
    x
}

/// A PutBucketCors document.
fn cors_document(rules: &[BucketCorsRule]) -> String {
    let mut x = format!("<CORSConfiguration xmlns=\"{NS}\">");
    for r in rules {
        x.push_str("<CORSRule>");
        if let Some(id) = &r.id {
            elem(&mut x, "ID", id);
        }
        for (name, values) in [
            ("AllowedHeader", &r.allowed_headers),
            ("AllowedMethod", &r.allowed_methods),
            ("AllowedOrigin", &r.allowed_origins),
            ("ExposeHeader", &r.exposed_headers),
        ] {
            for v in values {
                elem(&mut x, name, v);
            }
        }
        if let Some(m) = r.max_age {
            elem(&mut x, "MaxAgeSeconds", &m.to_string());
        }
        x.push_str("</CORSRule>");
    }
    x.push_str("</CORSConfiguration>");
    x
}

/// Appends `<name>text</name>`, the text escaped.
fn elem(x: &mut String, name: &str, text: &str) {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    x.push_str(&format!("<{name}>{escaped}</{name}>"));
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CloudFunctionConfiguration><Id>shop-f-1</Id><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:shop-f</CloudFunction><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>in/&amp;</Value></FilterRule><FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration><QueueConfiguration><Id>q</Id><Queue>arn:aws:sqs:us-east-1:000000000000:watch</Queue><Event>s3:ObjectRemoved:*</Event><Event>s3:ObjectCreated:Put</Event></QueueConfiguration></NotificationConfiguration>"#;

    #[test]
    fn notification_configurations_round_trip() {
        let targets = parse_targets(CONFIG);
        assert_eq!(targets.len(), 2);
        let f = &targets[0];
        assert_eq!((f.kind, f.id.as_str()), (0, "shop-f-1"));
        assert_eq!(f.arn, "arn:aws:lambda:us-east-1:000000000000:function:shop-f");
        assert_eq!(f.events, ["s3:ObjectCreated:*"]);
        assert_eq!((f.prefix.as_str(), f.suffix.as_str()), ("in/&", ".jpg"));
        let q = &targets[1];
        assert_eq!((q.kind, q.arn.as_str()), (1, "arn:aws:sqs:us-east-1:000000000000:watch"));
        assert_eq!(q.events, ["s3:ObjectRemoved:*", "s3:ObjectCreated:Put"]);
        assert_eq!((q.prefix.as_str(), q.suffix.as_str()), ("", ""));
        let doc = notification_document(&targets, false);
        assert!(doc.contains("<Value>in/&amp;</Value>"), "{doc}");
        assert_eq!(parse_targets(&doc), targets);
    }

    #[test]
    fn cors_rules_become_put_bucket_cors_documents() {
        let rule = BucketCorsRule {
            id: Some("a<b".into()),
            allowed_origins: vec!["https://x".into()],
            allowed_methods: vec!["GET".into(), "PUT".into()],
            max_age: Some(60),
            ..Default::default()
        };
        assert_eq!(
            cors_document(&[rule]),
            format!(
                "<CORSConfiguration xmlns=\"{NS}\"><CORSRule><ID>a&lt;b</ID><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://x</AllowedOrigin><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>"
            )
        );
    }
}
