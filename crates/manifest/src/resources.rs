//! `resources.Resources`: the CloudFormation resources Squall creates on deploy
//! (`AWS::DynamoDB::Table`, `AWS::SQS::Queue`, `AWS::SNS::Topic`,
//! `AWS::SNS::Subscription`, `AWS::S3::Bucket`, `AWS::IAM::Role`...), and `Ref` / `Fn::GetAtt` to them, to the
//! service's functions and state machines and to the buckets `s3` events create.
//!
//! Two passes: the first names every resource (so references resolve in any order), the
//! second reads their properties.

use crate::buckets::default_bucket_name;
use crate::intrinsics::Evaluated;
use crate::parse::Cx;
use serde_norway::Value;
use std::collections::HashMap;

/// A table the service declares.
#[derive(Debug, Clone, PartialEq)]
pub struct TableResource {
    /// Its logical id (the key under `Resources`).
    pub logical_id: String,
    /// The table's name: `TableName`, or `<service>-<stage>-<logical id>`.
    pub name: String,
    /// The CreateTable request (DynamoDB JSON) for it.
    pub create: serde_json::Value,
    /// The TTL attribute, when `TimeToLiveSpecification.Enabled`.
    pub ttl: Option<String>,
}

/// What `Ref` and `Fn::GetAtt` resolve to, by logical id.
pub(crate) type Refs = HashMap<String, Target>;

/// A resource references can name.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Its CloudFormation type (`AWS::SQS::Queue`...).
    pub(crate) kind: &'static str,
    /// What `Ref` gives: a table's name, a queue's URL, a topic's ARN, a function's name,
    /// a bucket's name.
    pub(crate) reference: String,
    /// What `Fn::GetAtt` gives, by attribute.
    pub(crate) attributes: HashMap<&'static str, String>,
    /// Whether it is a table with a stream.
    stream: bool,
}

impl Target {
    /// A resource that is not a table with a stream.
    pub(crate) fn plain<const N: usize>(
        kind: &'static str,
        reference: String,
        attributes: [(&'static str, String); N],
    ) -> Target {
        Target { kind, reference, attributes: HashMap::from(attributes), stream: false }
    }
}

/// Properties passed to CreateTable as they are.
const CREATE_PROPERTIES: &[&str] = &[
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "Tags",
];

/// Properties that change nothing under Squall.
const IGNORED_PROPERTIES: &[&str] = &[
    "PointInTimeRecoverySpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "ContributorInsightsSpecification",
];

impl Cx<'_> {
    /// The service's functions under the logical ids the Serverless Framework gives them
    /// (`<Key>LambdaFunction`, `-` spelled `Dash` and `_` `Underscore`): `Ref` is the
    /// function's name, `Fn::GetAtt [X, Arn]` its ARN.
    pub(crate) fn function_refs(&mut self, service: &str, functions: Option<&Value>) {
        let Some(Value::Mapping(m)) = functions else { return };
        for (key, f) in m {
            let Some(key) = key.as_str() else { continue };
            let name = f.get("name").and_then(Value::as_str).map_or_else(|| format!("{service}-{key}"), str::to_string);
            let arn = squall_types::function_arn(&self.region, &name);
            let target = Target {
                kind: "AWS::Lambda::Function",
                reference: name,
                attributes: HashMap::from([("Arn", arn)]),
                stream: false,
            };
            self.refs.insert(format!("{}LambdaFunction", function_logical_name(key)), target);
        }
    }

    /// Reads `resources` into the tables and queues to create (topics, subscriptions and
    /// buckets go to `self.topics`, `self.subscriptions` and `self.buckets`); leaves what
    /// references to them resolve to in `self.refs`.
    pub(crate) fn resources(&mut self, service: &str, v: &Value) -> (Vec<TableResource>, Vec<crate::QueueResource>) {
        let (mut tables, mut queues) = (Vec::new(), Vec::new());
        let account = squall_types::ACCOUNT_ID;
        let region = self.region.clone();
        let mut declared = Vec::new();
        let mut outputs = None;
        for (key, v) in self.entries(&["resources"], v) {
            match key {
                "Resources" => declared = self.entries(&["resources", "Resources"], v),
                "Conditions" => {
                    let refs = std::mem::take(&mut self.refs);
                    self.read_conditions(v, &refs);
                    self.refs = refs;
                }
                "Outputs" => outputs = Some(v),
                other => self.error(&["resources", other], "is not supported yet"),
            }
        }
        // A resource whose `Condition` is false is not created; `Condition` and
        // `DependsOn` (deploy order, which squall fixes) are read here, not by each type.
        let mut kept: Vec<(&str, Value)> = Vec::new();
        for (id, r) in declared {
            let mut r = r.clone();
            if let Value::Mapping(m) = &mut r {
                m.remove("DependsOn");
                if let Some(cond) = m.remove("Condition") {
                    let path = ["resources", "Resources", id, "Condition"];
                    let Some(name) = cond.as_str() else {
                        self.error(&path, "must be the name of a condition");
                        continue;
                    };
                    match self.condition(&path, name) {
                        Ok(true) => {}
                        Ok(false) | Err(()) => continue,
                    }
                }
            }
            kept.push((id, r));
        }
        let listed: Vec<(&str, &Value)> = kept.iter().map(|(id, r)| (*id, r)).collect();
        // First pass: names, so properties may refer to resources declared after them.
        for (id, r) in &listed {
            let props = r.get("Properties");
            let mut named = |key: &str| props.and_then(|p| p.get(key)).and_then(|v| self.quiet_text(v));
            let default = format!("{service}-{id}");
            let target = match r.get("Type").and_then(Value::as_str) {
                Some("AWS::DynamoDB::Table") => {
                    let name = named("TableName").unwrap_or(default);
                    let arn = format!("arn:aws:dynamodb:{region}:{account}:table/{name}");
                    let stream = props.and_then(|p| p.get("StreamSpecification")).is_some();
                    Target {
                        kind: "AWS::DynamoDB::Table",
                        reference: name,
                        attributes: HashMap::from([("Arn", arn)]),
                        stream,
                    }
                }
                Some("AWS::SQS::Queue") => {
                    let name = named("QueueName").unwrap_or(default);
                    let url = format!("{}/{account}/{name}", self.endpoint);
                    let attributes = HashMap::from([
                        ("Arn", format!("arn:aws:sqs:{region}:{account}:{name}")),
                        ("QueueName", name),
                        ("QueueUrl", url.clone()),
                    ]);
                    Target { kind: "AWS::SQS::Queue", reference: url, attributes, stream: false }
                }
                Some("AWS::SNS::Topic") => {
                    let name = named("TopicName").unwrap_or(default);
                    let arn = crate::topics::topic_arn(&region, &name);
                    let attributes = HashMap::from([("TopicArn", arn.clone()), ("TopicName", name)]);
                    Target { kind: "AWS::SNS::Topic", reference: arn, attributes, stream: false }
                }
                Some("AWS::S3::Bucket") => crate::buckets::bucket_target(
                    named("BucketName").unwrap_or_else(|| default_bucket_name(service, id)),
                ),
                Some("AWS::Scheduler::ScheduleGroup") => {
                    let name = named("Name").unwrap_or_else(|| crate::schedules::rule_name(service, id));
                    let arn = format!("arn:aws:scheduler:{region}:{account}:schedule-group/{name}");
                    Target::plain("AWS::Scheduler::ScheduleGroup", name, [("Arn", arn)])
                }
                Some("AWS::Scheduler::Schedule") => {
                    let name = named("Name").unwrap_or_else(|| crate::schedules::rule_name(service, id));
                    let group =
                        named("GroupName").unwrap_or_else(|| crate::scheduler_resources::deployment_group(service));
                    let arn = format!("arn:aws:scheduler:{region}:{account}:schedule/{group}/{name}");
                    Target::plain("AWS::Scheduler::Schedule", name, [("Arn", arn)])
                }
                Some("AWS::IAM::Role") => crate::iam_roles::role_target(service, id, named("RoleName"), named("Path")),
                Some("AWS::StepFunctions::StateMachine") => {
                    // `Ref` and `Arn` are its ARN, `Name` its name.
                    let name = named("StateMachineName").unwrap_or(default);
                    let arn = crate::state_machine_arn(&region, &name);
                    Target::plain("AWS::StepFunctions::StateMachine", arn.clone(), [("Arn", arn), ("Name", name)])
                }
                Some("AWS::Events::EventBus") => {
                    let name = named("Name").unwrap_or(default);
                    let arn = format!("arn:aws:events:{region}:{account}:event-bus/{name}");
                    let attributes = HashMap::from([("Arn", arn), ("Name", name.clone())]);
                    Target { kind: "AWS::Events::EventBus", reference: name, attributes, stream: false }
                }
                Some("AWS::Events::Rule") => {
                    let name = named("Name").unwrap_or_else(|| crate::schedules::rule_name(service, id));
                    // A rule on another bus than the default is `<bus>|<name>` to Ref, as
                    // CloudFormation gives it.
                    let bus = named("EventBusName")
                        .map(|b| b.split_once(":event-bus/").map_or(b.clone(), |(_, n)| n.to_string()))
                        .filter(|b| b != "default");
                    let (arn, reference) = match &bus {
                        Some(bus) => {
                            (format!("arn:aws:events:{region}:{account}:rule/{bus}/{name}"), format!("{bus}|{name}"))
                        }
                        None => (format!("arn:aws:events:{region}:{account}:rule/{name}"), name.clone()),
                    };
                    Target {
                        kind: "AWS::Events::Rule",
                        reference,
                        attributes: HashMap::from([("Arn", arn)]),
                        stream: false,
                    }
                }
                _ => continue,
            };
            self.refs.insert(id.to_string(), target);
        }
        // The APIs the framework makes, under its logical ids.
        for id in ["ApiGatewayRestApi", "HttpApi"] {
            let kind = if id == "HttpApi" { "AWS::ApiGatewayV2::Api" } else { "AWS::ApiGateway::RestApi" };
            self.refs.entry(id.to_string()).or_insert_with(|| Target::plain(kind, service.to_string(), []));
        }
        if let Some(v) = outputs {
            self.outputs(v);
        }
        for (id, r) in listed {
            match r.get("Type").and_then(Value::as_str) {
                Some("AWS::SQS::Queue") => queues.extend(self.queue_resource(service, id, r)),
                Some("AWS::SNS::Topic") => self.topic_resource(service, id, r),
                Some("AWS::SNS::Subscription") => self.subscription_resource(id, r),
                Some("AWS::S3::Bucket") => self.bucket_resource(service, id, r),
                Some("AWS::Events::Rule") => self.events_rule_resource(service, id, r),
                Some("AWS::Events::EventBus") => self.event_bus_resource(id, r),
                Some("AWS::Scheduler::ScheduleGroup") => self.schedule_group_resource(service, id, r),
                Some("AWS::Scheduler::Schedule") => self.schedule_resource(service, id, r),
                Some("AWS::StepFunctions::StateMachine") => self.state_machine_resource(id, r),
                Some("AWS::IAM::Role") => self.iam_role_resource(id, r),
                Some("AWS::S3::BucketPolicy") => {
                    if let Some(p) = self.bucket_policy(id, r) {
                        self.resource_policies.push(p);
                    }
                }
                Some("AWS::Lambda::Permission") => {
                    if let Some(p) = self.lambda_permission(id, r) {
                        self.resource_policies.push(p);
                    }
                }
                Some("AWS::ApiGateway::GatewayResponse") => {
                    if let Some(g) = self.gateway_response(id, r) {
                        self.gateway_responses.push(g);
                    }
                }
                _ => tables.extend(self.resource(service, id, r)),
            }
        }
        (tables, queues)
    }

    fn resource(&mut self, service: &str, id: &str, v: &Value) -> Option<TableResource> {
        let base = ["resources", "Resources", id];
        let mut kind = None;
        let mut props = None;
        for (key, v) in self.entries(&base, v) {
            match key {
                "Type" => kind = self.string(&[&base[..], &["Type"]].concat(), v),
                "Properties" => props = Some(v),
                "DeletionPolicy" | "UpdateReplacePolicy" => {
                    self.warn(&[&base[..], &[key]].concat(), "ignored: squall keeps tables when a service is removed")
                }
                other => self.error(&[&base[..], &[other]].concat(), "is not supported yet"),
            }
        }
        match kind.as_deref() {
            Some("AWS::DynamoDB::Table") => {}
            Some(other) => {
                self.error(&[&base[..], &["Type"]].concat(), format!("{other} resources are not supported yet"));
                return None;
            }
            None => {
                self.error(&base, "needs a Type");
                return None;
            }
        }
        let path = [&base[..], &["Properties"]].concat();
        let Some(props) = props else {
            self.error(&base, "needs Properties");
            return None;
        };
        let mut create = serde_json::Map::new();
        let mut name = format!("{service}-{id}");
        let mut ttl = None;
        for (key, v) in self.entries(&path, props) {
            let p = [&path[..], &[key]].concat();
            match key {
                "TableName" => name = self.resolved_text(&p, v)?,
                k if CREATE_PROPERTIES.contains(&k) => match serde_json::to_value(v) {
                    Ok(j) => {
                        create.insert(k.to_string(), j);
                    }
                    Err(e) => self.error(&p, format!("cannot be read: {e}")),
                },
                "TimeToLiveSpecification" => {
                    let enabled = v.get("Enabled").and_then(Value::as_bool).unwrap_or(false);
                    match v.get("AttributeName").and_then(Value::as_str) {
                        Some(a) if enabled => ttl = Some(a.to_string()),
                        Some(_) => {}
                        None => self.error(&p, "needs AttributeName"),
                    }
                }
                k if IGNORED_PROPERTIES.contains(&k) => self.warn(&p, "has no effect under squall; ignored"),
                // Without it (or with SSEEnabled: false), DynamoDB encrypts with a key of its
                // own, which is nothing a caller can check; asking for KMS is.
                "SSESpecification"
                    if v.get("SSEEnabled").and_then(Value::as_bool) == Some(true)
                        || v.get("SSEType").is_some()
                        || v.get("KMSMasterKeyId").is_some() =>
                {
                    self.error(&p, "encryption with a KMS key is not supported yet: Squall would keep the data unencrypted; remove the setting")
                }
                "SSESpecification" => self.warn(&p, "has no effect under squall; ignored"),
                "StreamSpecification" => match v.get("StreamViewType").and_then(Value::as_str) {
                    Some(view) => {
                        let spec = serde_json::json!({ "StreamEnabled": true, "StreamViewType": view });
                        create.insert(key.to_string(), spec);
                    }
                    None => self.error(&p, "needs StreamViewType"),
                },
                "KinesisStreamSpecification" | "ImportSourceSpecification" => self.error(&p, "is not supported yet"),
                other => self.error(&[&path[..], &[other]].concat(), "unknown property"),
            }
        }
        for required in ["KeySchema", "AttributeDefinitions"] {
            if !create.contains_key(required) {
                self.error(&path, format!("needs {required}"));
            }
        }
        create.insert("TableName".into(), name.clone().into());
        Some(TableResource { logical_id: id.to_string(), name, create: serde_json::Value::Object(create), ttl })
    }

    /// An environment value that refers to a resource: `Ref: X`, `Fn::GetAtt: [X, Arn]`,
    /// `!Ref X`, `!GetAtt X.Arn`. `None` (with an error) when it is malformed or unknown;
    /// `Some(None)` when `v` is not a reference at all.
    pub(crate) fn reference(&mut self, path: &crate::parse::Path, v: &Value, refs: &Refs) -> Option<Option<String>> {
        match self.evaluate(path, v, refs) {
            Err(()) => None,
            Ok(None) => Some(None),
            Ok(Some(Evaluated::Text(s))) => Some(Some(s)),
            Ok(Some(Evaluated::List(_))) => {
                self.error(path, "must evaluate to a string, not a list");
                None
            }
            Ok(Some(Evaluated::NoValue)) => {
                self.error(path, "AWS::NoValue leaves out a value that is required here");
                None
            }
        }
    }

    /// The queue an `sqs` event's `arn` names: `!GetAtt Q.Arn` (or the long form) for a
    /// queue of this service, or a queue ARN.
    pub(crate) fn queue_of_arn(&mut self, path: &crate::parse::Path, v: &Value, refs: &Refs) -> Option<String> {
        let arn = match self.reference(path, v, refs)? {
            Some(arn) => arn,
            None => self.string(path, v)?,
        };
        let name = arn
            .strip_prefix("arn:aws:sqs:")
            .and_then(|r| r.rsplit_once(':'))
            .map(|(_, name)| name.to_string())
            .filter(|n| !n.is_empty());
        if name.is_none() {
            self.error(path, format!("{arn} is not an SQS queue ARN"));
        }
        name
    }

    /// The table a `stream` event's `arn` names: `!GetAtt X.StreamArn` (or the long form)
    /// for a table of this service with a `StreamSpecification`, or a stream ARN.
    pub(crate) fn stream_table(&mut self, path: &crate::parse::Path, v: &Value, refs: &Refs) -> Option<String> {
        match self.parse_reference(path, v)? {
            Some((id, Some(attr))) if attr == "StreamArn" => match refs.get(&id) {
                Some(t) if t.stream => Some(t.reference.clone()),
                Some(_) => {
                    self.error(path, format!("table {id} has no StreamSpecification"));
                    None
                }
                None => {
                    self.error(path, format!("refers to {id}, which is not a resource of this service"));
                    None
                }
            },
            Some((id, _)) if refs.get(&id).is_none() => {
                self.error(path, format!("refers to {id}, which is not a resource of this service"));
                None
            }
            Some(_) => {
                self.error(path, "must be a table's StreamArn (!GetAtt Table.StreamArn) or a stream ARN");
                None
            }
            None => {
                let arn = self.string(path, v)?;
                let table = arn
                    .strip_prefix("arn:aws:dynamodb:")
                    .and_then(|r| r.split_once(":table/"))
                    .and_then(|(_, p)| p.split_once("/stream/"))
                    .map(|(t, _)| t.to_string());
                if table.is_none() {
                    self.error(path, format!("{arn} is not a DynamoDB stream ARN"));
                }
                table
            }
        }
    }

    /// `Some(Some((logical id, attribute)))` for a reference, `Some(None)` for a value that
    /// is not one, `None` (with an error) for a malformed one.
    pub(crate) fn parse_reference(
        &mut self,
        path: &crate::parse::Path,
        v: &Value,
    ) -> Option<Option<(String, Option<String>)>> {
        let (id, attr) = match v {
            Value::Mapping(m) if m.len() == 1 => match (m.get("Ref"), m.get("Fn::GetAtt")) {
                (Some(Value::String(id)), None) => (id.clone(), None),
                (None, Some(Value::Sequence(s))) if s.len() == 2 => match (s[0].as_str(), s[1].as_str()) {
                    (Some(id), Some(attr)) => (id.to_string(), Some(attr.to_string())),
                    _ => {
                        self.error(path, "Fn::GetAtt takes [LogicalId, Attribute]");
                        return None;
                    }
                },
                _ => return Some(None),
            },
            Value::Tagged(t) => match (t.tag.to_string().as_str(), t.value.as_str()) {
                ("!Ref", Some(id)) => (id.to_string(), None),
                ("!GetAtt", Some(spec)) => match spec.split_once('.') {
                    Some((id, attr)) => (id.to_string(), Some(attr.to_string())),
                    None => {
                        self.error(path, "!GetAtt takes LogicalId.Attribute");
                        return None;
                    }
                },
                (tag, _) => {
                    self.error(path, format!("the {tag} tag is not supported"));
                    return None;
                }
            },
            _ => return Some(None),
        };
        Some(Some((id, attr)))
    }
}

/// A function's key as the Serverless Framework spells it in logical ids: `-` as `Dash`,
/// `_` as `Underscore`, the first letter capitalized (`send-mail` → `SendDashmail`).
pub(crate) fn function_logical_name(key: &str) -> String {
    let spelled = key.replace('-', "Dash").replace('_', "Underscore");
    let mut chars = spelled.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spelled,
    }
}

impl Cx<'_> {
    /// `resources.Outputs`: each `Value` evaluated (intrinsics resolved); `Export` is
    /// accepted for `${cf:}` readers but there is no `Fn::ImportValue`.
    fn outputs(&mut self, v: &Value) {
        let refs = std::mem::take(&mut self.refs);
        for (name, out) in self.entries(&["resources", "Outputs"], v) {
            let base = ["resources", "Outputs", name];
            let mut value = None;
            let mut description = String::new();
            let mut included = true;
            for (key, val) in self.entries(&base, out) {
                let p = [base[0], base[1], base[2], key];
                match key {
                    "Value" => value = self.text(&p, val, &refs).ok().flatten(),
                    "Description" => description = self.string(&p, val).unwrap_or_default(),
                    "Export" => self.warn(&p, "ignored: squall has no stack exports (read the output with ${cf:})"),
                    "Condition" => match val.as_str().map(|c| self.condition(&p, c)) {
                        Some(Ok(true)) => {}
                        Some(Ok(false)) => included = false,
                        _ => self.error(&p, "must be the name of a condition"),
                    },
                    other => self.error(&p, format!("{other} is not a key of an output")),
                }
            }
            if out.get("Value").is_none() {
                self.error(&base, "needs a Value");
            }
            if let Some(value) = value.filter(|_| included) {
                self.outputs.push(crate::Output { name: name.to_string(), value, description });
            }
        }
        self.refs = refs;
    }
}
