"""What the S3 client scripts share: a boto3 S3 client that does not retry (path-style),
checks that stop at the first failure, and a failed call's S3 error code and status."""
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})


def client(**kwargs):
    """An S3 client with CONFIG (unless `config` is given)."""
    return boto3.client("s3", **{"config": CONFIG, **kwargs})


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def error(fn, **kwargs):
    """(S3 error code, HTTP status) of the ClientError `fn(**kwargs)` raises, or (None, None)."""
    try:
        fn(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None
