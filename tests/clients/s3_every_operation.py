"""Every operation of botocore's S3 model, called through boto3 with its required parameters
filled in, against a running Squall: each one is served (a 2xx answer) or refused cleanly
(an S3 XML error with a code: a client error, or 501 NotImplemented naming what is not
served), never a 500, a dropped connection or an answer boto3 cannot read.

Then every `x-amz-*` header member of every served operation, sent with the operation:
each is one HONOURED lists (with the suite that shows its effect) or is refused naming it,
so none is accepted without effect; and a wrong expected bucket owner is AccessDenied.

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

# Headers whose effect other suites show (the file named), or that have none to have here.
HONOURED = {
    "x-amz-acl": "s3_access.py", "x-amz-grant-full-control": "s3_access.py", "x-amz-grant-read": "s3_access.py",
    "x-amz-grant-read-acp": "s3_access.py", "x-amz-grant-write": "s3_access.py", "x-amz-grant-write-acp": "s3_access.py",
    "x-amz-object-ownership": "s3_access.py", "x-amz-bucket-object-lock-enabled": "s3_object_lock.py",
    "x-amz-bypass-governance-retention": "s3_object_lock.py", "x-amz-object-lock-mode": "s3_object_lock.py",
    "x-amz-object-lock-retain-until-date": "s3_object_lock.py", "x-amz-object-lock-legal-hold": "s3_object_lock.py",
    "x-amz-checksum-algorithm": "s3_multipart.py", "x-amz-checksum-type": "s3_multipart.py",
    "x-amz-checksum-mode": "s3_multipart.py", "x-amz-mp-object-size": "s3_multipart.py",
    "x-amz-checksum-crc32": "s3_multipart.py", "x-amz-checksum-crc32c": "s3_conformance.py",
    "x-amz-checksum-crc64nvme": "s3_multipart.py", "x-amz-checksum-sha1": "s3_conformance.py",
    "x-amz-checksum-sha256": "s3_conformance.py", "x-amz-sdk-checksum-algorithm": "s3_conformance.py",
    "x-amz-copy-source": "s3_versioning.py", "x-amz-copy-source-if-match": "s3_conformance.py",
    "x-amz-copy-source-if-none-match": "s3_conformance.py", "x-amz-copy-source-if-modified-since": "s3_conformance.py",
    "x-amz-copy-source-if-unmodified-since": "s3_conformance.py", "x-amz-copy-source-range": "s3_multipart.py",
    "x-amz-copy-source-server-side-encryption-customer-algorithm": "s3_encryption.py",
    "x-amz-copy-source-server-side-encryption-customer-key": "s3_encryption.py",
    "x-amz-copy-source-server-side-encryption-customer-key-md5": "s3_encryption.py",
    "x-amz-server-side-encryption": "s3_encryption.py",
    "x-amz-server-side-encryption-customer-algorithm": "s3_encryption.py",
    "x-amz-server-side-encryption-customer-key": "s3_encryption.py",
    "x-amz-server-side-encryption-customer-key-md5": "s3_encryption.py",
    "x-amz-server-side-encryption-aws-kms-key-id": "s3_encryption.py",
    "x-amz-server-side-encryption-context": "s3_encryption.py",
    "x-amz-server-side-encryption-bucket-key-enabled": "s3_encryption.py",
    "x-amz-metadata-directive": "s3_conformance.py", "x-amz-tagging-directive": "s3_conformance.py",
    "x-amz-tagging": "s3_conformance.py", "x-amz-storage-class": "s3_lifecycle.py",
    "x-amz-object-attributes": "s3_conformance.py", "x-amz-max-parts": "s3_conformance.py",
    "x-amz-part-number-marker": "s3_conformance.py",
    "x-amz-transition-default-minimum-object-size": "s3_lifecycle.py",
    "x-amz-expected-bucket-owner": "below", "x-amz-source-expected-bucket-owner": "below",
    # No effect to have here: no bucket is requester-pays (S3 ignores the header then too), no
    # object is archived (so there is no restore status to add), and the root may always
    # change a bucket's policy (so confirming it may lock itself out is moot).
    "x-amz-request-payer": "none", "x-amz-optional-object-attributes": "none",
    "x-amz-confirm-remove-self-bucket-access": "none",
}
SAMPLE = {"RequestPayer": "requester", "ExpectedBucketOwner": None, "SourceExpectedBucketOwner": None,
          "ChecksumAlgorithm": "CRC32", "MFA": "arn:aws:iam::000000000000:mfa/root 123456"}
headers_seen = 0
for op in model.operation_names:
    if outcomes[op] == "refused":
        continue  # the operation itself is refused by name
    om = model.operation_model(op)
    shape = om.input_shape
    if shape is None:
        continue
    base = value(shape, op)
    for member, m in shape.members.items():
        header = m.serialization.get("name", "").lower()
        if m.serialization.get("location") != "header" or not header.startswith("x-amz-") or member in base:
            continue
        if member in SAMPLE and SAMPLE[member] is None:
            continue
        headers_seen += 1
        sample = SAMPLE.get(member, value(m, member))
        params = dict(base, **{member: sample})
        try:
            getattr(s3, snake(op))(**params)
            named, result = False, "served"
        except ClientError as e:
            status = e.response["ResponseMetadata"]["HTTPStatusCode"]
            message = e.response["Error"].get("Message", "")
            check(status < 500 or status == 501, f"{op} with {header}: answered {status} {message}")
            named = status in (400, 501) and header in message.lower()
            result = f"{status} {e.response['Error'].get('Code')}: {message}"
        except Exception as e:  # boto3 refusing the sample value itself
            check(False, f"{op} with {header}: {type(e).__name__}: {e}")
        if header in HONOURED:
            # Refused for its value maybe (a grant to another account), never as unknown.
            check(f"the {header} header on {op}" not in result, f"{op} honours {header} ({result})")
        else:
            check(named, f"{op} refuses {header}, which Squall does not honour, naming it ({result})")
check(headers_seen > 100, f"the walk sent {headers_seen} headers")
for op, kwargs in [("head_bucket", {}), ("get_object", {"Key": "k"}), ("list_objects_v2", {})]:
    try:
        getattr(s3, op)(Bucket=bucket, ExpectedBucketOwner="111122223333", **kwargs)
        check(False, f"{op} with another expected bucket owner is refused")
    except ClientError as e:
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, f"{op} with another expected bucket owner: 403")
    getattr(s3, op)(Bucket=bucket, ExpectedBucketOwner="000000000000", **kwargs)
try:
    s3.copy_object(Bucket=bucket, Key="k2", CopySource=f"{bucket}/k", ExpectedSourceBucketOwner="111122223333")
    check(False, "a copy whose source bucket has another owner is refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "AccessDenied", "a copy from a source of another expected owner: AccessDenied")

served = sorted(op for op, o in outcomes.items() if o == "served")
refused = sorted(op for op, o in outcomes.items() if o == "refused")
print(f"served {len(served)}, refused {len(refused)}, client errors {len(outcomes) - len(served) - len(refused)} "
      f"of {len(outcomes)}")
check(len(outcomes) == len(model.operation_names), "every operation was called")
print("all S3 operation checks passed")
