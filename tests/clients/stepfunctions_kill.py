"""Step Functions executions across a kill -9 of the server, in two halves run by the end-to-end test.

`start`: makes a role trusting states.amazonaws.com, a function that sleeps, and three machines, and
starts one execution of each: `hour` waits an hour (a Wait of 3600 s), `slow` is inside a Task whose
function takes 3 s, `half` is a Map of 8 items run one at a time, each a 0.4 s Task, stopped when at
least three iterations are done. Prints the three execution ARNs as JSON once all three are where
they should be. The test then kills the server with SIGKILL, starts it again on the same data and
moves its clock an hour.

`finish ARNS_JSON`: waits (bounded) for the three to succeed: `hour` with one WaitStateEntered in
its history (the Wait went on, not again); `slow` with its function's answer (its Task was called
again: invocation is at least once); `half` with all eight results in order. Prints `done`.
"""
import io
import json
import sys
import time
import zipfile

import boto3

sfn = boto3.client("stepfunctions")
lam = boto3.client("lambda")
iam = boto3.client("iam")


def check(cond, what, got=None):
    if not cond:
        print(f"FAILED: {what}" + (f" (got {got!r})" if got is not None else ""), file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}", file=sys.stderr)


def events(arn):
    return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def start():
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="kill-sfn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}
    iam.put_role_policy(RoleName="kill-sfn", PolicyName="invoke", PolicyDocument=json.dumps(policy))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "import time\ndef handler(event, context):\n    time.sleep(event['s'])\n    return {'n': event.get('n')}\n")
    sleeper = lam.create_function(FunctionName="sleeper", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/squall-default",
                                  Handler="app.handler", Code={"ZipFile": buf.getvalue()}, Timeout=30)["FunctionArn"]

    def machine(name, definition):
        return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role)["stateMachineArn"]

    hour = machine("hour", {"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
        "P": {"Type": "Pass", "Result": "woke", "End": True}}})
    slow = machine("slow", {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": sleeper, "End": True}}})
    half = machine("half", {"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": sleeper, "OutputPath": "$.n", "End": True}}},
        "End": True}}})
    arns = {
        "hour": sfn.start_execution(stateMachineArn=hour, input="{}")["executionArn"],
        "slow": sfn.start_execution(stateMachineArn=slow, input=json.dumps({"s": 3, "n": "slow"}))["executionArn"],
        "half": sfn.start_execution(stateMachineArn=half, input=json.dumps([{"s": 0.4, "n": i} for i in range(8)]))["executionArn"],
    }
    deadline = time.time() + 60
    while time.time() < deadline:
        waiting = any(e["type"] == "WaitStateEntered" for e in events(arns["hour"]))
        started = any(e["type"] == "LambdaFunctionStarted" for e in events(arns["slow"]))
        iterations = sum(1 for e in events(arns["half"]) if e["type"] == "MapIterationSucceeded")
        if waiting and started and 3 <= iterations < 8:
            check(True, f"the Wait is entered, the Task started and {iterations} of 8 iterations are done")
            print(json.dumps(arns))
            return
        check(iterations < 8, "the Map is stopped half way", iterations)
        time.sleep(0.05)
    check(False, "the three executions got where they should within 60 s")


def finish(arns):
    deadline = time.time() + 90
    done = {}
    while time.time() < deadline and len(done) < 3:
        for name, arn in arns.items():
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING":
                done[name] = d
        time.sleep(0.1)
    check(len(done) == 3, "all three finish after the restart", sorted(done))
    for name, d in done.items():
        check(d["status"] == "SUCCEEDED", f"{name} succeeded", d)
    check(json.loads(done["hour"]["output"]) == "woke", "the hour's Wait went on to its Pass", done["hour"]["output"])
    hour = [e["type"] for e in events(arns["hour"])]
    check(hour.count("WaitStateEntered") == 1, "the Wait was entered once, before the kill", hour)
    check(json.loads(done["slow"]["output"]) == {"n": "slow"}, "the slow Task's function answered", done["slow"]["output"])
    slow = [e["type"] for e in events(arns["slow"])]
    check(slow.count("TaskStateEntered") == 1 and slow.count("LambdaFunctionSucceeded") == 1,
          "one Task state, called again after the restart, one success", slow)
    check(json.loads(done["half"]["output"]) == list(range(8)), "the Map's eight results, in order", done["half"]["output"])
    half = [e["type"] for e in events(arns["half"])]
    check(half.count("MapIterationSucceeded") == 8, "eight iterations succeeded", half.count("MapIterationSucceeded"))
    print("done")


if sys.argv[1] == "start":
    start()
else:
    finish(json.loads(sys.argv[2]))
