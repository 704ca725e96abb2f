"""Lifecycle rules through boto3 against a running Squall (started with --dev, so the test can
move its clock between the two phases):

`before BUCKET`: a versioned bucket, objects and versions the rules will act on, a rule set
(prefix, And of prefix and size, every object, disabled) put and read back, and the
configurations S3 refuses (a rule doing nothing, 0 days, a date not at midnight, the same
ID twice, a transition to STANDARD_IA before 30 days, an expiration no later than a
transition, a directory bucket's class, refused by name); storage classes on PUT, HEAD,
listings, copies and multipart uploads; a GLACIER object unreadable until RestoreObject.
`after BUCKET` (once the clock has moved 31 days): current versions past their days are
expired (a delete marker, as in any versioned bucket), noncurrent versions past theirs are
removed but for the newest one kept, an expired delete marker goes, an incomplete upload is
aborted, transitions have moved current and noncurrent versions to their classes (the
furthest one due; small objects only into the archive classes, as varies_by_storage_class
says), a restored copy has expired, what the rules did was announced as LifecycleExpiration
and LifecycleTransition events, and what no enabled rule names stays.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import json
import sys
import time

import boto3
from botocore.config import Config
from s3_common import check, error

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
phase, bucket = sys.argv[1], sys.argv[2]


def state():
    """Every key's versions and markers: {key: [(id, is_marker, latest)]}."""
    out = {}
    r = s3.list_object_versions(Bucket=bucket)
    for v in r.get("Versions", []):
        out.setdefault(v["Key"], []).append((v["VersionId"], False, v["IsLatest"]))
    for m in r.get("DeleteMarkers", []):
        out.setdefault(m["Key"], []).append((m["VersionId"], True, m["IsLatest"]))
    return out


RULES = [
    {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30}},
    {"ID": "big-tmp", "Filter": {"And": {"Prefix": "tmp/", "ObjectSizeGreaterThan": 1000}}, "Status": "Enabled",
     "Expiration": {"Days": 1}},
    {"ID": "old-versions", "Filter": {}, "Status": "Enabled",
     "NoncurrentVersionExpiration": {"NoncurrentDays": 10, "NewerNoncurrentVersions": 1}},
    {"ID": "uploads", "Filter": {"Prefix": ""}, "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
    {"ID": "markers", "Filter": {"Prefix": "gone/"}, "Status": "Enabled", "Expiration": {"ExpiredObjectDeleteMarker": True}},
    {"ID": "off", "Filter": {"Prefix": "keep/"}, "Status": "Disabled", "Expiration": {"Days": 1}},
    {"ID": "cool", "Filter": {"Prefix": "cool/"}, "Status": "Enabled",
     "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 60, "StorageClass": "GLACIER_IR"}]},
    {"ID": "ir", "Filter": {"And": {"Prefix": "ir/", "ObjectSizeGreaterThan": 0}}, "Status": "Enabled",
     "Transitions": [{"Days": 1, "StorageClass": "GLACIER_IR"}]},
    {"ID": "arch", "Filter": {"Prefix": "arch/"}, "Status": "Enabled", "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]},
    {"ID": "ver", "Filter": {"Prefix": "ver/"}, "Status": "Enabled",
     "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "ONEZONE_IA"}]},
]


def classes():
    """{(key, is latest): storage class} of every version."""
    r = s3.list_object_versions(Bucket=bucket)
    return {(v["Key"], v["IsLatest"]): v["StorageClass"] for v in r.get("Versions", [])}

if phase == "before":
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    check(error(s3.get_bucket_lifecycle_configuration, Bucket=bucket) == ("NoSuchLifecycleConfiguration", 404),
          "no lifecycle configuration until one is set")

    def refused(rules, expected, what):
        got = error(s3.put_bucket_lifecycle_configuration, Bucket=bucket, LifecycleConfiguration={"Rules": rules})
        check(got[0] == expected, f"{what}: {expected} ({got})")

    base = {"ID": "x", "Filter": {"Prefix": ""}, "Status": "Enabled"}
    refused([{**base}], "InvalidRequest", "a rule with no action")
    refused([{**base, "Expiration": {"Days": 0}}], "InvalidArgument", "0 days")
    refused([{**base, "Expiration": {"Date": "2030-01-01T12:00:00Z"}}], "InvalidArgument", "a date not at midnight")
    refused([{**base, "Expiration": {"Days": 1}}, {**base, "Expiration": {"Days": 2}}], "InvalidArgument", "the same ID twice")
    refused([{**base, "Transitions": [{"Days": 30, "StorageClass": "EXPRESS_ONEZONE"}]}], "NotImplemented",
            "a transition to a directory bucket's class")
    refused([{**base, "Transitions": [{"Days": 10, "StorageClass": "STANDARD_IA"}]}], "InvalidArgument",
            "STANDARD_IA before 30 days")
    refused([{**base, "Transitions": [{"Days": 10, "StorageClass": "STANDARD"}]}], "InvalidArgument",
            "a transition to STANDARD")
    refused([{**base, "Expiration": {"Days": 30}, "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]}],
            "InvalidArgument", "an expiration no later than a transition")

    # Storage classes: a label written, read back, copied over and refused where S3 would.
    s3.put_object(Bucket=bucket, Key="classed", Body=b"ia", StorageClass="STANDARD_IA")
    check(s3.head_object(Bucket=bucket, Key="classed").get("StorageClass") == "STANDARD_IA", "HEAD names the class")
    check(s3.get_object(Bucket=bucket, Key="classed")["Body"].read() == b"ia", "an IA object reads as any other")
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    check(listed.get("classed") == "STANDARD_IA", f"listings name it ({listed})")
    attrs = s3.get_object_attributes(Bucket=bucket, Key="classed", ObjectAttributes=["StorageClass"])
    check(attrs["StorageClass"] == "STANDARD_IA", "and GetObjectAttributes")
    s3.copy_object(Bucket=bucket, Key="classed", CopySource={"Bucket": bucket, "Key": "classed"}, StorageClass="GLACIER_IR")
    check(s3.head_object(Bucket=bucket, Key="classed").get("StorageClass") == "GLACIER_IR",
          "copying an object onto itself changes its class")
    s3.copy_object(Bucket=bucket, Key="classed-copy", CopySource={"Bucket": bucket, "Key": "classed"})
    check("StorageClass" not in s3.head_object(Bucket=bucket, Key="classed-copy"), "a copy is STANDARD unless asked")
    # Archived objects: unreadable until restored, as on S3.
    s3.put_object(Bucket=bucket, Key="cold", Body=b"frozen", StorageClass="GLACIER")
    check(s3.head_object(Bucket=bucket, Key="cold")["StorageClass"] == "GLACIER", "HEAD of a GLACIER object works")
    check(error(s3.get_object, Bucket=bucket, Key="cold") == ("InvalidObjectState", 403), "its GET is InvalidObjectState")
    check(error(s3.copy_object, Bucket=bucket, Key="warm", CopySource={"Bucket": bucket, "Key": "cold"})[0]
          == "InvalidObjectState", "and so is a copy from it")
    check(error(s3.restore_object, Bucket=bucket, Key="classed-copy", RestoreRequest={"Days": 1})[0]
          == "InvalidObjectState", "an object not archived is not restored")
    check(error(s3.restore_object, Bucket=bucket, Key="cold", RestoreRequest={"Type": "SELECT"})[0] == "NotImplemented",
          "a SELECT restore is refused by name")
    r = s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 2, "GlacierJobParameters": {"Tier": "Bulk"}})
    check(r["ResponseMetadata"]["HTTPStatusCode"] == 202, "RestoreObject answers 202 Accepted")
    check(s3.get_object(Bucket=bucket, Key="cold")["Body"].read() == b"frozen", "restored, it reads")
    head = s3.head_object(Bucket=bucket, Key="cold")
    check(head.get("Restore", "").startswith('ongoing-request="false", expiry-date="'), f"HEAD says so ({head.get('Restore')})")
    again = s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 2})
    check(again["ResponseMetadata"]["HTTPStatusCode"] == 200, "a restore of a restored object answers 200")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="cold", OptionalObjectAttributes=["RestoreStatus"])["Contents"][0]
    check(listed.get("RestoreStatus", {}).get("IsRestoreInProgress") is False, f"listings give its RestoreStatus ({listed})")
    s3.put_object(Bucket=bucket, Key="arch/small", Body=b"tiny")
    bad = error(s3.put_object, Bucket=bucket, Key="c", Body=b"", StorageClass="COLD")
    check(bad == ("InvalidStorageClass", 400), f"an unknown class: InvalidStorageClass ({bad})")
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp-classed", StorageClass="ONEZONE_IA")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp-classed", UploadId=up, PartNumber=1, Body=b"p")
    check(s3.list_parts(Bucket=bucket, Key="mp-classed", UploadId=up)["StorageClass"] == "ONEZONE_IA", "ListParts names it")
    s3.complete_multipart_upload(Bucket=bucket, Key="mp-classed", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    check(s3.head_object(Bucket=bucket, Key="mp-classed").get("StorageClass") == "ONEZONE_IA", "a completed upload keeps it")
    for k in ("classed", "classed-copy", "mp-classed"):
        for v in s3.list_object_versions(Bucket=bucket, Prefix=k).get("Versions", []):
            if v["Key"] == k:
                s3.delete_object(Bucket=bucket, Key=k, VersionId=v["VersionId"])

    s3.put_object(Bucket=bucket, Key="logs/a", Body=b"log")
    s3.put_object(Bucket=bucket, Key="keep/b", Body=b"keep")
    s3.put_object(Bucket=bucket, Key="tmp/big", Body=b"x" * 2000)
    s3.put_object(Bucket=bucket, Key="tmp/small", Body=b"x" * 10)
    for body in (b"v1", b"v2", b"v3"):
        s3.put_object(Bucket=bucket, Key="doc", Body=body)
    s3.delete_object(Bucket=bucket, Key="gone/x")  # a delete marker with no versions under it
    # Transitions skip objects under 128 KiB unless their rule filters by size (S3's default).
    s3.put_object(Bucket=bucket, Key="cool/a", Body=b"c" * (128 << 10))
    s3.put_object(Bucket=bucket, Key="cool/small", Body=b"cool")
    s3.put_object(Bucket=bucket, Key="ir/a", Body=b"ir")
    for body in (b"o" * (128 << 10), b"new"):
        s3.put_object(Bucket=bucket, Key="ver/x", Body=body)
    s3.create_multipart_upload(Bucket=bucket, Key="stalled")
    r = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": RULES},
                                              TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    check(r.get("TransitionDefaultMinimumObjectSize") == "varies_by_storage_class", "the minimum size setting is echoed")
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    check([r["ID"] for r in got] == [r["ID"] for r in RULES] and got[1]["Filter"]["And"]["ObjectSizeGreaterThan"] == 1000,
          "the rules read back")
    check(len(state()["doc"]) == 3, "nothing expires before the clock moves")
    check({c for (k, _), c in classes().items() if k != "cold"} == {"STANDARD"}, "nor moves")
    # What the rules do is told as S3 tells it: LifecycleExpiration:* and LifecycleTransition.
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName=f"{bucket}-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": arn, "Events": ["s3:LifecycleExpiration:*", "s3:LifecycleTransition", "s3:ObjectRemoved:*"]}]})
    print("all S3 lifecycle checks passed (before)")
else:
    expected = {
        "logs/a": [(True, True), (False, False)],
        "tmp/big": [(True, True), (False, False)],
        "tmp/small": [(False, True)],
        "keep/b": [(False, True)],
        "doc": [(False, True), (False, False)],
        "cool/a": [(False, True)],
        "cool/small": [(False, True)],
        "arch/small": [(False, True)],
        "cold": [(False, True)],
        "ir/a": [(False, True)],
        "ver/x": [(False, True), (False, False)],
    }
    want_classes = {("cool/a", True): "STANDARD_IA", ("cool/small", True): "STANDARD", ("ir/a", True): "GLACIER_IR",
                    ("arch/small", True): "GLACIER",
                    ("ver/x", True): "STANDARD", ("ver/x", False): "ONEZONE_IA"}
    seen = None
    for _ in range(60):
        now = state()
        seen = {k: sorted(((m, latest) for _, m, latest in v), reverse=True) for k, v in now.items()}
        uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        moved = {k: c for k, c in classes().items() if k in want_classes}
        if seen == {k: sorted(v, reverse=True) for k, v in expected.items()} and not uploads and moved == want_classes:
            break
        time.sleep(0.5)
    check(seen.get("logs/a") == [(True, True), (False, False)], f"logs/a past its 30 days is expired behind a marker ({seen})")
    check(seen.get("tmp/big") == [(True, True), (False, False)], "tmp/big, over 1000 bytes, is expired")
    check(seen.get("tmp/small") == [(False, True)], "tmp/small, under the size, stays")
    check(seen.get("keep/b") == [(False, True)], "a disabled rule does nothing")
    doc = [v for v in state()["doc"]]
    check(len(doc) == 2, f"doc keeps its current version and its newest noncurrent one ({doc})")
    check(s3.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"v3", "the current doc is untouched")
    check("gone/x" not in seen, "a delete marker with nothing under it is removed")
    check(not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), "the stalled upload is aborted")
    got = {k: c for k, c in classes().items() if k in want_classes}
    check(got[("cool/a", True)] == "STANDARD_IA", f"cool/a moved to the furthest class due, STANDARD_IA ({got})")
    check(got[("cool/small", True)] == "STANDARD", "cool/small, under 128 KiB, stays where it is")
    check(got[("arch/small", True)] == "GLACIER",
          "arch/small, as small, moves to GLACIER: varies_by_storage_class lets small objects into the archive classes")
    check(error(s3.get_object, Bucket=bucket, Key="arch/small")[0] == "InvalidObjectState", "and is then archived")
    check(error(s3.get_object, Bucket=bucket, Key="cold")[0] == "InvalidObjectState",
          "a restored copy's days have passed: cold is archived again")
    check("Restore" not in s3.head_object(Bucket=bucket, Key="cold"), "and HEAD no longer says it is restored")
    check(got[("ir/a", True)] == "GLACIER_IR", "ir/a moved to GLACIER_IR: its rule filters by size, so the minimum does not apply")
    config = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    check(config.get("TransitionDefaultMinimumObjectSize") == "varies_by_storage_class", "and read back")
    check(got[("ver/x", False)] == "ONEZONE_IA" and got[("ver/x", True)] == "STANDARD",
          "a noncurrent transition moved ver/x's old version, not its current one")
    check(s3.get_object(Bucket=bucket, Key="cool/a")["Body"].read() == b"c" * (128 << 10), "a moved object reads as before")
    sqs = boto3.client("sqs")
    queue = sqs.get_queue_url(QueueName=f"{bucket}-events")["QueueUrl"]
    names = []
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        for m in got:
            names += [(r["eventName"], r["s3"]["object"]["key"]) for r in json.loads(m["Body"]).get("Records", [])]
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        if not got and names:
            break
    check(("LifecycleExpiration:DeleteMarkerCreated", "logs/a") in names,
          f"an expiration in a versioned bucket is LifecycleExpiration:DeleteMarkerCreated ({names})")
    check(("LifecycleExpiration:Delete", "doc") in names, "a removed noncurrent version is LifecycleExpiration:Delete")
    check(("LifecycleTransition", "cool/a") in names and ("LifecycleTransition", "ver/x") in names,
          "each transition is LifecycleTransition")
    check(not any(n.startswith("ObjectRemoved") for n, _ in names), "and none of it is ObjectRemoved:*")
    s3.delete_bucket_lifecycle(Bucket=bucket)
    check(error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)[0] == "NoSuchLifecycleConfiguration",
          "DeleteBucketLifecycle")
    boto3.resource("s3", config=cfg).Bucket(bucket).object_versions.delete()
    s3.delete_bucket(Bucket=bucket)
    print("all S3 lifecycle checks passed (after)")
