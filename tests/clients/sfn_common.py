"""What the Step Functions client scripts share: checks that stop at the first failure, roles
the services assume, machines, and executions waited for (bounded)."""
import json
import sys
import time

import boto3

sfn = boto3.client("stepfunctions")
iam = boto3.client("iam")


def check(cond, what, got=None):
    if not cond:
        print(f"FAILED: {what}" + (f" (got {got!r})" if got is not None else ""), file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def role(name, actions, service="states.amazonaws.com"):
    """A role `service` may assume, allowed `actions` on everything (none: no policy)."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if actions:
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return arn


def machine(name, definition, role_arn):
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role_arn)["stateMachineArn"]


def finished(arn, limit=30.0):
    """The execution's description once it leaves RUNNING, waiting at most `limit` seconds."""
    deadline = time.time() + limit
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.05)
    check(False, f"{arn} finishes within {limit} s")


def run(machine_arn, payload, limit=30.0):
    """Starts an execution with `payload` and waits for it to finish."""
    arn = sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps(payload))["executionArn"]
    return finished(arn, limit)
