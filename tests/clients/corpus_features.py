"""The feature showcases of the corpus (tests/corpus: intrinsics-showcase, cors-api), at
stage dev: CloudFormation intrinsics resolved into functions' environments, conditional
resources, per-function IAM roles (recorded), a destination naming a function of the
service, and the CORS answers of a REST API for each `cors` form.

Usage: corpus_features.py HTTP_BASE. Exits non-zero with the failing check on the first
failure."""
import json
import sys
import time
import urllib.error
import urllib.request

import boto3
from corpus_common import check

BASE = sys.argv[1].rstrip("/")
lam = boto3.client("lambda")
sqs = boto3.client("sqs")
sns = boto3.client("sns")
s3 = boto3.client("s3")
dynamodb = boto3.resource("dynamodb")


def call(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


# --- intrinsics-showcase -------------------------------------------------------------------
status, _, body = call("GET", f"{BASE}/intrinsics-showcase/dev/describe")
env = json.loads(body)
api = "000000000000"
check(env["STACK"] == "intrinsics-showcase-dev", "intrinsics: AWS::StackName is <service>-<stage>")
check(env["TABLE_NAME"] == "intrinsics-showcase-dev-LedgerTable"
      and env["TABLE_ARN"] == f"arn:aws:dynamodb:us-east-1:{api}:table/intrinsics-showcase-dev-LedgerTable"
      and env["TABLE_INDEXES"] == env["TABLE_ARN"] + "/index/*", f"intrinsics: a table's Ref, Arn and !Sub of it ({env})")
check(env["QUEUE_NAME"] == "intrinsics-showcase-dev-inbox" and env["QUEUE_ARN"] == f"arn:aws:sqs:us-east-1:{api}:intrinsics-showcase-dev-inbox"
      and env["QUEUE_URL"] == sqs.get_queue_url(QueueName="intrinsics-showcase-dev-inbox")["QueueUrl"],
      "intrinsics: a queue's Ref is its URL, with Arn and QueueName")
check(env["TOPIC_ARN"] == f"arn:aws:sns:us-east-1:{api}:intrinsics-showcase-dev-ReceiptsTopic"
      and env["TOPIC_NAME"] == "intrinsics-showcase-dev-ReceiptsTopic", "intrinsics: a topic's Ref is its ARN, with TopicName")
check(env["BUCKET"] == "intrinsics-showcase-dev-archivebucket" and env["BUCKET_OBJECTS"] == f"arn:aws:s3:::{env['BUCKET']}/*",
      "intrinsics: a bucket's Ref and Arn through !Join")
check(env["ACCOUNT_REGION"] == f"{api}:us-east-1:aws" and env["SECOND_ZONE"] == "b" and env["URL_SUFFIX"] == "amazonaws.com",
      "intrinsics: pseudo parameters, !Select of !Split")
check(env["MODE"] == "relaxed", "intrinsics: !If on a condition false at dev")
check(env["LITERAL"] == f"arn:aws:s3:::{env['BUCKET']}/${{not-a-reference}}", "intrinsics: !Sub with ${!Literal}")
check(env["AUDIT_FN"] == f"arn:aws:lambda:us-east-1:{api}:function:intrinsics-showcase-dev-audit",
      "intrinsics: <Key>LambdaFunction.Arn")
queues = [u.rsplit("/", 1)[1] for u in sqs.list_queues(QueueNamePrefix="intrinsics-showcase-dev-").get("QueueUrls", [])]
check("intrinsics-showcase-dev-DevScratchQueue" in queues and "intrinsics-showcase-dev-ProdOnlyQueue" not in queues,
      f"intrinsics: a resource whose Condition is false is not created ({queues})")
check(s3.head_bucket(Bucket=env["BUCKET"])["ResponseMetadata"]["HTTPStatusCode"] == 200, "intrinsics: the bucket exists")
roles = {f: lam.get_function_configuration(FunctionName=f"intrinsics-showcase-dev-{f}")["Role"] for f in ["describe", "record"]}
check(roles == {"describe": f"arn:aws:iam::{api}:role/intrinsics-showcase-dev-describe",
                "record": f"arn:aws:iam::{api}:role/intrinsics-showcase-dev-record-us-east-1-lambdaRole"},
      f"intrinsics: per-function roles named as serverless-iam-roles-per-function names them ({roles})")
# The destination: record → audit (a function key) → the topic, seen through a queue.
watch = sqs.create_queue(QueueName="corpus-features-receipts")["QueueUrl"]
watch_arn = sqs.get_queue_attributes(QueueUrl=watch, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=env["TOPIC_ARN"], Protocol="sqs", Endpoint=watch_arn, Attributes={"RawMessageDelivery": "true"})
out = lam.invoke(FunctionName="intrinsics-showcase-dev-record", InvocationType="Event",
                 Payload=json.dumps({"id": "tx-1", "amount": 42}).encode())
check(out["StatusCode"] == 202, "intrinsics: an asynchronous invoke is accepted")
got = []
deadline = time.time() + 20
while not got and time.time() < deadline:
    got = sqs.receive_message(QueueUrl=watch, WaitTimeSeconds=1).get("Messages", [])
check(got, "intrinsics: the onSuccess destination invoked audit, which published the receipt")
receipt = json.loads(got[0]["Body"])
check(receipt["condition"] == "Success" and receipt["function"].endswith(":function:intrinsics-showcase-dev-record:$LATEST")
      and receipt["response"]["recorded"] == "tx-1", f"intrinsics: the invocation record ({receipt})")
check(dynamodb.Table(env["TABLE_NAME"]).get_item(Key={"id": "tx-1"})["Item"]["amount"] == 42, "intrinsics: record wrote the table")
inbox = sqs.receive_message(QueueUrl=env["QUEUE_URL"], WaitTimeSeconds=1).get("Messages", [])
check(inbox and json.loads(inbox[0]["Body"]) == {"id": "tx-1", "amount": 42}, "intrinsics: and the queue from its URL")

# --- cors-api ------------------------------------------------------------------------------
cors = f"{BASE}/cors-api/dev"
status, h, _ = call("OPTIONS", f"{cors}/catalogue", headers={"Origin": "https://anywhere.example",
                                                             "Access-Control-Request-Method": "GET"})
check(status == 200 and h["Access-Control-Allow-Origin"] == "*" and h["Access-Control-Allow-Methods"] == "OPTIONS,GET",
      f"cors: cors: true preflight ({status} {dict(h)})")
check(set(h["Access-Control-Allow-Headers"].split(",")) == {"Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key",
                                                            "X-Amz-Security-Token", "X-Amz-User-Agent"},
      "cors: the framework's default allowed headers")
check(h.get("Access-Control-Allow-Credentials") is None, "cors: no credentials for cors: true")
status, h, body = call("GET", f"{cors}/catalogue", headers={"Origin": "https://anywhere.example"})
check(status == 200 and h["Access-Control-Allow-Origin"] == "*" and json.loads(body)[0]["sku"] == "tea",
      "cors: the function's own header on the response")
status, h, _ = call("OPTIONS", f"{cors}/basket", headers={"Origin": "https://admin.example.com",
                                                          "Access-Control-Request-Method": "POST",
                                                          "Access-Control-Request-Headers": "content-type,x-basket-id"})
check(status == 200 and h["Access-Control-Allow-Origin"] == "https://admin.example.com"
      and h["Access-Control-Allow-Credentials"] == "true" and h["Access-Control-Max-Age"] == "86400",
      f"cors: a listed origin is echoed with credentials and maxAge ({dict(h)})")
check(h["Access-Control-Allow-Methods"] == "OPTIONS,POST,DELETE" or h["Access-Control-Allow-Methods"] == "OPTIONS,DELETE,POST",
      f"cors: both methods of the resource are allowed ({h['Access-Control-Allow-Methods']})")
check(h["Access-Control-Allow-Headers"] == "Content-Type,Authorization,X-Basket-Id", "cors: the configured headers")
status, h, body = call("POST", f"{cors}/basket", json.dumps({"sku": "mug"}).encode(),
                       {"Origin": "https://shop.example.com", "X-Basket-Id": "b-9", "Content-Type": "application/json"})
check(status == 201 and json.loads(body) == {"basketId": "b-9", "added": "mug"}
      and h["Access-Control-Allow-Origin"] == "https://shop.example.com" and h["Vary"] == "Origin",
      "cors: the credentialed response names the origin")
status, h, body = call("POST", f"{cors}/basket", b"{}", {"Origin": "https://evil.example", "X-Basket-Id": "b-9"})
check(status == 201 and h.get("Access-Control-Allow-Origin") is None, "cors: the function gives an unlisted origin nothing")
status, h, _ = call("DELETE", f"{cors}/basket", headers={"Origin": "https://shop.example.com", "X-Basket-Id": "b-9"})
check(status == 204, "cors: DELETE")
status, h, _ = call("OPTIONS", f"{cors}/reports/q1", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"})
check(status == 200 and h["Access-Control-Allow-Origin"] == "*" and h["Cache-Control"] == "max-age=600, s-maxage=600",
      f"cors: origin '*' with cacheControl ({dict(h)})")
status, h, body = call("GET", f"{cors}/reports/q1")
check(status == 200 and body == b"report,q1\n" and h["Content-Type"] == "text/csv", "cors: the report")
status, _, body = call("OPTIONS", f"{cors}/nowhere", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"})
check(status == 403 and json.loads(body) == {"message": "Missing Authentication Token"}, "cors: no preflight for unknown paths")

print("all corpus feature checks passed")
