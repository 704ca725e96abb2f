"""Step Functions Task states calling Lambda functions through boto3 against a running Squall.

Covers: a Task naming a function's ARN (the payload is the state's result) and
arn:aws:states:::lambda:invoke (Lambda's Invoke response: Payload, StatusCode, ExecutedVersion,
SdkHttpMetadata), the execution's role (a role trusting states.amazonaws.com whose policy allows
lambda:InvokeFunction; a role without it fails the Task with Lambda.AWSLambdaException, one Catch
takes), a function's error as the Task's error (its errorType, the error document as the cause),
Retry of a function error then success, Catch with ResultPath, the history of a Lambda Task
(LambdaFunctionScheduled/Started/Succeeded for a function ARN, TaskScheduled/Started/Succeeded
for lambda:invoke), a callback: lambda:invoke.waitForTaskToken with InvocationType Event hands the
token to another function, which answers SendTaskSuccess with boto3 from inside Lambda (the
execution waits in between, with a TaskSubmitted event), SendTaskFailure from outside, and a Map
over 1,000 items (Pass states, MaxConcurrency 0) and over 50 items calling a function with
MaxConcurrency 10.

Left out: Lambda's own retry errors (Lambda.ServiceException and the like never happen here),
Lambda Tasks' timeouts (TimeoutSeconds is covered by the engine's tests on a manual clock),
.sync integrations, activities.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure. Every wait is bounded.
"""
import io
import json
import time
import uuid
import zipfile

import boto3
from botocore.exceptions import ClientError
from sfn_common import check, finished, machine, role, run

ACCOUNT = "000000000000"
REGION = "us-east-1"
sfn = boto3.client("stepfunctions")
lam = boto3.client("lambda")
iam = boto3.client("iam")


def function(name, code, role_arn):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    made = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="app.handler",
                               Code={"ZipFile": buf.getvalue()}, Timeout=30)
    return made["FunctionArn"]


def history(arn):
    return [e["type"] for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]]


lambda_role = role("fn-role", ["states:SendTaskSuccess", "states:SendTaskFailure"], "lambda.amazonaws.com")
states_role = role("sfn-role", ["lambda:InvokeFunction"])
powerless = role("sfn-powerless", [])

double = function("double", "def handler(event, context):\n    return {'n': event['n'] * 2}\n", lambda_role)
function("boom", (
    "class OrderRejected(Exception):\n    pass\n"
    "def handler(event, context):\n    raise OrderRejected('no stock for ' + str(event.get('sku')))\n"), lambda_role)
function("flaky", (
    "import os\n"
    "def handler(event, context):\n"
    "    path = '/tmp/flaky-' + event['run']\n"
    "    n = int(open(path).read()) + 1 if os.path.exists(path) else 1\n"
    "    open(path, 'w').write(str(n))\n"
    "    if n < 3:\n        raise RuntimeError('try again')\n"
    "    return {'attempts': n}\n"), lambda_role)
function("approver", (
    "import json, boto3\n"
    "def handler(event, context):\n"
    "    boto3.client('stepfunctions').send_task_success(taskToken=event['token'],\n"
    "        output=json.dumps({'approved': event['order'], 'by': context.function_name}))\n"
    "    return 'sent'\n"), lambda_role)
function("holder", "def handler(event, context):\n    return 'holding'\n", lambda_role)

# --- A function's ARN: the payload is the result -------------------------------------------------
m = machine("by-arn", {"StartAt": "D", "States": {"D": {"Type": "Task", "Resource": double, "End": True}}}, states_role)
d = run(m, {"n": 21})
check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"n": 42}, "a function ARN's payload is the output", d)
types = history(d["executionArn"])
check(types == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
                "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"], "a function ARN's history", types)

# --- lambda:invoke: Lambda's response -------------------------------------------------------------
m = machine("by-invoke", {"StartAt": "D", "States": {"D": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "double", "Payload.$": "$"},
    "ResultSelector": {"n.$": "$.Payload.n", "code.$": "$.StatusCode", "version.$": "$.ExecutedVersion"},
    "End": True}}}, states_role)
d = run(m, {"n": 5})
check(json.loads(d.get("output", "null")) == {"n": 10, "code": 200, "version": "$LATEST"},
      "lambda:invoke answers Payload, StatusCode and ExecutedVersion", d)
types = history(d["executionArn"])
check("TaskScheduled" in types and "TaskSucceeded" in types, "lambda:invoke's history has Task events", types)
scheduled = [e for e in sfn.get_execution_history(executionArn=d["executionArn"])["events"] if e["type"] == "TaskScheduled"][0]
details = scheduled["taskScheduledEventDetails"]
check(details["resourceType"] == "lambda" and details["resource"] == "invoke" and details["region"] == REGION,
      "TaskScheduled names lambda invoke in the region", details)
check(json.loads(details["parameters"]) == {"FunctionName": "double", "Payload": {"n": 5}}, "with its parameters", details)

# --- aws-sdk:lambda:invoke: the SDK's answer (Payload as text; a function error is FunctionError) --
m = machine("by-sdk", {"StartAt": "D", "States": {"D": {
    "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:invoke",
    "Parameters": {"FunctionName": "double", "Payload.$": "States.JsonToString($)"},
    "ResultSelector": {"doubled.$": "States.StringToJson($.Payload)", "code.$": "$.StatusCode"}, "Next": "B"},
    "B": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:invoke",
          "Parameters": {"FunctionName": "boom", "Payload": "{}"}, "ResultSelector": {"error.$": "$.FunctionError"},
          "ResultPath": "$.boom", "End": True}}}, states_role)
d = run(m, {"n": 4})
check(json.loads(d.get("output", "null")) == {"doubled": {"n": 8}, "code": 200, "boom": {"error": "Unhandled"}},
      "aws-sdk:lambda:invoke answers the SDK's Invoke response", d)

# --- The execution's role must allow the call -----------------------------------------------------
m = machine("powerless", {"StartAt": "D", "States": {"D": {"Type": "Task", "Resource": double, "End": True}}}, powerless)
d = run(m, {"n": 1})
check(d["status"] == "FAILED" and d.get("error") == "Lambda.AWSLambdaException", "a role without lambda:InvokeFunction fails the Task", d)
check("lambda:InvokeFunction" in d.get("cause", ""), "the cause names the action", d.get("cause"))

# --- A function's error, Retry and Catch -----------------------------------------------------------
m = machine("errors", {"StartAt": "B", "States": {
    "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"FunctionName": "boom", "Payload.$": "$"},
          "Catch": [{"ErrorEquals": ["OrderRejected"], "ResultPath": "$.failure", "Next": "Rejected"}], "End": True},
    "Rejected": {"Type": "Pass", "End": True}}}, states_role)
d = run(m, {"sku": "X1"})
out = json.loads(d["output"])
check(d["status"] == "SUCCEEDED" and out["failure"]["Error"] == "OrderRejected", "Catch takes the function's errorType", out)
cause = json.loads(out["failure"]["Cause"])
check(cause["errorMessage"] == "no stock for X1" and cause["errorType"] == "OrderRejected", "the cause is the error document", cause)

m = machine("retried", {"StartAt": "F", "States": {"F": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:flaky",
    "Retry": [{"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1}], "End": True}}}, states_role)
d = run(m, {"run": str(uuid.uuid4())})
check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"attempts": 3}, "Retry calls again until it succeeds", d)
types = history(d["executionArn"])
check(types.count("LambdaFunctionFailed") == 2 and types.count("TaskStateEntered") == 1, "two failures, one entry", types)

m = machine("uncaught", {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:boom", "End": True}}}, states_role)
d = run(m, {"sku": "Z"})
check(d["status"] == "FAILED" and d["error"] == "OrderRejected", "an uncaught function error fails the execution", d)
check(history(d["executionArn"])[-1] == "ExecutionFailed", "ending with ExecutionFailed")

# --- A callback from another function --------------------------------------------------------------
m = machine("callback", {"StartAt": "Ask", "States": {"Ask": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": "approver", "InvocationType": "Event",
                   "Payload": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
    "ResultPath": "$.approval", "End": True}}}, states_role)
d = run(m, {"order": 77})
check(d["status"] == "SUCCEEDED", "the callback's execution succeeds", d)
check(json.loads(d["output"]) == {"order": 77, "approval": {"approved": 77, "by": "approver"}},
      "SendTaskSuccess's output is the Task's result", d["output"])
types = history(d["executionArn"])
check("TaskSubmitted" in types and types.index("TaskSubmitted") < types.index("TaskSucceeded"),
      "TaskSubmitted comes before the callback's TaskSucceeded", types)

m = machine("held", {"StartAt": "Ask", "States": {"Ask": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": "holder", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}}, states_role)
arn = sfn.start_execution(stateMachineArn=m, input="{}")["executionArn"]
token = None
deadline = time.time() + 20
while token is None and time.time() < deadline:
    for e in sfn.get_execution_history(executionArn=arn)["events"]:
        if e["type"] == "TaskScheduled":
            token = json.loads(e["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]
    time.sleep(0.05)
check(token is not None, "the token is in the TaskScheduled parameters")
time.sleep(0.3)
check(sfn.describe_execution(executionArn=arn)["status"] == "RUNNING", "the execution waits for its token")
sfn.send_task_failure(taskToken=token, error="Declined", cause="by the test")
d = finished(arn)
check(d["status"] == "FAILED" and d["error"] == "Declined" and d["cause"] == "by the test", "SendTaskFailure fails the Task", d)
try:
    sfn.send_task_success(taskToken=token, output="{}")
    check(False, "a used token is refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "TaskDoesNotExist", "a used token is TaskDoesNotExist", e.response["Error"])

# --- Maps ------------------------------------------------------------------------------------------
m = machine("thousand", {"StartAt": "M", "States": {"M": {
    "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0,
    "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"twice.$": "States.MathAdd($.n, $.n)"}, "End": True}}},
    "End": True}}}, states_role)
d = run(m, {"items": [{"n": i} for i in range(1000)]})
out = json.loads(d.get("output", "null"))
check(d["status"] == "SUCCEEDED" and len(out) == 1000 and out[999] == {"twice": 1998}, "a Map over 1,000 items", d["status"])

m = machine("fan-out", {"StartAt": "M", "States": {"M": {
    "Type": "Map", "MaxConcurrency": 10,
    "ItemProcessor": {"StartAt": "D", "States": {"D": {"Type": "Task", "Resource": double, "End": True}}},
    "End": True}}}, states_role)
d = run(m, [{"n": i} for i in range(50)])
check(json.loads(d.get("output", "null")) == [{"n": 2 * i} for i in range(50)], "a Map calling a function 50 times", d["status"])

print("done")
