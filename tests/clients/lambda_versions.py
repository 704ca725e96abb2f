"""Lambda versions and aliases through boto3 and the aws CLI against a running Squall.

Covers PublishVersion (a new version per change, the newest again when nothing changed,
Publish on CreateFunction and UpdateFunctionCode, CodeSha256 and RevisionId checks),
ListVersionsByFunction (with $LATEST's qualified ARN, paging), GetFunction and
GetFunctionConfiguration of a version and of an alias, Invoke of $LATEST, a version, an alias
and a qualified ARN (each running its own code, AWS_LAMBDA_FUNCTION_VERSION set, the executed
version reported), CreateAlias, GetAlias, UpdateAlias (RevisionId, routing weights), ListAliases
(FunctionVersion filter, paging), DeleteAlias, DeleteFunction of a version (refused while an
alias names it), the routing of an alias sending a share of 1,000 invocations to another version
(checked against the binomial spread), and the errors for each misuse. The aws CLI runs
publish-version and list-aliases. Tags: Tags on CreateFunction, TagResource, UntagResource,
ListTags, GetFunction's Tags, and the refusals (a version's ARN, the aws: prefix, over 50 tags).
Code from S3: CreateFunction and UpdateFunctionCode reading an object of Squall's S3, and the
refusals (a missing key naming S3's NoSuchKey, an unknown S3ObjectVersion, ZipFile with S3),
and S3ObjectVersion picking a version of the object.

Left out: provisioned concurrency per version, aliases in event source mappings, function URLs
and permissions on a qualifier (later slices), layers.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure.
"""

import io
import json
import math
import os
import subprocess
import sys
import zipfile

import boto3
from botocore.exceptions import ClientError

lam = boto3.client("lambda")
ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
NAME = "versioned"

HANDLER = """
import os
MESSAGE = %r
def handler(event, context):
    return {"message": MESSAGE, "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "context_version": context.function_version, "invoked": context.invoked_function_arn}
"""


def code(fn, *args, **kwargs):
    """The AWS error code `fn` fails with (or None), and the error."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e
    return None, None


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def fails(expected, what, fn, *args, **kwargs):
    got, err = code(fn, *args, **kwargs)
    check(got == expected, f"{what}: {expected} (got {got}: {err})")
    return err


def package(message):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER % message)
    return buf.getvalue()


def invoke(qualifier=None, name=NAME):
    kwargs = {"FunctionName": name, "Payload": b"{}"}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    r = lam.invoke(**kwargs)
    check("FunctionError" not in r, f"invoke {name} {qualifier} succeeds")
    return json.loads(r["Payload"].read()), r["ExecutedVersion"]


def aws(*args):
    out = subprocess.run(["aws", "lambda", *args, "--output", "json"], capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"aws lambda {args[0]} succeeds ({out.stderr.strip()})")
    return json.loads(out.stdout or "{}")


# --- Versions ---------------------------------------------------------------------------------

made = lam.create_function(
    FunctionName=NAME,
    Runtime="python3.12",
    Role="arn:aws:iam::000000000000:role/squall-default",
    Handler="app.handler",
    Code={"ZipFile": package("one")},
)
check(made["Version"] == "$LATEST" and made["FunctionArn"] == ARN + NAME, "CreateFunction answers $LATEST, unqualified")

v1 = lam.publish_version(FunctionName=NAME, Description="first")
check(v1["Version"] == "1", "PublishVersion numbers from 1")
check(v1["FunctionArn"] == ARN + NAME + ":1", "a version's ARN is qualified")
check(v1["Description"] == "first", "PublishVersion's description is the version's")
check(v1["CodeSha256"] == made["CodeSha256"], "the version has $LATEST's code")

# --- A version's code is the version's ---------------------------------------------------------

import base64  # noqa: E402
import hashlib  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

location = lam.get_function(FunctionName=NAME, Qualifier="1")["Code"]["Location"]
check("?version=1&" in location and "X-Amz-Signature=" in location,
      f"GetFunction of a version locates that version's code, presigned ({location})")
# As with Lambda's S3 location: a plain GET, no credentials.
with urllib.request.urlopen(location, timeout=30) as r:
    fetched = r.read()
digest = base64.b64encode(hashlib.sha256(fetched).digest()).decode()
check(digest == v1["CodeSha256"], "and its bytes are version 1's")
try:
    urllib.request.urlopen(location.replace("version=1", "version=2"), timeout=30)
    check(False, "a changed presigned location is refused")
except urllib.error.HTTPError as e:
    check(e.code == 403, f"a changed presigned location is refused ({e.code})")

again = lam.publish_version(FunctionName=NAME)
check(again["Version"] == "1", "nothing changed: PublishVersion answers the newest version")

fails(
    "InvalidParameterValueException",
    "PublishVersion with another CodeSha256",
    lam.publish_version,
    FunctionName=NAME,
    CodeSha256="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
)
fails(
    "PreconditionFailedException",
    "PublishVersion with a stale RevisionId",
    lam.publish_version,
    FunctionName=NAME,
    RevisionId="00000000-0000-0000-0000-000000000000",
)

updated = lam.update_function_code(FunctionName=NAME, ZipFile=package("two"), Publish=True)
check(updated["Version"] == "2", "UpdateFunctionCode with Publish publishes version 2")
check(updated["FunctionArn"] == ARN + NAME + ":2", "and answers the version")
lam.update_function_code(FunctionName=NAME, ZipFile=package("three"))

versions = lam.list_versions_by_function(FunctionName=NAME)["Versions"]
check([v["Version"] for v in versions] == ["$LATEST", "1", "2"], "ListVersionsByFunction: $LATEST, then in order")
check(versions[0]["FunctionArn"] == ARN + NAME + ":$LATEST", "$LATEST's ARN is qualified in the list")
first = lam.list_versions_by_function(FunctionName=NAME, MaxItems=2)
check(len(first["Versions"]) == 2 and "NextMarker" in first, "ListVersionsByFunction pages")
rest = lam.list_versions_by_function(FunctionName=NAME, Marker=first["NextMarker"])
check([v["Version"] for v in rest["Versions"]] == ["2"], "the next page holds the rest")

body, executed = invoke()
check(body["message"] == "three" and executed == "$LATEST", "an unqualified invoke runs $LATEST")
check(body["version"] == "$LATEST" and body["context_version"] == "$LATEST", "$LATEST sees its version")
body, executed = invoke("1")
check(body["message"] == "one" and executed == "1", "Qualifier=1 runs version 1's code")
check(body["version"] == "1" and body["context_version"] == "1", "version 1 sees AWS_LAMBDA_FUNCTION_VERSION=1")
check(body["invoked"] == ARN + NAME + ":1", "and its own qualified ARN")
body, executed = invoke(name=ARN + NAME + ":2")
check(body["message"] == "two" and executed == "2", "a qualified ARN runs its version")
body, executed = invoke(name=NAME + ":$LATEST")
check(executed == "$LATEST", "name:$LATEST runs $LATEST")

conf = lam.get_function_configuration(FunctionName=NAME, Qualifier="1")
check(conf["Version"] == "1" and conf["Description"] == "first", "GetFunctionConfiguration of a version")
got = lam.get_function(FunctionName=NAME + ":2")
check(got["Configuration"]["Version"] == "2", "GetFunction of name:2")
fails("ResourceNotFoundException", "GetFunction of a missing version", lam.get_function, FunctionName=NAME, Qualifier="9")
fails("ResourceNotFoundException", "Invoke of a missing version", lam.invoke, FunctionName=NAME, Qualifier="9")
fails(
    "InvalidParameterValueException",
    "a qualifier in the name and another in Qualifier",
    lam.get_function,
    FunctionName=NAME + ":1",
    Qualifier="2",
)

# --- Aliases ----------------------------------------------------------------------------------

prod = lam.create_alias(FunctionName=NAME, Name="prod", FunctionVersion="1", Description="live")
check(prod["AliasArn"] == ARN + NAME + ":prod", "CreateAlias answers the alias's ARN")
check(prod["FunctionVersion"] == "1" and prod["Description"] == "live" and prod["RevisionId"], "and its fields")
fails("ResourceConflictException", "a second alias of that name", lam.create_alias, FunctionName=NAME, Name="prod", FunctionVersion="1")
fails("ResourceNotFoundException", "an alias of a missing version", lam.create_alias, FunctionName=NAME, Name="x", FunctionVersion="9")
fails("ValidationException", "an alias named by digits only", lam.create_alias, FunctionName=NAME, Name="123", FunctionVersion="1")
fails("ResourceNotFoundException", "an alias of a missing function", lam.create_alias, FunctionName="nope", Name="a", FunctionVersion="1")
lam.create_alias(FunctionName=NAME, Name="edge", FunctionVersion="$LATEST")

got = lam.get_alias(FunctionName=NAME, Name="prod")
check(got["FunctionVersion"] == "1" and got["RevisionId"] == prod["RevisionId"], "GetAlias")
fails("ResourceNotFoundException", "GetAlias of a missing alias", lam.get_alias, FunctionName=NAME, Name="gone")

body, executed = invoke("prod")
check(body["message"] == "one" and executed == "1", "an alias runs its version")
check(body["invoked"] == ARN + NAME + ":prod", f"and the function sees the alias's ARN ({body['invoked']})")
body, executed = invoke(name=ARN + NAME + ":edge")
check(executed == "$LATEST" and body["message"] == "three", "an alias of $LATEST runs $LATEST")
conf = lam.get_function_configuration(FunctionName=NAME, Qualifier="prod")
check(conf["Version"] == "1", "GetFunctionConfiguration of an alias answers its version")

fails(
    "PreconditionFailedException",
    "UpdateAlias with a stale RevisionId",
    lam.update_alias,
    FunctionName=NAME,
    Name="prod",
    FunctionVersion="2",
    RevisionId="00000000-0000-0000-0000-000000000000",
)
fails(
    "InvalidParameterValueException",
    "routing weights on an alias of $LATEST",
    lam.update_alias,
    FunctionName=NAME,
    Name="edge",
    RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
)
fails(
    "ResourceNotFoundException",
    "routing to a missing version",
    lam.update_alias,
    FunctionName=NAME,
    Name="prod",
    RoutingConfig={"AdditionalVersionWeights": {"9": 0.5}},
)
shifted = lam.update_alias(
    FunctionName=NAME,
    Name="prod",
    RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}},
    RevisionId=got["RevisionId"],
)
check(shifted["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.3}, "UpdateAlias sets the routing")
check(shifted["FunctionVersion"] == "1", "and keeps the version it did not name")
check(shifted["RevisionId"] != got["RevisionId"], "a new RevisionId")

N, SHARE = 1000, 0.3
counts = {"1": 0, "2": 0}
for _ in range(N):
    body, executed = invoke("prod")
    if executed not in counts or body["version"] != executed:
        check(False, f"an alias invocation ran version 1 or 2 and reported it ({executed}, {body})")
    counts[executed] += 1
spread = 5 * math.sqrt(N * SHARE * (1 - SHARE))
check(abs(counts["2"] - N * SHARE) <= spread, f"about 30% of {N} invocations run version 2 ({counts})")
check(counts["1"] + counts["2"] == N, "every invocation ran version 1 or 2")

aliases = lam.list_aliases(FunctionName=NAME)["Aliases"]
check([a["Name"] for a in aliases] == ["edge", "prod"], "ListAliases")
only = lam.list_aliases(FunctionName=NAME, FunctionVersion="1")["Aliases"]
check([a["Name"] for a in only] == ["prod"], "ListAliases of one version")
page = lam.list_aliases(FunctionName=NAME, MaxItems=1)
check(len(page["Aliases"]) == 1 and "NextMarker" in page, "ListAliases pages")
cli = aws("list-aliases", "--function-name", NAME)
check(len(cli["Aliases"]) == 2, "aws lambda list-aliases")

# --- Deleting versions and aliases ----------------------------------------------------------------

fails("InvalidParameterValueException", "deleting $LATEST alone", lam.delete_function, FunctionName=NAME, Qualifier="$LATEST")
fails("InvalidParameterValueException", "deleting name:$LATEST", lam.delete_function, FunctionName=NAME + ":$LATEST")
lam.add_permission(FunctionName=NAME, Qualifier="prod", StatementId="prod-only", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
fails("ResourceConflictException", "deleting a version an alias names", lam.delete_function, FunctionName=NAME, Qualifier="1")
fails("ResourceConflictException", "deleting a version an alias routes to", lam.delete_function, FunctionName=NAME, Qualifier="2")
lam.delete_alias(FunctionName=NAME, Name="prod")
fails("ResourceNotFoundException", "a deleted alias", lam.get_alias, FunctionName=NAME, Name="prod")
lam.create_alias(FunctionName=NAME, Name="prod", FunctionVersion="2")
fails("ResourceNotFoundException", "an alias made again starts without the old one's policy", lam.get_policy, FunctionName=NAME, Qualifier="prod")
lam.delete_alias(FunctionName=NAME, Name="prod")
lam.delete_function(FunctionName=NAME, Qualifier="1")
fails("ResourceNotFoundException", "a deleted version", lam.get_function, FunctionName=NAME, Qualifier="1")
check(lam.get_function(FunctionName=NAME)["Configuration"]["Version"] == "$LATEST", "deleting a version keeps the function")
published = aws("publish-version", "--function-name", NAME)
check(published["Version"] == "3", "version numbers are not reused (aws lambda publish-version)")
body, executed = invoke("3")
check(body["message"] == "three" and executed == "3", "the new version runs $LATEST's code")

lam.delete_function(FunctionName=NAME)
fails("ResourceNotFoundException", "a deleted function's versions", lam.invoke, FunctionName=NAME, Qualifier="2")

created = lam.create_function(
    FunctionName=NAME + "-pub",
    Runtime="python3.12",
    Role="arn:aws:iam::000000000000:role/squall-default",
    Handler="app.handler",
    Code={"ZipFile": package("p")},
    Publish=True,
)
check(created["Version"] == "1", "CreateFunction with Publish answers version 1")
lam.delete_function(FunctionName=NAME + "-pub")

# --- Tags -------------------------------------------------------------------------------------

tagged = lam.create_function(
    FunctionName=NAME + "-tags",
    Runtime="python3.12",
    Role="arn:aws:iam::000000000000:role/squall-default",
    Handler="app.handler",
    Code={"ZipFile": package("t")},
    Tags={"team": "shop"},
)
TAGGED = tagged["FunctionArn"]
check(lam.list_tags(Resource=TAGGED)["Tags"] == {"team": "shop"}, "CreateFunction's Tags")
lam.tag_resource(Resource=TAGGED, Tags={"env": "dev", "team": "orders"})
check(lam.list_tags(Resource=TAGGED)["Tags"] == {"team": "orders", "env": "dev"}, "TagResource adds and replaces")
check(lam.get_function(FunctionName=NAME + "-tags")["Tags"] == {"team": "orders", "env": "dev"}, "GetFunction's Tags")
lam.untag_resource(Resource=TAGGED, TagKeys=["team"])
check(lam.list_tags(Resource=TAGGED)["Tags"] == {"env": "dev"}, "UntagResource")
lam.publish_version(FunctionName=NAME + "-tags")
fails("InvalidParameterValueException", "tags on a version's ARN", lam.tag_resource, Resource=TAGGED + ":1", Tags={"a": "b"})
fails("InvalidParameterValueException", "an aws: tag key", lam.tag_resource, Resource=TAGGED, Tags={"aws:x": "y"})
many = {f"k{i}": "v" for i in range(50)}
fails("InvalidParameterValueException", "more than 50 tags", lam.tag_resource, Resource=TAGGED, Tags=many)
check(lam.list_tags(Resource=TAGGED)["Tags"] == {"env": "dev"}, "a refused TagResource changes nothing")
fails("ResourceNotFoundException", "tags of a missing function", lam.list_tags, Resource=ARN + "nope")

# A policy deciding by the function's tags, and by the tags a request sets.
iam = boto3.client("iam")
iam.create_user(UserName="tagged-caller")
user_key = iam.create_access_key(UserName="tagged-caller")["AccessKey"]
iam.put_user_policy(
    UserName="tagged-caller",
    PolicyName="not-prod",
    PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}}},
            {"Effect": "Deny", "Action": "lambda:TagResource", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestTag/env": "prod"}}},
        ],
    }),
)
as_user = boto3.client("lambda", aws_access_key_id=user_key["AccessKeyId"], aws_secret_access_key=user_key["SecretAccessKey"])
invoke_as = lambda: as_user.invoke(FunctionName=NAME + "-tags", Payload=b"{}")  # noqa: E731
check(code(invoke_as)[0] is None, "the user may invoke a function not tagged env=prod")
fails("AccessDeniedException", "a request tag the user's policy denies", as_user.tag_resource, Resource=TAGGED, Tags={"env": "prod"})
lam.tag_resource(Resource=TAGGED, Tags={"env": "prod"})
fails("AccessDeniedException", "aws:ResourceTag decides an invocation", as_user.invoke, FunctionName=NAME + "-tags", Payload=b"{}")
iam.delete_user_policy(UserName="tagged-caller", PolicyName="not-prod")
iam.delete_access_key(UserName="tagged-caller", AccessKeyId=user_key["AccessKeyId"])
iam.delete_user(UserName="tagged-caller")
fails(
    "ResourceNotFoundException",
    "an ARN of another region and account names no function here",
    lam.get_function,
    FunctionName="arn:aws:lambda:eu-west-1:111111111111:function:" + NAME + "-tags",
)
lam.delete_function(FunctionName=NAME + "-tags")

# --- Code from S3 ---------------------------------------------------------------------------

s3 = boto3.client("s3")
BUCKET = "lambda-code-" + str(os.getpid())
s3.create_bucket(Bucket=BUCKET)
s3.put_object(Bucket=BUCKET, Key="pkg/app.zip", Body=package("from s3"))
from_s3 = lam.create_function(
    FunctionName=NAME + "-s3",
    Runtime="python3.12",
    Role="arn:aws:iam::000000000000:role/squall-default",
    Handler="app.handler",
    Code={"S3Bucket": BUCKET, "S3Key": "pkg/app.zip"},
)
check(from_s3["CodeSize"] == len(package("from s3")), "CreateFunction reads Code from S3")
body, _ = invoke(name=NAME + "-s3")
check(body["message"] == "from s3", "the function runs the S3 object's code")
s3.put_object(Bucket=BUCKET, Key="pkg/app.zip", Body=package("s3 again"))
lam.update_function_code(FunctionName=NAME + "-s3", S3Bucket=BUCKET, S3Key="pkg/app.zip")
body, _ = invoke(name=NAME + "-s3")
check(body["message"] == "s3 again", "UpdateFunctionCode reads the object again")
err = fails(
    "InvalidParameterValueException",
    "a missing S3 key",
    lam.update_function_code,
    FunctionName=NAME + "-s3",
    S3Bucket=BUCKET,
    S3Key="nope.zip",
)
check("NoSuchKey" in str(err), f"the error names S3's code ({err})")
# S3ObjectVersion reads that version of the object, not the newest.
s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
pinned = s3.put_object(Bucket=BUCKET, Key="pkg/app.zip", Body=package("pinned version"))["VersionId"]
s3.put_object(Bucket=BUCKET, Key="pkg/app.zip", Body=package("newest version"))
lam.update_function_code(FunctionName=NAME + "-s3", S3Bucket=BUCKET, S3Key="pkg/app.zip", S3ObjectVersion=pinned)
body, _ = invoke(name=NAME + "-s3")
check(body["message"] == "pinned version", "S3ObjectVersion picks the object's version")
err = fails(
    "InvalidParameterValueException",
    "an S3ObjectVersion the object does not have",
    lam.update_function_code,
    FunctionName=NAME + "-s3",
    S3Bucket=BUCKET,
    S3Key="pkg/app.zip",
    S3ObjectVersion="0" * 32,
)
check("NoSuchVersion" in str(err), f"the error names S3's code ({err})")
fails(
    "InvalidParameterValueException",
    "ZipFile and S3 together",
    lam.update_function_code,
    FunctionName=NAME + "-s3",
    S3Bucket=BUCKET,
    S3Key="pkg/app.zip",
    ZipFile=package("x"),
)
s3.put_object(Bucket=BUCKET, Key="pkg/denied.zip", Body=package("denied"))
s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{BUCKET}/pkg/denied.zip"}],
}))
err = fails(
    "InvalidParameterValueException",
    "code the bucket's policy denies reading",
    lam.update_function_code,
    FunctionName=NAME + "-s3",
    S3Bucket=BUCKET,
    S3Key="pkg/denied.zip",
)
check("Your access has been denied by S3" in str(err), f"Lambda's words for S3's refusal ({err})")
s3.delete_bucket_policy(Bucket=BUCKET)
lam.delete_function(FunctionName=NAME + "-s3")
boto3.resource("s3").Bucket(BUCKET).object_versions.delete()
s3.delete_bucket(Bucket=BUCKET)

# --- Settings answered as set, or refused -----------------------------------------------------

import platform  # noqa: E402

host = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"
other = "x86_64" if host == "arm64" else "arm64"
settings = dict(Runtime="python3.12", Role="arn:aws:iam::000000000000:role/squall-default", Handler="app.handler",
                Code={"ZipFile": package("settings")})
made = lam.create_function(FunctionName="settings", Architectures=[host], TracingConfig={"Mode": "Active"}, **settings)
check(made["Architectures"] == [host], "Architectures: the host's")
check(made["TracingConfig"] == {"Mode": "Active"}, "TracingConfig is kept as set")
changed = lam.update_function_configuration(FunctionName="settings", TracingConfig={"Mode": "PassThrough"})
check(changed["TracingConfig"] == {"Mode": "PassThrough"}, "and changed")
err = fails("InvalidParameterValueException", "another architecture than the host's", lam.create_function,
            FunctionName="settings-2", Architectures=[other], **settings)
check(f"Architectures [{other}] cannot run here" in str(err), "with the reason")
fails("ValidationException", "an unknown tracing mode", lam.update_function_configuration,
      FunctionName="settings", TracingConfig={"Mode": "Sometimes"})
err = fails("InvalidParameterValueException", "environment variables over 4 KB", lam.update_function_configuration,
            FunctionName="settings", Environment={"Variables": {"BIG": "x" * 5000}})
check("exceeded the 4KB limit" in str(err), "named as Lambda names it")
FILL = """
import os
def handler(event, context):
    written = 0
    try:
        with open("/tmp/fill", "wb") as f:
            while written < 700 << 20:
                f.write(b"x" * (1 << 20))
                f.flush()
                written += 1 << 20
    except OSError as e:
        return {"written_mb": written >> 20, "errno": e.errno}
    finally:
        if os.path.exists("/tmp/fill"):
            os.remove("/tmp/fill")
    return {"written_mb": written >> 20, "errno": None}
"""
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", FILL)
made = lam.create_function(FunctionName="tmp-size", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/squall-default",
                           Handler="app.handler", Code={"ZipFile": buf.getvalue()}, MemorySize=2048, Timeout=60,
                           EphemeralStorage={"Size": 600})
check(made["EphemeralStorage"] == {"Size": 600}, "EphemeralStorage is kept")
filled = json.loads(lam.invoke(FunctionName="tmp-size", Payload=b"{}")["Payload"].read())
check(filled["errno"] == 28 and 590 <= filled["written_mb"] <= 600, f"/tmp holds the ephemeral storage and no more ({filled})")
from botocore.config import Config  # noqa: E402

unchecked = boto3.client("lambda", config=Config(parameter_validation=False))
fails("InvalidParameterValueException", "ephemeral storage under 512 MB", unchecked.update_function_configuration,
      FunctionName="tmp-size", EphemeralStorage={"Size": 100})
queued = lam.invoke_async(FunctionName="settings", InvokeArgs=b'{"old": "api"}')
check(queued["Status"] == 202, "InvokeAsync (the deprecated API) queues the event")

# --- Provisioned concurrency per version or alias ----------------------------------------------

import time  # noqa: E402

lam.create_function(FunctionName="warm", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/squall-default",
                    Handler="app.handler", Code={"ZipFile": package("warm")})
warm_version = lam.publish_version(FunctionName="warm")["Version"]
lam.create_alias(FunctionName="warm", Name="live", FunctionVersion=warm_version)
err = fails("InvalidParameterValueException", "provisioned concurrency on $LATEST", lam.put_provisioned_concurrency_config,
            FunctionName="warm", Qualifier="$LATEST", ProvisionedConcurrentExecutions=1)
check("cannot be applied to unpublished function versions" in str(err), "named as Lambda names it")
put = lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="live", ProvisionedConcurrentExecutions=2)
check(put["RequestedProvisionedConcurrentExecutions"] == 2 and put["Status"] in ("IN_PROGRESS", "READY"),
      f"PutProvisionedConcurrencyConfig on an alias ({put})")
got = {}
deadline = time.time() + 30
while time.time() < deadline:
    got = lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
    if got["Status"] == "READY":
        break
    time.sleep(0.2)
check(got["Status"] == "READY" and got["AllocatedProvisionedConcurrentExecutions"] == 2,
      f"the alias's version gets its instances initialized ({got})")
fails("ResourceConflictException", "the same version's own configuration besides the alias's",
      lam.put_provisioned_concurrency_config, FunctionName="warm", Qualifier=warm_version, ProvisionedConcurrentExecutions=1)
listed = lam.list_provisioned_concurrency_configs(FunctionName="warm")["ProvisionedConcurrencyConfigs"]
check([c["FunctionArn"] for c in listed] == [ARN + "warm:live"], "ListProvisionedConcurrencyConfigs")
body, executed = invoke("live", name="warm")
check(executed == warm_version, "the alias runs on its provisioned version")
lam.delete_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
fails("ProvisionedConcurrencyConfigNotFoundException", "a deleted configuration", lam.get_provisioned_concurrency_config,
      FunctionName="warm", Qualifier="live")
check(lam.list_provisioned_concurrency_configs(FunctionName="warm")["ProvisionedConcurrencyConfigs"] == [],
      "and it is no longer listed")
lam.put_function_concurrency(FunctionName="warm", ReservedConcurrentExecutions=1)
fails("InvalidParameterValueException", "more than the function's reservation", lam.put_provisioned_concurrency_config,
      FunctionName="warm", Qualifier=warm_version, ProvisionedConcurrentExecutions=2)

# --- A change of metadata leaves warm processes running -----------------------------------------

TOKEN = "import uuid\nTOKEN = uuid.uuid4().hex\ndef handler(event, context):\n    return TOKEN\n"
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", TOKEN)
lam.create_function(FunctionName="kept-warm", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/squall-default",
                    Handler="app.handler", Code={"ZipFile": buf.getvalue()})
token = lambda: json.loads(lam.invoke(FunctionName="kept-warm", Payload=b"{}")["Payload"].read())  # noqa: E731
first = token()
lam.tag_resource(Resource=ARN + "kept-warm", Tags={"team": "a"})
lam.add_permission(FunctionName="kept-warm", StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
lam.publish_version(FunctionName="kept-warm")
lam.create_alias(FunctionName="kept-warm", Name="live", FunctionVersion="1")
lam.update_function_configuration(FunctionName="kept-warm", Description="described")
check(token() == first, "tags, permissions, versions, aliases and a description leave the warm process running")
lam.update_function_configuration(FunctionName="kept-warm", Timeout=5)
check(token() != first, "a runtime setting starts a new one")

print("all Lambda version checks passed")
