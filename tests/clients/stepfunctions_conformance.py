"""AWS Step Functions conformance: runs every case of stepfunctions_cases.json through boto3 against a
running Squall and compares what each execution ends with against what AWS documents.

Each case of the table is a whole Amazon States Language state machine built only of states that need
nothing outside the machine (Pass, Choice, Wait of 0 seconds or a past timestamp, Succeed, Fail,
Parallel, inline Map), an execution input, and the end AWS gives: SUCCEEDED with its output, or FAILED
with its error (and, where AWS's wording is documented, its cause). The cases come from the Amazon
States Language specification's examples (https://states-language.net/spec.html) and the AWS Step
Functions Developer Guide's (data flow: InputPath, Parameters, ResultSelector, ResultPath, OutputPath;
Choice, Parallel, Map, Pass, Fail, Succeed and Wait; the context object; intrinsic functions), with a
"source" naming where each comes from and a "note" where an expectation is less sure than the rest.

For each case the runner creates a STANDARD state machine named conf-<index of the case in the file>
(a rerun finds it there and updates its definition) with the role arn:aws:iam::000000000000:role/sfn,
starts an execution with the case's input, and only after starting them all polls DescribeExecution
(small sleeps, a 10 s deadline per execution) until each is no longer RUNNING. Then it compares the
status, and the output as a JSON value (numbers by value, true and 1 kept apart, object key order
ignored) or the error and cause. Every SUCCEEDED case is run once more through an EXPRESS state machine
conf-<index>-x with StartSyncExecution, whose output is a JSON string too, and compared the same way
(cases marked "express": false, such as the one that reads $$.StateMachine.Name, are not). Every
mismatch is collected and printed with the case's name, what AWS gives and what came back; the run
exits non-zero if there was any, and prints `done` only when all passed.

Cases marked "requires": "DISTRIBUTED" (ItemBatcher with BatchInput, ToleratedFailureCount and
ToleratedFailurePercentage, which AWS serves only in a Map state's DISTRIBUTED mode) are skipped unless
--distributed is given: Squall does not serve DISTRIBUTED maps yet. Case names given as arguments run
only those cases (with --distributed they may include the distributed ones).

Left out: Task states and everything external (activities, service integrations, callbacks), Wait states
that really wait, timeouts (TimeoutSeconds that fire), Retry timing beyond one 1 s interval, JSONata,
variables (Assign), and the history events of each case (stepfunctions_boto3.py checks history on small
machines).

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1 in
the environment (account 000000000000). Every wait is bounded and the whole run takes well under a
minute. botocore sends StartSyncExecution to the "sync-" host prefix of the endpoint; host prefixes are
turned off here (inject_host_prefix=False) so every call goes to AWS_ENDPOINT_URL itself.
"""
import concurrent.futures
import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

T0 = time.time()
cfg = Config(retries={"total_max_attempts": 1}, inject_host_prefix=False, max_pool_connections=16)
sfn = boto3.client("stepfunctions", config=cfg)
iam = boto3.client("iam", config=cfg)
ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE_NAME = "sfn"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:"
DEADLINE = 10  # seconds each execution may take
HERE = os.path.dirname(os.path.abspath(__file__))


def message(e):
    if isinstance(e, ClientError):
        return f"{e.response['Error'].get('Code')}: {e.response['Error'].get('Message')}"
    return f"{type(e).__name__}: {e}"


def same(a, b):
    """JSON values equal: numbers by value, booleans apart from numbers, object key order ignored."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def parsed(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return ("<not JSON>", text)


def compare(expect, status, output=None, error=None, cause=None):
    """None when the end matches `expect`, else what came back (for the report)."""
    got = {"status": status}
    if status == "SUCCEEDED":
        got["output"] = parsed(output)
    elif status == "FAILED":
        got["error"] = error
        if cause is not None:
            got["cause"] = cause
    if expect["status"] != status:
        return got
    if status == "SUCCEEDED":
        return None if same(expect["output"], got["output"]) else got
    if expect.get("error") != error:
        return got
    if "cause" in expect and expect["cause"] != cause:
        return got
    return None


def ensure_role():
    """The role every machine names, trusting states.amazonaws.com (AWS requires a role it may assume)."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
    except ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise


def machine(name, definition, type_="STANDARD"):
    """The ARN of a state machine `name` holding `definition` (created, or updated when a rerun finds it)."""
    body = json.dumps(definition)
    try:
        return sfn.create_state_machine(name=name, definition=body, roleArn=ROLE, type=type_)["stateMachineArn"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "StateMachineAlreadyExists":
            raise
    arn = MACHINE_ARN + name
    sfn.update_state_machine(stateMachineArn=arn, definition=body, roleArn=ROLE)
    return arn


def main(argv):
    distributed = "--distributed" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    with open(os.path.join(HERE, "stepfunctions_cases.json")) as f:
        cases = json.load(f)
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names), "case names are unique"
    unknown = [w for w in wanted if w not in names]
    if unknown:
        print(f"FAILED: no such case: {', '.join(unknown)}", file=sys.stderr)
        return 1
    chosen = []
    for i, c in enumerate(cases):
        if wanted and c["name"] not in wanted:
            continue
        if c.get("requires") == "DISTRIBUTED" and not distributed:
            print(f"skip: {c['name']} (needs a DISTRIBUTED map; run with --distributed)")
            continue
        chosen.append((i, c))
    print(f"{len(chosen)} of {len(cases)} cases")
    ensure_role()
    mismatches = []

    # STANDARD: create and start every execution first, then poll them all.
    running = {}
    for i, c in chosen:
        try:
            arn = machine(f"conf-{i}", c["definition"])
            started = sfn.start_execution(stateMachineArn=arn, input=json.dumps(c["input"]))
            running[c["name"]] = (c, started["executionArn"], time.time() + DEADLINE)
        except (ClientError, BotoCoreError) as e:
            mismatches.append((c["name"], "STANDARD", c["expect"], f"could not start: {message(e)}"))
    while running:
        for name, (c, exec_arn, deadline) in list(running.items()):
            try:
                d = sfn.describe_execution(executionArn=exec_arn)
            except (ClientError, BotoCoreError) as e:
                mismatches.append((name, "STANDARD", c["expect"], f"describe_execution: {message(e)}"))
                del running[name]
                continue
            if d["status"] == "RUNNING":
                if time.time() > deadline:
                    mismatches.append((name, "STANDARD", c["expect"], f"still RUNNING after {DEADLINE} s"))
                    del running[name]
                continue
            del running[name]
            got = compare(c["expect"], d["status"], d.get("output"), d.get("error"), d.get("cause"))
            if got is None:
                print(f"ok: {name}")
            else:
                mismatches.append((name, "STANDARD", c["expect"], got))
        if running:
            time.sleep(0.2)

    # EXPRESS: each SUCCEEDED case once more through StartSyncExecution (a few at a time).
    def express(i, c):
        try:
            arn = machine(f"conf-{i}-x", c["definition"], "EXPRESS")
            r = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps(c["input"]))
        except (ClientError, BotoCoreError) as e:
            return c, f"could not run: {message(e)}"
        return c, compare(c["expect"], r["status"], r.get("output"), r.get("error"), r.get("cause"))

    sync = [(i, c) for i, c in chosen if c["expect"]["status"] == "SUCCEEDED" and c.get("express", True)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for c, got in pool.map(lambda ic: express(*ic), sync):
            if got is None:
                print(f"ok: {c['name']} (EXPRESS, StartSyncExecution)")
            else:
                mismatches.append((c["name"], "EXPRESS", c["expect"], got))

    # Clean-up: the machines of this run.
    for i, c in chosen:
        for name in (f"conf-{i}", f"conf-{i}-x"):
            try:
                sfn.delete_state_machine(stateMachineArn=MACHINE_ARN + name)
            except (ClientError, BotoCoreError):
                pass

    for name, kind, want, got in mismatches:
        print(f"MISMATCH: {name} ({kind})\n  expected: {json.dumps(want)}\n  got:      "
              f"{got if isinstance(got, str) else json.dumps(got)}", file=sys.stderr)
    print(f"{len(chosen)} cases, {len(sync)} also through EXPRESS, {len(mismatches)} mismatches "
          f"({time.time() - T0:.1f} s)")
    if mismatches:
        print(f"FAILED: {len(mismatches)} mismatches", file=sys.stderr)
        return 1
    print("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
