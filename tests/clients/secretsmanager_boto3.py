"""Secrets Manager through boto3 against a running Squall (awsJson1.1, X-Amz-Target secretsmanager.*).

Covers CreateSecret (SecretString, SecretBinary, Description, Tags, ClientRequestToken
idempotency, KmsKeyId), GetSecretValue (by name, full ARN and partial ARN; VersionId; VersionStage
AWSCURRENT, AWSPREVIOUS, AWSPENDING and a custom one), PutSecretValue, UpdateSecret,
UpdateSecretVersionStage, DescribeSecret, ListSecrets (filters, paging with get_paginator,
IncludePlannedDeletion, SortOrder), ListSecretVersionIds, DeleteSecret (recovery window,
ForceDeleteWithoutRecovery), RestoreSecret, TagResource, UntagResource, GetRandomPassword,
rotation refused, and the errors for bad input with the codes of botocore's secretsmanager model.
With the argument `dev` (a server started with --dev), also moves the platform clock past a
recovery window and sees the secret deleted.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure. Every wait is bounded.
"""
import json
import os
import re
import string
import sys
import time
import urllib.request

import boto3
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError

sm = boto3.client("secretsmanager", config=Config(retries={"total_max_attempts": 1}))
PREFIX = "arn:aws:secretsmanager:us-east-1:000000000000:secret:"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def refused(code, what, fn, **kwargs):
    """`fn(**kwargs)` fails with `code` and HTTP 400; the error's message."""
    try:
        fn(**kwargs)
    except ClientError as e:
        got, status = e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(got == code and status == 400, f"{what} ({got}, HTTP {status}: {e.response['Error'].get('Message')})")
        return e.response["Error"].get("Message", "")
    check(False, f"{what}: no error")


# CreateSecret and GetSecretValue.
t1, t2, t3 = "a" * 32, "b" * 32, "c" * 32
created = sm.create_secret(Name="prod/db", SecretString='{"user":"app","pw":"one"}', Description="the db",
                           ClientRequestToken=t1, Tags=[{"Key": "team", "Value": "core"}])
arn = created["ARN"]
check(re.fullmatch(re.escape(PREFIX) + r"prod/db-[A-Za-z0-9]{6}", arn) is not None,
      f"the ARN ends in a random six-character suffix ({arn})")
check(created["Name"] == "prod/db" and created["VersionId"] == t1, "the client token names the first version")
again = sm.create_secret(Name="prod/db", SecretString='{"user":"app","pw":"one"}', ClientRequestToken=t1)
check(again["ARN"] == arn and again["VersionId"] == t1, "a retried create (same token and value) is the same create")
refused("ResourceExistsException", "the same name again with another token", sm.create_secret,
        Name="prod/db", SecretString="x")
v = sm.get_secret_value(SecretId="prod/db")
check(json.loads(v["SecretString"]) == {"user": "app", "pw": "one"} and v["VersionStages"] == ["AWSCURRENT"]
      and v["VersionId"] == t1 and v["ARN"] == arn, "get by name: AWSCURRENT")
check(sm.get_secret_value(SecretId=arn)["VersionId"] == t1, "get by full ARN")
check(sm.get_secret_value(SecretId=PREFIX + "prod/db")["VersionId"] == t1, "get by partial ARN (no suffix)")
refused("ResourceNotFoundException", "an ARN with another suffix", sm.get_secret_value,
        SecretId=arn[:-6] + ("AAAAAA" if not arn.endswith("AAAAAA") else "BBBBBB"))
refused("ResourceNotFoundException", "a secret that does not exist", sm.get_secret_value, SecretId="nope")

binary = sm.create_secret(Name="certs/key", SecretBinary=b"\x00\x01binary\xff")
check(sm.get_secret_value(SecretId="certs/key")["SecretBinary"] == b"\x00\x01binary\xff", "a binary secret")
refused("InvalidParameterException", "both SecretString and SecretBinary", sm.create_secret, Name="both",
        SecretString="a", SecretBinary=b"b")
empty = sm.create_secret(Name="later")
check("VersionId" not in empty, "a secret without a value has no version")
refused("ResourceNotFoundException", "its value", sm.get_secret_value, SecretId="later")
msg = refused("InvalidParameterException", "a customer KMS key", sm.create_secret, Name="kms", SecretString="x",
              KmsKeyId="alias/mine")
check("alias/aws/secretsmanager" in msg, "the refusal says which key is accepted")
sm.create_secret(Name="kms", SecretString="x", KmsKeyId="alias/aws/secretsmanager")
refused("InvalidParameterException", "a name with a space", sm.create_secret, Name="bad name", SecretString="x")
refused("InvalidParameterException", "a value over 64 KiB", sm.create_secret, Name="huge", SecretString="x" * 65537)

# PutSecretValue: AWSCURRENT moves, the previous one gets AWSPREVIOUS.
put = sm.put_secret_value(SecretId="prod/db", SecretString='{"pw":"two"}', ClientRequestToken=t2)
check(put["VersionId"] == t2 and put["VersionStages"] == ["AWSCURRENT"], "put a second version")
check(sm.put_secret_value(SecretId="prod/db", SecretString='{"pw":"two"}', ClientRequestToken=t2)["VersionId"] == t2,
      "a retried put is idempotent")
refused("ResourceExistsException", "the same token with another value", sm.put_secret_value, SecretId="prod/db",
        SecretString="three", ClientRequestToken=t2)
check(json.loads(sm.get_secret_value(SecretId="prod/db")["SecretString"]) == {"pw": "two"}, "AWSCURRENT moved")
prev = sm.get_secret_value(SecretId="prod/db", VersionStage="AWSPREVIOUS")
check(prev["VersionId"] == t1 and prev["VersionStages"] == ["AWSPREVIOUS"], "the first version is AWSPREVIOUS")
check(sm.get_secret_value(SecretId="prod/db", VersionId=t1)["VersionId"] == t1, "get by VersionId")
refused("ResourceNotFoundException", "a VersionId that does not exist", sm.get_secret_value, SecretId="prod/db",
        VersionId="f" * 32)
pending = sm.put_secret_value(SecretId="prod/db", SecretString="three", ClientRequestToken=t3,
                              VersionStages=["AWSPENDING"])
check(pending["VersionStages"] == ["AWSPENDING"], "a pending version")
check(sm.get_secret_value(SecretId="prod/db", VersionStage="AWSPENDING")["SecretString"] == "three",
      "get AWSPENDING")
check(sm.get_secret_value(SecretId="prod/db")["VersionId"] == t2, "AWSCURRENT stays where it was")

# UpdateSecretVersionStage.
refused("InvalidParameterException", "moving AWSCURRENT without naming where it is", sm.update_secret_version_stage,
        SecretId="prod/db", VersionStage="AWSCURRENT", MoveToVersionId=t3)
sm.update_secret_version_stage(SecretId="prod/db", VersionStage="AWSCURRENT", MoveToVersionId=t3,
                               RemoveFromVersionId=t2)
stages = sm.describe_secret(SecretId="prod/db")["VersionIdsToStages"]
check(stages == {t3: ["AWSCURRENT", "AWSPENDING"], t2: ["AWSPREVIOUS"]},
      f"AWSCURRENT moved, AWSPREVIOUS followed, the first version lost its labels ({stages})")
sm.update_secret_version_stage(SecretId="prod/db", VersionStage="AWSPENDING", RemoveFromVersionId=t3)
sm.update_secret_version_stage(SecretId="prod/db", VersionStage="blue", MoveToVersionId=t1)
check(sm.get_secret_value(SecretId="prod/db", VersionStage="blue")["VersionId"] == t1, "a custom staging label")
refused("InvalidParameterException", "removing a label a version does not have", sm.update_secret_version_stage,
        SecretId="prod/db", VersionStage="blue", RemoveFromVersionId=t2)

ids = sm.list_secret_version_ids(SecretId="prod/db")
check(sorted(v["VersionId"] for v in ids["Versions"]) == sorted([t1, t2, t3]) and ids["ARN"] == arn,
      "ListSecretVersionIds")

# UpdateSecret and DescribeSecret.
up = sm.update_secret(SecretId="prod/db", Description="the database")
check("VersionId" not in up, "updating the description makes no version")
up = sm.update_secret(SecretId=arn, SecretString="four")
check(up["VersionId"] and sm.get_secret_value(SecretId="prod/db")["SecretString"] == "four",
      "updating the value makes a new AWSCURRENT version")
d = sm.describe_secret(SecretId="prod/db")
check(d["ARN"] == arn and d["Description"] == "the database" and d["Tags"] == [{"Key": "team", "Value": "core"}]
      and d["RotationEnabled"] is False and "CreatedDate" in d and "LastChangedDate" in d
      and "LastAccessedDate" in d and "DeletedDate" not in d and "KmsKeyId" not in d, "DescribeSecret")
check(d["VersionIdsToStages"][up["VersionId"]] == ["AWSCURRENT"] and d["VersionIdsToStages"][t3] == ["AWSPREVIOUS"],
      "the stages after UpdateSecret")

# Tags.
sm.tag_resource(SecretId="prod/db", Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "db"}])
tags = sorted((t["Key"], t["Value"]) for t in sm.describe_secret(SecretId="prod/db")["Tags"])
check(tags == [("env", "prod"), ("team", "db")], "TagResource adds and replaces")
sm.untag_resource(SecretId="prod/db", TagKeys=["env"])
check([t["Key"] for t in sm.describe_secret(SecretId="prod/db")["Tags"]] == ["team"], "UntagResource")
refused("InvalidParameterException", "a tag key starting aws:", sm.tag_resource, SecretId="prod/db",
        Tags=[{"Key": "aws:x", "Value": "v"}])
refused("ResourceNotFoundException", "tags of a missing secret", sm.tag_resource, SecretId="nope",
        Tags=[{"Key": "a", "Value": "b"}])

# ListSecrets: paging and filters.
for i in range(12):
    sm.create_secret(Name=f"app/item{i:02}", SecretString="v", Tags=[{"Key": "kind", "Value": "odd" if i % 2 else "even"}])
pages = list(sm.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 5}))
names = [s["Name"] for p in pages for s in p["SecretList"]]
check(len(pages) == 4 and len(names) == 16 and len(set(names)) == 16, f"paged by 5 ({len(pages)} pages, {len(names)})")
check(names.index("prod/db") < names.index("app/item00"), "listed by creation date")
by_name = [s["Name"] for s in sm.list_secrets(Filters=[{"Key": "name", "Values": ["app/"]}])["SecretList"]]
check(len(by_name) == 12, "a name filter is a prefix")
odd = sm.list_secrets(Filters=[{"Key": "tag-value", "Values": ["odd"]}, {"Key": "name", "Values": ["app/"]}])
check(len(odd["SecretList"]) == 6, "filters combine")
neg = sm.list_secrets(Filters=[{"Key": "name", "Values": ["!app/"]}])["SecretList"]
check(all(not s["Name"].startswith("app/") for s in neg) and len(neg) == 4, "a ! value negates")
desc = sm.list_secrets(Filters=[{"Key": "description", "Values": ["database"]}])["SecretList"]
check([s["Name"] for s in desc] == ["prod/db"] and "SecretVersionsToStages" in desc[0], "a description filter")
newest = sm.list_secrets(SortOrder="desc", MaxResults=1)["SecretList"][0]["Name"]
check(newest == "app/item11", f"SortOrder desc ({newest})")
refused("InvalidParameterException", "an unknown filter key", sm.list_secrets, Filters=[{"Key": "color", "Values": ["x"]}])
refused("InvalidNextTokenException", "a made-up NextToken", sm.list_secrets, NextToken="forged")

# GetRandomPassword.
pw = sm.get_random_password()["RandomPassword"]
check(len(pw) == 32 and any(c.islower() for c in pw) and any(c.isupper() for c in pw)
      and any(c.isdigit() for c in pw) and any(c in string.punctuation for c in pw), "a default password")
pw = sm.get_random_password(PasswordLength=64, ExcludePunctuation=True, ExcludeCharacters="abcXYZ019",
                            IncludeSpace=True)["RandomPassword"]
check(len(pw) == 64 and not any(c in string.punctuation or c in "abcXYZ019" for c in pw) and " " in pw,
      "a password with exclusions and a space")
refused("InvalidParameterException", "a password with every kind excluded", sm.get_random_password,
        ExcludeNumbers=True, ExcludePunctuation=True, ExcludeUppercase=True, ExcludeLowercase=True)

# Rotation is not supported yet, and says so.
msg = refused("InvalidRequestException", "RotateSecret", sm.rotate_secret, SecretId="prod/db",
              RotationLambdaARN="arn:aws:lambda:us-east-1:000000000000:function:rotate")
check("not supported" in msg, "the refusal says rotation is not supported")

# DeleteSecret and RestoreSecret.
refused("InvalidParameterException", "a recovery window of 6 days", sm.delete_secret, SecretId="later",
        RecoveryWindowInDays=6)
refused("InvalidParameterException", "a window and force together", sm.delete_secret, SecretId="later",
        RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)
d = sm.delete_secret(SecretId="prod/db", RecoveryWindowInDays=7)
check(d["ARN"] == arn and d["DeletionDate"].timestamp() - time.time() > 6.9 * 86400, "scheduled in 7 days")
refused("InvalidRequestException", "reading a secret scheduled for deletion", sm.get_secret_value, SecretId="prod/db")
refused("InvalidRequestException", "writing one", sm.put_secret_value, SecretId="prod/db", SecretString="x")
refused("InvalidRequestException", "deleting it again", sm.delete_secret, SecretId="prod/db")
refused("InvalidRequestException", "creating its name again", sm.create_secret, Name="prod/db", SecretString="x")
check("DeletedDate" in sm.describe_secret(SecretId="prod/db"), "DescribeSecret shows DeletedDate")
listed = [s["Name"] for s in sm.list_secrets()["SecretList"]]
check("prod/db" not in listed, "ListSecrets leaves it out")
listed = [s["Name"] for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]]
check("prod/db" in listed, "unless IncludePlannedDeletion")
sm.restore_secret(SecretId="prod/db")
check(sm.get_secret_value(SecretId="prod/db")["SecretString"] == "four", "a restored secret reads again")
sm.delete_secret(SecretId="certs/key", ForceDeleteWithoutRecovery=True)
refused("ResourceNotFoundException", "a secret deleted without recovery is gone", sm.describe_secret,
        SecretId="certs/key")
again = sm.create_secret(Name="certs/key", SecretString="new")
check(again["ARN"] != binary["ARN"], "its name made again gets another ARN")

if sys.argv[1:] == ["dev"]:
    endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
    creds = botocore.session.get_session().get_credentials()

    def advance(seconds):
        body = json.dumps({"advanceSeconds": seconds}).encode()
        req = AWSRequest(method="POST", url=endpoint + "/squall/v1/clock", data=body,
                         headers={"Content-Type": "application/json"})
        SigV4Auth(creds, "squall", "us-east-1").add_auth(req)
        p = req.prepare()
        with urllib.request.urlopen(urllib.request.Request(p.url, data=body, method="POST",
                                                           headers=dict(p.headers)), timeout=30) as r:
            check(r.status == 200, f"the clock moves {seconds} s")

    sm.delete_secret(SecretId="later", RecoveryWindowInDays=7)
    advance(6 * 86400)
    time.sleep(0.3)
    check("DeletedDate" in sm.describe_secret(SecretId="later"), "six days later it is still there")
    advance(86400 + 1)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            sm.describe_secret(SecretId="later")
        except ClientError as e:
            if e.response["Error"]["Code"] == "ResourceNotFoundException":
                break
        time.sleep(0.05)
    else:
        check(False, "the secret was not deleted once its window ended")
    check(True, "once the clock passes the deletion date, the secret is gone")
    sm.create_secret(Name="later", SecretString="reborn")
    check(sm.get_secret_value(SecretId="later")["SecretString"] == "reborn", "and its name is free again")

print("all Secrets Manager checks passed")
