//! State machines: `stepFunctions.stateMachines` as the serverless-step-functions plugin
//! reads it, and `AWS::StepFunctions::StateMachine` resources.
//!
//! A definition is resolved here, as CloudFormation would resolve the template the plugin
//! compiles: `Fn::GetAtt`/`Ref` (to a function by its key or its logical id, to any other
//! resource), `Fn::Sub`, the plugin's `#{AWS::Region}` pseudo parameters and a resource's
//! `DefinitionSubstitutions` become plain text, so the deploy sends Step Functions a finished
//! definition. A plugin machine without a `role` gets one the deploy makes, allowing what its
//! Task states call (as the plugin's generated role does); its `schedule` and `eventBridge`
//! events become event rules (or schedules) whose target starts it as a role trusting
//! EventBridge.

use crate::Output;
use crate::intrinsics::Evaluated;
use crate::parse::{Cx, Path, dotted};
use crate::resources::{Refs, Target, function_logical_name};
use crate::schedules::rule_name;
use crate::{RuleResource, RuleTarget, ScheduleResource, ScheduleTarget};
use serde_json::{Map, Value as Json, json};
use serde_norway::Value;
use std::collections::BTreeMap;

mod events;
mod policy;

pub(crate) use policy::execution_policy;

/// A state machine of the service.
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachineResource {
    /// Where it was declared (`stepFunctions.stateMachines.main`,
    /// `resources.Resources.Flow`).
    pub origin: String,
    /// Its logical id: the plugin's (`<Key>StepFunctionsStateMachine`, or its `id` or
    /// `name` made a logical id), or the resource's.
    pub logical_id: String,
    /// Its name: `name`/`StateMachineName`, else `<service>-<stage>-<key or logical id>`.
    pub name: String,
    /// Its ARN in the manifest's region.
    pub arn: String,
    /// The definition, every reference resolved.
    pub definition: Json,
    /// `type: EXPRESS` (else STANDARD).
    pub express: bool,
    /// The role executions act as: the one given, or [`StateMachineResource::role`]'s.
    pub role_arn: String,
    /// The role the deploy makes for it when none is given.
    pub role: Option<MadeRole>,
    /// The role its event rules and schedules start it as, when the deploy makes one.
    pub events_role: Option<MadeRole>,
    /// `tracingConfig.enabled` / `TracingConfiguration.Enabled`.
    pub tracing: Option<bool>,
    /// Its tags (the provider's first, unless `inheritGlobalTags: false`).
    pub tags: BTreeMap<String, String>,
}

/// An IAM role the deploy makes (tagged as the deployment's) for a state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct MadeRole {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// The services its trust policy lets assume it (`states.amazonaws.com`...).
    pub trusted: Vec<String>,
    /// Its inline policy.
    pub policy: Json,
}

impl MadeRole {
    /// The trust policy: the [`MadeRole::trusted`] services may assume it.
    pub fn trust_policy(&self) -> Json {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": self.trusted },
                "Action": "sts:AssumeRole",
            }],
        })
    }
}

/// A state machine's ARN.
pub fn state_machine_arn(region: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{}:stateMachine:{name}", squall_types::ACCOUNT_ID)
}

/// Why `name` is not a state machine name Step Functions accepts.
fn name_problem(name: &str) -> Option<String> {
    let len = name.chars().count();
    if len == 0 || len > 80 {
        return Some(format!("the state machine name {name:?} must be 1 to 80 characters"));
    }
    let bad = name.chars().find(|c| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(*c));
    bad.map(|c| format!("the state machine name {name:?} may not hold {c:?}"))
}

/// Why `name` is not an IAM role name.
fn role_name_problem(name: &str) -> Option<String> {
    let ok = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    (!ok)
        .then(|| format!("{name} is not an IAM role name (letters, digits and +=,.@_-): give the state machine a role"))
}

/// An event rule's or schedule's name as the user gives it.
fn rule_name_ok(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// A target id: the characters EventBridge allows, at most 64.
fn target_id(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).take(64).collect()
}

/// The plugin's names for machine `key`: (logical id, output name, name).
fn plugin_names(stack: &str, key: &str, v: &Value) -> (String, String, String) {
    let id = v.get("id").and_then(Value::as_str);
    let name = v.get("name").and_then(Value::as_str);
    let (logical_id, output) = match id.or(name) {
        Some(custom) => (function_logical_name(custom), format!("{}Arn", function_logical_name(custom))),
        None => {
            let base = function_logical_name(key);
            (format!("{base}StepFunctionsStateMachine"), format!("{base}StepFunctionsStateMachineArn"))
        }
    };
    (logical_id, output, name.map_or_else(|| format!("{stack}-{key}"), str::to_string))
}

/// What the deploy needs to know to point events at a machine.
struct MachineTarget<'a> {
    stack: &'a str,
    key: &'a str,
    arn: &'a str,
    /// The role the deploy makes for its events, when an event names none.
    events_role: &'a str,
}

/// Which services the machine's events role must trust.
#[derive(Default)]
struct Trust {
    events: bool,
    scheduler: bool,
}

impl Cx<'_> {
    /// First pass: the plugin's machines under their logical ids (`Ref` and `Arn` give the
    /// ARN, `Name` the name), so any part of the manifest may refer to them.
    pub(crate) fn state_machine_refs(&mut self, stack: &str, v: Option<&Value>) {
        let Some(Value::Mapping(machines)) = v.and_then(|s| s.get("stateMachines")) else { return };
        for (key, m) in machines {
            let Some(key) = key.as_str() else { continue };
            let (logical_id, _, name) = plugin_names(stack, key, m);
            let arn = state_machine_arn(&self.region, &name);
            let target = Target::plain("AWS::StepFunctions::StateMachine", arn.clone(), [("Arn", arn), ("Name", name)]);
            self.refs.insert(logical_id, target);
        }
    }

    /// `stepFunctions`: `stateMachines`, `validate`, `noOutput`. `functions` are the
    /// service's function keys, which definitions may name (`Fn::GetAtt: [hello, Arn]`).
    pub(crate) fn step_functions(
        &mut self,
        stack: &str,
        provider_tags: &BTreeMap<String, String>,
        functions: &[&str],
        v: &Value,
    ) {
        let mut machines = None;
        let mut no_output = false;
        for (key, val) in self.entries(&["stepFunctions"], v) {
            let p = ["stepFunctions", key];
            match key {
                "stateMachines" => machines = Some(val),
                // Squall checks every definition with ValidateStateMachineDefinition before
                // it deploys anything, asked or not.
                "validate" => {
                    self.flag(&p, val);
                }
                "noOutput" => no_output = self.flag(&p, val).unwrap_or(false),
                "activities" => self.error(
                    &p,
                    "activities are not supported by Squall yet (Task states call functions and Squall's services)",
                ),
                other => self.error(
                    &["stepFunctions", other],
                    "is not a stepFunctions setting (state machines go under stepFunctions.stateMachines)",
                ),
            }
        }
        let Some(machines) = machines else { return };
        // As the plugin: a function's key stands for its logical id in references.
        let mut refs = self.refs.clone();
        for f in functions {
            if let Some(t) = self.refs.get(&format!("{}LambdaFunction", function_logical_name(f))) {
                refs.insert(f.to_string(), t.clone());
            }
        }
        for (key, m) in self.entries(&["stepFunctions", "stateMachines"], machines) {
            let cx = PluginCx { stack, provider_tags, refs: &refs, no_output };
            if let Some(machine) = self.plugin_machine(&cx, key, m) {
                self.push_machine(&["stepFunctions", "stateMachines", key], machine);
            }
        }
    }

    fn push_machine(&mut self, path: &Path, machine: StateMachineResource) {
        if let Some(problem) = name_problem(&machine.name) {
            self.error(path, problem);
            return;
        }
        if let Some(other) = self.state_machines.iter().find(|m| m.name == machine.name) {
            let message = format!("the state machine name {} is also used by {}", machine.name, other.origin);
            self.error(path, message);
            return;
        }
        self.state_machines.push(machine);
    }

    /// One entry of `stepFunctions.stateMachines`.
    fn plugin_machine(&mut self, cx: &PluginCx<'_>, key: &str, v: &Value) -> Option<StateMachineResource> {
        let base = ["stepFunctions", "stateMachines", key];
        let origin = dotted(&base);
        let errors_before = self.errors.len();
        let (logical_id, output, name) = plugin_names(cx.stack, key, v);
        let arn = state_machine_arn(&self.region, &name);
        let mut definition = None;
        let mut express = false;
        let mut role = None;
        let mut tracing = None;
        let mut own_tags = BTreeMap::new();
        let mut inherit = true;
        let mut statements: Option<Vec<Json>> = None;
        let mut events = None;
        for (k, val) in self.entries(&base, v) {
            let p = [base[0], base[1], base[2], k];
            match k {
                // Read by the first pass.
                "name" | "id" => {
                    self.string(&p, val);
                }
                "definition" => definition = self.plugin_definition(&p, val, cx.refs),
                "type" => express = self.machine_type(&p, val).unwrap_or(false),
                "role" => role = self.machine_role(&p, val, cx.refs),
                "tracingConfig" => tracing = self.tracing(&p, val, "enabled"),
                "loggingConfig" => self.logging(&p, val, ["level", "includeExecutionData", "destinations"]),
                "alarms" => self.warn(
                    &p,
                    "ignored: squall has no CloudWatch, so no alarms are made (squall executions MACHINE --status FAILED lists failed executions)",
                ),
                "notifications" => self.error(
                    &p,
                    "notifications (execution status changes sent on through CloudWatch Events) are not supported by Squall yet",
                ),
                "tags" => own_tags = self.tag_mapping(&p, val, cx.refs),
                "inheritGlobalTags" => inherit = self.flag(&p, val).unwrap_or(true),
                // CloudFormation's ordering: the deploy makes functions, roles and machines in
                // the order they need.
                "dependsOn" => {}
                "retain" => {
                    if self.flag(&p, val) == Some(true) {
                        self.warn(
                            &p,
                            "ignored: squall deletes a state machine when the service is removed or the manifest no longer has it",
                        );
                    }
                }
                "events" => events = Some(val),
                "iamRoleStatements" => statements = Some(self.statements(&p, val, cx.refs)),
                "useExactVersion" => {
                    if self.flag(&p, val) == Some(true) {
                        self.error(
                            &p,
                            "useExactVersion (each Task pinned to the function version the deploy publishes) is not supported by Squall yet",
                        );
                    }
                }
                "encryptionConfig" => self.error(
                    &p,
                    "encryption with a KMS key is not supported: squall would keep executions' data unencrypted; remove it",
                ),
                other => self.error(&p, format!("{other} is not a state machine setting")),
            }
        }
        if v.get("definition").is_none() {
            self.error(&base, "needs a definition");
        }
        if role.is_some() && statements.is_some() {
            self.error(&base, "iamRoleStatements add to the role squall makes: give them or a role, not both");
        }
        // The roles the deploy makes are named after the deployment and the key.
        let made_name = |suffix: &str| rule_name(cx.stack, &format!("{key}-{suffix}"));
        let account = squall_types::ACCOUNT_ID;
        let events_role_name = made_name("events");
        let events_role_arn = format!("arn:aws:iam::{account}:role/{events_role_name}");
        let mut trust = Trust::default();
        if let Some(events) = events {
            let target = MachineTarget { stack: cx.stack, key, arn: &arn, events_role: &events_role_arn };
            trust = self.machine_events(&[base[0], base[1], base[2], "events"], events, &target);
        }
        if self.errors.len() != errors_before {
            return None;
        }
        let definition = definition?;
        let made = |name: String, trusted: Vec<&str>, policy: Json| MadeRole {
            arn: format!("arn:aws:iam::{account}:role/{name}"),
            name,
            trusted: trusted.into_iter().map(String::from).collect(),
            policy,
        };
        let (role_arn, role) = match role {
            Some(arn) => (arn, None),
            None => {
                let name = made_name("role");
                if let Some(problem) = role_name_problem(&name) {
                    self.error(&base, problem);
                    return None;
                }
                let policy = execution_policy(&definition, &self.region, &statements.unwrap_or_default());
                let role = made(name, vec!["states.amazonaws.com"], policy);
                (role.arn.clone(), Some(role))
            }
        };
        let events_role = if trust.events || trust.scheduler {
            if let Some(problem) = role_name_problem(&events_role_name) {
                self.error(&base, problem);
                return None;
            }
            let mut trusted = Vec::new();
            if trust.events {
                trusted.push("events.amazonaws.com");
            }
            if trust.scheduler {
                trusted.push("scheduler.amazonaws.com");
            }
            let policy = json!({
                "Version": "2012-10-17",
                "Statement": [{ "Effect": "Allow", "Action": ["states:StartExecution"], "Resource": [arn] }],
            });
            Some(made(events_role_name, trusted, policy))
        } else {
            None
        };
        let mut tags = if inherit { cx.provider_tags.clone() } else { BTreeMap::new() };
        tags.extend(own_tags);
        if !cx.no_output && !self.outputs.iter().any(|o| o.name == output) {
            let description = "Current StateMachine Arn".to_string();
            self.outputs.push(Output { name: output, value: arn.clone(), description });
        }
        Some(StateMachineResource {
            origin,
            logical_id,
            name,
            arn,
            definition,
            express,
            role_arn,
            role,
            events_role,
            tracing,
            tags,
        })
    }

    /// A plugin definition: a mapping (references resolved; with any intrinsic or `#{...}`
    /// pseudo parameter, every string is read as `Fn::Sub` text, since the plugin then wraps
    /// the whole definition in `Fn::Sub`), or a string of JSON.
    fn plugin_definition(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<Json> {
        match v {
            Value::String(s) => self.json_text(path, s),
            Value::Mapping(_) => {
                let sub = needs_sub(v);
                let mut at: Vec<String> = path.iter().map(|s| s.to_string()).collect();
                self.resolve_definition(&mut at, v, refs, sub).ok().flatten()
            }
            _ => {
                self.error(path, "must be a mapping (Amazon States Language) or a string of JSON");
                None
            }
        }
    }

    fn json_text(&mut self, path: &Path, text: &str) -> Option<Json> {
        match serde_json::from_str::<Json>(text) {
            Ok(j @ Json::Object(_)) => Some(j),
            Ok(_) => {
                self.error(path, "must be a JSON object (Amazon States Language)");
                None
            }
            Err(e) => {
                self.error(path, format!("is not JSON: {e}"));
                None
            }
        }
    }

    /// `v` as JSON with its intrinsics evaluated; `Ok(None)` for `AWS::NoValue` (left out).
    /// With `sub`, strings holding `${...}` or `#{...}` are `Fn::Sub` templates.
    fn resolve_definition(
        &mut self,
        path: &mut Vec<String>,
        v: &Value,
        refs: &Refs,
        sub: bool,
    ) -> Result<Option<Json>, ()> {
        let here = path.clone();
        let at: Vec<&str> = here.iter().map(String::as_str).collect();
        match self.evaluate(&at, v, refs)? {
            Some(Evaluated::Text(s)) => return Ok(Some(Json::String(s))),
            Some(Evaluated::List(l)) => return Ok(Some(Json::from(l))),
            Some(Evaluated::NoValue) => return Ok(None),
            None => {}
        }
        Ok(Some(match v {
            Value::String(s) if sub && (s.contains("${") || s.contains("#{")) => {
                let mut call = serde_norway::Mapping::new();
                call.insert("Fn::Sub".into(), Value::String(s.replace("#{", "${")));
                match self.evaluate(&at, &Value::Mapping(call), refs)? {
                    Some(Evaluated::Text(t)) => Json::String(t),
                    _ => Json::String(s.clone()),
                }
            }
            Value::Sequence(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    let r = self.resolve_definition(path, item, refs, sub);
                    path.pop();
                    out.extend(r?);
                }
                Json::Array(out)
            }
            Value::Mapping(m) => {
                let wait = m.get("Type").and_then(Value::as_str) == Some("Wait");
                let mut out = Map::new();
                for (k, val) in m {
                    let key = match k {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => {
                            self.error(&at, "keys must be strings");
                            return Err(());
                        }
                    };
                    path.push(key.clone());
                    let r = self.resolve_definition(path, val, refs, sub);
                    path.pop();
                    let Some(mut resolved) = r? else { continue };
                    // The plugin writes a Wait's `Seconds` from a reference as a number.
                    if wait
                        && key == "Seconds"
                        && matches!(val, Value::Mapping(_) | Value::Tagged(_))
                        && let Some(n) = resolved.as_str().and_then(|s| s.parse::<u64>().ok())
                    {
                        resolved = Json::from(n);
                    }
                    out.insert(key, resolved);
                }
                Json::Object(out)
            }
            other => match serde_json::to_value(other) {
                Ok(j) => j,
                Err(e) => {
                    self.error(&at, format!("cannot be read: {e}"));
                    return Err(());
                }
            },
        }))
    }

    fn machine_type(&mut self, path: &Path, v: &Value) -> Option<bool> {
        match v.as_str() {
            Some("STANDARD") => Some(false),
            Some("EXPRESS") => Some(true),
            _ => {
                self.error(path, "must be STANDARD or EXPRESS");
                None
            }
        }
    }

    /// A role ARN, given or referred to.
    fn machine_role(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<String> {
        let arn = self.text(path, v, refs).ok().flatten()?;
        if arn.starts_with("arn:aws:iam::") && arn.contains(":role/") {
            return Some(arn);
        }
        self.error(path, format!("{arn} is not an IAM role ARN (a role trusting states.amazonaws.com)"));
        None
    }

    /// `{enabled}` / `{Enabled}`.
    fn tracing(&mut self, path: &Path, v: &Value, enabled: &str) -> Option<bool> {
        let mut out = Some(false);
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            if k == enabled {
                out = self.flag(&p, val);
            } else {
                self.error(&p, format!("{k} is not a tracing setting ({enabled} is)"));
            }
        }
        out
    }

    /// A logging configuration: checked, and accepted with a warning (there is no CloudWatch
    /// Logs to deliver to; Step Functions' own history is kept).
    fn logging(&mut self, path: &Path, v: &Value, keys: [&str; 3]) {
        let [level, data, destinations] = keys;
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                k if k == level => {
                    if !matches!(val.as_str(), Some("ALL" | "ERROR" | "FATAL" | "OFF")) {
                        self.error(&p, "must be ALL, ERROR, FATAL or OFF");
                    }
                }
                k if k == data => {
                    self.flag(&p, val);
                }
                k if k == destinations => {
                    if !matches!(val, Value::Sequence(_)) {
                        self.error(&p, "must be a list of log group ARNs");
                    }
                }
                other => self.error(&p, format!("{other} is not a logging setting")),
            }
        }
        self.warn(
            path,
            "accepted, but no logs are delivered: squall has no CloudWatch Logs; every STANDARD execution's history is kept (aws stepfunctions get-execution-history, squall execution ARN)",
        );
    }

    /// `tags: {key: value}`.
    fn tag_mapping(&mut self, path: &Path, v: &Value, refs: &Refs) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            if let Ok(Some(value)) = self.text(&p, val, refs) {
                out.insert(k.to_string(), value);
            }
        }
        out
    }

    /// An `AWS::StepFunctions::StateMachine` resource.
    pub(crate) fn state_machine_resource(&mut self, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let errors_before = self.errors.len();
        let props = self.resource_properties(&base, v, "ignored: squall deletes a service's state machines with it");
        let path = [&base[..], &["Properties"]].concat();
        let Some(props) = props else {
            self.error(&base, "needs Properties (Definition or DefinitionString, and RoleArn)");
            return;
        };
        let refs = std::mem::take(&mut self.refs);
        let named = refs.get(id).and_then(|t| t.attributes.get("Name")).cloned();
        let mut name = named.unwrap_or_else(|| format!("{}-{id}", self.stack));
        let mut definition = None;
        let mut text = None;
        let mut substitutions = BTreeMap::new();
        let mut role_arn = None;
        let mut express = false;
        let mut tracing = None;
        let mut tags = BTreeMap::new();
        for (key, val) in self.entries(&path, props) {
            let p = [&path[..], &[key]].concat();
            match key {
                "StateMachineName" => name = self.text(&p, val, &refs).ok().flatten().unwrap_or(name),
                "Definition" => match val {
                    Value::Mapping(_) => {
                        let mut at: Vec<String> = p.iter().map(|s| s.to_string()).collect();
                        definition = self.resolve_definition(&mut at, val, &refs, false).ok().flatten().map(|d| (p, d));
                    }
                    _ => self.error(&p, "must be a mapping (Amazon States Language)"),
                },
                "DefinitionString" => {
                    text = match val {
                        Value::String(s) => Some((p, s.clone())),
                        other => self.text(&p, other, &refs).ok().flatten().map(|s| (p, s)),
                    }
                }
                "DefinitionSubstitutions" => substitutions = self.substitutions(&p, val, &refs),
                "RoleArn" => role_arn = self.machine_role(&p, val, &refs),
                "StateMachineType" => express = self.machine_type(&p, val).unwrap_or(false),
                "TracingConfiguration" => tracing = self.tracing(&p, val, "Enabled"),
                "LoggingConfiguration" => self.logging(&p, val, ["Level", "IncludeExecutionData", "Destinations"]),
                "Tags" => self.tag_list(&p, val, &mut tags),
                "DefinitionS3Location" => self.error(
                    &p,
                    "DefinitionS3Location is not supported by Squall yet: write the definition in Definition or DefinitionString",
                ),
                "EncryptionConfiguration" => self.error(
                    &p,
                    "encryption with a KMS key is not supported: squall would keep executions' data unencrypted; remove it",
                ),
                other => self.error(&p, format!("{other} is not a property of a state machine")),
            }
        }
        self.refs = refs;
        let definition = match (definition, text) {
            (Some((_, d)), None) => Some(substitute(d, &substitutions)),
            (None, Some((p, t))) => self.json_text(&p, &substitute_text(&t, &substitutions)),
            (Some(_), Some((p, _))) => {
                self.error(&p, "give Definition or DefinitionString, not both");
                None
            }
            (None, None) => {
                if self.errors.len() == errors_before {
                    self.error(&path, "needs Definition or DefinitionString");
                }
                None
            }
        };
        if role_arn.is_none() && props.get("RoleArn").is_none() {
            self.error(&path, "needs RoleArn (a role trusting states.amazonaws.com)");
        }
        if self.errors.len() != errors_before {
            return;
        }
        let (Some(definition), Some(role_arn)) = (definition, role_arn) else { return };
        let machine = StateMachineResource {
            origin: dotted(&base),
            logical_id: id.to_string(),
            arn: state_machine_arn(&self.region, &name),
            name,
            definition,
            express,
            role_arn,
            role: None,
            events_role: None,
            tracing,
            tags,
        };
        self.push_machine(&base, machine);
    }

    /// `DefinitionSubstitutions`: each value a string, number, boolean or intrinsic.
    fn substitutions(&mut self, path: &Path, v: &Value, refs: &Refs) -> BTreeMap<String, Json> {
        let mut out = BTreeMap::new();
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            let value = match val {
                Value::Number(_) | Value::Bool(_) => serde_json::to_value(val).ok(),
                Value::String(s) => Some(Json::String(s.clone())),
                other => self.text(&p, other, refs).ok().flatten().map(Json::String),
            };
            if let Some(value) = value {
                out.insert(k.to_string(), value);
            }
        }
        out
    }
}

/// What plugin machines are read with.
struct PluginCx<'a> {
    stack: &'a str,
    provider_tags: &'a BTreeMap<String, String>,
    /// The service's references, and its functions by key.
    refs: &'a Refs,
    no_output: bool,
}

/// Whether the plugin would wrap a definition in `Fn::Sub`: it holds an intrinsic or a
/// `#{...}` pseudo parameter.
fn needs_sub(v: &Value) -> bool {
    match v {
        Value::Tagged(_) => true,
        Value::String(s) => s.contains("#{"),
        Value::Sequence(items) => items.iter().any(needs_sub),
        Value::Mapping(m) => {
            let intrinsic = m.len() == 1
                && m.keys().next().and_then(Value::as_str).is_some_and(|k| k == "Ref" || k.starts_with("Fn::"));
            intrinsic || m.values().any(needs_sub)
        }
        _ => false,
    }
}

/// `DefinitionSubstitutions` applied to a definition's strings: a string that is one
/// placeholder becomes the value (a number stays a number), others have their placeholders
/// replaced as text.
fn substitute(definition: Json, subs: &BTreeMap<String, Json>) -> Json {
    if subs.is_empty() {
        return definition;
    }
    match definition {
        Json::String(s) => {
            let whole = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')).and_then(|n| subs.get(n));
            match whole {
                Some(v) => v.clone(),
                None => Json::String(substitute_text(&s, subs)),
            }
        }
        Json::Array(items) => Json::Array(items.into_iter().map(|i| substitute(i, subs)).collect()),
        Json::Object(m) => Json::Object(m.into_iter().map(|(k, v)| (k, substitute(v, subs))).collect()),
        other => other,
    }
}

/// `${Name}` placeholders in `text` replaced by their values' text.
fn substitute_text(text: &str, subs: &BTreeMap<String, Json>) -> String {
    let mut out = text.to_string();
    for (name, value) in subs {
        let with = match value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        out = out.replace(&format!("${{{name}}}"), &with);
    }
    out
}

#[cfg(test)]
mod tests;
