"""AWS Step Functions' API through boto3 (and a few aws CLI calls) against a running Squall: state
machines, executions, their history, tags, synchronous Express executions and definition validation,
checked against botocore's service model and the AWS Step Functions API reference and Developer Guide.

Covers CreateStateMachine (the ARN arn:aws:states:us-east-1:000000000000:stateMachine:<name> and
creationDate it answers, STANDARD by default, EXPRESS when asked, tags; idempotency: the same name and
definition again answers the same ARN and creation date, and a different roleArn alone is ignored as
the API reference says, while another definition is StateMachineAlreadyExists; InvalidName for names
with white space, brackets or special characters; InvalidDefinition for a definition that is not JSON,
names a missing Next target, lacks StartAt or gives a Wait state a ResultPath, with the diagnostic code
in the message; InvalidArn for a role that is not an ARN; nothing half-created by a refusal);
DescribeStateMachine (every field: stateMachineArn, name, status ACTIVE, the definition exactly as
sent, roleArn, type, creationDate, loggingConfiguration {level OFF, includeExecutionData false},
tracingConfiguration {enabled false}; StateMachineDoesNotExist, InvalidArn); ListStateMachines (its
items' fields, maxResults/nextToken paging that lists each machine once, a bad token InvalidToken);
UpdateStateMachine (definition and roleArn, updateDate, creationDate kept, revisionId as Describe shows
it, MissingRequiredParameter with neither, InvalidDefinition leaving the machine as it was,
StateMachineDoesNotExist); DeleteStateMachine (Describe then answers StateMachineDoesNotExist, a
second delete is no error, the list no longer has it); ValidateStateMachineDefinition (OK with no
diagnostics; FAIL with ERROR diagnostics carrying the documented codes INVALID_JSON_DESCRIPTION,
MISSING_TRANSITION_TARGET and SCHEMA_VALIDATION_FAILED); StartExecution (the execution ARN
arn:aws:states:us-east-1:000000000000:execution:<machine>:<name> and startDate, a UUID name by default,
"{}" as the input when none is given, idempotency for STANDARD: the same name and input while RUNNING
answers the same execution, a different input or a closed execution is ExecutionAlreadyExists;
InvalidExecutionInput, InvalidName, StateMachineDoesNotExist, InvalidArn); DescribeExecution (status,
input exactly as sent, output, inputDetails/outputDetails, name, stateMachineArn, startDate, stopDate,
error and cause of a FAILED one, ExecutionDoesNotExist, InvalidArn); ListExecutions (newest first,
statusFilter RUNNING, SUCCEEDED, FAILED and ABORTED, maxResults/nextToken paging); StopExecution (a
machine waiting 3600 s is RUNNING; stopped with an error and cause it is ABORTED with them, and
stopDate; ExecutionDoesNotExist); GetExecutionHistory (a Pass -> Choice -> Succeed machine's eight
events in order with ids 1.. and their previousEventId, timestamps, each *EventDetails member's name,
input, output, roleArn and inputDetails/outputDetails {"truncated": false}; reverseOrder; maxResults
paging; includeExecutionData false; a failed execution's FailStateEntered and ExecutionFailed details;
an aborted one's ExecutionAborted details; ExecutionDoesNotExist, InvalidToken);
DescribeStateMachineForExecution (its fields, and an execution started before an UpdateStateMachine
keeping the definition it started with); tags on a state machine (TagResource, UntagResource,
ListTagsForResource, ResourceNotFound for a missing machine); StartSyncExecution on an EXPRESS machine
(SUCCEEDED with the output as a JSON string, FAILED with error and cause and no output, the express
execution ARN, StateMachineTypeNotSupported for a STANDARD machine, InvalidExecutionInput,
StateMachineDoesNotExist) and StartExecution on it, ListExecutions of an EXPRESS machine
(StateMachineTypeNotSupported); SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat with a token
Step Functions never issued (InvalidToken). And through the aws CLI: create-state-machine,
describe-state-machine, start-execution, describe-execution, list-executions, delete-state-machine and
an error's exit code and message.

Left out (Squall does not serve them yet): versions and aliases (publish, PublishStateMachineVersion,
qualified ARNs), RedriveExecution and the redrive fields, TestState, Task states and Activities (so
SendTask* only with tokens never issued), Map Runs and DISTRIBUTED maps, JSONata, CloudWatch Logs
destinations and X-Ray tracing switched on, encryption configuration, DescribeExecution of Express
executions, and the limits (StateMachineLimitExceeded, ExecutionLimitExceeded, TooManyTags). Names
longer than 80 characters are left out too: botocore does not check the maximum and the API reference
does not say which error AWS gives.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure. Every wait is bounded (10 s) and the whole run takes well under a minute.

botocore speaks Step Functions' JSON 1.0 protocol (X-Amz-Target: AWSStepFunctions.<Op>, signing name
states) and takes the error code from the answer's __type; every error here is HTTP 400. botocore sends
StartSyncExecution to the endpoint's "sync-" host prefix, which would not resolve for a custom
endpoint, so host prefixes are turned off (inject_host_prefix=False). Where a check rests on the API
reference (as quoted in botocore's model) or on AWS's recorded behaviour rather than on the model's
shapes, a comment says so. Each check line prints what came back.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

cfg = Config(retries={"total_max_attempts": 1}, inject_host_prefix=False)
sfn = boto3.client("stepfunctions", config=cfg)
iam = boto3.client("iam", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]  # names unique per run: reruns and deleted names don't collide
ACCOUNT = "000000000000"
REGION = "us-east-1"
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
ROLE_NAME = "sfn"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
ROLE2 = f"arn:aws:iam::{ACCOUNT}:role/sfn-other"
MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:"
EXECUTION = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:"
EXPRESS = f"arn:aws:states:{REGION}:{ACCOUNT}:express:"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
T0 = time.time()
BAD = ("InvalidArn", 400)


def code(fn, *args, **kwargs):
    """The AWS error code `fn` fails with (or None), and the error."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e
    except (BotoCoreError, ResponseParserError) as e:  # an answer botocore cannot parse (an HTML 500, say)
        return type(e).__name__, e
    return None, None


def http(e):
    """The HTTP status of a ClientError (None for no error or an unparsable answer)."""
    return e.response["ResponseMetadata"]["HTTPStatusCode"] if isinstance(e, ClientError) else None


def message(e):
    return e.response["Error"].get("Message") if isinstance(e, ClientError) else (str(e) if e else None)


def check(cond, what, got=None):
    """Print the check and what came back; exit non-zero on the first failure."""
    line = what if got is None else f"{what} (got {got!r})"
    if not cond:
        print(f"FAILED: {line}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {line}")


def refused(want, what, fn, *args, contains=None, **kwargs):
    """Check that `fn` fails with the error code `want` and HTTP 400 (and, when `contains` is given, a
    message containing it)."""
    c, e = code(fn, *args, **kwargs)
    m = message(e)
    ok = (c, http(e)) == (want, 400) and (contains is None or (m is not None and contains in m))
    check(ok, f"{what}: {want}, HTTP 400" + (f", message naming {contains}" if contains else ""),
          f"{c}, HTTP {http(e)}: {m}")


def answer(r):
    """An answer without its ResponseMetadata."""
    return {k: v for k, v in r.items() if k != "ResponseMetadata"}


def recent(dt, slack=120):
    """A datetime botocore parsed, within `slack` seconds of now (and not before the run)."""
    return isinstance(dt, datetime.datetime) and T0 - 5 <= dt.timestamp() <= time.time() + slack


def members(shape):
    """The member names botocore's model gives an output shape."""
    return set(sfn.meta.service_model.shape_for(shape).members)


def as_json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return ("<not JSON>", text)


def finished(arn, within=10):
    """DescribeExecution once the execution is no longer RUNNING (polled; bounded)."""
    deadline = time.time() + within
    while True:
        d = answer(sfn.describe_execution(executionArn=arn))
        if d["status"] != "RUNNING" or time.time() > deadline:
            return d
        time.sleep(0.1)


def listed_machines(**kw):
    """Every state machine ListStateMachines lists, through its nextToken pages (bounded), and the pages."""
    out, pages, token = [], [], None
    for _ in range(1000):
        page = sfn.list_state_machines(**kw, **({"nextToken": token} if token else {}))
        pages.append(page["stateMachines"])
        out += page["stateMachines"]
        token = page.get("nextToken")
        if not token:
            break
    return out, pages


def listed_executions(**kw):
    out, pages, token = [], [], None
    for _ in range(1000):
        page = sfn.list_executions(**kw, **({"nextToken": token} if token else {}))
        pages.append(page["executions"])
        out += page["executions"]
        token = page.get("nextToken")
        if not token:
            break
    return out, pages


def history(arn, **kw):
    out, pages, token = [], [], None
    for _ in range(1000):
        page = sfn.get_execution_history(executionArn=arn, **kw, **({"nextToken": token} if token else {}))
        pages.append(page["events"])
        out += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    return out, pages


def gone(arn, within=10):
    """Whether DescribeStateMachine answers StateMachineDoesNotExist within `within` seconds (AWS deletes
    asynchronously: a machine is DELETING for a while)."""
    deadline = time.time() + within
    while True:
        c, _ = code(sfn.describe_state_machine, stateMachineArn=arn)
        if c == "StateMachineDoesNotExist" or time.time() > deadline:
            return c == "StateMachineDoesNotExist"
        time.sleep(0.2)


def aws(*args):
    """`aws <args> --endpoint-url ...` with this environment; (exit code, stdout, stderr)."""
    p = subprocess.run(["aws", *args, "--endpoint-url", ENDPOINT], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, AWS_PAGER=""))
    return p.returncode, p.stdout, p.stderr


def printed(out):
    v = as_json(out)
    return v if isinstance(v, dict) else {}


def tail(rc, out, err):
    return json.dumps(printed(out))[:200] if rc == 0 else err.strip()[-300:]


machines, running = [], []  # for the clean-up


def create(name, definition, **kw):
    arn = sfn.create_state_machine(name=name, definition=definition, roleArn=kw.pop("roleArn", ROLE), **kw)["stateMachineArn"]
    machines.append(arn)
    return arn


# The roles the machines run as, trusting states.amazonaws.com (AWS checks that it may assume them).
trust = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
roles_created = []
for role_name in (ROLE_NAME, ROLE2.rsplit("/", 1)[1]):
    c, e = code(iam.create_role, RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))
    check(c in (None, "EntityAlreadyExists"), f"the role {role_name} exists", c)
    if c is None:
        roles_created.append(role_name)

PASS = {"Comment": "one Pass state", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
D1 = json.dumps(PASS, indent=2)  # sent with its own layout: Describe must give it back byte for byte
D2 = json.dumps({"StartAt": "Q", "States": {"Q": {"Type": "Pass", "Result": {"v": 2}, "End": True}}})

# ---------------------------------------------------------------------------------------------
# CreateStateMachine and DescribeStateMachine
# ---------------------------------------------------------------------------------------------
name1 = f"api-{RUN}"
r = sfn.create_state_machine(name=name1, definition=D1, roleArn=ROLE, tags=[{"key": "team", "value": "core"}])
arn1 = r.get("stateMachineArn")
machines.append(arn1)
check(arn1 == MACHINE + name1, f"create_state_machine answers stateMachineArn {MACHINE}<name>", arn1)
check(recent(r.get("creationDate")), "and a creationDate of now", r.get("creationDate"))
check(set(answer(r)) <= members("CreateStateMachineOutput") and "stateMachineVersionArn" not in r,
      "and nothing else (no stateMachineVersionArn without publish)", sorted(answer(r)))
created_at = r["creationDate"]

d = answer(sfn.describe_state_machine(stateMachineArn=arn1))
required = {"stateMachineArn", "name", "definition", "roleArn", "type", "creationDate"}
check(required | {"status", "loggingConfiguration", "tracingConfiguration"} <= set(d) <= members("DescribeStateMachineOutput"),
      "describe_state_machine answers the model's members, the required ones, status and both configurations",
      sorted(d))
check((d["stateMachineArn"], d["name"], d["status"], d["roleArn"], d["type"]) == (arn1, name1, "ACTIVE", ROLE, "STANDARD"),
      "with its ARN, name, status ACTIVE, roleArn and type STANDARD (the default)",
      (d["stateMachineArn"], d["name"], d["status"], d["roleArn"], d["type"]))
check(d["definition"] == D1, "and the definition exactly as sent", d["definition"][:80])
check(d["creationDate"] == created_at, "and the creationDate create_state_machine answered", d["creationDate"])
# The API reference: "By default, the level is set to OFF"; X-Ray tracing is off unless enabled.
check(d["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False},
      "loggingConfiguration defaults to {level: OFF, includeExecutionData: false}", d["loggingConfiguration"])
check(d["tracingConfiguration"] == {"enabled": False}, "tracingConfiguration defaults to {enabled: false}",
      d["tracingConfiguration"])

# "CreateStateMachine is an idempotent API ... based on the state machine name, definition, type,
# LoggingConfiguration, TracingConfiguration ... If a following request has a different roleArn or tags,
# Step Functions will ignore these differences" (the API reference).
r = sfn.create_state_machine(name=name1, definition=D1, roleArn=ROLE)
check((r["stateMachineArn"], r["creationDate"]) == (arn1, created_at),
      "creating it again with the same name and definition answers the same ARN and creationDate",
      (r["stateMachineArn"], r["creationDate"]))
r = sfn.create_state_machine(name=name1, definition=D1, roleArn=ROLE2)
check(r["stateMachineArn"] == arn1, "and so does the same definition with another roleArn", r["stateMachineArn"])
check(sfn.describe_state_machine(stateMachineArn=arn1)["roleArn"] == ROLE,
      "which leaves the roleArn as it was", sfn.describe_state_machine(stateMachineArn=arn1)["roleArn"])
refused("StateMachineAlreadyExists", "the same name with another definition", sfn.create_state_machine,
        name=name1, definition=D2, roleArn=ROLE)

# Names: "A name must not contain white space, brackets < > { } [ ], wildcard characters ? *, special
# characters \" # % \ ^ | ~ ` $ & , ; : /, control characters" (the model's documentation of Name).
for bad in ("has space", "a/b", "x<y>", "q?", "semi;colon", "tab\there"):
    refused("InvalidName", f"create_state_machine named {bad!r}", sfn.create_state_machine,
            name=bad, definition=D1, roleArn=ROLE)
# AWS's InvalidDefinition message is "Invalid State Machine Definition: '<CODE>: ...'".
refused("InvalidDefinition", "a definition that is not JSON", sfn.create_state_machine,
        name=f"bad1-{RUN}", definition="{not json", roleArn=ROLE, contains="INVALID_JSON_DESCRIPTION")
no_target = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})
refused("InvalidDefinition", "a Next naming no state", sfn.create_state_machine,
        name=f"bad2-{RUN}", definition=no_target, roleArn=ROLE, contains="MISSING_TRANSITION_TARGET")
no_start = json.dumps({"States": {"A": {"Type": "Pass", "End": True}}})
refused("InvalidDefinition", "a definition without StartAt", sfn.create_state_machine,
        name=f"bad3-{RUN}", definition=no_start, roleArn=ROLE, contains="SCHEMA_VALIDATION_FAILED")
wait_result = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "ResultPath": None, "End": True}}})
refused("InvalidDefinition", "a Wait state with a ResultPath (AWS: 'Field ResultPath not allowed')",
        sfn.create_state_machine, name=f"bad4-{RUN}", definition=wait_result, roleArn=ROLE,
        contains="SCHEMA_VALIDATION_FAILED")
refused("InvalidArn", "a roleArn that is not an ARN", sfn.create_state_machine,
        name=f"bad5-{RUN}", definition=D1, roleArn="not-an-arn")
for i in range(1, 6):
    refused("StateMachineDoesNotExist", f"and nothing was created as bad{i}-{RUN}", sfn.describe_state_machine,
            stateMachineArn=MACHINE + f"bad{i}-{RUN}")
refused("StateMachineDoesNotExist", "describe_state_machine of a missing machine", sfn.describe_state_machine,
        stateMachineArn=MACHINE + f"ghost-{RUN}")
refused("InvalidArn", "describe_state_machine of something that is not a state machine ARN",
        sfn.describe_state_machine, stateMachineArn="arn:aws:states:us-east-1:000000000000:nothing")

express_def = json.dumps({"StartAt": "Route", "States": {
    "Route": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "IsPresent": True, "Next": "Boom"}],
              "Default": "Echo"},
    "Boom": {"Type": "Fail", "Error": "Sync.Err", "Cause": "asked to fail"},
    "Echo": {"Type": "Pass", "Parameters": {"echo.$": "$"}, "End": True}}})
exp_name = f"exp-{RUN}"
exp_arn = create(exp_name, express_def, type="EXPRESS")
check(exp_arn == MACHINE + exp_name, "an EXPRESS state machine's ARN is a stateMachine ARN too", exp_arn)
check(sfn.describe_state_machine(stateMachineArn=exp_arn)["type"] == "EXPRESS", "and Describe gives type EXPRESS",
      sfn.describe_state_machine(stateMachineArn=exp_arn)["type"])

# ---------------------------------------------------------------------------------------------
# ListStateMachines
# ---------------------------------------------------------------------------------------------
lst = [create(f"lst{RUN}-{x}", D1) for x in "abc"]
mine = {arn1, exp_arn, *lst}
everything, pages = listed_machines(maxResults=1)
check(all(len(p) <= 1 for p in pages) and len(pages) >= len(mine),
      "list_state_machines with maxResults 1 pages one machine at a time", [len(p) for p in pages][:10])
arns = [m["stateMachineArn"] for m in everything]
check(all(arns.count(a) == 1 for a in mine), "and the pages list each of this run's machines exactly once",
      sorted(a.rsplit(":", 1)[1] for a in arns if a in mine))
item = next(m for m in everything if m["stateMachineArn"] == exp_arn)
check(set(item) == {"stateMachineArn", "name", "type", "creationDate"} and item["name"] == exp_name
      and item["type"] == "EXPRESS" and recent(item["creationDate"]),
      "an item has stateMachineArn, name, type and creationDate", item)
unpaged, _ = listed_machines()
check(mine <= {m["stateMachineArn"] for m in unpaged}, "and without maxResults they are all there too",
      len(unpaged))
refused("InvalidToken", "list_state_machines with a nextToken it never gave", sfn.list_state_machines,
        nextToken="not-a-token-" + RUN)

# ---------------------------------------------------------------------------------------------
# UpdateStateMachine
# ---------------------------------------------------------------------------------------------
# "You must include at least one of definition or roleArn or you will receive a MissingRequiredParameter
# error" (the API reference).
refused("MissingRequiredParameter", "update_state_machine with neither definition nor roleArn",
        sfn.update_state_machine, stateMachineArn=arn1)
r = answer(sfn.update_state_machine(stateMachineArn=arn1, definition=D2))
check(recent(r.get("updateDate")), "update_state_machine answers an updateDate of now", r.get("updateDate"))
check(set(r) <= members("UpdateStateMachineOutput") and "stateMachineVersionArn" not in r,
      "and no stateMachineVersionArn without publish", sorted(r))
d = sfn.describe_state_machine(stateMachineArn=arn1)
check((d["definition"], d["roleArn"], d["creationDate"]) == (D2, ROLE, created_at),
      "describe_state_machine then gives the new definition, the same roleArn and creationDate",
      (d["definition"][:60], d["roleArn"], d["creationDate"]))
if "revisionId" in r:
    check(d.get("revisionId") == r["revisionId"], "and the revisionId the update answered", d.get("revisionId"))
r2 = answer(sfn.update_state_machine(stateMachineArn=arn1, roleArn=ROLE2))
d = sfn.describe_state_machine(stateMachineArn=arn1)
check((d["roleArn"], d["definition"]) == (ROLE2, D2), "updating the roleArn alone changes only it",
      (d["roleArn"], d["definition"][:60]))
if "revisionId" in r and "revisionId" in r2:
    check(r2["revisionId"] != r["revisionId"], "and gives a new revisionId", r2["revisionId"])
sfn.update_state_machine(stateMachineArn=arn1, roleArn=ROLE)
refused("InvalidDefinition", "update_state_machine with a definition that is not JSON", sfn.update_state_machine,
        stateMachineArn=arn1, definition="{not json")
check(sfn.describe_state_machine(stateMachineArn=arn1)["definition"] == D2, "which leaves the definition as it was")
refused("StateMachineDoesNotExist", "update_state_machine of a missing machine", sfn.update_state_machine,
        stateMachineArn=MACHINE + f"ghost-{RUN}", definition=D1)

# ---------------------------------------------------------------------------------------------
# ValidateStateMachineDefinition ("Your automated processes should only rely on the value of the result
# field"; the codes checked are the ones the API reference lists for these problems)
# ---------------------------------------------------------------------------------------------
v = answer(sfn.validate_state_machine_definition(definition=D1))
check(v.get("result") == "OK" and v.get("diagnostics") == [] and v.get("truncated") in (None, False),
      "validate_state_machine_definition of a valid definition: result OK, no diagnostics", v)
for what, definition, want in [("a definition that is not JSON", "{not json", "INVALID_JSON_DESCRIPTION"),
                               ("a Next naming no state", no_target, "MISSING_TRANSITION_TARGET"),
                               ("a definition without StartAt", no_start, "SCHEMA_VALIDATION_FAILED"),
                               ("a Wait state with a ResultPath", wait_result, "SCHEMA_VALIDATION_FAILED")]:
    v = answer(sfn.validate_state_machine_definition(definition=definition))
    diags = v.get("diagnostics", [])
    check(v.get("result") == "FAIL" and diags, f"validate_state_machine_definition of {what}: result FAIL with diagnostics",
          v.get("result"))
    check(all({"severity", "code", "message"} <= set(x) <= {"severity", "code", "message", "location"}
              and isinstance(x["message"], str) and x["message"] and isinstance(x.get("location", ""), str)
              for x in diags), "each diagnostic has severity, code, message and perhaps a location", diags)
    check(any(x["code"] == want and x["severity"] == "ERROR" for x in diags), f"one an ERROR coded {want}",
          [(x["code"], x["severity"]) for x in diags])
v = answer(sfn.validate_state_machine_definition(definition=express_def, type="EXPRESS"))
check(v.get("result") == "OK", "and an EXPRESS definition validated as EXPRESS is OK", v.get("result"))

# ---------------------------------------------------------------------------------------------
# Executions: StartExecution, DescribeExecution, ListExecutions, StopExecution
# ---------------------------------------------------------------------------------------------
exec_def = json.dumps({"StartAt": "Route", "States": {
    "Route": {"Type": "Choice", "Choices": [{"Variable": "$.wait", "IsPresent": True, "Next": "Hold"},
                                            {"Variable": "$.fail", "IsPresent": True, "Next": "Boom"}],
              "Default": "Finish"},
    "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Finish"},
    "Boom": {"Type": "Fail", "Error": "Exec.Err", "Cause": "asked to fail"},
    "Finish": {"Type": "Pass", "Parameters": {"got.$": "$"}, "End": True}}})
ex_name = f"exec-{RUN}"
ex_machine = create(ex_name, exec_def)
started = []  # (name, arn) in the order started, for ListExecutions


def start(**kw):
    r = sfn.start_execution(stateMachineArn=ex_machine, **kw)
    started.append(r["executionArn"])
    time.sleep(0.05)  # distinct startDates, so "newest first" has one answer
    return r


r = start(name="e1", input='{"n": 1}')
e1 = r["executionArn"]
check(e1 == f"{EXECUTION}{ex_name}:e1", f"start_execution answers executionArn {EXECUTION}<machine>:<name>", e1)
check(recent(r.get("startDate")) and set(answer(r)) == {"executionArn", "startDate"}, "and a startDate of now",
      answer(r))
d = finished(e1)
check(d["status"] == "SUCCEEDED", "the execution SUCCEEDED", d["status"])
check({"executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate", "input", "output"} <= set(d)
      <= members("DescribeExecutionOutput"), "describe_execution answers the model's members, stopDate and output among them",
      sorted(d))
check((d["executionArn"], d["stateMachineArn"], d["name"]) == (e1, ex_machine, "e1"),
      "with its executionArn, stateMachineArn and name", (d["executionArn"], d["stateMachineArn"], d["name"]))
check(d["input"] == '{"n": 1}', "its input exactly as sent", d["input"])
check(as_json(d["output"]) == {"got": {"n": 1}}, "its output, a JSON string", d["output"])
check(recent(d["startDate"]) and recent(d["stopDate"]) and d["startDate"] <= d["stopDate"],
      "startDate <= stopDate, both of now", (d["startDate"], d["stopDate"]))
check(d.get("inputDetails") == {"included": True} and d.get("outputDetails") == {"included": True},
      "inputDetails and outputDetails {included: true}", (d.get("inputDetails"), d.get("outputDetails")))
check("error" not in d and "cause" not in d, "and no error or cause", sorted(d))

r = start()
d = finished(r["executionArn"])
check(UUID.match(d["name"] or "") and r["executionArn"] == f"{EXECUTION}{ex_name}:{d['name']}",
      "without a name the execution is named with a UUID", d["name"])
check(d["input"] == "{}" and as_json(d["output"]) == {"got": {}}, "and without an input its input is {}",
      (d["input"], d.get("output")))
unnamed = r["executionArn"]

r = start(name="f1", input='{"fail": true}')
f1 = r["executionArn"]
d = finished(f1)
check((d["status"], d.get("error"), d.get("cause")) == ("FAILED", "Exec.Err", "asked to fail"),
      "an execution reaching a Fail state is FAILED with its error and cause", (d["status"], d.get("error"), d.get("cause")))
check("output" not in d and recent(d.get("stopDate")), "with a stopDate and no output", sorted(d))

# StartExecution "is idempotent for STANDARD workflows ... if you call StartExecution with the same name
# and input as a running execution, the call succeeds and return the same response as the original
# request. If the execution is closed or if the input is different, it returns a 400
# ExecutionAlreadyExists error" (the API reference).
r = start(name="hold", input='{"wait": true}')
hold = r["executionArn"]
running.append(hold)
check(finished(hold, within=0)["status"] == "RUNNING", "an execution in a 3600 s Wait is RUNNING")
again = sfn.start_execution(stateMachineArn=ex_machine, name="hold", input='{"wait": true}')
check((again["executionArn"], again["startDate"]) == (hold, r["startDate"]),
      "starting it again with the same name and input while it runs answers the same execution",
      (again["executionArn"], again["startDate"]))
refused("ExecutionAlreadyExists", "the same name with another input", sfn.start_execution,
        stateMachineArn=ex_machine, name="hold", input='{"wait": false}')
refused("ExecutionAlreadyExists", "the name of a closed execution with the same input", sfn.start_execution,
        stateMachineArn=ex_machine, name="e1", input='{"n": 1}')
refused("InvalidExecutionInput", "an input that is not JSON", sfn.start_execution,
        stateMachineArn=ex_machine, input="{not json")
refused("InvalidName", "an execution name with white space", sfn.start_execution,
        stateMachineArn=ex_machine, name="has space")
refused("StateMachineDoesNotExist", "start_execution of a missing machine", sfn.start_execution,
        stateMachineArn=MACHINE + f"ghost-{RUN}")
refused("InvalidArn", "start_execution of something that is not a state machine ARN", sfn.start_execution,
        stateMachineArn="nonsense")
refused("ExecutionDoesNotExist", "describe_execution of a missing execution", sfn.describe_execution,
        executionArn=f"{EXECUTION}{ex_name}:ghost")
refused("InvalidArn", "describe_execution of something that is not an execution ARN", sfn.describe_execution,
        executionArn="nonsense")

# ListExecutions: "Results are sorted by time, with the most recent execution first" (the API reference).
all_ex, _ = listed_executions(stateMachineArn=ex_machine)
check([x["executionArn"] for x in all_ex] == started[::-1], "list_executions lists them newest first",
      [x["name"] for x in all_ex])
check(all({"executionArn", "stateMachineArn", "name", "status", "startDate"} <= set(x) <= members("ExecutionListItem")
          for x in all_ex), "each item has executionArn, stateMachineArn, name, status and startDate",
      sorted(all_ex[0]))
check(all(("stopDate" in x) == (x["status"] != "RUNNING") for x in all_ex), "and a stopDate once closed",
      [(x["name"], x["status"], "stopDate" in x) for x in all_ex])
paged, pages = listed_executions(stateMachineArn=ex_machine, maxResults=2)
check([x["executionArn"] for x in paged] == started[::-1] and all(len(p) <= 2 for p in pages),
      "maxResults 2 pages through the same list, two at a time", [len(p) for p in pages])
for status, want in [("RUNNING", [hold]), ("FAILED", [f1]), ("SUCCEEDED", [unnamed, e1])]:
    got, _ = listed_executions(stateMachineArn=ex_machine, statusFilter=status)
    check([x["executionArn"] for x in got] == want, f"statusFilter {status} lists only those",
          [x["name"] for x in got])
refused("InvalidToken", "list_executions with a nextToken it never gave", sfn.list_executions,
        stateMachineArn=ex_machine, nextToken="not-a-token-" + RUN)
refused("StateMachineDoesNotExist", "list_executions of a missing machine", sfn.list_executions,
        stateMachineArn=MACHINE + f"ghost-{RUN}")

# DescribeStateMachineForExecution, and an update while an execution runs: "Running executions will
# continue to use the previous definition and roleArn" (the API reference).
d = answer(sfn.describe_state_machine_for_execution(executionArn=hold))
check({"stateMachineArn", "name", "definition", "roleArn", "updateDate"} <= set(d)
      <= members("DescribeStateMachineForExecutionOutput"),
      "describe_state_machine_for_execution answers stateMachineArn, name, definition, roleArn, updateDate", sorted(d))
check((d["stateMachineArn"], d["name"], d["definition"], d["roleArn"]) == (ex_machine, ex_name, exec_def, ROLE),
      "of the machine the execution runs", (d["name"], d["roleArn"]))
check(isinstance(d["updateDate"], datetime.datetime), "with an updateDate (its creation date when never updated)",
      d["updateDate"])
exec_def2 = json.dumps(dict(json.loads(exec_def), Comment="second revision"))
sfn.update_state_machine(stateMachineArn=ex_machine, definition=exec_def2)
check(sfn.describe_state_machine_for_execution(executionArn=hold)["definition"] == exec_def,
      "after an update, the running execution still has the definition it started with")
r = sfn.start_execution(stateMachineArn=ex_machine, name="after-update", input="{}")
finished(r["executionArn"])
check(sfn.describe_state_machine_for_execution(executionArn=r["executionArn"])["definition"] == exec_def2,
      "and an execution started after it has the new one")
refused("ExecutionDoesNotExist", "describe_state_machine_for_execution of a missing execution",
        sfn.describe_state_machine_for_execution, executionArn=f"{EXECUTION}{ex_name}:ghost")

# StopExecution
r = sfn.stop_execution(executionArn=hold, error="Stop.Err", cause="stopped by the test")
check(recent(r.get("stopDate")) and set(answer(r)) == {"stopDate"}, "stop_execution answers a stopDate", answer(r))
running.remove(hold)
d = finished(hold)
check((d["status"], d.get("error"), d.get("cause")) == ("ABORTED", "Stop.Err", "stopped by the test"),
      "the execution is ABORTED with the error and cause it was stopped with",
      (d["status"], d.get("error"), d.get("cause")))
check(recent(d.get("stopDate")) and "output" not in d, "with a stopDate and no output", sorted(d))
got, _ = listed_executions(stateMachineArn=ex_machine, statusFilter="ABORTED")
check([x["executionArn"] for x in got] == [hold], "statusFilter ABORTED lists it", [x["name"] for x in got])
refused("ExecutionAlreadyExists", "and its name with the same input, now that it is closed", sfn.start_execution,
        stateMachineArn=ex_machine, name="hold", input='{"wait": true}')
refused("ExecutionDoesNotExist", "stop_execution of a missing execution", sfn.stop_execution,
        executionArn=f"{EXECUTION}{ex_name}:ghost")

# ---------------------------------------------------------------------------------------------
# GetExecutionHistory
# ---------------------------------------------------------------------------------------------
hist_def = json.dumps({"StartAt": "Start", "States": {
    "Start": {"Type": "Pass", "Result": {"go": True}, "Next": "Decide"},
    "Decide": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Done"}]},
    "Done": {"Type": "Succeed"}}})
hist_machine = create(f"hist-{RUN}", hist_def)
h_input = '{"from": "history"}'
h = sfn.start_execution(stateMachineArn=hist_machine, name="h1", input=h_input)["executionArn"]
check(finished(h)["status"] == "SUCCEEDED", "a Pass -> Choice -> Succeed execution SUCCEEDED")
events, _ = history(h)
types = [x["type"] for x in events]
check(types == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ChoiceStateEntered", "ChoiceStateExited",
                "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"],
      "get_execution_history lists its eight events in order", types)
check([x["id"] for x in events] == list(range(1, 9)), "with ids 1 to 8", [x["id"] for x in events])
# As recorded against AWS: the first state's Entered event, like ExecutionStarted, has previousEventId 0;
# every later one names the event before it.
check([x.get("previousEventId") for x in events] == [0, 0, 2, 3, 4, 5, 6, 7],
      "and previousEventId 0, 0, then each the event before", [x.get("previousEventId") for x in events])
stamps = [x["timestamp"] for x in events]
check(all(recent(t) for t in stamps) and stamps == sorted(stamps), "timestamps of now, in order", stamps[0])
details_of = {"ExecutionStarted": "executionStartedEventDetails", "ExecutionSucceeded": "executionSucceededEventDetails"}
for x in events:
    key = details_of.get(x["type"], "stateEnteredEventDetails" if x["type"].endswith("Entered") else "stateExitedEventDetails")
    extra = [k for k in x if k.endswith("EventDetails") and k != key]
    check(key in x and not extra, f"event {x['id']} {x['type']} carries {key} and no other details", sorted(x))
started_d = events[0]["executionStartedEventDetails"]
check((started_d.get("input"), started_d.get("inputDetails"), started_d.get("roleArn")) == (h_input, {"truncated": False}, ROLE),
      "ExecutionStarted: the input as sent, inputDetails {truncated: false}, the roleArn", started_d)
NOT_TRUNCATED = {"truncated": False}
want_states = [("Start", {"from": "history"}, {"go": True}), ("Decide", {"go": True}, {"go": True}),
               ("Done", {"go": True}, {"go": True})]
for n, (state, s_in, s_out) in enumerate(want_states):
    entered = events[1 + 2 * n]["stateEnteredEventDetails"]
    exited = events[2 + 2 * n]["stateExitedEventDetails"]
    check(entered.get("name") == state and as_json(entered.get("input")) == s_in and entered.get("inputDetails") == NOT_TRUNCATED,
          f"{state} entered: its name, its input, inputDetails {{truncated: false}}", entered)
    check(exited.get("name") == state and as_json(exited.get("output")) == s_out and exited.get("outputDetails") == NOT_TRUNCATED,
          f"{state} exited: its name, its output, outputDetails {{truncated: false}}", exited)
done = events[7]["executionSucceededEventDetails"]
check(as_json(done.get("output")) == {"go": True} and done.get("outputDetails") == NOT_TRUNCATED,
      "ExecutionSucceeded: the execution's output, outputDetails {truncated: false}", done)
rev, _ = history(h, reverseOrder=True)
check([x["id"] for x in rev] == list(range(8, 0, -1)) and rev[0]["type"] == "ExecutionSucceeded",
      "reverseOrder lists them newest first", [x["id"] for x in rev])
paged, pages = history(h, maxResults=3)
check([len(p) for p in pages] == [3, 3, 2] and [x["id"] for x in paged] == list(range(1, 9)),
      "maxResults 3 pages through them 3, 3 and 2 with nextToken", [len(p) for p in pages])
lean, _ = history(h, includeExecutionData=False)
check([x["type"] for x in lean] == types and "input" not in lean[1]["stateEnteredEventDetails"]
      and "output" not in lean[2]["stateExitedEventDetails"] and lean[1]["stateEnteredEventDetails"].get("name") == "Start",
      "includeExecutionData false leaves out the inputs and outputs, not the events", lean[1].get("stateEnteredEventDetails"))

events, _ = history(f1)
check([x["type"] for x in events] == ["ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited",
                                      "FailStateEntered", "ExecutionFailed"],
      "a failed execution's history ends with FailStateEntered and ExecutionFailed (a Fail state does not exit)",
      [x["type"] for x in events])
check(events[-1].get("executionFailedEventDetails") == {"error": "Exec.Err", "cause": "asked to fail"},
      "ExecutionFailed carries the error and cause", events[-1].get("executionFailedEventDetails"))
events, _ = history(hold)
check(events[0]["type"] == "ExecutionStarted" and "WaitStateEntered" in [x["type"] for x in events]
      and events[-1]["type"] == "ExecutionAborted",
      "an aborted execution's history has its Wait entered and ends with ExecutionAborted", [x["type"] for x in events])
check(events[-1].get("executionAbortedEventDetails") == {"error": "Stop.Err", "cause": "stopped by the test"},
      "ExecutionAborted carries the error and cause of the stop", events[-1].get("executionAbortedEventDetails"))
refused("ExecutionDoesNotExist", "get_execution_history of a missing execution", sfn.get_execution_history,
        executionArn=f"{EXECUTION}{ex_name}:ghost")
refused("InvalidToken", "get_execution_history with a nextToken it never gave", sfn.get_execution_history,
        executionArn=h, nextToken="not-a-token-" + RUN)

# ---------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------


def tags_of(arn):
    return {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=arn)["tags"]}


check(tags_of(arn1) == {"team": "core"}, "list_tags_for_resource gives the tags the machine was created with", tags_of(arn1))
sfn.tag_resource(resourceArn=arn1, tags=[{"key": "env", "value": "dev"}, {"key": "team", "value": "ops"}])
check(tags_of(arn1) == {"team": "ops", "env": "dev"}, "tag_resource adds a tag and overwrites one", tags_of(arn1))
sfn.untag_resource(resourceArn=arn1, tagKeys=["team", "absent"])
check(tags_of(arn1) == {"env": "dev"}, "untag_resource removes the keys it names (an absent key is no error)",
      tags_of(arn1))
refused("ResourceNotFound", "tag_resource of a missing machine", sfn.tag_resource,
        resourceArn=MACHINE + f"ghost-{RUN}", tags=[{"key": "k", "value": "v"}])
refused("ResourceNotFound", "list_tags_for_resource of a missing machine", sfn.list_tags_for_resource,
        resourceArn=MACHINE + f"ghost-{RUN}")
refused("ResourceNotFound", "untag_resource of a missing machine", sfn.untag_resource,
        resourceArn=MACHINE + f"ghost-{RUN}", tagKeys=["k"])

# ---------------------------------------------------------------------------------------------
# Express: StartSyncExecution
# ---------------------------------------------------------------------------------------------
r = answer(sfn.start_sync_execution(stateMachineArn=exp_arn, name="s1", input='{"a": 1}'))
check(r.get("status") == "SUCCEEDED", "start_sync_execution of an EXPRESS machine answers status SUCCEEDED", r.get("status"))
check(set(r) <= members("StartSyncExecutionOutput") and {"executionArn", "startDate", "stopDate", "status"} <= set(r),
      "with executionArn, startDate, stopDate and status", sorted(r))
check(r["executionArn"].startswith(f"{EXPRESS}{exp_name}:s1:"),
      f"an express execution ARN {EXPRESS}<machine>:<name>:<id>", r["executionArn"])
check(r.get("stateMachineArn") == exp_arn and r.get("name") == "s1" and r.get("input") == '{"a": 1}',
      "its stateMachineArn, name and input as sent", (r.get("stateMachineArn"), r.get("name"), r.get("input")))
check(isinstance(r.get("output"), str) and as_json(r["output"]) == {"echo": {"a": 1}}, "and its output as a JSON string",
      r.get("output"))
check(recent(r["startDate"]) and recent(r["stopDate"]) and r["startDate"] <= r["stopDate"] and "error" not in r,
      "startDate <= stopDate and no error", (r["startDate"], r["stopDate"]))
# "StartSyncExecution will return a 200 OK response, even if your execution fails" (the API reference).
r = answer(sfn.start_sync_execution(stateMachineArn=exp_arn, input='{"fail": true}'))
check((r.get("status"), r.get("error"), r.get("cause")) == ("FAILED", "Sync.Err", "asked to fail") and "output" not in r,
      "a failing one answers 200 with status FAILED, its error and cause, and no output",
      (r.get("status"), r.get("error"), r.get("cause"), r.get("output")))
refused("StateMachineTypeNotSupported", "start_sync_execution of a STANDARD machine", sfn.start_sync_execution,
        stateMachineArn=ex_machine, input="{}")
refused("InvalidExecutionInput", "start_sync_execution with an input that is not JSON", sfn.start_sync_execution,
        stateMachineArn=exp_arn, input="{not json")
refused("StateMachineDoesNotExist", "start_sync_execution of a missing machine", sfn.start_sync_execution,
        stateMachineArn=MACHINE + f"ghost-{RUN}", input="{}")
r = sfn.start_execution(stateMachineArn=exp_arn, name="async1", input="{}")
check(r["executionArn"].startswith(f"{EXPRESS}{exp_name}:async1:") and recent(r["startDate"]),
      "start_execution of an EXPRESS machine answers an express execution ARN", r["executionArn"])
# "This API action is not supported by EXPRESS state machines" (ListExecutions, the API reference).
refused("StateMachineTypeNotSupported", "list_executions of an EXPRESS machine", sfn.list_executions,
        stateMachineArn=exp_arn)

# ---------------------------------------------------------------------------------------------
# Task tokens Step Functions never issued (a malformed token is InvalidToken on AWS)
# ---------------------------------------------------------------------------------------------
token = "not-a-task-token-" + RUN
refused("InvalidToken", "send_task_success with a token never issued", sfn.send_task_success, taskToken=token, output="{}")
refused("InvalidToken", "send_task_failure with a token never issued", sfn.send_task_failure, taskToken=token,
        error="E", cause="C")
refused("InvalidToken", "send_task_heartbeat with a token never issued", sfn.send_task_heartbeat, taskToken=token)

# ---------------------------------------------------------------------------------------------
# DeleteStateMachine
# ---------------------------------------------------------------------------------------------
victim = lst[0]
r = answer(sfn.delete_state_machine(stateMachineArn=victim))
check(r == {}, "delete_state_machine answers nothing", r)
check(gone(victim), "describe_state_machine then answers StateMachineDoesNotExist (within 10 s)")
c, e = code(sfn.delete_state_machine, stateMachineArn=victim)
check(c is None, "deleting it again is no error (the model gives DeleteStateMachine no not-found error)",
      (c, message(e)))
listed_now, _ = listed_machines()
check(victim not in {m["stateMachineArn"] for m in listed_now}, "and list_state_machines no longer lists it")
machines.remove(victim)

# ---------------------------------------------------------------------------------------------
# The aws CLI
# ---------------------------------------------------------------------------------------------
cli = f"cli-{RUN}"
rc, out, err = aws("stepfunctions", "create-state-machine", "--name", cli, "--definition", D2, "--role-arn", ROLE)
cli_arn = printed(out).get("stateMachineArn")
if cli_arn:
    machines.append(cli_arn)
check(rc == 0 and cli_arn == MACHINE + cli, "aws stepfunctions create-state-machine prints the stateMachineArn",
      tail(rc, out, err))
rc, out, err = aws("stepfunctions", "describe-state-machine", "--state-machine-arn", MACHINE + cli)
d = printed(out)
check(rc == 0 and (d.get("name"), d.get("status"), d.get("definition")) == (cli, "ACTIVE", D2),
      "aws stepfunctions describe-state-machine prints it", tail(rc, out, err))
rc, out, err = aws("stepfunctions", "start-execution", "--state-machine-arn", MACHINE + cli, "--name", "c1",
                   "--input", '{"x": 1}')
check(rc == 0 and printed(out).get("executionArn") == f"{EXECUTION}{cli}:c1",
      "aws stepfunctions start-execution prints the executionArn", tail(rc, out, err))
deadline, d = time.time() + 10, {}
while time.time() < deadline:
    rc, out, err = aws("stepfunctions", "describe-execution", "--execution-arn", f"{EXECUTION}{cli}:c1")
    d = printed(out)
    if rc != 0 or d.get("status") != "RUNNING":
        break
    time.sleep(0.2)
check(d.get("status") == "SUCCEEDED" and as_json(d.get("output")) == {"v": 2},
      "aws stepfunctions describe-execution prints it SUCCEEDED with its output", tail(rc, out, err))
rc, out, err = aws("stepfunctions", "list-executions", "--state-machine-arn", MACHINE + cli)
check(rc == 0 and [x.get("name") for x in printed(out).get("executions", [])] == ["c1"],
      "aws stepfunctions list-executions lists it", tail(rc, out, err))
rc, out, err = aws("stepfunctions", "delete-state-machine", "--state-machine-arn", MACHINE + cli)
check(rc == 0, "aws stepfunctions delete-state-machine succeeds", tail(rc, out, err))
machines.remove(cli_arn)
check(gone(MACHINE + cli), "and the machine is gone")
# aws CLI v1 exits 255 on a service error and prints "An error occurred (<code>) when calling the <op> operation: <message>".
rc, out, err = aws("stepfunctions", "describe-state-machine", "--state-machine-arn", MACHINE + cli)
check(rc == 255 and "(StateMachineDoesNotExist) when calling the DescribeStateMachine operation" in err,
      "describe-state-machine of the deleted machine exits 255 with StateMachineDoesNotExist", tail(rc, out, err))

# ---------------------------------------------------------------------------------------------
# Clean-up: running executions, machines, the roles this run made
# ---------------------------------------------------------------------------------------------
for x in running:
    sfn.stop_execution(executionArn=x)
for arn in machines:
    c, e = code(sfn.delete_state_machine, stateMachineArn=arn)
    check(c is None, f"clean-up: delete_state_machine {arn.rsplit(':', 1)[1]}", (c, message(e)))
for role_name in roles_created:
    iam.delete_role(RoleName=role_name)
print(f"({time.time() - T0:.1f} s)")
print("done")
