//! ASL text → [`Machine`], or the problems that stop it, each with a code, a message and
//! the location (a JSON pointer) ValidateStateMachineDefinition reports.

use super::*;
use crate::{choice, paths, template};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, VecDeque};

mod jsonata;

/// One problem of a definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub message: String,
    pub location: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} at {}", self.code, self.message, self.location)
    }
}

const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";

/// Parses a definition, or says everything wrong with it.
pub fn parse(text: &str) -> Result<Arc<Machine>, Vec<Diagnostic>> {
    if text.trim().is_empty() {
        return Err(vec![Diagnostic {
            code: "MISSING_DESCRIPTION",
            message: "The definition is empty".into(),
            location: "/".into(),
        }]);
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        vec![Diagnostic { code: "INVALID_JSON_DESCRIPTION", message: e.to_string(), location: "/".into() }]
    })?;
    let mut p = Parser { out: Vec::new(), jsonata: false };
    let machine = p.machine(&doc, "", true);
    match machine {
        Some(m) if p.out.is_empty() => Ok(Arc::new(m)),
        _ => Err(p.out),
    }
}

/// The diagnostics of a definition (empty: it is valid).
pub fn validate(text: &str) -> Vec<Diagnostic> {
    parse(text).err().unwrap_or_default()
}

struct Parser {
    out: Vec<Diagnostic>,
    /// The machine's QueryLanguage is JSONata: its states' default.
    jsonata: bool,
}

const COMMON: &[&str] = &["Type", "Comment", "InputPath", "OutputPath", "Next", "End", "QueryLanguage"];
const COMMON_JSONATA: &[&str] = &["Type", "Comment", "Next", "End", "QueryLanguage"];

/// The fields of each state type in a JSONata state.
fn allowed_jsonata(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pass" => &["Output", "Assign"],
        "Task" => {
            &["Resource", "Arguments", "Output", "Assign", "Retry", "Catch", "TimeoutSeconds", "HeartbeatSeconds"]
        }
        "Choice" => &["Choices", "Default", "Output", "Assign"],
        "Wait" => &["Seconds", "Timestamp", "Output", "Assign"],
        "Succeed" => &["Output"],
        "Fail" => &["Error", "Cause"],
        "Parallel" => &["Branches", "Arguments", "Output", "Assign", "Retry", "Catch"],
        _ => &[
            "Items",
            "ItemSelector",
            "ItemProcessor",
            "Iterator",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "ItemBatcher",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "Label",
        ],
    }
}

fn allowed(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pass" => &["Result", "ResultPath", "Parameters"],
        "Task" => &[
            "Resource",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
        ],
        "Choice" => &["Choices", "Default"],
        "Wait" => &["Seconds", "SecondsPath", "Timestamp", "TimestampPath"],
        "Succeed" => &[],
        "Fail" => &["Error", "ErrorPath", "Cause", "CausePath"],
        "Parallel" => &["Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"],
        "Map" => &[
            "ItemsPath",
            "ItemSelector",
            "Parameters",
            "ItemProcessor",
            "Iterator",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ItemBatcher",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Label",
        ],
        _ => return None,
    })
}

/// Fields of the language Squall does not run yet, refused by name.
const NOT_YET: &[(&str, &str)] = &[
    ("ItemReader", "a Map's ItemReader (distributed maps)"),
    ("ResultWriter", "a Map's ResultWriter (distributed maps)"),
    ("Credentials", "a Task's Credentials"),
];

impl Parser {
    fn error(&mut self, code: &'static str, location: &str, message: impl Into<String>) {
        let location = if location.is_empty() { "/".to_string() } else { location.to_string() };
        self.out.push(Diagnostic { code, message: message.into(), location });
    }

    fn machine(&mut self, doc: &Value, at: &str, top: bool) -> Option<Machine> {
        let Some(fields) = doc.as_object() else {
            self.error(SCHEMA, at, "A state machine must be a JSON object");
            return None;
        };
        for key in fields.keys() {
            let known = ["StartAt", "States", "Comment"].contains(&key.as_str())
                || (top && ["TimeoutSeconds", "Version", "QueryLanguage"].contains(&key.as_str()))
                || (!top && key == "ProcessorConfig");
            if !known {
                self.error(SCHEMA, &format!("{at}/{key}"), format!("Field '{key}' is not supported"));
            }
        }
        if top {
            match fields.get("QueryLanguage").map(|q| q.as_str()) {
                None | Some(Some("JSONPath")) => {}
                Some(Some("JSONata")) => self.jsonata = true,
                Some(_) => self.error(SCHEMA, "/QueryLanguage", "QueryLanguage must be JSONPath or JSONata"),
            }
            if let Some(v) = fields.get("Version").filter(|v| v.as_str() != Some("1.0")) {
                self.error(SCHEMA, "/Version", format!("Version must be \"1.0\", not {v}"));
            }
        }
        if let Some(config) = fields.get("ProcessorConfig") {
            self.processor_config(config, &format!("{at}/ProcessorConfig"));
        }
        let timeout_seconds = match fields.get("TimeoutSeconds") {
            None => None,
            Some(v) => match v.as_u64().filter(|n| *n > 0 && *n <= 99_999_999) {
                Some(n) => Some(n),
                None => {
                    self.error(SCHEMA, &format!("{at}/TimeoutSeconds"), "TimeoutSeconds must be a positive integer");
                    None
                }
            },
        };
        let start_at = match fields.get("StartAt").and_then(Value::as_str) {
            Some(s) => s.to_string(),
            None => {
                self.error(SCHEMA, at, "The field 'StartAt' is required and must be a string");
                return None;
            }
        };
        let Some(states_doc) = fields.get("States").and_then(Value::as_object) else {
            self.error(SCHEMA, at, "The field 'States' is required and must be an object");
            return None;
        };
        let mut states = HashMap::new();
        for (name, state) in states_doc {
            let loc = format!("{at}/States/{name}");
            if name.is_empty() || name.chars().count() > 80 {
                self.error("INVALID_STATE_NAME", &loc, format!("State name '{name}' must be 1 to 80 characters long"));
            }
            if let Some(s) = self.state(name, state, &loc) {
                states.insert(name.clone(), Arc::new(s));
            }
        }
        let before = self.out.len();
        self.graph(&start_at, &states, states_doc, at);
        if self.out.len() > before {
            return None;
        }
        Some(Machine { start_at, states, timeout_seconds })
    }

    /// Transitions name states of this machine, every state is reachable, one can end it.
    fn graph(&mut self, start_at: &str, states: &HashMap<String, Arc<State>>, docs: &Map<String, Value>, at: &str) {
        if !docs.contains_key(start_at) {
            self.error(
                "MISSING_TRANSITION_TARGET",
                &format!("{at}/StartAt"),
                format!("Missing 'StartAt' target: {start_at}"),
            );
            return;
        }
        let mut terminal = false;
        for (name, state) in states {
            let loc = format!("{at}/States/{name}");
            for (field, target) in targets(state) {
                if !docs.contains_key(&target) {
                    self.error(
                        "MISSING_TRANSITION_TARGET",
                        &format!("{loc}/{field}"),
                        format!("Missing '{}' target: {target}", field.rsplit('/').next().unwrap_or("Next")),
                    );
                }
            }
            if state.next.is_none() && !matches!(state.kind, Kind::Choice { .. }) {
                terminal = true;
            }
        }
        if !terminal && !states.is_empty() {
            self.error("MISSING_END_STATE", at, "The state machine has no terminal state (End: true, Succeed or Fail)");
        }
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([start_at.to_string()]);
        while let Some(name) = queue.pop_front() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(s) = states.get(&name) {
                queue.extend(targets(s).into_iter().map(|(_, t)| t));
            }
        }
        for name in docs.keys() {
            if !seen.contains(name) && states.contains_key(name) {
                self.error(
                    "UNREACHABLE_STATE",
                    &format!("{at}/States/{name}"),
                    format!("State '{name}' is not reachable"),
                );
            }
        }
    }

    fn state(&mut self, name: &str, doc: &Value, at: &str) -> Option<State> {
        let Some(f) = doc.as_object() else {
            self.error(SCHEMA, at, "A state must be a JSON object");
            return None;
        };
        let Some(kind_name) = f.get("Type").and_then(Value::as_str) else {
            self.error(SCHEMA, at, "The field 'Type' is required");
            return None;
        };
        let Some(extra) = allowed(kind_name) else {
            self.error(SCHEMA, &format!("{at}/Type"), format!("Unknown state type '{kind_name}'"));
            return None;
        };
        let before = self.out.len();
        let jsonata = match f.get("QueryLanguage").map(|q| q.as_str()) {
            None => self.jsonata,
            Some(Some("JSONata")) => true,
            Some(Some("JSONPath")) if self.jsonata => {
                self.error(
                    SCHEMA,
                    &format!("{at}/QueryLanguage"),
                    "A JSONata state machine cannot have JSONPath states",
                );
                false
            }
            Some(Some("JSONPath")) => false,
            Some(_) => {
                self.error(SCHEMA, &format!("{at}/QueryLanguage"), "QueryLanguage must be JSONPath or JSONata");
                false
            }
        };
        if jsonata {
            return self.jsonata_state(name, kind_name, f, at, before);
        }
        for key in f.keys() {
            if let Some((_, what)) = NOT_YET.iter().find(|(k, _)| k == key) {
                self.error(SCHEMA, &format!("{at}/{key}"), format!("{what} is not supported by Squall yet"));
            } else if key == "Assign" {
                self.error(
                    SCHEMA,
                    &format!("{at}/{key}"),
                    "Variables (Assign) in JSONPath states are not supported by Squall yet: use QueryLanguage JSONata",
                );
            } else if key == "Arguments" || key == "Output" {
                self.error(SCHEMA, &format!("{at}/{key}"), format!("Field '{key}' is only for JSONata states"));
            } else if !COMMON.contains(&key.as_str()) && !extra.contains(&key.as_str()) {
                self.error(
                    SCHEMA,
                    &format!("{at}/{key}"),
                    format!("Field '{key}' is not supported in a {kind_name} state"),
                );
            }
        }
        // Transitions.
        let terminal_kind = matches!(kind_name, "Succeed" | "Fail");
        let next = f.get("Next").map(|n| n.as_str().map(str::to_string));
        let end = f.get("End").map(|e| e.as_bool());
        let next = match (kind_name, next, end) {
            ("Choice", None, None) => None,
            ("Choice", _, _) => {
                self.error(SCHEMA, at, "A Choice state cannot have 'Next' or 'End'");
                None
            }
            (_, None, None) if terminal_kind => None,
            (_, Some(_), _) | (_, _, Some(_)) if terminal_kind => {
                self.error(SCHEMA, at, format!("A {kind_name} state cannot have 'Next' or 'End'"));
                None
            }
            (_, Some(Some(n)), None) => Some(n),
            (_, None, Some(Some(true))) => None,
            (_, Some(_), Some(_)) => {
                self.error(SCHEMA, at, "A state cannot have both 'Next' and 'End'");
                None
            }
            (_, Some(None), _) => {
                self.error(SCHEMA, &format!("{at}/Next"), "'Next' must be a string");
                None
            }
            _ => {
                self.error(SCHEMA, at, "The state needs 'Next' or 'End: true'");
                None
            }
        };
        let input_path = self.io_path(f, "InputPath", at);
        let output_path = if kind_name == "Fail" { Some("$".into()) } else { self.io_path(f, "OutputPath", at) };
        let result_path = match f.get("ResultPath") {
            None => Some("$".to_string()),
            Some(Value::Null) => None,
            Some(Value::String(p)) if paths::reference(p).is_some() => Some(p.clone()),
            Some(v) => {
                self.error(
                    SCHEMA,
                    &format!("{at}/ResultPath"),
                    format!("ResultPath must be a reference path or null, not {v}"),
                );
                None
            }
        };
        let parameters = self.template(f, "Parameters", at);
        let result_selector = self.template(f, "ResultSelector", at);
        let retry = self.retriers(f.get("Retry"), &format!("{at}/Retry"));
        let catch = self.catchers(f.get("Catch"), &format!("{at}/Catch"), false);
        let kind = match kind_name {
            "Pass" => Kind::Pass { result: f.get("Result").cloned() },
            "Task" => {
                let resource = match f.get("Resource").and_then(Value::as_str) {
                    None => {
                        self.error(SCHEMA, at, "The field 'Resource' is required");
                        return None;
                    }
                    Some(r) => match Resource::parse(r) {
                        Ok(r) => r,
                        Err(m) => {
                            self.error("INVALID_RESOURCE", &format!("{at}/Resource"), m);
                            return None;
                        }
                    },
                };
                let timeout = self.number(f, "TimeoutSeconds", at, 1.0);
                let heartbeat = self.number(f, "HeartbeatSeconds", at, 1.0);
                if let (Some(Number::Literal(t)), Some(Number::Literal(h))) = (&timeout, &heartbeat)
                    && h >= t
                {
                    self.error(
                        SCHEMA,
                        &format!("{at}/HeartbeatSeconds"),
                        "HeartbeatSeconds must be smaller than TimeoutSeconds",
                    );
                }
                Kind::Task(Task { resource, timeout, heartbeat })
            }
            "Choice" => {
                let mut choices = Vec::new();
                match f.get("Choices").and_then(Value::as_array).filter(|c| !c.is_empty()) {
                    None => self.error(SCHEMA, at, "A Choice state needs a non-empty 'Choices' array"),
                    Some(list) => {
                        for (i, c) in list.iter().enumerate() {
                            let loc = format!("{at}/Choices/{i}");
                            match choice::parse(c, &loc, true) {
                                Ok(rule) => {
                                    let next = c.get("Next").and_then(Value::as_str).unwrap_or_default().to_string();
                                    choices.push((rule, next));
                                }
                                Err((l, m)) => self.error(SCHEMA, &l, m),
                            }
                        }
                    }
                }
                let default = f.get("Default").and_then(Value::as_str).map(str::to_string);
                let io = vec![Io::default(); choices.len()];
                Kind::Choice { choices, default, io }
            }
            "Wait" => {
                let given: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
                    .into_iter()
                    .filter(|k| f.contains_key(*k))
                    .collect();
                if given.len() != 1 {
                    self.error(
                        SCHEMA,
                        at,
                        "A Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath",
                    );
                    return None;
                }
                let v = &f[given[0]];
                let bad = |p: &mut Parser, what: &str| {
                    p.error(SCHEMA, &format!("{at}/{}", given[0]), format!("{} must be {what}", given[0]));
                };
                match given[0] {
                    "Seconds" => match v.as_u64().filter(|n| *n <= 99_999_999) {
                        Some(n) => Kind::Wait(Wait::Seconds(n)),
                        None => {
                            bad(self, "a non-negative integer");
                            return None;
                        }
                    },
                    "Timestamp" => match v.as_str().filter(|t| choice::timestamp(t).is_some()) {
                        Some(t) => Kind::Wait(Wait::Timestamp(t.to_string())),
                        None => {
                            bad(self, "an RFC 3339 timestamp such as 2016-03-14T01:59:00Z");
                            return None;
                        }
                    },
                    key => match v.as_str().filter(|p| paths::reference(p).is_some()) {
                        Some(p) if key == "SecondsPath" => Kind::Wait(Wait::SecondsPath(p.into())),
                        Some(p) => Kind::Wait(Wait::TimestampPath(p.into())),
                        None => {
                            bad(self, "a reference path");
                            return None;
                        }
                    },
                }
            }
            "Succeed" => Kind::Succeed,
            "Fail" => {
                let error = self.text(f, "Error", at);
                let cause = self.text(f, "Cause", at);
                Kind::Fail { error, cause }
            }
            "Parallel" => Kind::Parallel { branches: self.branches(f, at) },
            "Map" => self.map(f, at)?,
            _ => unreachable!("checked by allowed()"),
        };
        if self.out.len() > before {
            return None;
        }
        Some(State {
            name: name.to_string(),
            kind,
            next,
            input_path,
            output_path,
            parameters: if kind_name == "Map" { None } else { parameters },
            result_selector,
            result_path,
            retry,
            catch,
            jsonata: false,
            arguments: None,
            output: None,
            assign: None,
        })
    }

    /// A Parallel state's `Branches`: each a machine of its own, at least one.
    pub(super) fn branches(&mut self, f: &Map<String, Value>, at: &str) -> Vec<Arc<Machine>> {
        let mut branches = Vec::new();
        match f.get("Branches").and_then(Value::as_array).filter(|b| !b.is_empty()) {
            None => self.error(SCHEMA, at, "A Parallel state needs a non-empty 'Branches' array"),
            Some(list) => {
                for (i, b) in list.iter().enumerate() {
                    if let Some(m) = self.machine(b, &format!("{at}/Branches/{i}"), false) {
                        branches.push(Arc::new(m));
                    }
                }
            }
        }
        branches
    }

    fn map(&mut self, f: &Map<String, Value>, at: &str) -> Option<Kind> {
        let items_path = match f.get("ItemsPath") {
            None => "$".to_string(),
            Some(Value::String(p)) if paths::reference(p).is_some() || p.starts_with("$$") => p.clone(),
            Some(v) => {
                self.error(SCHEMA, &format!("{at}/ItemsPath"), format!("ItemsPath must be a reference path, not {v}"));
                return None;
            }
        };
        if f.contains_key("ItemSelector") && f.contains_key("Parameters") {
            self.error(SCHEMA, at, "A Map state takes ItemSelector or (the older) Parameters, not both");
        }
        let item_selector = self.template(f, "ItemSelector", at).or_else(|| self.template(f, "Parameters", at));
        let (key, processor) = match (f.get("ItemProcessor"), f.get("Iterator")) {
            (Some(p), None) => ("ItemProcessor", p),
            (None, Some(p)) => ("Iterator", p),
            _ => {
                self.error(SCHEMA, at, "A Map state needs exactly one of ItemProcessor or (the older) Iterator");
                return None;
            }
        };
        let distributed =
            processor.get("ProcessorConfig").and_then(|c| c.get("Mode")).and_then(Value::as_str) == Some("DISTRIBUTED");
        let processor = self.machine(processor, &format!("{at}/{key}"), false)?;
        let batcher = match f.get("ItemBatcher") {
            None => None,
            Some(Value::Object(b)) => {
                let loc = format!("{at}/ItemBatcher");
                for k in b.keys() {
                    if ![
                        "MaxItemsPerBatch",
                        "MaxItemsPerBatchPath",
                        "MaxInputBytesPerBatch",
                        "MaxInputBytesPerBatchPath",
                        "BatchInput",
                    ]
                    .contains(&k.as_str())
                    {
                        self.error(
                            SCHEMA,
                            &format!("{loc}/{k}"),
                            format!("Field '{k}' is not supported in ItemBatcher"),
                        );
                    }
                }
                let max_items = self.number(b, "MaxItemsPerBatch", &loc, 1.0);
                let max_bytes = self.number(b, "MaxInputBytesPerBatch", &loc, 1.0);
                if max_items.is_none() && max_bytes.is_none() {
                    self.error(SCHEMA, &loc, "ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch");
                }
                Some(Batcher { max_items, max_bytes, batch_input: b.get("BatchInput").cloned() })
            }
            Some(_) => {
                self.error(SCHEMA, &format!("{at}/ItemBatcher"), "ItemBatcher must be an object");
                None
            }
        };
        Some(Kind::Map(Box::new(MapState {
            items: None,
            distributed,
            items_path,
            item_selector,
            processor: Arc::new(processor),
            max_concurrency: self.number(f, "MaxConcurrency", at, 0.0),
            tolerated_count: self.number(f, "ToleratedFailureCount", at, 0.0),
            tolerated_percentage: self.number(f, "ToleratedFailurePercentage", at, 0.0),
            batcher,
        })))
    }

    /// A Map's `ProcessorConfig`: `Mode` INLINE, or DISTRIBUTED with an `ExecutionType`.
    fn processor_config(&mut self, config: &Value, at: &str) {
        let Some(c) = config.as_object() else {
            self.error(SCHEMA, at, "ProcessorConfig must be an object");
            return;
        };
        for k in c.keys().filter(|k| !["Mode", "ExecutionType"].contains(&k.as_str())) {
            self.error(SCHEMA, &format!("{at}/{k}"), format!("Field '{k}' is not supported in ProcessorConfig"));
        }
        match (c.get("Mode").map(|m| m.as_str()), c.get("ExecutionType").map(|t| t.as_str())) {
            (None | Some(Some("INLINE")), None) => {}
            (None | Some(Some("INLINE")), Some(_)) => self.error(
                SCHEMA,
                &format!("{at}/ExecutionType"),
                "ExecutionType is only allowed with Mode DISTRIBUTED",
            ),
            (Some(Some("DISTRIBUTED")), Some(Some("STANDARD" | "EXPRESS"))) => {}
            (Some(Some("DISTRIBUTED")), _) => self.error(
                SCHEMA,
                &format!("{at}/ExecutionType"),
                "A DISTRIBUTED Map needs ExecutionType STANDARD or EXPRESS",
            ),
            _ => self.error(SCHEMA, &format!("{at}/Mode"), "Mode must be INLINE or DISTRIBUTED"),
        }
    }

    /// InputPath/OutputPath: absent `$`, null `None`, else a path.
    fn io_path(&mut self, f: &Map<String, Value>, key: &str, at: &str) -> Option<String> {
        match f.get(key) {
            None => Some("$".into()),
            Some(Value::Null) => None,
            Some(Value::String(p)) if p.starts_with("$$") && paths::valid(&p[1..]) => Some(p.clone()),
            Some(Value::String(p)) if paths::valid(p) => Some(p.clone()),
            Some(v) => {
                self.error(SCHEMA, &format!("{at}/{key}"), format!("{key} must be a JSONPath or null, not {v}"));
                Some("$".into())
            }
        }
    }

    fn template(&mut self, f: &Map<String, Value>, key: &str, at: &str) -> Option<Value> {
        let v = f.get(key)?;
        let loc = format!("{at}/{key}");
        if !v.is_object() {
            self.error(SCHEMA, &loc, format!("{key} must be a JSON object"));
            return None;
        }
        for (l, m) in template::problems(v, &loc) {
            self.error(SCHEMA, &l, m);
        }
        Some(v.clone())
    }

    /// `Key` or `KeyPath`, a number at least `min`.
    fn number(&mut self, f: &Map<String, Value>, key: &str, at: &str, min: f64) -> Option<Number> {
        let path_key = format!("{key}Path");
        match (f.get(key), f.get(&path_key)) {
            (None, None) => None,
            (Some(v), None) => match v.as_f64().filter(|n| *n >= min) {
                Some(n) => Some(Number::Literal(n)),
                None => {
                    self.error(SCHEMA, &format!("{at}/{key}"), format!("{key} must be a number of at least {min}"));
                    None
                }
            },
            (None, Some(p)) => match p.as_str().filter(|p| paths::reference(p).is_some() || p.starts_with("$$")) {
                Some(p) => Some(Number::Path(p.into())),
                None => {
                    self.error(SCHEMA, &format!("{at}/{path_key}"), format!("{path_key} must be a reference path"));
                    None
                }
            },
            (Some(_), Some(_)) => {
                self.error(SCHEMA, at, format!("A state cannot have both {key} and {path_key}"));
                None
            }
        }
    }

    fn text(&mut self, f: &Map<String, Value>, key: &str, at: &str) -> Option<Text> {
        let path_key = format!("{key}Path");
        match (f.get(key), f.get(&path_key)) {
            (None, None) => None,
            (Some(Value::String(s)), None) => Some(Text::Literal(s.clone())),
            (None, Some(Value::String(p)))
                if paths::valid(p)
                    || (p.starts_with("$$") && paths::valid(&p[1..]))
                    || crate::intrinsics::is_intrinsic(p) =>
            {
                Some(Text::Path(p.clone()))
            }
            (Some(_), Some(_)) => {
                self.error(SCHEMA, at, format!("A Fail state cannot have both {key} and {path_key}"));
                None
            }
            _ => {
                self.error(SCHEMA, at, format!("{key} must be a string and {path_key} a path"));
                None
            }
        }
    }

    fn errors_list(&mut self, doc: &Value, at: &str) -> Vec<String> {
        let list: Vec<String> = doc
            .get("ErrorEquals")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(|e| e.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        if list.is_empty() {
            self.error(SCHEMA, at, "ErrorEquals must be a non-empty array of strings");
        }
        if list.iter().any(|e| e == crate::failure::names::ALL) && list.len() > 1 {
            self.error(SCHEMA, &format!("{at}/ErrorEquals"), "States.ALL must appear alone in ErrorEquals");
        }
        for e in &list {
            if e.starts_with("States.") && !crate::failure::names::RESERVED.contains(&e.as_str()) {
                self.error(SCHEMA, &format!("{at}/ErrorEquals"), format!("Unknown error name '{e}'"));
            }
        }
        list
    }

    /// A `Retry` or `Catch` array (`what` names it), empty when absent.
    fn handlers<'v>(&mut self, doc: Option<&'v Value>, at: &str, what: &str) -> &'v [Value] {
        match doc.map(Value::as_array) {
            None => &[],
            Some(Some(list)) => list,
            Some(None) => {
                self.error(SCHEMA, at, format!("{what} must be an array"));
                &[]
            }
        }
    }

    /// A retrier's or catcher's `ErrorEquals` (`States.ALL` only in the last of `count`).
    fn handler_errors(&mut self, entry: &Value, loc: &str, i: usize, count: usize, what: &str) -> Vec<String> {
        let errors = self.errors_list(entry, loc);
        if errors.iter().any(|e| e == crate::failure::names::ALL) && i + 1 != count {
            self.error(SCHEMA, loc, format!("A {what} with States.ALL must be the last"));
        }
        errors
    }

    fn retriers(&mut self, doc: Option<&Value>, at: &str) -> Vec<Retrier> {
        let list = self.handlers(doc, at, "Retry");
        let mut out = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let loc = format!("{at}/{i}");
            let errors = self.handler_errors(r, &loc, i, list.len(), "retrier");
            if let Some(map) = r.as_object() {
                for k in map.keys() {
                    if ![
                        "ErrorEquals",
                        "IntervalSeconds",
                        "MaxAttempts",
                        "BackoffRate",
                        "MaxDelaySeconds",
                        "JitterStrategy",
                        "Comment",
                    ]
                    .contains(&k.as_str())
                    {
                        self.error(SCHEMA, &format!("{loc}/{k}"), format!("Field '{k}' is not supported in a retrier"));
                    }
                }
            }
            let int = |p: &mut Parser, key: &str, default: u64, min: u64| match r.get(key) {
                None => default,
                Some(v) => match v.as_u64().filter(|n| *n >= min && *n <= 99_999_999) {
                    Some(n) => n,
                    None => {
                        p.error(SCHEMA, &format!("{loc}/{key}"), format!("{key} must be an integer of at least {min}"));
                        default
                    }
                },
            };
            let interval_seconds = int(self, "IntervalSeconds", 1, 1);
            let max_attempts = int(self, "MaxAttempts", 3, 0) as u32;
            let max_delay_seconds = r.get("MaxDelaySeconds").map(|_| int(self, "MaxDelaySeconds", 0, 1));
            let backoff_rate = match r.get("BackoffRate") {
                None => 2.0,
                Some(v) => match v.as_f64().filter(|n| *n >= 1.0) {
                    Some(n) => n,
                    None => {
                        self.error(
                            SCHEMA,
                            &format!("{loc}/BackoffRate"),
                            "BackoffRate must be a number of at least 1.0",
                        );
                        2.0
                    }
                },
            };
            let full_jitter = match r.get("JitterStrategy").map(|j| j.as_str()) {
                None | Some(Some("NONE")) => false,
                Some(Some("FULL")) => true,
                _ => {
                    self.error(SCHEMA, &format!("{loc}/JitterStrategy"), "JitterStrategy must be FULL or NONE");
                    false
                }
            };
            out.push(Retrier { errors, interval_seconds, max_attempts, backoff_rate, max_delay_seconds, full_jitter });
        }
        out
    }

    fn catchers(&mut self, doc: Option<&Value>, at: &str, jsonata: bool) -> Vec<Catcher> {
        let list = self.handlers(doc, at, "Catch");
        let mut out = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let loc = format!("{at}/{i}");
            let errors = self.handler_errors(c, &loc, i, list.len(), "catcher");
            if let Some(map) = c.as_object() {
                for k in map.keys() {
                    let jsonata_field = ["Output", "Assign"].contains(&k.as_str()) && jsonata;
                    let path_field = k == "ResultPath" && !jsonata;
                    if !jsonata_field && !path_field && !["ErrorEquals", "Next", "Comment"].contains(&k.as_str()) {
                        self.error(SCHEMA, &format!("{loc}/{k}"), format!("Field '{k}' is not supported in a catcher"));
                    }
                }
            }
            let Some(next) = c.get("Next").and_then(Value::as_str) else {
                self.error(SCHEMA, &loc, "A catcher needs 'Next'");
                continue;
            };
            let result_path = match c.get("ResultPath") {
                None => Some("$".to_string()),
                Some(Value::Null) => None,
                Some(Value::String(p)) if paths::reference(p).is_some() => Some(p.clone()),
                Some(v) => {
                    self.error(
                        SCHEMA,
                        &format!("{loc}/ResultPath"),
                        format!("ResultPath must be a reference path or null, not {v}"),
                    );
                    None
                }
            };
            let io = Io { output: c.get("Output").cloned(), assign: c.get("Assign").cloned() };
            out.push(Catcher { errors, next: next.to_string(), result_path, io });
        }
        out
    }
}

/// The states a state may go to, with the field naming each.
fn targets(state: &State) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(n) = &state.next {
        out.push(("Next".to_string(), n.clone()));
    }
    if let Kind::Choice { choices, default, .. } = &state.kind {
        for (i, (_, next)) in choices.iter().enumerate() {
            out.push((format!("Choices/{i}/Next"), next.clone()));
        }
        if let Some(d) = default {
            out.push(("Default".to_string(), d.clone()));
        }
    }
    for (i, c) in state.catch.iter().enumerate() {
        out.push((format!("Catch/{i}/Next"), c.next.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, String)> {
        validate(text).into_iter().map(|d| (d.code, d.location)).collect()
    }

    #[test]
    fn a_valid_machine_parses() {
        let m = parse(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"C"}],"Default":"D"},"C":{"Type":"Succeed"},"D":{"Type":"Fail","Error":"E"}}}"#).unwrap();
        assert_eq!(m.start_at, "A");
        assert_eq!(m.states.len(), 4);
    }

    #[test]
    fn problems_are_located() {
        assert_eq!(codes("{"), vec![("INVALID_JSON_DESCRIPTION", "/".to_string())]);
        assert_eq!(
            codes(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Z"}}}"#)[0],
            ("MISSING_TRANSITION_TARGET", "/States/A/Next".to_string())
        );
        assert_eq!(
            codes(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Succeed"}}}"#),
            vec![("UNREACHABLE_STATE", "/States/B".to_string())]
        );
        assert_eq!(codes(r#"{"StartAt":"A","States":{"A":{"Type":"Pass"}}}"#)[0].0, "SCHEMA_VALIDATION_FAILED");
        assert_eq!(
            codes(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}"#),
            vec![("MISSING_END_STATE", "/".to_string())]
        );
        assert_eq!(codes(r#"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::glue:startJobRun","End":true}}}"#)[0].0, "INVALID_RESOURCE");
        assert_eq!(
            codes(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"nope"},"End":true}}}"#)[0].1,
            "/States/A/Parameters/x.$"
        );
        assert_eq!(
            codes(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"End":true}}}"#)[0].1,
            "/States/A/Assign"
        );
        let nested = codes(
            r#"{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"}}}]}}}"#,
        );
        assert_eq!(nested[0], ("MISSING_TRANSITION_TARGET", "/States/P/Branches/0/States/X/Next".to_string()));
    }
}
