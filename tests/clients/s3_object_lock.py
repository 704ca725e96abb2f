"""Object lock through boto3 against a running Squall (started with --dev, so the test can move
its clock between the two phases):

`before BUCKET`: a bucket made with object lock (versioning on, for good), its configuration
with a default retention, retention and legal holds set on PUT and afterwards, the headers
GET and HEAD report, deletes refused while a version is locked (COMPLIANCE even with the
governance bypass; GOVERNANCE without it, or with it but without s3:BypassGovernanceRetention),
retention never shortened in COMPLIANCE, DeleteObjects reporting each refusal.
`after BUCKET` (once the clock has moved two days): the same versions are deleted.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import datetime
import json
import sys

import boto3
from botocore.config import Config
from s3_common import check, error

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
phase, bucket = sys.argv[1], sys.argv[2]


def server_now():
    """The server's clock (it may have been moved), from a response's Date header."""
    date = s3.list_buckets()["ResponseMetadata"]["HTTPHeaders"]["date"]
    return datetime.datetime.strptime(date, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=datetime.timezone.utc)


def versions(key):
    return {v["Key"]: v["VersionId"] for v in s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])}


if phase == "before":
    plain = bucket + "-plain"
    s3.create_bucket(Bucket=plain)
    check(error(s3.get_object_lock_configuration, Bucket=plain) == ("ObjectLockConfigurationNotFoundError", 404),
          "a bucket made without object lock has no configuration")
    check(error(s3.put_object_retention, Bucket=plain, Key="x",
                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": server_now() + datetime.timedelta(days=1)})[0]
          == "InvalidRequest", "retention in a bucket without object lock is InvalidRequest")
    check(error(s3.put_object_lock_configuration, Bucket=plain,
                ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}) == ("InvalidBucketState", 409),
          "object lock needs versioning enabled first")
    s3.delete_bucket(Bucket=plain)

    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    check(s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled", "object lock turns versioning on")
    check(error(s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
          == ("InvalidBucketState", 409), "and it cannot be suspended")
    config = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    check(config == {"ObjectLockEnabled": "Enabled"}, f"the configuration says enabled ({config})")
    now = server_now()
    tomorrow = now + datetime.timedelta(days=1)

    gov = s3.put_object(Bucket=bucket, Key="gov", Body=b"g", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=tomorrow)
    comp = s3.put_object(Bucket=bucket, Key="comp", Body=b"c", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=tomorrow)
    held = s3.put_object(Bucket=bucket, Key="held", Body=b"h", ObjectLockLegalHoldStatus="ON")
    head = s3.head_object(Bucket=bucket, Key="comp")
    check(head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"].replace(microsecond=0) == tomorrow.replace(microsecond=0)
          and head["ObjectLockLegalHoldStatus"] == "OFF", f"HEAD reports the lock ({head.get('ObjectLockRetainUntilDate')})")
    check(s3.get_object_retention(Bucket=bucket, Key="gov")["Retention"]["Mode"] == "GOVERNANCE", "GetObjectRetention")
    check(s3.get_object_legal_hold(Bucket=bucket, Key="held")["LegalHold"]["Status"] == "ON", "GetObjectLegalHold")
    check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", ObjectLockMode="GOVERNANCE")[0] == "InvalidArgument",
          "a mode without a date is refused")
    check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", ObjectLockMode="GOVERNANCE",
                ObjectLockRetainUntilDate=now - datetime.timedelta(days=1))[0] == "InvalidArgument", "a date in the past is refused")

    for key, version, bypass in [("comp", comp["VersionId"], True), ("gov", gov["VersionId"], False), ("held", held["VersionId"], True)]:
        check(error(s3.delete_object, Bucket=bucket, Key=key, VersionId=version, BypassGovernanceRetention=bypass)
              == ("AccessDenied", 403), f"{key}: a locked version is not deleted (bypass {bypass})")
    check(s3.delete_object(Bucket=bucket, Key="comp").get("DeleteMarker") is True, "a delete marker may still hide it")
    s3.delete_object(Bucket=bucket, Key="comp", VersionId=s3.list_object_versions(Bucket=bucket, Prefix="comp")["DeleteMarkers"][0]["VersionId"])
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "comp", "VersionId": comp["VersionId"]}]})
    check([(e["Key"], e["Code"]) for e in r.get("Errors", [])] == [("comp", "AccessDenied")], "DeleteObjects reports the refusal")
    shorter = {"Mode": "COMPLIANCE", "RetainUntilDate": now + datetime.timedelta(hours=1)}
    check(error(s3.put_object_retention, Bucket=bucket, Key="comp", Retention=shorter, BypassGovernanceRetention=True)
          == ("AccessDenied", 403), "COMPLIANCE is never shortened")
    longer = {"Mode": "COMPLIANCE", "RetainUntilDate": now + datetime.timedelta(days=1, hours=1)}
    s3.put_object_retention(Bucket=bucket, Key="comp", Retention=longer)
    check(s3.get_object_retention(Bucket=bucket, Key="comp")["Retention"]["RetainUntilDate"].replace(microsecond=0)
          == longer["RetainUntilDate"].replace(microsecond=0), "but may be extended")

    # The governance bypass needs s3:BypassGovernanceRetention.
    iam = boto3.client("iam")
    iam.create_user(UserName="lock-user")
    iam.put_user_policy(UserName="lock-user", PolicyName="objects", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject*"],
                       "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    key = iam.create_access_key(UserName="lock-user")["AccessKey"]
    user = boto3.client("s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], config=cfg)
    check(error(user.delete_object, Bucket=bucket, Key="gov", VersionId=gov["VersionId"], BypassGovernanceRetention=True)
          == ("AccessDenied", 403), "a caller without s3:BypassGovernanceRetention cannot bypass")
    iam.delete_access_key(UserName="lock-user", AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName="lock-user", PolicyName="objects")
    iam.delete_user(UserName="lock-user")
    gov2 = s3.put_object(Bucket=bucket, Key="gov2", Body=b"g", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=tomorrow)
    s3.delete_object(Bucket=bucket, Key="gov2", VersionId=gov2["VersionId"], BypassGovernanceRetention=True)
    check("gov2" not in versions("gov2"), "the account may bypass governance retention")

    # The default retention applies to versions written without one.
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    rule = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    check(rule == {"Mode": "GOVERNANCE", "Days": 1}, f"the default retention reads back ({rule})")
    d = s3.put_object(Bucket=bucket, Key="default", Body=b"d")
    check(s3.head_object(Bucket=bucket, Key="default")["ObjectLockMode"] == "GOVERNANCE", "a plain PUT gets the default")
    check(error(s3.delete_object, Bucket=bucket, Key="default", VersionId=d["VersionId"]) == ("AccessDenied", 403),
          "and is locked by it")
    check(error(s3.put_object_lock_configuration, Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}}})[0]
          == "InvalidArgument", "a default of 0 days is refused")
    print("all S3 object lock checks passed (before)")
else:
    for key in ["gov", "comp", "default"]:
        version = versions(key)[key]
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
        check(key not in versions(key), f"{key}: once its date has passed, the version is deleted")
    held = versions("held")["held"]
    check(error(s3.delete_object, Bucket=bucket, Key="held", VersionId=held) == ("AccessDenied", 403),
          "a legal hold outlasts any date")
    s3.put_object_legal_hold(Bucket=bucket, Key="held", LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=bucket, Key="held", VersionId=held)
    check(s3.list_object_versions(Bucket=bucket).get("Versions") is None, "every version is gone")
    s3.delete_bucket(Bucket=bucket)
    print("all S3 object lock checks passed (after)")
