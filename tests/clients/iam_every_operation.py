"""Every operation Squall serves is authorized: a user with no policies calls each one (the
action table, a JSON file given as the argument: [[service, operation, action], ...]) with
botocore building the request from its model, and each must be denied in its service's shape,
naming the action the table gives, before anything else looks at the input.

Run by the end-to-end tests with AWS_ENDPOINT_URL, the root's key and AWS_DEFAULT_REGION=us-east-1
in the environment; exits non-zero listing every operation that was not denied.
"""
import datetime
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# No host prefix: StartSyncExecution's `sync-` would name a host that is not the endpoint.
CONFIG = Config(retries={"total_max_attempts": 1}, parameter_validation=False, inject_host_prefix=False)
# What each service calls a denial.
DENIAL = {
    "dynamodb": "AccessDeniedException",
    "dynamodbstreams": "AccessDeniedException",
    "ssm": "AccessDeniedException",
    "secretsmanager": "AccessDeniedException",
    "kms": "AccessDeniedException",
    "lambda": "AccessDeniedException",
    "sqs": "AccessDenied",
    "sns": "AuthorizationError",
    "s3": "AccessDenied",
    "iam": "AccessDenied",
    "sts": "AccessDenied",
    "events": "AccessDeniedException",
    "scheduler": "AccessDeniedException",
    "stepfunctions": "AccessDeniedException",
}
# Answered for anyone who signs (as on AWS).
ALWAYS_ALLOWED = {("sts", "GetCallerIdentity")}


def sample(shape, depth=0):
    """A value of `shape` with every required member filled."""
    kind = shape.type_name
    if kind == "structure":
        return {name: sample(shape.members[name], depth + 1) for name in shape.required_members} if depth < 6 else {}
    if kind == "list":
        return [sample(shape.member, depth + 1)] if depth < 6 else []
    if kind == "map":
        return {}
    if kind == "string":
        return shape.enum[0] if shape.enum else "x"
    if kind in ("integer", "long"):
        return 1
    if kind in ("double", "float"):
        return 1.0
    if kind == "boolean":
        return False
    if kind == "blob":
        return b"x"
    if kind == "timestamp":
        return datetime.datetime.now(datetime.timezone.utc)
    return "x"


table = json.load(open(sys.argv[1]))
root_iam = boto3.client("iam", config=CONFIG)
root_iam.create_user(UserName="nobody")
key = root_iam.create_access_key(UserName="nobody")["AccessKey"]
session = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
clients = {}
failures = []
for service, operation, action in table:
    if (service, operation) in ALWAYS_ALLOWED:
        continue
    client = clients.setdefault(service, session.client(service, config=CONFIG))
    model = client.meta.service_model.operation_model(operation)
    params = sample(model.input_shape) if model.input_shape is not None else {}
    names = {api: method for method, api in client.meta.method_to_api_mapping.items()}
    method = getattr(client, names[operation])
    try:
        out = method(**params)
        # S3 authorizes each key of a DeleteObjects, denials reported per key.
        errors = out.get("Errors", []) if operation == "DeleteObjects" else []
        if errors and all(e["Code"] == "AccessDenied" for e in errors) and not out.get("Deleted"):
            print(f"ok: {service} {operation} denied key by key")
        else:
            failures.append(f"{service} {operation}: allowed")
        continue
    except ClientError as e:
        code = e.response["Error"]["Code"]
        message = e.response["Error"].get("Message", "")
    except Exception as e:  # noqa: BLE001 (a client-side failure is a failure of this check too)
        failures.append(f"{service} {operation}: {type(e).__name__}: {e}")
        continue
    head = operation.startswith("Head")
    if head:
        # A HEAD's error has no body: its status is all botocore sees.
        ok = code == "403"
    else:
        ok = code == DENIAL[service] and f"is not authorized to perform: {action} " in message
    if not ok:
        failures.append(f"{service} {operation}: {code}: {message}")
    else:
        print(f"ok: {service} {operation} denied as {action}")
if failures:
    print("not denied:\n" + "\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("done")
