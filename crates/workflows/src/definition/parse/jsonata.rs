//! The states of `QueryLanguage: JSONata`: `Arguments`, `Output`, `Assign`, a Choice's
//! `Condition`s, a Map's `Items`, and `{% … %}` expressions where JSONPath states take
//! numbers, timestamps and texts; the JSONPath fields are refused.

use super::*;
use crate::jsonata;

/// A number or a `{% … %}` expression giving one.
fn number(v: &Value) -> Option<Number> {
    match v {
        Value::Number(n) => n.as_f64().map(Number::Literal),
        Value::String(s) => jsonata::expression(s).map(|e| Number::Expr(e.to_string())),
        _ => None,
    }
}

/// A string, or a `{% … %}` expression.
fn text(v: &Value) -> Option<Text> {
    let s = v.as_str()?;
    Some(match jsonata::expression(s) {
        Some(e) => Text::Expr(e.to_string()),
        None => Text::Literal(s.to_string()),
    })
}

impl Parser {
    /// A template's expressions must parse.
    fn jsonata_template(&mut self, v: Option<&Value>, at: &str) -> Option<Value> {
        let v = v?;
        for (l, m) in jsonata::problems(v, at) {
            self.error(SCHEMA, &l, m);
        }
        Some(v.clone())
    }

    fn jsonata_number(&mut self, f: &Map<String, Value>, key: &str, at: &str) -> Option<Number> {
        let v = f.get(key)?;
        match number(v) {
            Some(Number::Expr(e)) => {
                if let Err(m) = jsonata::check(&e) {
                    self.error(SCHEMA, &format!("{at}/{key}"), m);
                }
                Some(Number::Expr(e))
            }
            Some(n) => Some(n),
            None => {
                self.error(SCHEMA, &format!("{at}/{key}"), format!("{key} must be a number or a JSONata expression"));
                None
            }
        }
    }

    pub(super) fn jsonata_state(
        &mut self,
        name: &str,
        kind_name: &str,
        f: &Map<String, Value>,
        at: &str,
        before: usize,
    ) -> Option<State> {
        let extra = allowed_jsonata(kind_name);
        for key in f.keys() {
            if let Some((_, what)) = NOT_YET.iter().find(|(k, _)| k == key) {
                self.error(SCHEMA, &format!("{at}/{key}"), format!("{what} is not supported by Squall yet"));
            } else if !COMMON_JSONATA.contains(&key.as_str()) && !extra.contains(&key.as_str()) {
                self.error(
                    SCHEMA,
                    &format!("{at}/{key}"),
                    format!("Field '{key}' is not supported in a JSONata {kind_name} state"),
                );
            }
        }
        let terminal = matches!(kind_name, "Succeed" | "Fail" | "Choice");
        let next = match (f.get("Next").and_then(Value::as_str), f.get("End").and_then(Value::as_bool)) {
            (None, None) if terminal => None,
            (Some(_), _) | (_, Some(_)) if terminal => {
                self.error(SCHEMA, at, format!("A {kind_name} state cannot have 'Next' or 'End'"));
                None
            }
            (Some(n), None) => Some(n.to_string()),
            (None, Some(true)) => None,
            _ => {
                self.error(SCHEMA, at, "The state needs 'Next' or 'End: true' (not both)");
                None
            }
        };
        let arguments = self.jsonata_template(f.get("Arguments"), &format!("{at}/Arguments"));
        let output = self.jsonata_template(f.get("Output"), &format!("{at}/Output"));
        let assign = self.jsonata_template(f.get("Assign"), &format!("{at}/Assign"));
        if assign.as_ref().is_some_and(|a| !a.is_object()) {
            self.error(SCHEMA, &format!("{at}/Assign"), "Assign must be an object of variable names");
        }
        let retry = self.retriers(f.get("Retry"), &format!("{at}/Retry"));
        let catch = self.catchers(f.get("Catch"), &format!("{at}/Catch"), true);
        for (i, c) in catch.iter().enumerate() {
            self.jsonata_template(c.io.output.as_ref(), &format!("{at}/Catch/{i}/Output"));
            self.jsonata_template(c.io.assign.as_ref(), &format!("{at}/Catch/{i}/Assign"));
        }
        let kind = match kind_name {
            "Pass" => Kind::Pass { result: None },
            "Task" => {
                let resource = match f.get("Resource").and_then(Value::as_str).map(Resource::parse) {
                    None => {
                        self.error(SCHEMA, at, "The field 'Resource' is required");
                        return None;
                    }
                    Some(Ok(r)) => r,
                    Some(Err(m)) => {
                        self.error("INVALID_RESOURCE", &format!("{at}/Resource"), m);
                        return None;
                    }
                };
                let timeout = self.jsonata_number(f, "TimeoutSeconds", at);
                let heartbeat = self.jsonata_number(f, "HeartbeatSeconds", at);
                Kind::Task(Task { resource, timeout, heartbeat })
            }
            "Choice" => {
                let mut choices = Vec::new();
                let mut io = Vec::new();
                match f.get("Choices").and_then(Value::as_array).filter(|c| !c.is_empty()) {
                    None => self.error(SCHEMA, at, "A Choice state needs a non-empty 'Choices' array"),
                    Some(list) => {
                        for (i, c) in list.iter().enumerate() {
                            let loc = format!("{at}/Choices/{i}");
                            let Some(rule) = c.as_object() else {
                                self.error(SCHEMA, &loc, "A choice rule must be an object");
                                continue;
                            };
                            for k in rule.keys() {
                                if !["Condition", "Next", "Output", "Assign", "Comment"].contains(&k.as_str()) {
                                    self.error(
                                        SCHEMA,
                                        &format!("{loc}/{k}"),
                                        format!("Field '{k}' is not supported in a JSONata choice rule"),
                                    );
                                }
                            }
                            let condition = rule.get("Condition").and_then(Value::as_str).and_then(jsonata::expression);
                            let (Some(condition), Some(next)) = (condition, rule.get("Next").and_then(Value::as_str))
                            else {
                                self.error(
                                    SCHEMA,
                                    &loc,
                                    "A JSONata choice rule needs a Condition ({% … %}) and a Next",
                                );
                                continue;
                            };
                            if let Err(m) = jsonata::check(condition) {
                                self.error(SCHEMA, &format!("{loc}/Condition"), m);
                            }
                            choices.push((crate::choice::Rule::Condition(condition.to_string()), next.to_string()));
                            io.push(Io {
                                output: self.jsonata_template(rule.get("Output"), &format!("{loc}/Output")),
                                assign: self.jsonata_template(rule.get("Assign"), &format!("{loc}/Assign")),
                            });
                        }
                    }
                }
                let default = f.get("Default").and_then(Value::as_str).map(str::to_string);
                Kind::Choice { choices, default, io }
            }
            "Wait" => match (f.get("Seconds"), f.get("Timestamp")) {
                (Some(s), None) => match number(s) {
                    Some(Number::Literal(n)) if n >= 0.0 => Kind::Wait(Wait::Seconds(n as u64)),
                    Some(Number::Expr(e)) => Kind::Wait(Wait::SecondsExpr(e)),
                    _ => {
                        self.error(
                            SCHEMA,
                            &format!("{at}/Seconds"),
                            "Seconds must be a non-negative integer or an expression",
                        );
                        return None;
                    }
                },
                (None, Some(t)) => match text(t) {
                    Some(Text::Literal(l)) if crate::choice::timestamp(&l).is_some() => Kind::Wait(Wait::Timestamp(l)),
                    Some(Text::Expr(e)) => Kind::Wait(Wait::TimestampExpr(e)),
                    _ => {
                        self.error(
                            SCHEMA,
                            &format!("{at}/Timestamp"),
                            "Timestamp must be an RFC 3339 timestamp or an expression",
                        );
                        return None;
                    }
                },
                _ => {
                    self.error(SCHEMA, at, "A JSONata Wait state needs exactly one of Seconds and Timestamp");
                    return None;
                }
            },
            "Succeed" => Kind::Succeed,
            "Fail" => Kind::Fail { error: f.get("Error").and_then(text), cause: f.get("Cause").and_then(text) },
            "Parallel" => Kind::Parallel { branches: self.branches(f, at) },
            _ => {
                let (key, processor) = match (f.get("ItemProcessor"), f.get("Iterator")) {
                    (Some(p), None) => ("ItemProcessor", p),
                    (None, Some(p)) => ("Iterator", p),
                    _ => {
                        self.error(
                            SCHEMA,
                            at,
                            "A Map state needs exactly one of ItemProcessor or (the older) Iterator",
                        );
                        return None;
                    }
                };
                let distributed = processor.get("ProcessorConfig").and_then(|c| c.get("Mode")).and_then(Value::as_str)
                    == Some("DISTRIBUTED");
                let processor = self.machine(processor, &format!("{at}/{key}"), false)?;
                if f.contains_key("ItemBatcher") {
                    self.error(
                        SCHEMA,
                        &format!("{at}/ItemBatcher"),
                        "ItemBatcher in JSONata states is not supported by Squall yet",
                    );
                }
                Kind::Map(Box::new(MapState {
                    items_path: "$".into(),
                    items: self.jsonata_template(f.get("Items"), &format!("{at}/Items")),
                    item_selector: self.jsonata_template(f.get("ItemSelector"), &format!("{at}/ItemSelector")),
                    processor: Arc::new(processor),
                    max_concurrency: self.jsonata_number(f, "MaxConcurrency", at),
                    tolerated_count: self.jsonata_number(f, "ToleratedFailureCount", at),
                    tolerated_percentage: self.jsonata_number(f, "ToleratedFailurePercentage", at),
                    batcher: None,
                    distributed,
                }))
            }
        };
        for t in [&kind].iter().filter_map(|k| match k {
            Kind::Fail { error, cause } => Some([error, cause]),
            _ => None,
        }) {
            for e in t.iter().filter_map(|x| match x {
                Some(Text::Expr(e)) => Some(e),
                _ => None,
            }) {
                if let Err(m) = jsonata::check(e) {
                    self.error(SCHEMA, at, m);
                }
            }
        }
        if self.out.len() > before {
            return None;
        }
        Some(State {
            name: name.to_string(),
            kind,
            next,
            input_path: Some("$".into()),
            output_path: Some("$".into()),
            parameters: None,
            result_selector: None,
            result_path: Some("$".into()),
            retry,
            catch,
            jsonata: true,
            arguments,
            output,
            assign,
        })
    }
}
