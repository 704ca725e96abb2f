"""SSM Parameter Store through boto3 against a running Squall (awsJson1.1, X-Amz-Target AmazonSSM.*).

Covers PutParameter (String, StringList, SecureString; Overwrite; Description; AllowedPattern; tiers
and their value sizes; DataType; Tags; KeyId), GetParameter and GetParameters (WithDecryption,
name:version and name:label selectors, InvalidParameters), GetParametersByPath (Recursive,
ParameterFilters Type/KeyId/Label, WithDecryption, MaxResults, paging with get_paginator),
DeleteParameter(s), DescribeParameters (Filters and ParameterFilters: Name, Type, Path; paging),
GetParameterHistory, LabelParameterVersion and UnlabelParameterVersion, the tag operations, the
100-version window, and the errors for bad input, each with the error code botocore's ssm model
names and HTTP 400.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure.
"""
import base64
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ssm = boto3.client("ssm", config=Config(retries={"total_max_attempts": 1}))
ARN = "arn:aws:ssm:us-east-1:000000000000:parameter"


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


# PutParameter and GetParameter: the three types.
out = ssm.put_parameter(Name="/app/db/host", Value="db.local", Type="String", Description="the host")
check(out["Version"] == 1 and out["Tier"] == "Standard", f"put a String ({out['Version']}, {out['Tier']})")
ssm.put_parameter(Name="/app/db/ports", Value="5432,5433", Type="StringList")
ssm.put_parameter(Name="/app/db/password", Value="hunter2", Type="SecureString")
ssm.put_parameter(Name="plain", Value="top level", Type="String")
p = ssm.get_parameter(Name="/app/db/host")["Parameter"]
check(p["Value"] == "db.local" and p["Type"] == "String" and p["Version"] == 1 and p["DataType"] == "text",
      "get a String")
check(p["ARN"] == f"{ARN}/app/db/host", f"a hierarchical name's ARN drops the leading slash ({p['ARN']})")
check(ssm.get_parameter(Name="plain")["Parameter"]["ARN"] == f"{ARN}/plain", "a plain name's ARN")
check(ssm.get_parameter(Name=f"{ARN}/app/db/host")["Parameter"]["Value"] == "db.local", "get by ARN")
check(ssm.get_parameter(Name="/app/db/ports")["Parameter"]["Value"] == "5432,5433", "get a StringList")
enc = ssm.get_parameter(Name="/app/db/password")["Parameter"]
check(enc["Type"] == "SecureString" and enc["Value"] != "hunter2" and len(base64.b64decode(enc["Value"])) > 7,
      "a SecureString without decryption is its ciphertext, in base64")
dec = ssm.get_parameter(Name="/app/db/password", WithDecryption=True)["Parameter"]
check(dec["Value"] == "hunter2", "a SecureString with decryption is its plaintext")
check(ssm.get_parameter(Name="/app/db/host", WithDecryption=True)["Parameter"]["Value"] == "db.local",
      "decryption leaves a String as it is")

# Overwrite, versions, history, selectors.
refused("ParameterAlreadyExists", "a second put without Overwrite", ssm.put_parameter,
        Name="/app/db/host", Value="x", Type="String")
out = ssm.put_parameter(Name="/app/db/host", Value="db2.local", Overwrite=True)
check(out["Version"] == 2, "Overwrite makes version 2 (the type kept)")
p = ssm.get_parameter(Name="/app/db/host")["Parameter"]
check(p["Value"] == "db2.local" and p["Version"] == 2, "get returns the latest version")
p1 = ssm.get_parameter(Name="/app/db/host:1")["Parameter"]
check(p1["Value"] == "db.local" and p1["Selector"] == ":1" and p1["Name"] == "/app/db/host", "name:version")
refused("ParameterVersionNotFound", "name:9 of a parameter with two versions", ssm.get_parameter, Name="/app/db/host:9")
refused("ParameterNotFound", "a parameter that does not exist", ssm.get_parameter, Name="/nope")

hist = ssm.get_parameter_history(Name="/app/db/host")["Parameters"]
check([h["Version"] for h in hist] == [1, 2] and hist[0]["Description"] == "the host"
      and hist[1]["Description"] == "the host", "history: both versions, the description kept")
check(all(h["LastModifiedUser"].startswith("arn:aws:iam::") for h in hist), "history names who changed it")
h = ssm.get_parameter_history(Name="/app/db/password", WithDecryption=True)["Parameters"]
check(h[0]["Value"] == "hunter2" and h[0]["KeyId"] == "alias/aws/ssm", "history with decryption, and the KeyId")
refused("ParameterNotFound", "history of a missing parameter", ssm.get_parameter_history, Name="/nope")

# Labels.
out = ssm.label_parameter_version(Name="/app/db/host", ParameterVersion=1, Labels=["stable", "1bad", "awsx"])
check(out["ParameterVersion"] == 1 and sorted(out["InvalidLabels"]) == ["1bad", "awsx"],
      f"labels attach; malformed ones come back as InvalidLabels ({out['InvalidLabels']})")
p = ssm.get_parameter(Name="/app/db/host:stable")["Parameter"]
check(p["Version"] == 1 and p["Selector"] == ":stable", "name:label")
ssm.label_parameter_version(Name="/app/db/host", Labels=["stable"])
check(ssm.get_parameter(Name="/app/db/host:stable")["Parameter"]["Version"] == 2,
      "labelling without a version moves the label to the latest")
hist = ssm.get_parameter_history(Name="/app/db/host")["Parameters"]
check(hist[0]["Labels"] == [] and hist[1]["Labels"] == ["stable"], "history shows where the label is")
refused("ParameterVersionLabelLimitExceeded", "an eleventh label on a version", ssm.label_parameter_version,
        Name="/app/db/host", ParameterVersion=2, Labels=[f"l{i}" for i in range(10)])
refused("ParameterVersionNotFound", "labelling a missing version", ssm.label_parameter_version,
        Name="/app/db/host", ParameterVersion=7, Labels=["x"])
refused("ParameterNotFound", "labelling a missing parameter", ssm.label_parameter_version, Name="/nope", Labels=["x"])
out = ssm.unlabel_parameter_version(Name="/app/db/host", ParameterVersion=2, Labels=["stable", "never"])
check(out["RemovedLabels"] == ["stable"] and out["InvalidLabels"] == ["never"], "unlabel")
refused("ParameterNotFound", "a label nobody has", ssm.get_parameter, Name="/app/db/host:stable")

# GetParameters.
out = ssm.get_parameters(Names=["/app/db/host", "/app/db/password", "/nope", "/app/db/host:1", "/app/db/host:8"],
                         WithDecryption=True)
got = {(p["Name"], p.get("Selector")): p["Value"] for p in out["Parameters"]}
check(got == {("/app/db/host", None): "db2.local", ("/app/db/password", None): "hunter2",
              ("/app/db/host", ":1"): "db.local"}, f"GetParameters finds three ({got})")
check(sorted(out["InvalidParameters"]) == ["/app/db/host:8", "/nope"], f"and names two invalid ({out['InvalidParameters']})")
refused("ValidationException", "GetParameters with 11 names", ssm.get_parameters, Names=[f"/n{i}" for i in range(11)])

# Names, values, patterns, tiers, keys.
for name, code, why in [("aws-thing", "ValidationException", "the aws prefix is reserved"),
                        ("/ssm/x", "ValidationException", "the ssm prefix is reserved"),
                        ("/aws/x", "AccessDeniedException", "the /aws hierarchy is reserved"),
                        ("a/b", "ValidationException", "a hierarchy must start with /"),
                        ("/a b", "ValidationException", "spaces are not allowed"),
                        ("/l" * 16, "HierarchyLevelLimitExceededException", "16 levels")]:
    refused(code, f"name {name[:20]!r}: {why}", ssm.put_parameter, Name=name, Value="v", Type="String")
ssm.put_parameter(Name="/l" * 15, Value="v", Type="String")
check(ssm.get_parameter(Name="/l" * 15)["Parameter"]["Value"] == "v", "15 levels are allowed")
long_name = "/" + "n" * (1011 - len(f"{ARN}/"))
ssm.put_parameter(Name=long_name, Value="v", Type="String")
refused("ValidationException", "a name whose ARN passes 1011 characters", ssm.put_parameter,
        Name=long_name + "n", Value="v", Type="String")
refused("ValidationException", "no Type for a new parameter", ssm.put_parameter, Name="/t/none", Value="v")
refused("ValidationException", "an unknown Type", ssm.put_parameter, Name="/t/x", Value="v", Type="Text")
refused("ValidationException", "an empty value", ssm.put_parameter, Name="/t/x", Value="", Type="String")
ssm.put_parameter(Name="/t/port", Value="8080", Type="String", AllowedPattern=r"^\d+$")
refused("ParameterPatternMismatchException", "a value the AllowedPattern refuses", ssm.put_parameter,
        Name="/t/port", Value="80a", Overwrite=True)
refused("InvalidAllowedPatternException", "an AllowedPattern that is not a regex", ssm.put_parameter,
        Name="/t/bad", Value="1", Type="String", AllowedPattern="(")
refused("ValidationException", "5 KB in the Standard tier", ssm.put_parameter,
        Name="/t/big", Value="x" * 5000, Type="String")
out = ssm.put_parameter(Name="/t/big", Value="x" * 5000, Type="String", Tier="Advanced")
check(out["Tier"] == "Advanced", "5 KB in the Advanced tier")
refused("ValidationException", "9 KB even in the Advanced tier", ssm.put_parameter,
        Name="/t/big", Value="x" * 9000, Overwrite=True)
refused("ValidationException", "downgrading an Advanced parameter", ssm.put_parameter,
        Name="/t/big", Value="small", Overwrite=True, Tier="Standard")
out = ssm.put_parameter(Name="/t/auto", Value="x" * 4097, Type="String", Tier="Intelligent-Tiering")
check(out["Tier"] == "Advanced", "Intelligent-Tiering picks Advanced for a large value")
msg = refused("ValidationException", "a customer KMS key", ssm.put_parameter, Name="/t/kms", Value="v",
              Type="SecureString", KeyId="alias/my-key")
check("alias/aws/ssm" in msg, "the refusal says which key is accepted")
ssm.put_parameter(Name="/t/kms", Value="v", Type="SecureString", KeyId="alias/aws/ssm")
refused("ValidationException", "a data type other than text", ssm.put_parameter, Name="/t/ami", Value="ami-1",
        Type="String", DataType="aws:ec2:image")
refused("ValidationException", "Tags with Overwrite", ssm.put_parameter, Name="/app/db/host", Value="x",
        Overwrite=True, Tags=[{"Key": "a", "Value": "b"}])

# Tags.
ssm.put_parameter(Name="/tagged", Value="v", Type="String", Tags=[{"Key": "env", "Value": "prod"}])
ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/tagged", Tags=[{"Key": "team", "Value": "core"}])
tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tagged")["TagList"]
check(sorted((t["Key"], t["Value"]) for t in tags) == [("env", "prod"), ("team", "core")], "tags on create and added")
ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/tagged", TagKeys=["env"])
tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tagged")["TagList"]
check([t["Key"] for t in tags] == ["team"], "a tag removed")
refused("InvalidResourceId", "tags of a missing parameter", ssm.list_tags_for_resource,
        ResourceType="Parameter", ResourceId="/nope")
refused("InvalidResourceType", "tags of a document", ssm.add_tags_to_resource, ResourceType="Document",
        ResourceId="doc", Tags=[{"Key": "a", "Value": "b"}])
refused("TooManyTagsError", "a 51st tag", ssm.add_tags_to_resource, ResourceType="Parameter", ResourceId="/tagged",
        Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])

# GetParametersByPath, with paging and filters.
for i in range(23):
    ssm.put_parameter(Name=f"/svc/conf/k{i:02}", Value=f"v{i}", Type="String")
ssm.put_parameter(Name="/svc/conf/deep/secret", Value="s3cret", Type="SecureString")
ssm.label_parameter_version(Name="/svc/conf/k05", Labels=["live"])
pages = list(ssm.get_paginator("get_parameters_by_path").paginate(Path="/svc/conf", PaginationConfig={"PageSize": 10}))
names = [p["Name"] for page in pages for p in page["Parameters"]]
check(len(pages) == 3 and len(names) == 23 and names == sorted(names),
      f"one level, paged by 10 with the paginator ({len(pages)} pages, {len(names)} parameters)")
rec = [p for page in ssm.get_paginator("get_parameters_by_path").paginate(Path="/svc", Recursive=True,
                                                                          WithDecryption=True)
       for p in page["Parameters"]]
check(len(rec) == 24 and any(p["Value"] == "s3cret" for p in rec), "recursive, with decryption")
secure = ssm.get_parameters_by_path(Path="/svc", Recursive=True,
                                    ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}])["Parameters"]
check([p["Name"] for p in secure] == ["/svc/conf/deep/secret"] and secure[0]["Value"] != "s3cret",
      "filtered by Type, without decryption")
by_key = ssm.get_parameters_by_path(Path="/svc", Recursive=True,
                                    ParameterFilters=[{"Key": "KeyId", "Values": ["alias/aws/ssm"]}])["Parameters"]
check(len(by_key) == 1, "filtered by KeyId")
live = ssm.get_parameters_by_path(Path="/svc/conf", ParameterFilters=[{"Key": "Label", "Values": ["live"]}])
check([p["Name"] for p in live["Parameters"]] == ["/svc/conf/k05"], "filtered by Label")
refused("InvalidFilterKey", "a Name filter on a path", ssm.get_parameters_by_path, Path="/svc",
        ParameterFilters=[{"Key": "Name", "Values": ["x"]}])
refused("InvalidFilterValue", "a Type filter naming no type", ssm.get_parameters_by_path, Path="/svc",
        ParameterFilters=[{"Key": "Type", "Values": ["Text"]}])
refused("InvalidFilterOption", "a Label filter with BeginsWith", ssm.get_parameters_by_path, Path="/svc",
        ParameterFilters=[{"Key": "Label", "Option": "BeginsWith", "Values": ["x"]}])
refused("ValidationException", "MaxResults 11", ssm.get_parameters_by_path, Path="/svc", MaxResults=11)
refused("InvalidNextToken", "a made-up NextToken", ssm.get_parameters_by_path, Path="/svc", NextToken="forged")
refused("ValidationException", "a path without a leading slash", ssm.get_parameters_by_path, Path="svc")

# DescribeParameters.
described = [p for page in ssm.get_paginator("describe_parameters").paginate(
    ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/svc/conf/k1"]}],
    PaginationConfig={"PageSize": 4}) for p in page["Parameters"]]
check([p["Name"] for p in described] == [f"/svc/conf/k{i}" for i in range(10, 20)],
      "describe: Name BeginsWith, paged by 4")
check("Value" not in described[0] and described[0]["Tier"] == "Standard" and described[0]["ARN"].startswith(ARN),
      "describe reports metadata without values")
one = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/app/db/password"]}])["Parameters"]
check(len(one) == 1 and one[0]["Type"] == "SecureString" and one[0]["KeyId"] == "alias/aws/ssm", "Name Equals")
lists = ssm.describe_parameters(Filters=[{"Key": "Type", "Values": ["StringList"]}])["Parameters"]
check([p["Name"] for p in lists] == ["/app/db/ports"], "the legacy Filters")
under = ssm.describe_parameters(ParameterFilters=[{"Key": "Path", "Option": "OneLevel", "Values": ["/app/db"]}])
check(len(under["Parameters"]) == 3, "a Path filter, one level")
refused("ValidationException", "Filters and ParameterFilters together", ssm.describe_parameters,
        Filters=[{"Key": "Type", "Values": ["String"]}], ParameterFilters=[{"Key": "Type", "Values": ["String"]}])
refused("InvalidFilterOption", "a Path filter with Equals", ssm.describe_parameters,
        ParameterFilters=[{"Key": "Path", "Option": "Equals", "Values": ["/app"]}])
refused("InvalidFilterKey", "an unknown filter key", ssm.describe_parameters,
        ParameterFilters=[{"Key": "Color", "Values": ["red"]}])

# The 100-version window.
ssm.put_parameter(Name="/versions", Value="1", Type="String")
for i in range(2, 101):
    ssm.put_parameter(Name="/versions", Value=str(i), Overwrite=True)
ssm.label_parameter_version(Name="/versions", ParameterVersion=1, Labels=["first"])
refused("ParameterMaxVersionLimitExceeded", "a 101st version while version 1 has a label", ssm.put_parameter,
        Name="/versions", Value="x", Overwrite=True)
ssm.unlabel_parameter_version(Name="/versions", ParameterVersion=1, Labels=["first"])
out = ssm.put_parameter(Name="/versions", Value="x", Overwrite=True)
versions = [h["Version"] for page in ssm.get_paginator("get_parameter_history").paginate(Name="/versions")
            for h in page["Parameters"]]
check(out["Version"] == 101 and len(versions) == 100 and versions[0] == 2, "the oldest version goes past 100")

# Deleting.
ssm.delete_parameter(Name="/app/db/ports")
refused("ParameterNotFound", "a deleted parameter", ssm.get_parameter, Name="/app/db/ports")
refused("ParameterNotFound", "deleting it again", ssm.delete_parameter, Name="/app/db/ports")
out = ssm.delete_parameters(Names=["/app/db/host", "/nope", "plain"])
check(sorted(out["DeletedParameters"]) == ["/app/db/host", "plain"] and out["InvalidParameters"] == ["/nope"],
      "DeleteParameters")
ssm.put_parameter(Name="/app/db/host", Value="fresh", Type="String")
check(ssm.get_parameter(Name="/app/db/host")["Parameter"]["Version"] == 1, "a parameter made again starts at 1")

try:
    ssm.send_command(InstanceIds=["i-1"], DocumentName="AWS-RunShellScript")
    check(False, "SendCommand is refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "UnknownOperationException", "operations outside Parameter Store are refused")

print("all SSM checks passed")
