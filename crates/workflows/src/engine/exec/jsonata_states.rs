//! The states of `QueryLanguage: JSONata`: each field a template or an expression over
//! `$states` and the variables, in place of JSONPath's data flow.

use super::*;

impl Exec {
    fn truthy_condition(&self, run: &Run, condition: &str) -> Result<bool, Failure> {
        let b = self.bindings(run, &run.input, None);
        match jsonata::evaluate(condition, &b)? {
            Some(Value::Bool(v)) => Ok(v),
            other => Err(Failure::new(
                names::QUERY_EVALUATION_ERROR,
                format!("The Condition '{condition}' must be a boolean, not {}", other.unwrap_or(Value::Null)),
            )),
        }
    }

    fn text(&self, run: &Run, t: &Option<Text>) -> Result<String, Failure> {
        match t {
            None => Ok(String::new()),
            Some(Text::Literal(s)) => Ok(s.clone()),
            Some(Text::Expr(e)) => match jsonata::evaluate(e, &self.bindings(run, &run.input, None))? {
                Some(Value::String(s)) => Ok(s),
                Some(other) => Ok(other.to_string()),
                None => Ok(String::new()),
            },
            Some(Text::Path(_)) => unreachable!("JSONPath fields are refused in JSONata states"),
        }
    }

    pub(super) fn run_jsonata(&mut self, id: &str, state: &Arc<State>, run: Run) -> Outcome {
        let input = run.input.clone();
        match &state.kind {
            Kind::Pass { .. } | Kind::Succeed => {
                let output = self.finish_jsonata(&run, state, input, None, "input")?;
                Ok(Step::Exit { output, next: state.next.clone() })
            }
            Kind::Choice { choices, default, io } => {
                for (i, (rule, next)) in choices.iter().enumerate() {
                    let choice::Rule::Condition(condition) = rule else { continue };
                    if self.truthy_condition(&run, condition)? {
                        let own = io.get(i).filter(|io| io.output.is_some() || io.assign.is_some());
                        let output = self.finish_jsonata(&run, state, input, own, "input")?;
                        return Ok(Step::Exit { output, next: Some(next.clone()) });
                    }
                }
                match default {
                    Some(d) => {
                        let output = self.finish_jsonata(&run, state, input, None, "input")?;
                        Ok(Step::Exit { output, next: Some(d.clone()) })
                    }
                    None => Err(Failure::new(
                        names::NO_CHOICE_MATCHED,
                        format!("No Choice rule of state '{}' matched and there is no Default", state.name),
                    )),
                }
            }
            Kind::Wait(wait) => {
                let b = self.bindings(&run, &input, None);
                let due_ms = match wait {
                    Wait::Seconds(s) => self.now_ms.saturating_add(s.saturating_mul(1000)),
                    Wait::Timestamp(t) => timestamp_ms(t)?,
                    Wait::SecondsExpr(e) => match jsonata::evaluate(e, &b)?.and_then(|v| v.as_u64()) {
                        Some(s) => self.now_ms.saturating_add(s.saturating_mul(1000)),
                        None => {
                            return Err(Failure::new(
                                names::QUERY_EVALUATION_ERROR,
                                format!("Seconds '{e}' is not a non-negative integer"),
                            ));
                        }
                    },
                    Wait::TimestampExpr(e) => match jsonata::evaluate(e, &b)? {
                        Some(Value::String(t)) => timestamp_ms(&t)?,
                        _ => {
                            return Err(Failure::new(
                                names::QUERY_EVALUATION_ERROR,
                                format!("Timestamp '{e}' is not a timestamp"),
                            ));
                        }
                    },
                    Wait::SecondsPath(_) | Wait::TimestampPath(_) => unreachable!("JSONPath fields are refused"),
                };
                let output = self.finish_jsonata(&run, state, input, None, "input")?;
                Ok(self.wait_until(id, state, due_ms, output))
            }
            Kind::Fail { error, cause } => {
                let failure = Failure::new(self.text(&run, error)?, self.text(&run, cause)?);
                self.run_failed(id, failure);
                Ok(Step::Pending)
            }
            Kind::Task(task) => {
                let nonce = self.next_event;
                let secret = super::super::token::secret();
                let token = (task.resource.mode == Mode::Token)
                    .then(|| super::super::token::make(&self.record.arn, id, nonce, &secret));
                let payload = self.task_payload(&run, state, token.as_deref())?;
                let timeout = self.number(&task.timeout, &input, &run, "TimeoutSeconds")?;
                let heartbeat = self.number(&task.heartbeat, &input, &run, "HeartbeatSeconds")?;
                self.start_task(id, task, payload, token.map(|t| (t, secret)), timeout, heartbeat)
            }
            Kind::Parallel { branches } => {
                let b = self.bindings(&run, &input, None);
                let payload = match &state.arguments {
                    Some(t) => jsonata::template(t, &b)?,
                    None => input,
                };
                self.emit(id, history::plain("ParallelStateStarted"));
                self.fork(id, false, vec![payload; branches.len()], 0, None);
                Ok(Step::Pending)
            }
            Kind::Map(map) => {
                let b = self.bindings(&run, &input, None);
                let items = match &map.items {
                    Some(t) => jsonata::template(t, &b)?,
                    None => input.clone(),
                };
                let Value::Array(items) = items else {
                    return Err(Failure::new(
                        names::QUERY_EVALUATION_ERROR,
                        format!("The Items of Map state '{}' must be an array, not {items}", state.name),
                    ));
                };
                let mut inputs = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    inputs.push(match &map.item_selector {
                        Some(t) => {
                            let mut b = self.bindings(&run, &input, None);
                            b.states["context"]["Map"] = json!({"Item": {"Index": i, "Value": item}});
                            jsonata::template(t, &b)?
                        }
                        None => item,
                    });
                }
                self.launch_map(id, &run, state, map, &input, inputs)
            }
        }
    }
}
