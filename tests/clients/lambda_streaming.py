"""Lambda response streaming through boto3 and plain HTTP against a running Squall.

A Node.js handler wrapped in `awslambda.streamifyResponse` writes a first chunk, then waits
until this script has received that chunk and dropped an object in S3 before it writes the
rest: the first bytes must reach the caller while the function runs (no timing assumed).
Covers InvokeWithResponseStream (PayloadChunk events, then InvokeComplete; the executed
version; LogType Tail's LogResult; an error after the stream began as InvokeComplete's
ErrorCode and ErrorDetails; a function that does not stream answering in one chunk; DryRun),
Invoke of a streaming function (the whole stream, buffered; a mid-stream error as
FunctionError), and a function URL with InvokeMode RESPONSE_STREAM whose handler writes
`awslambda.HttpResponseStream.from`'s prelude (status, headers, cookies, then the body).

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure.
"""

import base64
import io
import json
import sys
import urllib.request
import zipfile

import boto3
from botocore.exceptions import ClientError

lam = boto3.client("lambda")
s3 = boto3.client("s3")
iam = boto3.client("iam")


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


iam.create_role(RoleName="streamer", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}))
iam.put_role_policy(RoleName="streamer", PolicyName="signals", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}],
}))
ROLE = "arn:aws:iam::000000000000:role/streamer"
s3.create_bucket(Bucket="signals")

STREAMER = r"""
const { S3Client, HeadObjectCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({ forcePathStyle: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function released(key) {
  for (let i = 0; i < 200; i++) {
    try { await s3.send(new HeadObjectCommand({ Bucket: "signals", Key: key })); return true; } catch (e) { await sleep(50); }
  }
  return false;
}
exports.handler = awslambda.streamifyResponse(async (event, stream, context) => {
  stream.setContentType("text/plain");
  stream.write("first\n");
  if (event.wait) stream.write(await released(event.wait) ? "released\n" : "gave up\n");
  stream.write("last\n");
  if (event.fail) throw new Error("failed mid-stream");
  stream.end();
});
"""
WEB = r"""
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream = awslambda.HttpResponseStream.from(stream, {
    statusCode: 201, headers: { "content-type": "text/html", "x-streamed": "yes" }, cookies: ["s=1"] });
  stream.write("<p>" + event.rawPath + "</p>");
  stream.end();
});
"""
lam.create_function(FunctionName="streamer", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                    Code={"ZipFile": zipped({"index.js": STREAMER})}, Timeout=30)


def stream(payload, **kwargs):
    """The chunks and the InvokeComplete event of a streamed invocation, and the response."""
    r = lam.invoke_with_response_stream(FunctionName="streamer", Payload=json.dumps(payload).encode(), **kwargs)
    chunks, complete = [], None
    for ev in r["EventStream"]:
        if "PayloadChunk" in ev:
            chunks.append(ev["PayloadChunk"]["Payload"])
        if "InvokeComplete" in ev:
            complete = ev["InvokeComplete"]
    return chunks, complete, r


# The first chunk arrives while the function waits for this script to see it.
r = lam.invoke_with_response_stream(FunctionName="streamer", Payload=json.dumps({"wait": "go-1"}).encode())
check(r["ResponseMetadata"]["HTTPStatusCode"] == 200 and r["ExecutedVersion"] == "$LATEST",
      "InvokeWithResponseStream answers 200 with the executed version")
check(r["ResponseStreamContentType"] == "text/plain", "and the stream's content type")
events = iter(r["EventStream"])
first = next(events)
check(first.get("PayloadChunk", {}).get("Payload") == b"first\n", "the first chunk arrives before the function finishes")
s3.put_object(Bucket="signals", Key="go-1", Body=b"")
rest, complete = [], None
for ev in events:
    if "PayloadChunk" in ev:
        rest.append(ev["PayloadChunk"]["Payload"])
    if "InvokeComplete" in ev:
        complete = ev["InvokeComplete"]
check(b"".join(rest) == b"released\nlast\n", f"the rest follows once the function goes on ({rest})")
check(complete is not None and not complete.get("ErrorCode"), f"then InvokeComplete without an error ({complete})")

chunks, complete, _ = stream({"fail": True})
check(b"".join(chunks) == b"first\nlast\n", f"a stream that fails keeps what it sent ({chunks}, {complete})")
check(complete.get("ErrorCode") == "Unhandled" and "failed mid-stream" in complete.get("ErrorDetails", ""),
      f"its InvokeComplete carries the error ({complete})")

chunks, complete, _ = stream({}, LogType="Tail")
log = base64.b64decode(complete.get("LogResult", "")).decode()
check("START RequestId" in log, f"LogType Tail gives InvokeComplete a LogResult ({log[:80]!r})")

dry = lam.invoke_with_response_stream(FunctionName="streamer", InvocationType="DryRun", Payload=b"{}")
check(dry["ResponseMetadata"]["HTTPStatusCode"] == 204, "DryRun answers 204")

buffered = lam.invoke(FunctionName="streamer", Payload=b"{}")
check(buffered["Payload"].read() == b"first\nlast\n" and "FunctionError" not in buffered,
      "Invoke of a streaming function answers the whole stream")
failed = lam.invoke(FunctionName="streamer", Payload=json.dumps({"fail": True}).encode())
check(failed.get("FunctionError") == "Unhandled" and b"failed mid-stream" in failed["Payload"].read(),
      "and a mid-stream error as FunctionError")

lam.create_function(FunctionName="plain", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                    Code={"ZipFile": zipped({"app.py": "def handler(e, c):\n    return {'n': 7}\n"})})
r = lam.invoke_with_response_stream(FunctionName="plain", Payload=b"{}")
evs = list(r["EventStream"])
check([json.loads(e["PayloadChunk"]["Payload"]) for e in evs if "PayloadChunk" in e] == [{"n": 7}],
      "a function that does not stream answers in one chunk")
check("InvokeComplete" in evs[-1], "then InvokeComplete")

try:
    lam.invoke_with_response_stream(FunctionName="nope", Payload=b"{}")
    check(False, "a missing function is refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "ResourceNotFoundException", "a missing function: ResourceNotFoundException")

# A function URL in RESPONSE_STREAM mode: the prelude makes the head.
lam.create_function(FunctionName="web", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                    Code={"ZipFile": zipped({"index.js": WEB})})
url = lam.create_function_url_config(FunctionName="web", AuthType="NONE", InvokeMode="RESPONSE_STREAM")
check(url["InvokeMode"] == "RESPONSE_STREAM", "CreateFunctionUrlConfig keeps InvokeMode RESPONSE_STREAM")
check(lam.get_function_url_config(FunctionName="web")["InvokeMode"] == "RESPONSE_STREAM", "GetFunctionUrlConfig shows it")
lam.add_permission(FunctionName="web", StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                   FunctionUrlAuthType="NONE")
with urllib.request.urlopen(url["FunctionUrl"] + "page", timeout=30) as resp:
    body = resp.read().decode()
    check(resp.status == 201, f"the prelude's status ({resp.status})")
    check(resp.headers["x-streamed"] == "yes" and resp.headers["content-type"] == "text/html", "and headers")
    check(resp.headers["set-cookie"] == "s=1", "and cookies")
    check(body == "<p>/page</p>", f"and the body after it ({body!r})")
updated = lam.update_function_url_config(FunctionName="web", InvokeMode="BUFFERED")
check(updated["InvokeMode"] == "BUFFERED", "UpdateFunctionUrlConfig changes InvokeMode")

print("all Lambda response streaming checks passed")
