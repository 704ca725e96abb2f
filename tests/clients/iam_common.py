"""What the IAM client scripts share: checks that stop at the first failure, an expected
error's code, status and message, and policy documents."""
import json
import sys

from botocore.config import Config
from botocore.exceptions import ClientError

CONFIG = Config(retries={"total_max_attempts": 1})
ACCOUNT = "000000000000"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def failure(fn, **kwargs):
    """`fn(**kwargs)` fails: (code, HTTP status, message)."""
    try:
        fn(**kwargs)
    except ClientError as e:
        err = e.response["Error"]
        return err["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], err.get("Message", "")
    check(False, f"{fn.__name__} {kwargs} should have failed")


def error_of(fn, **kwargs):
    """`fn(**kwargs)` fails: (code, message)."""
    code, _, message = failure(fn, **kwargs)
    return code, message


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
