"""Step Functions versions, aliases, RedriveExecution and TestState through boto3 against a running Squall.

Covers: create_state_machine with publish=True (version 1, its ARN `<machine>:1`);
update_state_machine with publish=True and a versionDescription (version 2) and without (no
version); publish_state_machine_version of an unpublished revision (version 3) and of a published
one (its version again), a stale revisionId refused with ConflictException; describe_state_machine
of a version (its own definition, revisionId and description); list_state_machine_versions (newest
first); an alias over two versions (create, describe with its routingConfiguration, list, update to
one version, delete), refused routings (weights not summing to 100, a version of another machine,
an unknown version); start_execution through a version's and an alias's ARN (the execution runs
that version's definition and names it: stateMachineVersionArn / stateMachineAliasArn in
describe_execution and in the ExecutionStarted event; list_executions by version ARN);
delete_state_machine_version refused while an alias routes to it; redrive_execution of a FAILED
execution (it goes on from the failed state, with an ExecutionRedriven event, redriveCount 1 and
redriveDate, and this time succeeds), ExecutionNotRedrivable for a SUCCEEDED one;
describe_execution's redriveStatus; test_state of a Pass state (every inspectionData step), a
Choice (nextState), a Fail (FAILED with its error), a Task whose function fails with a Catch
(CAUGHT_ERROR) and with a Retry (RETRIABLE), and a Task calling a function as the given role.

Left out: Map Runs' redrives, TestState's DEBUG/TRACE extra fields and revealSecrets, variables.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1;
exits non-zero with the failing check on the first failure.
"""
import io
import json
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from sfn_common import check, finished

# TestState, like StartSyncExecution, is sent to the host `sync-<endpoint>` unless told not to.
sfn = boto3.client("stepfunctions", config=Config(inject_host_prefix=False))
iam = boto3.client("iam")
lam = boto3.client("lambda")
ddb = boto3.client("dynamodb")


def refused(code, what, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        check(e.response["Error"]["Code"] == code, f"{what} is {code}", e.response["Error"])
        return
    check(False, f"{what} is refused")


trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="versions-sfn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.put_role_policy(RoleName="versions-sfn", PolicyName="p", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["lambda:InvokeFunction", "dynamodb:*"], "Resource": "*"}]}))


def pass_machine(value):
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": value, "End": True}}})


# --- Versions -------------------------------------------------------------------------------------
made = sfn.create_state_machine(name="versioned", definition=pass_machine("one"), roleArn=role, publish=True, versionDescription="first")
arn = made["stateMachineArn"]
check(made.get("stateMachineVersionArn") == arn + ":1", "publish=True makes version 1", made)
u = sfn.update_state_machine(stateMachineArn=arn, definition=pass_machine("two"), publish=True, versionDescription="second")
check(u.get("stateMachineVersionArn") == arn + ":2", "update with publish makes version 2", u)
u = sfn.update_state_machine(stateMachineArn=arn, definition=pass_machine("three"))
check("stateMachineVersionArn" not in u, "an update without publish makes no version", u)
revision = sfn.describe_state_machine(stateMachineArn=arn)["revisionId"]
refused("ConflictException", "publishing with a stale revisionId", sfn.publish_state_machine_version, stateMachineArn=arn, revisionId="stale")
p = sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=revision, description="third")
check(p["stateMachineVersionArn"] == arn + ":3", "publish_state_machine_version makes version 3", p)
again = sfn.publish_state_machine_version(stateMachineArn=arn)
check(again["stateMachineVersionArn"] == arn + ":3", "publishing the same revision answers its version", again)
v1 = sfn.describe_state_machine(stateMachineArn=arn + ":1")
check(json.loads(v1["definition"])["States"]["P"]["Result"] == "one" and v1.get("description") == "first",
      "a version describes its own definition and description", v1)
versions = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]]
check(versions == [arn + ":3", arn + ":2", arn + ":1"], "list_state_machine_versions, newest first", versions)

# --- Aliases --------------------------------------------------------------------------------------
other = sfn.create_state_machine(name="other", definition=pass_machine("x"), roleArn=role, publish=True)
refused("ValidationException", "weights not summing to 100", sfn.create_state_machine_alias, name="bad",
        routingConfiguration=[{"stateMachineVersionArn": arn + ":1", "weight": 50}])
refused("ValidationException", "versions of two machines", sfn.create_state_machine_alias, name="bad",
        routingConfiguration=[{"stateMachineVersionArn": arn + ":1", "weight": 50}, {"stateMachineVersionArn": other["stateMachineVersionArn"], "weight": 50}])
refused("ResourceNotFound", "an unknown version", sfn.create_state_machine_alias, name="bad",
        routingConfiguration=[{"stateMachineVersionArn": arn + ":9", "weight": 100}])
alias = sfn.create_state_machine_alias(name="live", description="prod",
                                       routingConfiguration=[{"stateMachineVersionArn": arn + ":1", "weight": 100}])["stateMachineAliasArn"]
check(alias == arn + ":live", "an alias's ARN is the machine's and its name", alias)
a = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
check(a["routingConfiguration"] == [{"stateMachineVersionArn": arn + ":1", "weight": 100}] and a["description"] == "prod",
      "describe_state_machine_alias", a)
listed = [x["stateMachineAliasArn"] for x in sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]]
check(listed == [alias], "list_state_machine_aliases", listed)
refused("ConflictException", "deleting a version an alias routes to", sfn.delete_state_machine_version, stateMachineVersionArn=arn + ":1")

e = sfn.start_execution(stateMachineArn=alias, input="{}")["executionArn"]
d = finished(e)
check(json.loads(d["output"]) == "one", "an execution through the alias runs its version", d)
check(d.get("stateMachineAliasArn") == alias and d.get("stateMachineVersionArn") == arn + ":1", "and names the alias and version", d)
started = sfn.get_execution_history(executionArn=e)["events"][0]["executionStartedEventDetails"]
check(started.get("stateMachineAliasArn") == alias, "ExecutionStarted names the alias", started)
e = sfn.start_execution(stateMachineArn=arn + ":2", input="{}")["executionArn"]
check(json.loads(finished(e)["output"]) == "two", "an execution through a version runs it")
e = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
check(json.loads(finished(e)["output"]) == "three", "the machine's ARN runs its latest definition")
by_version = sfn.list_executions(stateMachineArn=arn + ":2")["executions"]
check(len(by_version) == 1, "list_executions of a version lists its executions", by_version)

sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
    {"stateMachineVersionArn": arn + ":2", "weight": 50}, {"stateMachineVersionArn": arn + ":3", "weight": 50}])
outputs = set()
for _ in range(30):
    outputs.add(json.loads(finished(sfn.start_execution(stateMachineArn=alias, input="{}")["executionArn"])["output"]))
check(outputs == {"two", "three"}, "an alias with two versions splits executions between them", outputs)
sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
versions = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]]
check(versions == [arn + ":3", arn + ":2"], "a version no alias routes to is deleted", versions)
sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
refused("ResourceNotFound", "a deleted alias", sfn.describe_state_machine_alias, stateMachineAliasArn=alias)

# --- RedriveExecution -------------------------------------------------------------------------------
ddb.create_table(TableName="flags", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
m = sfn.create_state_machine(name="redrivable", roleArn=role, definition=json.dumps({"StartAt": "Before", "States": {
    "Before": {"Type": "Pass", "Result": "ok", "ResultPath": "$.before", "Next": "Need"},
    "Need": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
             "Parameters": {"TableName": "flags", "Key": {"id": {"S": "go"}}}, "ResultSelector": {"item.$": "$.Item"},
             "ResultPath": "$.flag", "End": True}}}))["stateMachineArn"]
e = sfn.start_execution(stateMachineArn=m, input="{}")["executionArn"]
d = finished(e)
check(d["status"] == "FAILED", "the execution fails while the flag is missing (no Item)", d)
check(d.get("redriveStatus") == "REDRIVABLE", "a failed execution is REDRIVABLE", d.get("redriveStatus"))
ddb.put_item(TableName="flags", Item={"id": {"S": "go"}})
r = sfn.redrive_execution(executionArn=e)
check("redriveDate" in r, "redrive_execution answers its date", r)
d = finished(e)
check(d["status"] == "SUCCEEDED" and d["redriveCount"] == 1 and "redriveDate" in d, "the redriven execution succeeds, counted", d)
out = json.loads(d["output"])
check(out["flag"] == {"item": {"id": {"S": "go"}}} and out["before"] == "ok", "it went on from the failed state with that state's input", out)
types = [x["type"] for x in sfn.get_execution_history(executionArn=e, maxResults=1000)["events"]]
check("ExecutionRedriven" in types and types.count("PassStateEntered") == 1 and types.count("ExecutionFailed") == 1,
      "its history goes on: ExecutionRedriven, the Pass state not run again", types)
listed = [x["executionArn"] for x in sfn.list_executions(stateMachineArn=m, redriveFilter="REDRIVEN")["executions"]]
check(listed == [e], "list_executions with redriveFilter REDRIVEN", listed)
check(sfn.list_executions(stateMachineArn=m, redriveFilter="NOT_REDRIVEN")["executions"] == [], "and NOT_REDRIVEN")
plain = sfn.test_state(definition=json.dumps({"Type": "Pass", "Next": "X"}), roleArn=role, input="{}")
check("inspectionData" not in plain or not plain["inspectionData"], "INFO shows no data-flow steps", plain)
refused("ExecutionNotRedrivable", "redriving a SUCCEEDED execution", sfn.redrive_execution, executionArn=e)

# --- TestState -------------------------------------------------------------------------------------
t = sfn.test_state(definition=json.dumps({"Type": "Pass", "InputPath": "$.a", "Parameters": {"v.$": "$.b"},
                                          "ResultPath": "$.r", "OutputPath": "$.r", "Next": "After"}),
                   roleArn=role, input=json.dumps({"a": {"b": 7}}), inspectionLevel="DEBUG")
check(t["status"] == "SUCCEEDED" and json.loads(t["output"]) == {"v": 7} and t["nextState"] == "After", "test_state of a Pass state", t)
i = t["inspectionData"]
check(json.loads(i["afterInputPath"]) == {"b": 7} and json.loads(i["afterParameters"]) == {"v": 7}
      and json.loads(i["afterResultPath"]) == {"a": {"b": 7}, "r": {"v": 7}}, "with each step of its data flow", i)
t = sfn.test_state(definition=json.dumps({"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}], "Default": "Small"}),
                   roleArn=role, input=json.dumps({"n": 5}))
check(t["status"] == "SUCCEEDED" and t["nextState"] == "Big", "test_state of a Choice names the next state", t)
t = sfn.test_state(definition=json.dumps({"Type": "Fail", "Error": "Nope", "Cause": "because"}), roleArn=role, input="{}")
check(t["status"] == "FAILED" and t["error"] == "Nope" and t["cause"] == "because", "test_state of a Fail", t)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('bad')\n    return {'got': event}\n")
fn = lam.create_function(FunctionName="tested", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/squall-default",
                         Handler="app.handler", Code={"ZipFile": buf.getvalue()})["FunctionArn"]
t = sfn.test_state(definition=json.dumps({"Type": "Task", "Resource": fn, "End": True}), roleArn=role, input=json.dumps({"x": 1}))
check(t["status"] == "SUCCEEDED" and json.loads(t["output"]) == {"got": {"x": 1}}, "test_state calls the Task's function", t)
t = sfn.test_state(definition=json.dumps({"Type": "Task", "Resource": fn, "End": True,
                                          "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.e", "Next": "Handle"}]}),
                   roleArn=role, input=json.dumps({"fail": True}))
check(t["status"] == "CAUGHT_ERROR" and t["nextState"] == "Handle" and json.loads(t["output"])["e"]["Error"] == "ValueError",
      "a caught error is CAUGHT_ERROR", t)
t = sfn.test_state(definition=json.dumps({"Type": "Task", "Resource": fn, "End": True,
                                          "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]}),
                   roleArn=role, input=json.dumps({"fail": True}))
check(t["status"] == "RETRIABLE" and t["error"] == "ValueError", "an error a retrier takes is RETRIABLE", t)

print("done")
