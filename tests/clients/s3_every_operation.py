"""Every operation of botocore's S3 model, called through boto3 with its required parameters
filled in, against a running Squall: each one is served (a 2xx answer) or refused cleanly
(an S3 XML error with a code: a client error, or 501 NotImplemented naming what is not
served), never a 500, a dropped connection or an answer boto3 cannot read.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import datetime
import re
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from s3_common import check

# No host prefixes (WriteGetObjectResponse, directory buckets): everything goes to the endpoint.
cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, inject_host_prefix=False,
             request_checksum_calculation="when_required")
s3 = boto3.client("s3", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]
bucket = f"every-op-{RUN}"
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="k", Body=b"x")

# Values for members whose shape alone does not say what a valid one is.
BY_NAME = {
    "Bucket": bucket, "Key": "k", "UploadId": "0" * 64, "VersionId": "null", "ContentMD5": None,
    "ChecksumAlgorithm": None, "ExpectedBucketOwner": None, "RequestPayer": None, "MFA": None,
    "CopySource": f"{bucket}/k", "PartNumber": 1, "Id": "id1", "Policy": "{}", "Expires": None,
    "RequestRoute": "route", "RequestToken": "token", "SessionMode": None,
}


def value(shape, name, depth=0):
    """A value for member `name` of type `shape`, required members only."""
    if name in BY_NAME:
        return BY_NAME[name]
    t = shape.type_name
    if t == "structure" and getattr(shape, "is_tagged_union", False):
        first = next(iter(shape.members))
        return {first: value(shape.members[first], first, depth + 1)}
    if t == "structure":
        out = {}
        for member in shape.required_members:
            v = value(shape.members[member], member, depth + 1)
            if v is not None:
                out[member] = v
        return out
    if t == "list":
        item = value(shape.member, name, depth + 1)
        return [] if item is None else [item]
    if t == "map":
        return {}
    if t == "string":
        return shape.enum[0] if shape.enum else "x" * max(1, shape.metadata.get("min", 1))
    if t in ("integer", "long"):
        return 1
    if t == "boolean":
        return False
    if t == "blob":
        return b"x"
    if t == "timestamp":
        return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    return None


def snake(op):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower().replace("_c_o_r_s", "_cors")


model = s3.meta.service_model
outcomes = {}
for op in model.operation_names:
    shape = model.operation_model(op).input_shape
    params = value(shape, op) if shape is not None else {}
    method = getattr(s3, snake(op), None)
    check(method is not None, f"{op} has a boto3 method ({snake(op)})")
    try:
        method(**params)
        outcomes[op] = "served"
    except ClientError as e:
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        code = e.response["Error"].get("Code")
        check(status < 500 or (status == 501 and code == "NotImplemented"),
              f"{op}: answered {status} {code} {e.response['Error'].get('Message')}")
        check(bool(code), f"{op}: the error names a code")
        outcomes[op] = "refused" if status == 501 else f"error {code}"
    except Exception as e:  # a dropped connection, an unreadable answer
        check(False, f"{op}: {type(e).__name__}: {e}")

served = sorted(op for op, o in outcomes.items() if o == "served")
refused = sorted(op for op, o in outcomes.items() if o == "refused")
print(f"served {len(served)}, refused {len(refused)}, client errors {len(outcomes) - len(served) - len(refused)} "
      f"of {len(outcomes)}")
check(len(outcomes) == len(model.operation_names), "every operation was called")
print("all S3 operation checks passed")
