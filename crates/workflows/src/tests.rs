//! The service over the embedded store on a manual clock, with Tasks answered by a
//! recorder: data flow, every state type, Retry and Catch on the clock, waits, task tokens,
//! a Map of 1,000 items and an execution resumed after its server stopped.

use crate::model::{MachineType, Status};
use crate::{Failure, Invoked, NewMachine, TaskCaller, Tasks, Workflows};
use serde_json::{Value, json};
use squall_clock::Clock;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const START_MS: u64 = 1_796_558_400_000; // 2026-12-06T12:00:00Z
const ROLE: &str = "arn:aws:iam::000000000000:role/sfn";

/// Functions: `echo` answers its payload, `fail` fails with `errorType` Boom, `flaky`
/// fails (`Transient`) until called `flaky_until` times, `token` records its payload,
/// `hang` never answers (`hanging` counts its calls still in flight).
#[derive(Default)]
struct Functions {
    calls: Mutex<Vec<(String, Value)>>,
    flaky_until: Mutex<usize>,
    hanging: Arc<std::sync::atomic::AtomicUsize>,
}

/// Counts a `hang` call in flight until it is dropped.
struct Hanging(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Hanging {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl Tasks for Functions {
    async fn invoke(
        &self,
        _c: &TaskCaller,
        function: &str,
        _q: Option<&str>,
        payload: Vec<u8>,
        _a: bool,
    ) -> Result<Invoked, Failure> {
        let name = function.rsplit(':').next().unwrap_or_default().to_string();
        let payload: Value = serde_json::from_slice(&payload).unwrap();
        let n = {
            let mut calls = self.calls.lock().unwrap();
            calls.push((name.clone(), payload.clone()));
            calls.iter().filter(|(f, _)| *f == name).count()
        };
        let ok = |p: Value| {
            Ok(Invoked {
                payload: p.to_string().into_bytes(),
                function_error: None,
                executed_version: "$LATEST".into(),
                status: 200,
                request_id: "r".into(),
            })
        };
        let err = |t: &str| {
            Ok(Invoked {
                payload: json!({"errorType": t, "errorMessage": "it broke"}).to_string().into_bytes(),
                function_error: Some("Unhandled".into()),
                executed_version: "$LATEST".into(),
                status: 200,
                request_id: "r".into(),
            })
        };
        match name.as_str() {
            "hang" => {
                self.hanging.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _guard = Hanging(self.hanging.clone());
                std::future::pending().await
            }
            "echo" | "token" => ok(payload),
            "fail" => err("Boom"),
            "flaky" if n < *self.flaky_until.lock().unwrap() => err("Transient"),
            "flaky" => ok(json!({"attempt": n})),
            "missing" => Err(Failure::new("Lambda.ResourceNotFoundException", "Function not found")),
            _ => ok(json!(null)),
        }
    }

    async fn call_service(
        &self,
        _c: &TaskCaller,
        service: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, Failure> {
        self.calls.lock().unwrap().push((format!("{service}:{operation}"), input.clone()));
        match (service, operation) {
            ("dynamodb", "PutItem") if input["ConditionExpression"].is_string() => {
                Err(Failure::new("ConditionalCheckFailedException", "The conditional request failed"))
            }
            ("dynamodb", "PutItem") => Ok(json!({})),
            ("dynamodb", "GetItem") => Ok(json!({"Item": {"id": {"S": "1"}, "n": {"N": "5"}}})),
            ("states", "ListStateMachines") => Ok(json!({"stateMachines": [{"name": "x", "stateMachineArn": "arn"}]})),
            _ => Err(Failure::new("UnknownOperationException", format!("{service} {operation}"))),
        }
    }
}

struct World {
    _dir: tempfile::TempDir,
    clock: Clock,
    wf: Arc<Workflows>,
    functions: Arc<Functions>,
    _workers: squall_lifecycle::Workers,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (wf, functions, workers) = open(dir.path(), &clock).await;
    World { _dir: dir, clock, wf, functions, _workers: workers }
}

async fn open(dir: &std::path::Path, clock: &Clock) -> (Arc<Workflows>, Arc<Functions>, squall_lifecycle::Workers) {
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&dir.join("workflows.db")).expect("db"));
    let wf = Arc::new(
        Workflows::open(store, "us-east-1", clock.clone(), squall_lifecycle::Cluster::single()).await.unwrap(),
    );
    let functions = Arc::new(Functions::default());
    wf.set_tasks(functions.clone());
    let workers = squall_lifecycle::Service::start(wf.clone());
    (wf, functions, workers)
}

fn f(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:000000000000:function:{name}")
}

/// A STANDARD machine of `definition` with the test's role and nothing else set.
fn standard(name: &str, definition: &Value) -> NewMachine {
    NewMachine {
        name: name.into(),
        definition: definition.to_string(),
        role_arn: ROLE.into(),
        kind: MachineType::Standard,
        logging: json!({}),
        tracing: false,
        tags: Default::default(),
        publish: false,
        version_description: None,
    }
}

impl World {
    async fn machine(&self, name: &str, definition: Value) -> String {
        self.wf.create_machine(standard(name, &definition)).await.unwrap().0
    }

    async fn start(&self, machine: &str, input: Value) -> String {
        self.wf.start_execution(machine, None, Some(input.to_string()), None).await.unwrap().arn
    }

    /// Waits (real time, bounded) until the execution leaves RUNNING.
    async fn finished(&self, arn: &str) -> crate::model::Execution {
        for _ in 0..2000 {
            let e = self.wf.describe_execution(arn).await.unwrap();
            if e.status != Status::Running {
                return e;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("{arn} still running");
    }

    async fn run(&self, definition: Value, input: Value) -> crate::model::Execution {
        let name = format!("m{}", uuid::Uuid::new_v4().simple());
        let m = self.machine(&name, definition).await;
        let e = self.start(&m, input).await;
        self.finished(&e).await
    }

    async fn types(&self, arn: &str) -> Vec<String> {
        let page = self.wf.history(arn, false, None, 1000).await.unwrap();
        page.events.iter().map(|e| e["type"].as_str().unwrap().to_string()).collect()
    }
}

fn output(e: &crate::model::Execution) -> Value {
    assert_eq!(e.status, Status::Succeeded, "{e:?}");
    serde_json::from_str(e.output.as_deref().unwrap()).unwrap()
}

#[tokio::test]
async fn the_documented_data_flow_example() {
    // The Developer Guide's "InputPath, Parameters and ResultSelector" and "ResultPath"
    // examples in one Task.
    let w = world().await;
    let e = w
        .run(
            json!({"StartAt": "T", "States": {"T": {
                "Type": "Task", "Resource": f("echo"),
                "InputPath": "$.library",
                "Parameters": {"Book.$": "$.books[0]", "Shelf": "A"},
                "ResultSelector": {"title.$": "$.Book.title", "where.$": "$.Shelf"},
                "ResultPath": "$.library.found",
                "OutputPath": "$.library",
                "End": true}}}),
            json!({"library": {"books": [{"title": "Dune"}]}, "other": 1}),
        )
        .await;
    assert_eq!(output(&e), json!({"books": [{"title": "Dune"}], "found": {"title": "Dune", "where": "A"}}));
    assert_eq!(w.functions.calls.lock().unwrap()[0].1, json!({"Book": {"title": "Dune"}, "Shelf": "A"}));
    assert_eq!(
        w.types(&e.arn).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test]
async fn lambda_invoke_answers_lambdas_response() {
    let w = world().await;
    let e = w
        .run(
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "echo", "Payload.$": "$"}, "End": true}}}),
            json!({"x": 1}),
        )
        .await;
    let out = output(&e);
    assert_eq!(out["Payload"], json!({"x": 1}));
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["ExecutedVersion"], "$LATEST");
    assert!(w.types(&e.arn).await.contains(&"TaskSucceeded".to_string()));
}

#[tokio::test]
async fn retries_back_off_on_the_clock_then_catch_takes_the_error() {
    let w = world().await;
    *w.functions.flaky_until.lock().unwrap() = 3;
    let m = w
        .machine(
            "retrying",
            json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": f("flaky"), "End": true,
                      "Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 10, "BackoffRate": 3, "MaxAttempts": 5}]}}}),
        )
        .await;
    let e = w.start(&m, json!({})).await;
    let calls = |w: &World| w.functions.calls.lock().unwrap().len();
    wait_for(|| calls(&w) == 1).await;
    w.clock.advance(Duration::from_secs(9)).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(calls(&w), 1, "the first retry waits IntervalSeconds");
    w.clock.advance(Duration::from_secs(1)).unwrap();
    wait_for(|| calls(&w) == 2).await;
    w.clock.advance(Duration::from_secs(29)).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(calls(&w), 2, "the second waits IntervalSeconds x BackoffRate");
    w.clock.advance(Duration::from_secs(1)).unwrap();
    let done = w.finished(&e).await;
    assert_eq!(output(&done), json!({"attempt": 3}));

    let caught = w
        .run(
            json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": f("fail"), "Next": "Ok",
                      "Retry": [{"ErrorEquals": ["Other"], "MaxAttempts": 1}],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Ok"}]},
                "Ok": {"Type": "Pass", "End": true}}}),
            json!({"in": 1}),
        )
        .await;
    let out = output(&caught);
    assert_eq!(out["in"], 1);
    assert_eq!(out["error"]["Error"], "Boom");
    let cause: Value = serde_json::from_str(out["error"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["errorMessage"], "it broke");

    let failed = w
        .run(
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": f("missing"), "End": true}}}),
            json!({}),
        )
        .await;
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(failed.error.as_deref(), Some("Lambda.ResourceNotFoundException"));
}

async fn wait_for(mut cond: impl FnMut() -> bool) {
    for _ in 0..2000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("condition never held");
}

#[tokio::test]
async fn a_wait_is_a_timer_on_the_clock_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 3600, "Next": "T"},
        "T": {"Type": "Task", "Resource": f("echo"), "End": true}}});
    let arn = {
        let (wf, _, workers) = open(dir.path(), &clock).await;
        let m = wf.create_machine(standard("hourly", &definition)).await.unwrap().0;
        let arn = wf.start_execution(&m, Some("one".into()), Some(r#"{"v":7}"#.into()), None).await.unwrap().arn;
        tokio::time::sleep(Duration::from_millis(50)).await;
        workers.stop().await;
        arn
    };
    let (wf, functions, _workers) = open(dir.path(), &clock).await;
    assert_eq!(wf.describe_execution(&arn).await.unwrap().status, Status::Running);
    clock.advance(Duration::from_secs(3599)).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(functions.calls.lock().unwrap().is_empty());
    clock.advance(Duration::from_secs(1)).unwrap();
    let w = World { _dir: tempfile::tempdir().unwrap(), clock: clock.clone(), wf, functions, _workers };
    let e = w.finished(&arn).await;
    assert_eq!(output(&e), json!({"v": 7}));
    let types = w.types(&arn).await;
    assert_eq!(types.iter().filter(|t| *t == "WaitStateEntered").count(), 1, "{types:?}");
}

#[tokio::test]
async fn a_task_token_is_answered_by_send_task_success() {
    let w = world().await;
    let m = w
        .machine(
            "callback",
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "token", "Payload": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
                "HeartbeatSeconds": 60, "End": true}}}),
        )
        .await;
    let e = w.start(&m, json!({"order": 5})).await;
    wait_for(|| !w.functions.calls.lock().unwrap().is_empty()).await;
    let token = w.functions.calls.lock().unwrap()[0].1["token"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(20)).await;
    w.wf.send_task_heartbeat(&token).await.unwrap();
    w.wf.send_task_result(&token, Ok(json!({"shipped": true}))).await.unwrap();
    assert_eq!(output(&w.finished(&e).await), json!({"shipped": true}));
    let again = w.wf.send_task_result(&token, Ok(json!({}))).await.unwrap_err();
    assert!(matches!(again, crate::Error::Refused { code: "TaskDoesNotExist", .. }), "{again:?}");
    let bad = w.wf.send_task_result("nonsense!", Ok(json!({}))).await.unwrap_err();
    assert!(matches!(bad, crate::Error::Refused { code: "InvalidToken", .. }), "{bad:?}");

    // A heartbeat missed fails the task with States.HeartbeatTimeout.
    let e = w.start(&m, json!({"order": 6})).await;
    wait_for(|| w.functions.calls.lock().unwrap().len() == 2).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    w.clock.advance(Duration::from_secs(61)).unwrap();
    let failed = w.finished(&e).await;
    assert_eq!(failed.error.as_deref(), Some("States.HeartbeatTimeout"));
}

#[tokio::test]
async fn a_map_of_a_thousand_items_and_a_parallel() {
    let w = world().await;
    let items: Vec<Value> = (0..1000).map(|i| json!({"n": i})).collect();
    let e = w
        .run(
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 40,
                "ItemSelector": {"n.$": "$$.Map.Item.Value.n", "i.$": "$$.Map.Item.Index"},
                "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": f("echo"), "OutputPath": "$.n", "End": true}}},
                "End": true}}}),
            json!({"items": items}),
        )
        .await;
    let out = output(&e);
    assert_eq!(out.as_array().unwrap().len(), 1000);
    assert_eq!(out[999], json!(999));
    let p = w
        .run(
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}},
                {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 0, "Next": "C"}, "C": {"Type": "Pass", "OutputPath": "$.x", "End": true}}}
            ]}}}),
            json!({"x": "two"}),
        )
        .await;
    assert_eq!(output(&p), json!([1, "two"]));
    let failed = w
        .run(
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "Mine", "Cause": "why"}}}
            ]}}}),
            json!({}),
        )
        .await;
    assert_eq!((failed.error.as_deref(), failed.cause.as_deref()), (Some("Mine"), Some("why")));
}

#[tokio::test]
async fn service_integrations_shape_requests_results_and_errors() {
    let w = world().await;
    let e = w
        .run(
            json!({"StartAt": "Get", "States": {
                "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                        "Parameters": {"TableName": "t", "Key": {"id": {"S.$": "$.id"}}},
                        "ResultSelector": {"n.$": "$.Item.n.N"}, "ResultPath": "$.got", "Next": "List"},
                "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:listStateMachines", "Parameters": {},
                         "ResultSelector": {"names.$": "$.StateMachines[*].Name"}, "ResultPath": "$.listed", "Next": "Put"},
                "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                        "Parameters": {"TableName": "t", "Item": {"id": {"S": "1"}}, "ConditionExpression": "attribute_not_exists(id)"},
                        "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.error", "Next": "Done"}],
                        "End": true},
                "Done": {"Type": "Pass", "End": true}}}),
            json!({"id": "1"}),
        )
        .await;
    let out = output(&e);
    assert_eq!(out["got"], json!({"n": "5"}));
    assert_eq!(out["listed"], json!({"names": ["x"]}), "the SDK integration answers in PascalCase");
    assert_eq!(out["error"]["Error"], "DynamoDB.ConditionalCheckFailedException");
    let calls = w.functions.calls.lock().unwrap().clone();
    assert_eq!(calls[0], ("dynamodb:GetItem".to_string(), json!({"TableName": "t", "Key": {"id": {"S": "1"}}})));
    let types = w.types(&e.arn).await;
    assert!(types.contains(&"TaskSucceeded".to_string()) && types.contains(&"TaskFailed".to_string()), "{types:?}");
}

#[tokio::test]
async fn choice_pass_and_stop() {
    let w = world().await;
    let definition = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "W"},
        "Big": {"Type": "Pass", "Result": {"big": true}, "ResultPath": "$.r", "End": true},
        "W": {"Type": "Wait", "Seconds": 100, "End": true}}});
    let e = w.run(definition.clone(), json!({"n": 11})).await;
    assert_eq!(output(&e), json!({"n": 11, "r": {"big": true}}));
    let m = w.machine("stoppable", definition).await;
    let running = w.start(&m, json!({"n": 1})).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    w.wf.stop_execution(&running, Some("Halt".into()), Some("by hand".into())).await.unwrap();
    let stopped = w.wf.describe_execution(&running).await.unwrap();
    assert_eq!(stopped.status, Status::Aborted);
    assert_eq!(w.types(&running).await.last().unwrap(), "ExecutionAborted");
    let list = w.wf.list_executions(&m, Some(Status::Aborted)).await.unwrap();
    assert_eq!(list.len(), 1);
}

#[tokio::test]
async fn jsonata_states_with_arguments_output_assign_and_conditions() {
    let w = world().await;
    let e = w
        .run(
            json!({"QueryLanguage": "JSONata", "StartAt": "Start", "States": {
                "Start": {"Type": "Pass", "Assign": {"limit": "{% $states.input.limit %}", "who": "ada"},
                          "Output": {"items": "{% $states.input.items %}"}, "Next": "Big?"},
                "Big?": {"Type": "Choice", "Choices": [
                    {"Condition": "{% $count($states.input.items) > $limit %}", "Next": "Each",
                     "Assign": {"branch": "big"}}], "Default": "Small"},
                "Small": {"Type": "Fail", "Error": "TooSmall", "Cause": "{% 'only ' & $count($states.input.items) %}"},
                "Each": {"Type": "Map", "Items": "{% $states.input.items %}",
                         "ItemSelector": {"n": "{% $states.context.Map.Item.Value %}", "i": "{% $states.context.Map.Item.Index %}"},
                         "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Task", "Resource": f("echo"),
                              "Arguments": {"n": "{% $states.input.n * 10 %}", "who": "{% $who %}"},
                              "Output": "{% $states.result.n + $states.input.i %}", "End": true}}},
                         "Output": {"sum": "{% $sum($states.result) %}", "branch": "{% $branch %}"}, "Next": "Wait"},
                "Wait": {"Type": "Wait", "Seconds": "{% 0 %}", "Next": "Boom"},
                "Boom": {"Type": "Task", "Resource": f("fail"), "Next": "Done",
                         "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done",
                                    "Output": {"sum": "{% $states.input.sum %}", "error": "{% $states.errorOutput.Error %}"}}]},
                "Done": {"Type": "Succeed"}}}),
            json!({"limit": 2, "items": [1, 2, 3]}),
        )
        .await;
    assert_eq!(output(&e), json!({"sum": 63, "error": "Boom"}));
    let calls = w.functions.calls.lock().unwrap().clone();
    assert!(calls.iter().any(|(f, p)| f == "echo" && *p == json!({"n": 30, "who": "ada"})), "{calls:?}");

    let small = w
        .run(
            json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 5 %}", "Next": "S"}], "Default": "F"},
                "S": {"Type": "Succeed"},
                "F": {"Type": "Fail", "Error": "TooSmall", "Cause": "{% 'got ' & $string($states.input.n) %}"}}}),
            json!({"n": 1}),
        )
        .await;
    assert_eq!((small.error.as_deref(), small.cause.as_deref()), (Some("TooSmall"), Some("got 1")));

    // JSONPath fields in a JSONata state, and bad expressions, are refused at creation.
    let diags = crate::definition::validate(
        &json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.a", "End": true}}}).to_string(),
    );
    assert_eq!(diags[0].location, "/States/P/InputPath");
    let diags = crate::definition::validate(
        &json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% 1 + %}", "End": true}}}).to_string(),
    );
    assert_eq!(diags[0].location, "/States/P/Output");
}

#[tokio::test]
async fn timeouts_on_the_clock() {
    let w = world().await;
    // The machine's TimeoutSeconds: TIMED_OUT with States.Timeout.
    let m = w
        .machine("slow", json!({"TimeoutSeconds": 60, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}))
        .await;
    let e = w.start(&m, json!({})).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    w.clock.advance(Duration::from_secs(61)).unwrap();
    let timed_out = w.finished(&e).await;
    assert_eq!(timed_out.status, Status::TimedOut);
    assert_eq!(timed_out.error.as_deref(), Some("States.Timeout"));
    assert_eq!(w.types(&e).await.last().unwrap(), "ExecutionTimedOut");

    // A Task's TimeoutSeconds: States.Timeout, which a Catch takes.
    let m = w
        .machine(
            "waiting-task",
            json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "TimeoutSeconds": 30,
                      "Parameters": {"FunctionName": "token", "Payload": {"t.$": "$$.Task.Token"}},
                      "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.late", "Next": "Late"}], "End": true},
                "Late": {"Type": "Pass", "End": true}}}),
        )
        .await;
    let e = w.start(&m, json!({})).await;
    wait_for(|| w.functions.calls.lock().unwrap().iter().any(|(f, _)| f == "token")).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    w.clock.advance(Duration::from_secs(31)).unwrap();
    let done = w.finished(&e).await;
    assert_eq!(output(&done)["late"]["Error"], "States.Timeout");
    assert!(w.types(&e).await.contains(&"TaskTimedOut".to_string()));
}

/// A Task call no longer awaited — its Task timed out, or a failure ended its Parallel —
/// is dropped, not left running (a `.sync` Task's call watches its child until it ends).
#[tokio::test]
async fn calls_no_longer_awaited_are_dropped() {
    let w = world().await;
    let hanging = || w.functions.hanging.load(std::sync::atomic::Ordering::SeqCst);
    let m = w
        .machine(
            "hangs",
            json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": f("hang"), "TimeoutSeconds": 30,
                      "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "P"}], "End": true},
                "P": {"Type": "Parallel", "Branches": [
                        {"StartAt": "H", "States": {"H": {"Type": "Task", "Resource": f("hang"), "End": true}}},
                        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "Next": "F"},
                                                    "F": {"Type": "Fail", "Error": "Boom"}}}],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Hold"}], "End": true},
                "Hold": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
        )
        .await;
    let e = w.start(&m, json!({})).await;
    wait_for(|| hanging() == 1).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    w.clock.advance(Duration::from_secs(31)).unwrap();
    // The Parallel's hanging branch calls once the Task timed out (its call dropped by then);
    // the other branch's Fail state ends the Parallel.
    let hang_calls = || w.functions.calls.lock().unwrap().iter().filter(|(f, _)| f == "hang").count();
    wait_for(|| hang_calls() == 2).await;
    assert_eq!(hanging(), 1, "the timed-out call was dropped");
    tokio::time::sleep(Duration::from_millis(30)).await;
    w.clock.advance(Duration::from_secs(5)).unwrap();
    wait_for(|| hanging() == 0).await;
    let d = w.wf.describe_execution(&e).await.unwrap();
    assert_eq!(d.status, Status::Running, "held in its last Wait");
    assert!(w.types(&e).await.contains(&"ParallelStateFailed".to_string()));
}

/// A state's output or a Task's result over 256 KiB is `States.DataLimitExceeded`, which
/// no `States.ALL` catcher takes.
#[tokio::test]
async fn outputs_over_the_payload_quota_fail_the_execution() {
    let w = world().await;
    let catch_all = json!([{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]);
    // A string of n characters is n + 2 bytes of JSON: one byte over the quota.
    let big = "x".repeat(crate::MAX_PAYLOAD - 1);
    let half = "x".repeat(crate::MAX_PAYLOAD / 2 + 1);
    for (name, first) in [
        ("pass", json!({"Type": "Pass", "Result": big, "Next": "Caught"})),
        (
            "task",
            json!({"Type": "Task", "Resource": f("echo"), "Parameters": {"a.$": "$.x", "b.$": "$.x"},
                        "Catch": catch_all, "Next": "Caught"}),
        ),
    ] {
        let definition = json!({"StartAt": "S", "States": {"S": first, "Caught": {"Type": "Succeed"}}});
        let e = w.run(definition, json!({"x": half})).await;
        assert_eq!((e.status, e.error.as_deref()), (Status::Failed, Some("States.DataLimitExceeded")), "{name}");
    }
    // Exactly the quota is fine.
    let at = "x".repeat(crate::MAX_PAYLOAD - 2);
    let under = json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Result": at, "End": true}}});
    assert_eq!(w.run(under, json!({})).await.status, Status::Succeeded);
}

#[tokio::test]
async fn a_forged_token_takes_no_task() {
    use base64::Engine as _;
    let w = world().await;
    let m = w
        .machine(
            "forged",
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "token", "Payload": {"t.$": "$$.Task.Token"}}, "End": true}}}),
        )
        .await;
    let e = w.start(&m, json!({})).await;
    wait_for(|| w.functions.calls.lock().unwrap().iter().any(|(f, _)| f == "token")).await;
    let token = w.functions.calls.lock().unwrap().iter().find(|(f, _)| f == "token").unwrap().1["t"]
        .as_str()
        .unwrap()
        .to_string();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut doc: Value = serde_json::from_slice(&engine.decode(&token).unwrap()).unwrap();
    doc["s"] = json!("guessed");
    let forged = engine.encode(doc.to_string());
    let refused = w.wf.send_task_result(&forged, Ok(json!({"stolen": true}))).await.unwrap_err();
    assert!(matches!(refused, crate::Error::Refused { code: "TaskDoesNotExist", .. }), "{refused:?}");
    w.wf.send_task_result(&token, Ok(json!({"real": true}))).await.unwrap();
    assert_eq!(output(&w.finished(&e).await), json!({"real": true}));
}
