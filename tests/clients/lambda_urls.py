"""Lambda function URLs through boto3 and plain HTTP against a running Squall.

Covers CreateFunctionUrlConfig (AuthType NONE, Cors), GetFunctionUrlConfig,
UpdateFunctionUrlConfig, ListFunctionUrlConfigs, DeleteFunctionUrlConfig, a URL of an alias,
and the refusals (a second URL for one qualifier, a version number as qualifier, an unknown
InvokeMode, an unknown AuthType, a missing URL). Over HTTP: a NONE URL is closed (403) until the resource policy lets everyone
lambda:InvokeFunctionUrl (add-permission --function-url-auth-type NONE, per qualifier), then the
function gets payload 2.0 (method, raw path and query, headers, body) and its answer's status,
headers and body come back; CORS preflights and response headers follow the URL's Cors; the host
form (<id>.lambda-url.<region>.localhost) answers like the path form; an alias's URL runs the
alias's version; a deleted URL answers 404. AWS_IAM: unsigned and badly signed requests are refused,
the root's signed request passes, a user gets in once an identity policy allows
lambda:InvokeFunctionUrl on the alias (with lambda:FunctionUrlAuthType AWS_IAM).

Left out: response streaming (refused for now); serverless.yml `url` is an end-to-end test of its own.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment; exits non-zero with the failing check on the first failure.
"""

import io
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile

import boto3
from botocore.exceptions import ClientError

lam = boto3.client("lambda")
NAME = "urlfn"

HANDLER = """
import json
VERSION = %r
def handler(event, context):
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-made-by": VERSION},
        "body": json.dumps({
            "version": VERSION,
            "payload": event.get("version"),
            "routeKey": event.get("routeKey"),
            "method": event["requestContext"]["http"]["method"],
            "rawPath": event.get("rawPath"),
            "rawQueryString": event.get("rawQueryString"),
            "header": event.get("headers", {}).get("x-custom"),
            "body": event.get("body"),
        }),
    }
"""


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def fails(expected, what, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == expected, f"{what}: {expected} (got {got}: {e})")
        return e
    check(False, f"{what}: {expected} (it succeeded)")


def package(version):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER % version)
    return buf.getvalue()


def http(method, url, body=None, headers=None):
    """(status, headers, body) of one request; never raises for an HTTP status."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


lam.create_function(
    FunctionName=NAME,
    Runtime="python3.12",
    Role="arn:aws:iam::000000000000:role/squall-default",
    Handler="app.handler",
    Code={"ZipFile": package("v1")},
)
lam.publish_version(FunctionName=NAME)
lam.update_function_code(FunctionName=NAME, ZipFile=package("latest"))

cors = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-custom"], "MaxAge": 60}
made = lam.create_function_url_config(FunctionName=NAME, AuthType="NONE", Cors=cors)
URL = made["FunctionUrl"]
check(URL.startswith("http://") and "/lambda-url/" in URL and URL.endswith("/"), f"CreateFunctionUrlConfig answers the URL ({URL})")
check(made["AuthType"] == "NONE" and made["FunctionArn"].endswith(":function:" + NAME), "its AuthType and FunctionArn")
check(made["Cors"]["AllowOrigins"] == ["https://app.example"] and made["Cors"]["MaxAge"] == 60, "its Cors")
URL_ID = URL.rstrip("/").rsplit("/", 1)[1]
check(len(URL_ID) == 32 and URL_ID.isalnum() and URL_ID.lower() == URL_ID, "the URL's id: 32 lower-case letters and digits")
fails("ResourceConflictException", "a second URL for $LATEST", lam.create_function_url_config, FunctionName=NAME, AuthType="NONE")
fails("ValidationException", "an unknown AuthType", lam.create_function_url_config, FunctionName=NAME, AuthType="OPEN", Qualifier="$LATEST")
fails("InvalidParameterValueException", "a version number as qualifier", lam.create_function_url_config, FunctionName=NAME, AuthType="NONE", Qualifier="1")
fails("ValidationException", "an unknown InvokeMode", lam.update_function_url_config, FunctionName=NAME, InvokeMode="STREAMING")

got = lam.get_function_url_config(FunctionName=NAME)
check(got["FunctionUrl"] == URL and got["InvokeMode"] == "BUFFERED" and "LastModifiedTime" in got, "GetFunctionUrlConfig")

status, _, _ = http("GET", URL)
check(status == 403, f"a NONE URL without a policy statement is closed ({status})")
lam.add_permission(
    FunctionName=NAME,
    StatementId="url-public",
    Action="lambda:InvokeFunctionUrl",
    Principal="*",
    FunctionUrlAuthType="NONE",
)
status, headers, body = http("POST", URL + "orders/7?x=1&y=2", body=b'{"n": 1}', headers={"x-custom": "hi", "content-type": "application/json"})
check(status == 201, f"the function's status comes back ({status} {body[:200]})")
check(headers.get("x-made-by") == "latest", "and its headers")
doc = json.loads(body)
check(doc["payload"] == "2.0" and doc["routeKey"] == "$default", f"payload 2.0, route key $default ({doc})")
check(doc["method"] == "POST" and doc["rawPath"] == "/orders/7" and doc["rawQueryString"] == "x=1&y=2", f"method, path and query ({doc})")
check(doc["header"] == "hi" and doc["body"] == '{"n": 1}', "headers and body reach the function")

pre_status, pre, _ = http("OPTIONS", URL, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
check(pre_status in (200, 204) and pre.get("access-control-allow-origin") == "https://app.example", f"a CORS preflight ({pre_status} {pre})")
status, headers, _ = http("GET", URL, headers={"Origin": "https://app.example"})
check(headers.get("access-control-allow-origin") == "https://app.example", "CORS headers on the answer")
status, headers, _ = http("GET", URL, headers={"Origin": "https://evil.example"})
check("access-control-allow-origin" not in headers, "no CORS headers for another origin")

parsed = urllib.parse.urlparse(URL)
host_form = f"{parsed.scheme}://{parsed.netloc}/things"
status, _, body = http("GET", host_form, headers={"Host": f"{URL_ID}.lambda-url.us-east-1.localhost:{parsed.port}"})
check(status == 201 and json.loads(body)["rawPath"] == "/things", f"the host form answers too ({status})")

lam.create_alias(FunctionName=NAME, Name="live", FunctionVersion="1")
alias_url = lam.create_function_url_config(FunctionName=NAME, Qualifier="live", AuthType="NONE")
check(alias_url["FunctionUrl"] != URL and alias_url["FunctionArn"].endswith(":" + NAME + ":live"), "an alias has its own URL")
status, _, _ = http("GET", alias_url["FunctionUrl"])
check(status == 403, "the function's statement does not open the alias's URL")
lam.add_permission(
    FunctionName=NAME,
    Qualifier="live",
    StatementId="url-live",
    Action="lambda:InvokeFunctionUrl",
    Principal="*",
    FunctionUrlAuthType="NONE",
)
policy = json.loads(lam.get_policy(FunctionName=NAME, Qualifier="live")["Policy"])
check([s["Sid"] for s in policy["Statement"]] == ["url-live"], "the alias's policy holds its own statement")
status, _, body = http("GET", alias_url["FunctionUrl"])
check(status == 201 and json.loads(body)["version"] == "v1", f"an alias's URL runs its version ({status} {body[:100]})")

listed = lam.list_function_url_configs(FunctionName=NAME)["FunctionUrlConfigs"]
check(sorted(u["FunctionUrl"] for u in listed) == sorted([URL, alias_url["FunctionUrl"]]), "ListFunctionUrlConfigs")

updated = lam.update_function_url_config(FunctionName=NAME, Cors={"AllowOrigins": ["*"]})
check(updated["Cors"]["AllowOrigins"] == ["*"], "UpdateFunctionUrlConfig replaces Cors")
lam.delete_function_url_config(FunctionName=NAME)
fails("ResourceNotFoundException", "a deleted URL's config", lam.get_function_url_config, FunctionName=NAME)
status, _, _ = http("GET", URL)
check(status == 404, f"a deleted URL answers 404 ({status})")

# --- AWS_IAM -------------------------------------------------------------------------------

from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

lam.delete_function_url_config(FunctionName=NAME, Qualifier="live")
iam_url = lam.create_function_url_config(FunctionName=NAME, Qualifier="live", AuthType="AWS_IAM")["FunctionUrl"]


def signed(method, url, creds, body=b""):
    """A SigV4-signed request (service lambda), as SDKs sign a function URL call."""
    req = AWSRequest(method=method, url=url, data=body, headers={"content-type": "application/json"})
    SigV4Auth(creds, "lambda", "us-east-1").add_auth(req)
    return http(method, url, body=body or None, headers=dict(req.headers.items()))


status, _, _ = http("GET", iam_url)
check(status == 403, f"an AWS_IAM URL refuses unsigned requests ({status})")
root = boto3.Session().get_credentials().get_frozen_credentials()
root_creds = Credentials(root.access_key, root.secret_key, root.token)
status, _, body = signed("POST", iam_url + "signed?q=1", root_creds, b'{"who": "root"}')
check(status == 201 and json.loads(body)["body"] == '{"who": "root"}', f"a signed request reaches the alias's version ({status} {body[:120]})")
bad = Credentials(root.access_key, "not-the-secret", root.token)
status, _, _ = signed("GET", iam_url, bad)
check(status == 403, f"a bad signature is refused ({status})")

iam = boto3.client("iam")
iam.create_user(UserName="url-caller")
key = iam.create_access_key(UserName="url-caller")["AccessKey"]
caller = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
status, _, _ = signed("GET", iam_url, caller)
check(status == 403, f"a user without lambda:InvokeFunctionUrl is refused ({status})")
iam.put_user_policy(
    UserName="url-caller",
    PolicyName="invoke-url",
    PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "lambda:InvokeFunctionUrl",
            "Resource": made["FunctionArn"] + ":live",
            "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
        }],
    }),
)
status, _, body = signed("GET", iam_url, caller)
check(status == 201 and json.loads(body)["version"] == "v1", f"a user allowed lambda:InvokeFunctionUrl on the alias gets in ({status})")
iam.delete_user_policy(UserName="url-caller", PolicyName="invoke-url")
iam.delete_access_key(UserName="url-caller", AccessKeyId=key["AccessKeyId"])
iam.delete_user(UserName="url-caller")

lam.delete_function(FunctionName=NAME)
print("all Lambda function URL checks passed")
