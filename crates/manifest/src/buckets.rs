//! S3: `AWS::S3::Bucket` resources, and what function `s3` events ask for: the buckets to
//! create and the notification targets to put on them once the functions are deployed.
//!
//! A bucket without `BucketName` is named `<service>-<stage>-<logical id>` as S3 allows it
//! ([`default_bucket_name`]); CloudFormation would add a random suffix, which a deploy that
//! must find its bucket again cannot. An `s3` event's bucket name implies the bucket (as
//! the framework's `S3Bucket<Name>` resource does) unless the service declares it or the
//! event says `existing: true`.

use crate::parse::{Cx, Path, dotted};
use crate::resources::{Refs, Target};
use serde_norway::Value;

/// A bucket the service declares, or that an `s3` event implies: created on deploy when
/// missing (never replaced, never deleted: its objects stay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketResource {
    /// Its logical id (the key under `Resources`); empty for a bucket an `s3` event implies.
    pub logical_id: String,
    /// The bucket's name: `BucketName`, [`default_bucket_name`], or the event's bucket.
    pub name: String,
    /// `CorsConfiguration.CorsRules` of a declared bucket (PutBucketCors; a declared bucket
    /// without it has its CORS configuration deleted). Always `None` for implied buckets,
    /// whose CORS configuration deploy leaves alone.
    pub cors: Option<Vec<BucketCorsRule>>,
    /// `NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled` of a declared
    /// bucket: its object events also go to the default event bus (`None` for implied
    /// buckets, whose setting deploy leaves alone).
    pub eventbridge: Option<bool>,
}

/// One rule of a bucket's CORS configuration, as PutBucketCors takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketCorsRule {
    /// `Id`.
    pub id: Option<String>,
    /// `AllowedOrigins`.
    pub allowed_origins: Vec<String>,
    /// `AllowedMethods`: GET, PUT, HEAD, POST, DELETE.
    pub allowed_methods: Vec<String>,
    /// `AllowedHeaders`.
    pub allowed_headers: Vec<String>,
    /// `ExposedHeaders`.
    pub exposed_headers: Vec<String>,
    /// `MaxAge`, in seconds.
    pub max_age: Option<u32>,
}

/// A function `s3` event: a target of the bucket's notification configuration, put once
/// the function is deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketNotification {
    /// The dotted key path it comes from (`functions.f.events[0].s3`), for messages.
    pub origin: String,
    /// The configuration's `Id`: `<service>-<function key>-<n>`, n counting the
    /// function's `s3` events from 1.
    pub id: String,
    /// The bucket's name.
    pub bucket: String,
    /// The function's key under `functions:`.
    pub function_key: String,
    /// The function's deployed name.
    pub function_name: String,
    /// The function's ARN, in `provider.region`.
    pub function_arn: String,
    /// The event pattern (`s3:ObjectCreated:*`).
    pub event: String,
    /// Only keys starting with this (empty: any).
    pub prefix: String,
    /// Only keys ending with this (empty: any).
    pub suffix: String,
    /// `existing: true`: the bucket must exist already; deploy does not create it.
    pub existing: bool,
}

/// The function an event belongs to.
pub(crate) struct EventFunction<'a> {
    pub(crate) service: &'a str,
    pub(crate) key: &'a str,
    pub(crate) name: &'a str,
    pub(crate) arn: &'a str,
}

/// The event patterns Squall's S3 sends events for (the S3 API refuses others).
const EVENTS: &[&str] = &[
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:*",
];

/// The framework's default `event`.
const DEFAULT_EVENT: &str = "s3:ObjectCreated:*";

/// The longest prefix or suffix S3 takes (a key's length).
const MAX_RULE_BYTES: usize = 1024;

/// Bucket properties that need what Squall's S3 does not have.
const UNSUPPORTED_BUCKET_PROPERTIES: &[&str] = &[
    "AccelerateConfiguration",
    "AnalyticsConfigurations",
    "IntelligentTieringConfigurations",
    "InventoryConfigurations",
    "LifecycleConfiguration",
    "LoggingConfiguration",
    "MetricsConfigurations",
    "ObjectLockConfiguration",
    "ObjectLockEnabled",
    "ReplicationConfiguration",
    "VersioningConfiguration",
    "WebsiteConfiguration",
    "AbacStatus",
    "MetadataTableConfiguration",
];

/// S3's rule for general purpose bucket names (`squall_types`, which the objects service
/// applies too).
pub(crate) fn check_bucket_name(name: &str) -> Result<(), String> {
    match squall_types::bucket_name_problem(name) {
        Some(why) => Err(format!("bucket name {name:?} is invalid: {why}")),
        None => Ok(()),
    }
}

/// The name of a declared bucket without `BucketName`: `<service>-<stage>-<logical id>`
/// lowercased, every character but a letter, digit or hyphen made a hyphen, cut to 63
/// characters, hyphens trimmed from both ends (`shop` + `Photo_Uploads` →
/// `shop-photo-uploads`). Deterministic, so every deploy finds the same bucket.
pub fn default_bucket_name(service: &str, logical_id: &str) -> String {
    let spelled: String = format!("{service}-{logical_id}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' })
        .take(63)
        .collect();
    spelled.trim_matches('-').to_string()
}

/// The logical id the framework gives the bucket an `s3` event creates:
/// `S3Bucket<Name>`, the name's letters and digits only, the first capitalized.
fn implied_logical_id(bucket: &str) -> String {
    let mut chars = bucket.chars().filter(char::is_ascii_alphanumeric);
    let first: String = chars.next().map(|c| c.to_ascii_uppercase()).into_iter().collect();
    format!("S3Bucket{first}{}", chars.collect::<String>())
}

/// Whether event patterns `a` and `b` share an event type.
fn events_meet(a: &str, b: &str) -> bool {
    let covers = |p: &str, q: &str| p == "s3:*" || p.strip_suffix('*').is_some_and(|family| q.starts_with(family));
    a == b || covers(a, b) || covers(b, a)
}

/// Whether two notifications could both fire for one key and event: S3 refuses such a
/// configuration ("Configurations overlap").
fn overlap(a: &BucketNotification, b: &BucketNotification) -> bool {
    let prefixes = a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix);
    let suffixes = a.suffix.ends_with(&b.suffix) || b.suffix.ends_with(&a.suffix);
    a.bucket == b.bucket && events_meet(&a.event, &b.event) && prefixes && suffixes
}

/// What `Ref` (the name) and `Fn::GetAtt [X, Arn]` resolve to for a bucket.
pub(crate) fn bucket_target(name: String) -> Target {
    let arn = format!("arn:aws:s3:::{name}");
    Target::plain("AWS::S3::Bucket", name, [("Arn", arn)])
}

/// An `s3` event's `event`: one Squall's S3 sends.
fn check_event(event: &str) -> Result<(), String> {
    if EVENTS.contains(&event) {
        Ok(())
    } else if event.starts_with("s3:") {
        Err(format!("{event} is not supported yet (squall sends {})", EVENTS.join(", ")))
    } else {
        Err(format!("{event} is not an S3 event type (such as {DEFAULT_EVENT})"))
    }
}

impl Cx<'_> {
    /// The buckets `s3` events create, under the framework's logical ids
    /// (`S3Bucket<Name>`), so `!Ref S3BucketPhotos` resolves anywhere; a declared resource
    /// of the same id wins.
    pub(crate) fn implied_bucket_refs(&mut self, functions: Option<&Value>) {
        let Some(Value::Mapping(m)) = functions else { return };
        let events = m.values().filter_map(|f| f.get("events")).filter_map(Value::as_sequence).flatten();
        for spec in events.filter_map(|e| e.get("s3")) {
            let (bucket, existing) = match spec {
                Value::String(b) => (Some(b.as_str()), false),
                Value::Mapping(_) => (
                    spec.get("bucket").and_then(Value::as_str),
                    spec.get("existing").and_then(Value::as_bool).unwrap_or(false),
                ),
                _ => (None, false),
            };
            if let Some(b) = bucket.filter(|b| !existing && check_bucket_name(b).is_ok()) {
                let target = bucket_target(b.to_string());
                self.refs.entry(implied_logical_id(b)).or_insert(target);
            }
        }
    }

    /// A bucket's `NotificationConfiguration`: `EventBridgeConfiguration: {EventBridgeEnabled}`;
    /// the function, queue and topic configurations are refused (an `s3` event says that).
    fn eventbridge_configuration(&mut self, path: &Path, v: &Value) -> bool {
        let mut enabled = false;
        for (key, v) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "EventBridgeConfiguration" => {
                    if v.get("EventBridgeEnabled").is_none() {
                        self.error(&p, "needs EventBridgeEnabled");
                    }
                    for (k, v) in self.entries(&p, v) {
                        let kp = [p.as_slice(), &[k]].concat();
                        match (k, v) {
                            ("EventBridgeEnabled", Value::Bool(b)) => enabled = *b,
                            ("EventBridgeEnabled", _) => self.error(&kp, "must be true or false"),
                            (other, _) => {
                                self.error(&kp, format!("{other} is not an EventBridgeConfiguration setting"))
                            }
                        }
                    }
                }
                _ => self.error(&p, "is not supported yet; give the function an s3 event instead"),
            }
        }
        enabled
    }

    /// An `AWS::S3::Bucket`, added to `self.buckets`.
    pub(crate) fn bucket_resource(&mut self, service: &str, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let props = self.resource_properties(&base, v, "ignored: squall keeps buckets and their objects");
        let path = [&base[..], &["Properties"]].concat();
        let mut b = BucketResource {
            logical_id: id.to_string(),
            name: default_bucket_name(service, id),
            cors: None,
            eventbridge: Some(false),
        };
        let errors_before = self.errors.len();
        let mut named = false;
        for (key, v) in props.map(|p| self.entries(&path, p)).unwrap_or_default() {
            let p = [&path[..], &[key]].concat();
            match key {
                "BucketName" => {
                    if let Some(n) = self.resolved_text(&p, v) {
                        b.name = n;
                        named = true;
                    }
                }
                "CorsConfiguration" => b.cors = self.cors_configuration(&p, v),
                "AccessControl" => match self.string(&p, v).as_deref() {
                    // Squall's buckets are private; nothing else is.
                    Some("Private") | None => {}
                    Some(other) => self.error(&p, format!("{other} is not supported (squall's buckets are private)")),
                },
                "Tags" => self.error(&p, "is not supported yet (squall's S3 API has no bucket tagging)"),
                "NotificationConfiguration" => b.eventbridge = Some(self.eventbridge_configuration(&p, v)),
                "BucketEncryption" | "PublicAccessBlockConfiguration" | "OwnershipControls" => {
                    self.warn(&p, "has no effect under squall; ignored")
                }
                k if UNSUPPORTED_BUCKET_PROPERTIES.contains(&k) => self.error(&p, "is not supported yet"),
                _ => self.error(&p, "unknown property"),
            }
        }
        if let Err(e) = check_bucket_name(&b.name) {
            let at = if named { [&path[..], &["BucketName"]].concat() } else { base.to_vec() };
            self.error(&at, e);
        }
        if let Some(other) = self.buckets.iter().find(|o| o.name == b.name) {
            let message = format!("bucket {} is also declared as resources.Resources.{}", b.name, other.logical_id);
            self.error(&base, message);
        }
        if self.errors.len() == errors_before {
            self.buckets.push(b);
        }
    }

    /// `CorsConfiguration: {CorsRules: [...]}`.
    fn cors_configuration(&mut self, path: &Path, v: &Value) -> Option<Vec<BucketCorsRule>> {
        let mut rules = None;
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "CorsRules" => {
                    let Value::Sequence(list) = val else {
                        self.error(&p, "must be a list of rules");
                        continue;
                    };
                    if list.is_empty() || list.len() > 100 {
                        self.error(&p, "S3 takes 1 to 100 CORS rules");
                    }
                    let mut out = Vec::new();
                    for (i, r) in list.iter().enumerate() {
                        let idx = i.to_string();
                        out.extend(self.cors_rule(&[&p[..], &[idx.as_str()]].concat(), r));
                    }
                    rules = Some(out);
                }
                _ => self.error(&p, "unknown property"),
            }
        }
        if rules.is_none() {
            self.error(path, "needs CorsRules");
        }
        rules
    }

    fn cors_rule(&mut self, path: &Path, v: &Value) -> Option<BucketCorsRule> {
        let mut r = BucketCorsRule::default();
        let errors_before = self.errors.len();
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "Id" => {
                    r.id = self.string(&p, val);
                    if r.id.as_ref().is_some_and(|id| id.len() > 255) {
                        self.error(&p, "must be at most 255 characters");
                    }
                }
                "AllowedOrigins" => r.allowed_origins = self.string_list(&p, val),
                "AllowedMethods" => {
                    r.allowed_methods = self.string_list(&p, val);
                    for m in &r.allowed_methods {
                        if !["GET", "PUT", "HEAD", "POST", "DELETE"].contains(&m.as_str()) {
                            self.error(&p, format!("{m} is not one of GET, PUT, HEAD, POST and DELETE"));
                        }
                    }
                }
                "AllowedHeaders" => r.allowed_headers = self.string_list(&p, val),
                "ExposedHeaders" => r.exposed_headers = self.string_list(&p, val),
                "MaxAge" => r.max_age = self.number(&p, val),
                _ => self.error(&p, "unknown property"),
            }
        }
        if self.errors.len() == errors_before {
            for (name, list) in [("AllowedOrigins", &r.allowed_origins), ("AllowedMethods", &r.allowed_methods)] {
                if list.is_empty() {
                    self.error(path, format!("needs {name}"));
                }
            }
        }
        (self.errors.len() == errors_before).then_some(r)
    }

    /// A list of strings.
    fn string_list(&mut self, path: &Path, v: &Value) -> Vec<String> {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list");
            return vec![];
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            out.extend(self.string(&[path, &[idx.as_str()]].concat(), item));
        }
        out
    }

    /// An `s3` event: `s3: <bucket>` or `s3: {bucket, event, rules, existing}`. Adds the
    /// notification (and the bucket it implies) to `self`.
    pub(crate) fn s3_event(&mut self, path: &Path, v: &Value, function: &EventFunction) {
        let refs = std::mem::take(&mut self.refs);
        self.s3_event_with(path, v, function, &refs);
        self.refs = refs;
    }

    fn s3_event_with(&mut self, path: &Path, v: &Value, function: &EventFunction, refs: &Refs) {
        let errors_before = self.errors.len();
        let mut bucket = None;
        let mut event = DEFAULT_EVENT.to_string();
        let (mut prefix, mut suffix): (Option<String>, Option<String>) = (None, None);
        let mut existing = false;
        if let Value::Mapping(_) = v {
            for (k, val) in self.entries(path, v) {
                let p = [path, &[k]].concat();
                match k {
                    "bucket" => bucket = self.bucket_of(&p, val, refs),
                    "event" => {
                        if let Some(e) = self.string(&p, val) {
                            match check_event(&e) {
                                Ok(()) => event = e,
                                Err(message) => self.error(&p, message),
                            }
                        }
                    }
                    "rules" => self.filter_rules(&p, val, &mut prefix, &mut suffix),
                    "existing" => match val.as_bool() {
                        Some(b) => existing = b,
                        None => self.error(&p, "must be true or false"),
                    },
                    "forceDeploy" => self.warn(&p, "has no effect under squall; ignored"),
                    other => self.error(&p, format!("s3 setting {other} is not supported yet")),
                }
            }
            if bucket.is_none() && self.errors.len() == errors_before {
                self.error(path, "needs a bucket");
            }
        } else {
            bucket = self.bucket_of(path, v, refs);
        }
        let Some(bucket) = bucket else { return };
        if self.errors.len() != errors_before {
            return;
        }
        let n = self.bucket_notifications.iter().filter(|x| x.function_key == function.key).count() + 1;
        let notification = BucketNotification {
            origin: dotted(path),
            id: format!("{}-{}-{n}", function.service, function.key),
            bucket: bucket.clone(),
            function_key: function.key.to_string(),
            function_name: function.name.to_string(),
            function_arn: function.arn.to_string(),
            event,
            prefix: prefix.unwrap_or_default(),
            suffix: suffix.unwrap_or_default(),
            existing,
        };
        if let Some(other) = self.bucket_notifications.iter().find(|o| overlap(o, &notification)) {
            let message = format!(
                "overlaps {} on bucket {bucket}: they share an event type and a key could match both filters, which S3 refuses",
                other.origin
            );
            self.error(path, message);
            return;
        }
        if !existing && !self.buckets.iter().any(|b| b.name == bucket) {
            self.buckets.push(BucketResource {
                logical_id: String::new(),
                name: bucket,
                cors: None,
                eventbridge: None,
            });
        }
        self.bucket_notifications.push(notification);
    }

    /// An `s3` event's bucket: a name, or `!Ref` to a bucket of this service.
    fn bucket_of(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<String> {
        let name = match self.parse_reference(path, v)? {
            Some((id, None)) => match refs.get(&id) {
                Some(t) if t.kind == "AWS::S3::Bucket" => t.reference.clone(),
                _ => {
                    self.error(path, format!("{id} is not an AWS::S3::Bucket of this service"));
                    return None;
                }
            },
            Some((id, Some(attr))) => {
                self.error(path, format!("must be a bucket name or !Ref to a bucket, not {id}.{attr}"));
                return None;
            }
            None => self.string(path, v)?,
        };
        if let Err(e) = check_bucket_name(&name) {
            self.error(path, e);
            return None;
        }
        Some(name)
    }

    /// `rules: [{prefix: …}, {suffix: …}]`: at most one of each, as S3 takes them.
    fn filter_rules(&mut self, path: &Path, v: &Value, prefix: &mut Option<String>, suffix: &mut Option<String>) {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list of {prefix} and {suffix} rules");
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let ip = [path, &[idx.as_str()]].concat();
            let entries = self.entries(&ip, item);
            if entries.len() != 1 {
                self.error(&ip, "a rule has exactly one of prefix and suffix");
                continue;
            }
            let (k, val) = entries[0];
            let p = [&ip[..], &[k]].concat();
            let slot = match k {
                "prefix" => &mut *prefix,
                "suffix" => &mut *suffix,
                other => {
                    self.error(&p, format!("unknown rule {other} (prefix and suffix are)"));
                    continue;
                }
            };
            let Some(value) = self.string(&p, val) else { continue };
            if value.len() > MAX_RULE_BYTES {
                self.error(&p, format!("must be at most {MAX_RULE_BYTES} bytes"));
            } else if slot.is_some() {
                self.error(&p, format!("S3 takes one {k} rule per event"));
            } else {
                *slot = Some(value);
            }
        }
    }
}

#[cfg(test)]
mod tests;
