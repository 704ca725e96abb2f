//! TestState: one state run on its own with a given input, answering what it did at each
//! step of its data flow, its output, the state it would go to, or its error (and whether a
//! retrier or catcher would have taken it). A Task calls its resource as the given role;
//! a Wait does not wait.

use crate::definition::{self, Kind, Mode, State, Text};
use crate::engine::exec::Call;
use crate::engine::tasks::{TaskCaller, call};
use crate::failure::names;
use crate::{Error, Failure, Result, Workflows, choice, paths, template};
use serde_json::{Map, Value, json};

/// What TestState answers.
#[derive(Debug, Default)]
pub struct TestOutcome {
    /// SUCCEEDED, FAILED, RETRIABLE or CAUGHT_ERROR.
    pub status: &'static str,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    pub inspection: Inspection,
}

/// The value after each step of the data flow (TestState's `inspectionData`).
#[derive(Debug, Default)]
pub struct Inspection {
    pub input: Option<Value>,
    pub after_input_path: Option<Value>,
    pub after_parameters: Option<Value>,
    pub result: Option<Value>,
    pub after_result_selector: Option<Value>,
    pub after_result_path: Option<Value>,
}

/// The state's name inside the machine TestState checks it in.
const NAME: &str = "TestState";

/// Parses one state's definition: it is checked inside a machine of its own, whose other
/// states are the ones it names as targets.
fn parse_state(text: &str) -> Result<std::sync::Arc<State>> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| Error::refused("InvalidDefinition", format!("Invalid State Definition: '{e}'")))?;
    let mut states = Map::new();
    let mut targets = Vec::new();
    for key in ["Next", "Default"] {
        if let Some(t) = doc.get(key).and_then(Value::as_str) {
            targets.push(t.to_string());
        }
    }
    for list in ["Choices", "Catch"] {
        for c in doc.get(list).and_then(Value::as_array).into_iter().flatten() {
            if let Some(t) = c.get("Next").and_then(Value::as_str) {
                targets.push(t.to_string());
            }
        }
    }
    for t in targets {
        states.insert(t, json!({"Type": "Succeed"}));
    }
    states.insert(NAME.to_string(), doc);
    let machine = json!({"StartAt": NAME, "States": states}).to_string();
    let parsed = definition::parse(&machine).map_err(|d| crate::service::invalid_definition(&d))?;
    let state = parsed.state(NAME).cloned().expect("the machine has the state");
    if state.jsonata {
        return Err(Error::refused(
            "ValidationException",
            "TestState of JSONata states is not supported by Squall yet",
        ));
    }
    match state.kind {
        Kind::Parallel { .. } | Kind::Map(_) => Err(Error::refused(
            "ValidationException",
            "TestState runs Task, Pass, Wait, Choice, Succeed and Fail states: not Parallel or Map",
        )),
        Kind::Task(ref t) if t.resource.mode != Mode::Call => Err(Error::refused(
            "ValidationException",
            "TestState runs request-response Tasks: not .sync or .waitForTaskToken",
        )),
        _ => Ok(state),
    }
}

impl Workflows {
    /// TestState.
    pub async fn test_state(&self, definition: &str, role_arn: &str, input: &str) -> Result<TestOutcome> {
        let state = parse_state(definition)?;
        let input: Value = serde_json::from_str(input)
            .map_err(|e| Error::refused("InvalidExecutionInput", format!("Invalid input: '{e}'")))?;
        let context = json!({
            "Execution": {"Id": "TestState", "Input": input, "Name": "TestState", "RoleArn": role_arn,
                          "StartTime": squall_types::format_iso8601_millis_z(self.clock.now_ms()), "RedriveCount": 0},
            "State": {"EnteredTime": squall_types::format_iso8601_millis_z(self.clock.now_ms()), "Name": NAME, "RetryCount": 0},
            "StateMachine": {"Id": "TestState", "Name": "TestState"},
        });
        let mut out = TestOutcome {
            inspection: Inspection { input: Some(input.clone()), ..Default::default() },
            ..Default::default()
        };
        let caller = TaskCaller {
            role_arn: role_arn.to_string(),
            machine_arn: format!("arn:aws:states:{}:{}:stateMachine:TestState", self.region, squall_types::ACCOUNT_ID),
            execution_arn: "TestState".into(),
            trace: None,
            attempt: "TestState".into(),
        };
        let result = self.run_one(&state, &input, &context, &caller, &mut out.inspection).await;
        match result {
            Ok((output, next)) => {
                out.status = "SUCCEEDED";
                out.output = Some(output);
                out.next_state = next;
            }
            Err(f) => {
                let retriable = f.catchable()
                    && state.retry.iter().any(|r| definition::matches(&r.errors, &f) && r.max_attempts > 0);
                let catcher = state.catch.iter().find(|c| f.catchable() && definition::matches(&c.errors, &f));
                if retriable {
                    out.status = "RETRIABLE";
                } else if let Some(c) = catcher {
                    let error_output = json!({"Error": f.error, "Cause": f.cause});
                    let output = match &c.result_path {
                        None => input.clone(),
                        Some(p) => paths::insert(input.clone(), p, error_output)
                            .map_err(Failure::runtime)
                            .unwrap_or(Value::Null),
                    };
                    out.status = "CAUGHT_ERROR";
                    out.output = Some(output);
                    out.next_state = Some(c.next.clone());
                } else {
                    out.status = "FAILED";
                }
                out.error = Some(f.error);
                out.cause = Some(f.cause);
            }
        }
        Ok(out)
    }

    /// The state's output and next state, recording each step.
    async fn run_one(
        &self,
        state: &State,
        input: &Value,
        context: &Value,
        caller: &TaskCaller,
        seen: &mut Inspection,
    ) -> std::result::Result<(Value, Option<String>), Failure> {
        let read = |p: &str, doc: &Value| {
            template::read_any(p, doc, context).map_err(|m| Failure::runtime(format!("Invalid path '{p}' : {}", m.0)))
        };
        let effective = match &state.input_path {
            None => json!({}),
            Some(p) => read(p, input)?,
        };
        seen.after_input_path = Some(effective.clone());
        let output_of = |doc: Value| -> std::result::Result<Value, Failure> {
            match &state.output_path {
                None => Ok(json!({})),
                Some(p) => read(p, &doc),
            }
        };
        let finish = |seen: &mut Inspection, result: Value| -> std::result::Result<Value, Failure> {
            seen.result = Some(result.clone());
            let selected = match &state.result_selector {
                Some(t) => template::apply(t, &result, context)?,
                None => result,
            };
            seen.after_result_selector = Some(selected.clone());
            let combined = match &state.result_path {
                None => input.clone(),
                Some(p) => paths::insert(input.clone(), p, selected).map_err(Failure::runtime)?,
            };
            seen.after_result_path = Some(combined.clone());
            output_of(combined)
        };
        match &state.kind {
            Kind::Pass { result } => {
                let params = match &state.parameters {
                    Some(t) => template::apply(t, &effective, context)?,
                    None => effective,
                };
                seen.after_parameters = Some(params.clone());
                let produced = result.clone().unwrap_or(params);
                Ok((finish(seen, produced)?, state.next.clone()))
            }
            Kind::Task(task) => {
                let params = match &state.parameters {
                    Some(t) => template::apply(t, &effective, context)?,
                    None => effective,
                };
                seen.after_parameters = Some(params.clone());
                let tasks = self
                    .engine
                    .tasks
                    .get()
                    .cloned()
                    .ok_or_else(|| Failure::new(names::TASK_FAILED, "no task runner"))?;
                let c =
                    Call { integration: task.resource.integration.clone(), mode: task.resource.mode, payload: params };
                let result = call(tasks.as_ref(), c, caller).await?;
                Ok((finish(seen, result)?, state.next.clone()))
            }
            Kind::Choice { choices, default, .. } => {
                for (rule, next) in choices {
                    if choice::holds(rule, &effective, context)? {
                        return Ok((output_of(effective)?, Some(next.clone())));
                    }
                }
                match default {
                    Some(d) => Ok((output_of(effective)?, Some(d.clone()))),
                    None => {
                        Err(Failure::new(names::NO_CHOICE_MATCHED, "No Choice rule matched and there is no Default"))
                    }
                }
            }
            Kind::Wait(_) => Ok((output_of(effective)?, state.next.clone())),
            Kind::Succeed => Ok((output_of(effective)?, None)),
            Kind::Fail { error, cause } => {
                let text = |t: &Option<Text>| -> std::result::Result<String, Failure> {
                    match t {
                        None => Ok(String::new()),
                        Some(Text::Literal(s)) => Ok(s.clone()),
                        Some(Text::Path(p)) => Ok(read(p, &effective)?.as_str().unwrap_or_default().to_string()),
                        Some(Text::Expr(_)) => unreachable!("JSONata states are refused by parse_state"),
                    }
                };
                Err(Failure::new(text(error)?, text(cause)?))
            }
            Kind::Parallel { .. } | Kind::Map(_) => unreachable!("refused by parse_state"),
        }
    }
}
