"""Lambda layers through boto3 and the aws CLI against a running Squall.

Covers PublishLayerVersion (ZipFile and an S3 object; numbers never reused, even after every
version is deleted), GetLayerVersion, GetLayerVersionByArn, ListLayers (the newest matching
version, CompatibleRuntime and CompatibleArchitecture filters, paging), ListLayerVersions
(newest first, filters, paging), DeleteLayerVersion (idempotent; a function using the version
keeps running it), Add/RemoveLayerVersionPermission and GetLayerVersionPolicy (RevisionId,
duplicate and missing statements, the principal and action constraints), and functions using
layers: Python finding /opt/python modules, Node finding /opt/nodejs/node_modules, executables
in /opt/bin on PATH, files read under /opt, a later layer's file over an earlier one's, a
custom runtime whose bootstrap comes from a layer, Layers in GetFunctionConfiguration, changing
and removing them with UpdateFunctionConfiguration, a published version keeping its layers.
Refusals: a version that does not exist, two versions of one layer, six layers, another
account's layer, a caller without lambda:GetLayerVersion (and the same caller allowed by the
layer version's own policy). The aws CLI runs publish-layer-version and list-layer-versions.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure.
"""

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile

import boto3
from botocore.exceptions import ClientError

lam = boto3.client("lambda")
LAYER_ARN = "arn:aws:lambda:us-east-1:000000000000:layer:"
ROLE = "arn:aws:iam::000000000000:role/squall-default"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e
    return None, None


def fails(expected, what, fn, *args, **kwargs):
    got, err = code(fn, *args, **kwargs)
    check(got == expected, f"{what}: {expected} (got {got}: {err})")
    return err


def zipped(files):
    """A zip of {path: text or (text, mode)}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path, content in files.items():
            text, mode = content if isinstance(content, tuple) else (content, 0o644)
            info = zipfile.ZipInfo(path)
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, text)
    return buf.getvalue()


def invoke(name, qualifier=None):
    kwargs = {"FunctionName": name, "Payload": b"{}"}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    r = lam.invoke(**kwargs)
    payload = r["Payload"].read()
    check("FunctionError" not in r, f"invoke {name} succeeds ({payload[:300]!r})")
    return json.loads(payload)


def aws(*args):
    out = subprocess.run(["aws", "lambda", *args, "--output", "json"], capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"aws lambda {args[0]} succeeds ({out.stderr.strip()})")
    return json.loads(out.stdout or "{}")


# --- Publishing and reading ---------------------------------------------------------------

TOOL = "#!/bin/sh\necho tool-from-layer \"$@\"\n"
common_v1 = zipped({
    "python/shared.py": "WHO = 'shared v1'\n",
    "python/lib/python3.12/site-packages/deep.py": "WHERE = 'site-packages'\n",
    "bin/layer-tool": (TOOL, 0o755),
    "data/greeting.txt": "hello from common v1",
    "nodejs/node_modules/greet/index.js": "module.exports = (n) => 'hi ' + n + ' from a layer';\n",
})
first = lam.publish_layer_version(
    LayerName="common",
    Description="shared code",
    Content={"ZipFile": common_v1},
    CompatibleRuntimes=["python3.12", "nodejs20.x"],
    CompatibleArchitectures=["x86_64"],
    LicenseInfo="MIT",
)
check(first["Version"] == 1, "PublishLayerVersion numbers from 1")
check(first["LayerArn"] == LAYER_ARN + "common", "LayerArn is the layer's")
check(first["LayerVersionArn"] == LAYER_ARN + "common:1", "LayerVersionArn is the version's")
sha = base64.b64encode(hashlib.sha256(common_v1).digest()).decode()
check(first["Content"]["CodeSha256"] == sha, "Content.CodeSha256 is the zip's SHA-256, base64")
check(first["Content"]["CodeSize"] == len(common_v1), "Content.CodeSize is the zip's size")
check(first["Description"] == "shared code" and first["LicenseInfo"] == "MIT", "Description and LicenseInfo are kept")
check(first["CompatibleRuntimes"] == ["python3.12", "nodejs20.x"], "CompatibleRuntimes are kept")
check(first["CompatibleArchitectures"] == ["x86_64"], "CompatibleArchitectures are kept")
check(first["CreatedDate"].endswith("+0000"), "CreatedDate is Lambda's date shape")
# Content.Location is presigned, as Lambda's S3 location is: a plain GET gives the zip.
with urllib.request.urlopen(first["Content"]["Location"], timeout=30) as r:
    check(r.read() == common_v1, "Content.Location gives the zip, without credentials")

common_v2 = zipped({"python/shared.py": "WHO = 'shared v2'\n", "data/greeting.txt": "hello from common v2"})
second = lam.publish_layer_version(LayerName="common", Content={"ZipFile": common_v2}, CompatibleRuntimes=["python3.13"])
check(second["Version"] == 2, "the next version is 2")

got = lam.get_layer_version(LayerName="common", VersionNumber=1)
check(got["LayerVersionArn"] == LAYER_ARN + "common:1" and got["Content"]["CodeSha256"] == sha, "GetLayerVersion")
by_arn = lam.get_layer_version_by_arn(Arn=LAYER_ARN + "common:2")
check(by_arn["Version"] == 2, "GetLayerVersionByArn")
by_layer_arn = lam.get_layer_version(LayerName=LAYER_ARN + "common", VersionNumber=2)
check(by_layer_arn["Version"] == 2, "a layer may be named by its ARN")
fails("ResourceNotFoundException", "a version that does not exist", lam.get_layer_version, LayerName="common", VersionNumber=9)
fails("ResourceNotFoundException", "a layer that does not exist", lam.get_layer_version, LayerName="nope", VersionNumber=1)
fails("ResourceNotFoundException", "another account's layer", lam.get_layer_version_by_arn,
      Arn="arn:aws:lambda:us-east-1:123456789012:layer:common:1")
fails("ValidationException", "an ARN that is not a layer version's", lam.get_layer_version_by_arn,
      Arn="arn:aws:lambda:us-east-1:000000000000:function:f")
fails("InvalidParameterValueException", "content that is not a zip", lam.publish_layer_version,
      LayerName="bad", Content={"ZipFile": b"not a zip"})

cli = aws("publish-layer-version", "--layer-name", "tools", "--zip-file", "fileb://" + (lambda p: (open(p, "wb").write(zipped({"bin/t": ("#!/bin/sh\necho t\n", 0o755)})), p)[1])(os.path.join(tempfile.mkdtemp(), "t.zip")),
          "--compatible-architectures", "arm64")
check(cli["Version"] == 1, "aws lambda publish-layer-version")

# --- Listing --------------------------------------------------------------------------------

layers = {l["LayerName"]: l for l in lam.list_layers()["Layers"]}
check(set(layers) == {"common", "tools"}, "ListLayers lists every layer")
check(layers["common"]["LatestMatchingVersion"]["Version"] == 2, "each with its newest version")
check(layers["common"]["LayerArn"] == LAYER_ARN + "common", "and the layer's ARN")
py312 = {l["LayerName"]: l for l in lam.list_layers(CompatibleRuntime="python3.12")["Layers"]}
check(list(py312) == ["common"] and py312["common"]["LatestMatchingVersion"]["Version"] == 1,
      "CompatibleRuntime picks the newest version that suits it")
arm = [l["LayerName"] for l in lam.list_layers(CompatibleArchitecture="arm64")["Layers"]]
check(arm == ["tools"], "CompatibleArchitecture filters")
page = lam.list_layers(MaxItems=1)
check(len(page["Layers"]) == 1 and "NextMarker" in page, "ListLayers pages")
rest = lam.list_layers(Marker=page["NextMarker"])
check([l["LayerName"] for l in rest["Layers"]] == ["tools"], "the next page holds the rest")

versions = lam.list_layer_versions(LayerName="common")["LayerVersions"]
check([v["Version"] for v in versions] == [2, 1], "ListLayerVersions: newest first")
page = lam.list_layer_versions(LayerName="common", MaxItems=1)
check([v["Version"] for v in page["LayerVersions"]] == [2] and "NextMarker" in page, "ListLayerVersions pages")
rest = lam.list_layer_versions(LayerName="common", Marker=page["NextMarker"])
check([v["Version"] for v in rest["LayerVersions"]] == [1], "the next page holds the older version")
filtered = lam.list_layer_versions(LayerName="common", CompatibleRuntime="python3.13")["LayerVersions"]
check([v["Version"] for v in filtered] == [2], "ListLayerVersions filters by runtime")
check(lam.list_layer_versions(LayerName="nope")["LayerVersions"] == [], "a layer with no versions lists none")
cli = aws("list-layer-versions", "--layer-name", "common")
check(len(cli["LayerVersions"]) == 2, "aws lambda list-layer-versions")

# --- Functions with layers --------------------------------------------------------------------

PY = """
import os, shared, subprocess
def handler(event, context):
    try:
        import deep
        where = deep.WHERE
    except ImportError:
        where = None
    try:
        tool = subprocess.run(["layer-tool", "x"], capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:
        tool = None
    return {"who": shared.WHO, "deep": where, "tool": tool, "data": open("/opt/data/greeting.txt").read()}
"""
made = lam.create_function(
    FunctionName="with-layers",
    Runtime="python3.12",
    Role=ROLE,
    Handler="app.handler",
    Code={"ZipFile": zipped({"app.py": PY})},
    Layers=[LAYER_ARN + "common:1"],
)
check(made["Layers"] == [{"Arn": LAYER_ARN + "common:1", "CodeSize": len(common_v1)}], "CreateFunction answers its Layers")
out = invoke("with-layers")
check(out["who"] == "shared v1", "Python imports a module from /opt/python")
check(out["deep"] == "site-packages", "and from /opt/python/lib/python3.12/site-packages")
check(out["tool"] == "tool-from-layer x", "an executable in /opt/bin is on PATH")
check(out["data"] == "hello from common v1", "a layer's files are under /opt")
conf = lam.get_function_configuration(FunctionName="with-layers")
check(conf["Layers"][0]["Arn"] == LAYER_ARN + "common:1", "GetFunctionConfiguration shows the layers")
v1 = lam.publish_version(FunctionName="with-layers")

# A second layer over the first: its files win.
over = lam.publish_layer_version(LayerName="override", Content={"ZipFile": zipped({"python/shared.py": "WHO = 'override'\n"})})
lam.update_function_configuration(FunctionName="with-layers", Layers=[LAYER_ARN + "common:1", over["LayerVersionArn"]])
lam.get_waiter("function_updated_v2").wait(FunctionName="with-layers")
out = invoke("with-layers")
check(out["who"] == "override" and out["data"] == "hello from common v1", "a later layer's file is over an earlier one's")
lam.update_function_configuration(FunctionName="with-layers", Layers=[over["LayerVersionArn"], LAYER_ARN + "common:1"])
check(invoke("with-layers")["who"] == "shared v1", "the order of Layers decides")
out = invoke("with-layers", v1["Version"])
check(out["who"] == "shared v1", "a published version keeps the layers it had")
lam.update_function_configuration(FunctionName="with-layers", Layers=[])
fails_import = lam.invoke(FunctionName="with-layers", Payload=b"{}")
check(fails_import.get("FunctionError") == "Unhandled", "Layers=[] removes them (the import fails)")
check("Layers" not in lam.get_function_configuration(FunctionName="with-layers"), "and the configuration has none")

NODE = "const greet = require('greet');\nexports.handler = async () => ({ msg: greet('node') });\n"
lam.create_function(
    FunctionName="node-layers", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
    Code={"ZipFile": zipped({"index.js": NODE})}, Layers=[LAYER_ARN + "common:1"],
)
check(invoke("node-layers")["msg"] == "hi node from a layer", "Node requires a module from /opt/nodejs/node_modules")

# A custom runtime whose bootstrap is a layer's (the Runtime API loop in Python).
BOOTSTRAP = """#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
handler = os.environ["_HANDLER"]
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read() or b"{}")
    body = json.dumps({"runtime": "from a layer", "handler": handler,
                       "task": open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "task.txt")).read()}).encode()
    urllib.request.urlopen(urllib.request.Request(api + rid + "/response", data=body, method="POST")).read()
"""
rt = lam.publish_layer_version(LayerName="py-runtime", Content={"ZipFile": zipped({"bootstrap": (BOOTSTRAP, 0o755)})})
lam.create_function(
    FunctionName="custom-runtime", Runtime="provided.al2023", Role=ROLE, Handler="my.handler",
    Code={"ZipFile": zipped({"task.txt": "the function's own file"})}, Layers=[rt["LayerVersionArn"]],
)
out = invoke("custom-runtime")
check(out == {"runtime": "from a layer", "handler": "my.handler", "task": "the function's own file"},
      "a custom runtime's bootstrap may come from a layer")
fails("InvalidParameterValueException", "provided.al2023 with no bootstrap in the package or its layers",
      lam.create_function, FunctionName="no-bootstrap", Runtime="provided.al2023", Role=ROLE, Handler="x",
      Code={"ZipFile": zipped({"task.txt": "x"})})

# --- Refusals -------------------------------------------------------------------------------

simple = {"Runtime": "python3.12", "Role": ROLE, "Handler": "app.handler", "Code": {"ZipFile": zipped({"app.py": "def handler(e, c): return 1\n"})}}
err = fails("InvalidParameterValueException", "a layer version that does not exist", lam.create_function,
            FunctionName="bad-layers", Layers=[LAYER_ARN + "common:7"], **simple)
check(f"Layer version {LAYER_ARN}common:7 does not exist." in str(err), "named as Lambda names it")
err = fails("InvalidParameterValueException", "two versions of one layer", lam.create_function,
            FunctionName="bad-layers", Layers=[LAYER_ARN + "common:1", LAYER_ARN + "common:2"], **simple)
check("Two different versions of the same layer" in str(err), "named as Lambda names it")
err = fails("InvalidParameterValueException", "six layers", lam.create_function, FunctionName="bad-layers",
            Layers=[LAYER_ARN + f"l{i}:1" for i in range(6)], **simple)
check("Cannot reference more than 5 layers." in str(err), "named as Lambda names it")
err = fails("InvalidParameterValueException", "another account's layer", lam.create_function, FunctionName="bad-layers",
            Layers=["arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:40"], **simple)
check("publish-layer-version" in str(err), "with what to do instead")
fails("InvalidParameterValueException", "UpdateFunctionConfiguration with a missing layer", lam.update_function_configuration,
      FunctionName="with-layers", Layers=[LAYER_ARN + "common:99"])
check("Layers" not in lam.get_function_configuration(FunctionName="with-layers"), "a refused update changes nothing")

# --- Permissions ------------------------------------------------------------------------------

fails("ResourceNotFoundException", "GetLayerVersionPolicy with no policy", lam.get_layer_version_policy,
      LayerName="common", VersionNumber=1)
added = lam.add_layer_version_permission(
    LayerName="common", VersionNumber=1, StatementId="everyone", Action="lambda:GetLayerVersion", Principal="*")
statement = json.loads(added["Statement"])
check(statement["Principal"] == "*" and statement["Resource"] == LAYER_ARN + "common:1", "AddLayerVersionPermission's statement")
policy = lam.get_layer_version_policy(LayerName="common", VersionNumber=1)
check([s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["everyone"], "GetLayerVersionPolicy")
check(policy["RevisionId"] == added["RevisionId"], "with the RevisionId the change answered")
fails("ResourceConflictException", "a statement id used already", lam.add_layer_version_permission,
      LayerName="common", VersionNumber=1, StatementId="everyone", Action="lambda:GetLayerVersion", Principal="*")
fails("ValidationException", "an action other than lambda:GetLayerVersion", lam.add_layer_version_permission,
      LayerName="common", VersionNumber=1, StatementId="x", Action="lambda:InvokeFunction", Principal="*")
fails("ValidationException", "a principal that is no account", lam.add_layer_version_permission,
      LayerName="common", VersionNumber=1, StatementId="x", Action="lambda:GetLayerVersion", Principal="someone")
fails("PreconditionFailedException", "a stale RevisionId", lam.add_layer_version_permission,
      LayerName="common", VersionNumber=1, StatementId="acct", Action="lambda:GetLayerVersion",
      Principal="123456789012", RevisionId="1")
org = lam.add_layer_version_permission(
    LayerName="common", VersionNumber=1, StatementId="org", Action="lambda:GetLayerVersion",
    Principal="*", OrganizationId="o-abcdefghij")
check(json.loads(org["Statement"])["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
      "OrganizationId becomes a condition")
lam.remove_layer_version_permission(LayerName="common", VersionNumber=1, StatementId="org")
fails("ResourceNotFoundException", "removing a statement that is not there", lam.remove_layer_version_permission,
      LayerName="common", VersionNumber=1, StatementId="org")

# A user whose own policy does not let it use layers: refused, until the layer's policy lets everyone.
iam = boto3.client("iam")
iam.create_user(UserName="layer-user")
key = iam.create_access_key(UserName="layer-user")["AccessKey"]
iam.put_user_policy(UserName="layer-user", PolicyName="functions", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:GetLayerVersion", "iam:PassRole"], "Resource": "*"},
                  {"Effect": "Deny", "Action": "lambda:GetLayerVersion", "Resource": LAYER_ARN + "override:*"}],
}))
as_user = boto3.client("lambda", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
fails("AccessDeniedException", "a layer the caller may not use", as_user.create_function,
      FunctionName="user-fn", Layers=[over["LayerVersionArn"]], **simple)
made = as_user.create_function(FunctionName="user-fn", Layers=[LAYER_ARN + "common:1"], **simple)
check(made["Layers"][0]["Arn"] == LAYER_ARN + "common:1", "a layer the caller may use")
iam.put_user_policy(UserName="layer-user", PolicyName="functions", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["lambda:CreateFunction", "iam:PassRole"], "Resource": "*"}],
}))
made = as_user.create_function(FunctionName="user-fn2", Layers=[LAYER_ARN + "common:1"], **simple)
check(made["Layers"], "the layer version's own policy (everyone) lets a caller use it")
fails("AccessDeniedException", "without it, the caller's identity decides", as_user.create_function,
      FunctionName="user-fn3", Layers=[LAYER_ARN + "common:2"], **simple)
fails("AccessDeniedException", "nor may that caller publish", as_user.publish_layer_version,
      LayerName="mine", Content={"ZipFile": common_v2})
iam.delete_user_policy(UserName="layer-user", PolicyName="functions")
iam.delete_access_key(UserName="layer-user", AccessKeyId=key["AccessKeyId"])
iam.delete_user(UserName="layer-user")

# --- Deleting ---------------------------------------------------------------------------------

lam.update_function_configuration(FunctionName="with-layers", Layers=[LAYER_ARN + "common:2"])
lam.delete_layer_version(LayerName="common", VersionNumber=2)
fails("ResourceNotFoundException", "a deleted version is gone", lam.get_layer_version, LayerName="common", VersionNumber=2)
lam.delete_layer_version(LayerName="common", VersionNumber=2)
check(True, "deleting it again is no error")
out = invoke("with-layers")
check(out["who"] == "shared v2" and out["data"] == "hello from common v2", "a function using a deleted version keeps running it")
check(out["deep"] is None and out["tool"] is None, "and only that version's files")
lam.delete_layer_version(LayerName="tools", VersionNumber=1)
check("tools" not in [l["LayerName"] for l in lam.list_layers()["Layers"]], "a layer with no versions is not listed")
again = lam.publish_layer_version(LayerName="tools", Content={"ZipFile": common_v2})
check(again["Version"] == 2, "numbers are never reused")

# --- Content from S3 --------------------------------------------------------------------------

s3 = boto3.client("s3")
s3.create_bucket(Bucket="layer-code")
s3.put_object(Bucket="layer-code", Key="layer.zip", Body=common_v1)
from_s3 = lam.publish_layer_version(LayerName="from-s3", Content={"S3Bucket": "layer-code", "S3Key": "layer.zip"})
check(from_s3["Content"]["CodeSha256"] == sha, "PublishLayerVersion reads an S3 object")
fails("InvalidParameterValueException", "a missing S3 object", lam.publish_layer_version,
      LayerName="from-s3", Content={"S3Bucket": "layer-code", "S3Key": "nope.zip"})

print("all Lambda layer checks passed")
