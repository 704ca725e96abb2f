"""A function's settings beyond its code, through boto3 and the aws CLI against a running Squall.

Covers GetAccountSettings (limits, and usage that follows functions created and deleted),
LoggingConfig (Text by default; JSON with ApplicationLogLevel and SystemLogLevel: Python's
logging and Node's console write JSON records with the request id, lines below the levels are
dropped, platform lines become platform.start / platform.report records and disappear under
SystemLogLevel WARN; levels refused with Text, unknown levels and other log groups refused),
Get/PutFunctionRecursionConfig (Terminate by default, Allow, bad values) and
Get/PutRuntimeManagementConfig (Auto by default; Manual needs the runtime version ARN that
GetFunctionConfiguration shows and refuses another; FunctionUpdate; RuntimeVersionArn only
with Manual). The aws CLI runs get-account-settings and put-function-recursion-config. Code
signing, capacity providers and durable executions are refused naming the operation and why.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure.
"""

import base64
import io
import json
import subprocess
import sys
import zipfile

import boto3
from botocore.exceptions import ClientError

lam = boto3.client("lambda")
ROLE = "arn:aws:iam::000000000000:role/squall-default"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def fails(expected, what, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
        got, err = None, None
    except ClientError as e:
        got, err = e.response["Error"]["Code"], e
    check(got == expected, f"{what}: {expected} (got {got}: {err})")
    return err


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
    return buf.getvalue()


def cli(*args):
    out = subprocess.run(["aws", "lambda", *args, "--output", "json"], capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"aws lambda {args[0]} succeeds ({out.stderr.strip()[:300]})")
    return json.loads(out.stdout) if out.stdout.strip() else None


def tail(name):
    """Invokes with LogType Tail: the invocation's log lines."""
    r = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    payload = r["Payload"].read()
    check("FunctionError" not in r, f"invoke {name} succeeds ({payload[:300]!r})")
    return base64.b64decode(r["LogResult"]).decode().splitlines()


def records(lines):
    out = []
    for line in lines:
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict):
            out.append(doc)
    return out


PY = """
import logging
logger = logging.getLogger("app")

def handler(event, context):
    logger.debug("debug line")
    logger.info("info line")
    logger.warning("warn line")
    print("printed line")
    print('{"level": "debug", "msg": "self-made debug"}')
    return {"ok": True}
"""

NODE = """
exports.handler = async () => {
  console.debug("node debug");
  console.log("node info");
  console.warn("node warn", 42);
  console.error(new Error("node error"));
  return { ok: true };
};
"""


def account_settings():
    before = lam.get_account_settings()
    limit, usage = before["AccountLimit"], before["AccountUsage"]
    check(limit["CodeSizeUnzipped"] == 262144000 and limit["CodeSizeZipped"] == 52428800, "account limits")
    check(limit["UnreservedConcurrentExecutions"] <= limit["ConcurrentExecutions"], "unreserved within the limit")
    code = zipped({"app.py": PY})
    lam.create_function(FunctionName="settings-count", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": code})
    lam.put_function_concurrency(FunctionName="settings-count", ReservedConcurrentExecutions=7)
    after = lam.get_account_settings()
    check(after["AccountUsage"]["FunctionCount"] == usage["FunctionCount"] + 1, "a new function is counted")
    check(after["AccountUsage"]["TotalCodeSize"] >= usage["TotalCodeSize"], "its code is counted")
    check(after["AccountLimit"]["UnreservedConcurrentExecutions"] == limit["UnreservedConcurrentExecutions"] - 7,
          "a reservation leaves less unreserved")
    got = cli("get-account-settings")
    check(got["AccountUsage"]["FunctionCount"] == after["AccountUsage"]["FunctionCount"], "the aws CLI reads them")
    lam.delete_function(FunctionName="settings-count")
    check(lam.get_account_settings()["AccountUsage"]["FunctionCount"] == usage["FunctionCount"],
          "a deleted function is not")


def logging_config():
    code = zipped({"app.py": PY})
    lam.create_function(FunctionName="logs-py", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": code})
    conf = lam.get_function_configuration(FunctionName="logs-py")
    check(conf["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/logs-py"}, "Text by default")
    lines = tail("logs-py")
    check(any(line.startswith("START RequestId:") for line in lines), f"text START line ({lines})")
    check(any(line.startswith("REPORT RequestId:") for line in lines), "text REPORT line")
    check(any("printed line" in line for line in lines), "printed lines kept")
    check(not any("info line" in line for line in lines), "Python's root level stays WARNING in text")

    r = lam.update_function_configuration(FunctionName="logs-py", LoggingConfig={"LogFormat": "JSON"})
    check(r["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
                                 "LogGroup": "/aws/lambda/logs-py"}, f"JSON defaults to INFO ({r['LoggingConfig']})")
    lines = tail("logs-py")
    docs = records(lines)
    app = [d for d in docs if d.get("logger") == "app"]
    check([d["level"] for d in app] == ["INFO", "WARN"], f"logging records at INFO and above ({app})")
    check(all(d.get("requestId") and d.get("timestamp") for d in app), "records carry the request id and time")
    check(app[0]["message"] == "info line", "the message")
    check(any(line == "printed line" for line in lines), "print stays a plain line (INFO)")
    check(not any("self-made debug" in line for line in lines), "a JSON line with a lower level is dropped")
    types = [d.get("type") for d in docs if "type" in d]
    check(types == ["platform.start", "platform.runtimeDone", "platform.report"], f"platform records ({types})")
    report = next(d for d in docs if d.get("type") == "platform.report")
    check(report["record"]["status"] == "success" and report["record"]["metrics"]["billedDurationMs"] >= 1,
          "the report's figures")

    lam.update_function_configuration(FunctionName="logs-py",
                                       LoggingConfig={"ApplicationLogLevel": "DEBUG", "SystemLogLevel": "WARN"})
    conf = lam.get_function_configuration(FunctionName="logs-py")["LoggingConfig"]
    check(conf["LogFormat"] == "JSON" and conf["ApplicationLogLevel"] == "DEBUG", "levels change, the format stays")
    lines = tail("logs-py")
    docs = records(lines)
    check([d["level"] for d in docs if d.get("logger") == "app"] == ["DEBUG", "INFO", "WARN"], "DEBUG kept now")
    check(any("self-made debug" in line for line in lines), "and the self-made debug line")
    check(not any("type" in d for d in docs), f"SystemLogLevel WARN drops start and report ({lines})")

    fails("InvalidParameterValueException", "levels with Text", lam.update_function_configuration,
          FunctionName="logs-py", LoggingConfig={"LogFormat": "Text", "ApplicationLogLevel": "INFO"})
    fails("ValidationException", "an unknown level", lam.update_function_configuration,
          FunctionName="logs-py", LoggingConfig={"ApplicationLogLevel": "LOUD"})
    fails("ValidationException", "SystemLogLevel ERROR", lam.update_function_configuration,
          FunctionName="logs-py", LoggingConfig={"SystemLogLevel": "ERROR"})
    err = fails("InvalidParameterValueException", "another log group", lam.update_function_configuration,
                FunctionName="logs-py", LoggingConfig={"LogGroup": "/custom/group"})
    check("LogGroup" in str(err), "the refusal names LogGroup")
    r = lam.update_function_configuration(FunctionName="logs-py", LoggingConfig={"LogFormat": "Text"})
    check(r["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/logs-py"}, "back to Text drops levels")
    lines = tail("logs-py")
    check(any(line.startswith("START RequestId:") for line in lines), "text lines again")
    lam.delete_function(FunctionName="logs-py")

    lam.create_function(FunctionName="logs-node", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": zipped({"index.js": NODE})},
                        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN"})
    docs = records(tail("logs-node"))
    app = [d for d in docs if "level" in d]
    check([d["level"] for d in app] == ["WARN", "ERROR"], f"console below WARN dropped ({app})")
    check(app[0]["message"] == "node warn 42", "console arguments formatted")
    check(app[1]["errorType"] == "Error" and app[1]["errorMessage"] == "node error", "an Error's fields")
    check(all(d.get("requestId") for d in app), "with the request id")
    lam.delete_function(FunctionName="logs-node")


def recursion_config():
    lam.create_function(FunctionName="loop-setting", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": zipped({"app.py": PY})})
    check(lam.get_function_recursion_config(FunctionName="loop-setting")["RecursiveLoop"] == "Terminate",
          "Terminate by default")
    r = lam.put_function_recursion_config(FunctionName="loop-setting", RecursiveLoop="Allow")
    check(r["RecursiveLoop"] == "Allow", "Allow set")
    check(lam.get_function_recursion_config(FunctionName="loop-setting")["RecursiveLoop"] == "Allow", "Allow kept")
    got = cli("put-function-recursion-config", "--function-name", "loop-setting", "--recursive-loop", "Terminate")
    check(got["RecursiveLoop"] == "Terminate", "the aws CLI sets Terminate")
    fails("ValidationException", "a value that is neither", lam.put_function_recursion_config,
          FunctionName="loop-setting", RecursiveLoop="Sometimes")
    fails("ResourceNotFoundException", "a missing function", lam.get_function_recursion_config,
          FunctionName="no-such-function")
    lam.delete_function(FunctionName="loop-setting")


def runtime_management():
    lam.create_function(FunctionName="runtime-held", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": zipped({"app.py": PY})})
    got = lam.get_runtime_management_config(FunctionName="runtime-held")
    check(got["UpdateRuntimeOn"] == "Auto" and got.get("RuntimeVersionArn") is None, f"Auto by default ({got})")
    arn = lam.get_function_configuration(FunctionName="runtime-held")["RuntimeVersionConfig"]["RuntimeVersionArn"]
    check(arn.startswith("arn:aws:lambda:us-east-1::runtime:"), f"the runtime version's ARN ({arn})")
    fails("InvalidParameterValueException", "Manual without an ARN", lam.put_runtime_management_config,
          FunctionName="runtime-held", UpdateRuntimeOn="Manual")
    err = fails("InvalidParameterValueException", "Manual with a version not installed",
                lam.put_runtime_management_config, FunctionName="runtime-held", UpdateRuntimeOn="Manual",
                RuntimeVersionArn="arn:aws:lambda:us-east-1::runtime:" + "0" * 64)
    check("not installed" in str(err), "the refusal says why")
    fails("InvalidParameterValueException", "an ARN with Auto", lam.put_runtime_management_config,
          FunctionName="runtime-held", UpdateRuntimeOn="Auto", RuntimeVersionArn=arn)
    r = lam.put_runtime_management_config(FunctionName="runtime-held", UpdateRuntimeOn="Manual", RuntimeVersionArn=arn)
    check(r["UpdateRuntimeOn"] == "Manual" and r["RuntimeVersionArn"] == arn, "held to the installed version")
    check(r["FunctionArn"].endswith(":function:runtime-held"), "the function's ARN")
    check(lam.get_runtime_management_config(FunctionName="runtime-held")["RuntimeVersionArn"] == arn, "read back")
    check(tail("runtime-held"), "a held function runs on its version")
    r = lam.put_runtime_management_config(FunctionName="runtime-held", UpdateRuntimeOn="FunctionUpdate")
    check(r["UpdateRuntimeOn"] == "FunctionUpdate" and r.get("RuntimeVersionArn") is None, "FunctionUpdate")
    check(tail("runtime-held"), "and runs")
    fails("ValidationException", "an unknown mode", lam.put_runtime_management_config,
          FunctionName="runtime-held", UpdateRuntimeOn="Sometimes")
    lam.delete_function(FunctionName="runtime-held")


def unserved():
    for op, kwargs, why in [
        ("list_code_signing_configs", {}, "signatures"),
        ("put_function_code_signing_config", {"FunctionName": "f", "CodeSigningConfigArn":
         "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0"}, "signatures"),
        ("list_capacity_providers", {}, "Managed Instances"),
        ("list_durable_executions_by_function", {"FunctionName": "f"}, "durable"),
    ]:
        err = fails("UnknownOperationException", f"{op} refused", getattr(lam, op), **kwargs)
        message = str(err)
        name = "".join(part.title() for part in op.split("_"))
        check(f"{name} is not served by Squall" in message and why in message, f"with its name and reason ({message})")


unserved()
account_settings()
logging_config()
recursion_config()
runtime_management()
print("all Lambda settings checks passed")
