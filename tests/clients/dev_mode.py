"""`squall server --dev` against a running Squall, as a test suite written for moto uses it: an
unsigned POST /moto-api/reset (and the signed POST /squall/v1/reset behind `squall reset`)
empties the platform; POST /squall/v1/clock moves the platform clock forward, so a visibility
timeout, a TTL and a message retention period end without waiting. With the argument `plain`,
checks that a server without --dev refuses all three.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure. Every wait is bounded."""
import json
import os
import sys
import time
import urllib.error
import urllib.request

import boto3
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config

ENDPOINT = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
CREDS = botocore.session.get_session().get_credentials()
cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
ddb, sqs, sns, s3, lam = (boto3.client(s, config=cfg) for s in ["dynamodb", "sqs", "sns", "s3", "lambda"])


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def post(path, doc=None, signed=True):
    body = json.dumps(doc).encode() if doc is not None else b""
    req = AWSRequest(method="POST", url=ENDPOINT + path, data=body, headers={"Content-Type": "application/json"})
    if signed:
        SigV4Auth(CREDS, "squall", "us-east-1").add_auth(req)
    p = req.prepare()
    r = urllib.request.Request(p.url, data=body, method="POST", headers=dict(p.headers))
    try:
        with urllib.request.urlopen(r, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def advance(seconds):
    status, doc = post("/squall/v1/clock", {"advanceSeconds": seconds})
    check(status == 200 and doc.get("nowMs"), f"the clock moves {seconds} s forward ({status} {doc})")


if sys.argv[1:] == ["plain"]:
    for path, signed in [("/squall/v1/reset", True), ("/moto-api/reset", False), ("/squall/v1/clock", True)]:
        status, doc = post(path, {"advanceSeconds": 1}, signed)
        check(status == 403 and "--dev" in doc.get("message", ""), f"without --dev, POST {path} is refused ({status} {doc})")
    print("all dev mode checks passed")
    sys.exit(0)


def populate():
    ddb.create_table(TableName="tbl", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="tbl", Item={"pk": {"S": "a"}})
    q = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=q, MessageBody="m")
    topic = sns.create_topic(Name="n")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q")
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="k", Body=b"x" * 100_000)
    s3.create_multipart_upload(Bucket="bkt", Key="half")


def empty(what):
    check(lam.list_functions()["Functions"] == [], f"{what}: no functions")
    check(ddb.list_tables()["TableNames"] == [], f"{what}: no tables")
    check(sqs.list_queues().get("QueueUrls", []) == [], f"{what}: no queues")
    check(sns.list_topics()["Topics"] == [] and sns.list_subscriptions()["Subscriptions"] == [], f"{what}: no topics or subscriptions")
    check(s3.list_buckets()["Buckets"] == [], f"{what}: no buckets")


check(len(lam.list_functions()["Functions"]) == 1, "the deployed function is there before the reset")
populate()
status, doc = post("/moto-api/reset", signed=False)
check(status == 200, f"moto's unsigned reset is served under --dev from loopback ({status} {doc})")
empty("after POST /moto-api/reset")
populate()
status, doc = post("/squall/v1/reset")
check(status == 200, f"the signed reset is served ({status} {doc})")
empty("after POST /squall/v1/reset")

# The clock: a visibility timeout of an hour ends when the clock passes it.
q = sqs.create_queue(QueueName="clocked", Attributes={"VisibilityTimeout": "3600"})["QueueUrl"]
sqs.send_message(QueueUrl=q, MessageBody="later")
got = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1)["Messages"]
check(sqs.receive_message(QueueUrl=q, WaitTimeSeconds=0).get("Messages") is None, "a received message is invisible")
advance(3601)
again = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1, AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
check([(m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in again] == [("later", "2")],
      f"after the clock passes its visibility timeout it is received again ({again})")

# A TTL an hour ahead expires once the clock passes it (the sweeper looks every 2 s).
ddb.create_table(TableName="ttl", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
now_s = post("/squall/v1/clock", {"advanceSeconds": 0})[1]["nowMs"] // 1000
ddb.put_item(TableName="ttl", Item={"pk": {"S": "gone"}, "exp": {"N": str(now_s + 3600)}})
ddb.put_item(TableName="ttl", Item={"pk": {"S": "kept"}, "exp": {"N": str(now_s + 7 * 86400)}})
advance(3700)
deadline = time.time() + 15
while time.time() < deadline and "Item" in ddb.get_item(TableName="ttl", Key={"pk": {"S": "gone"}}):
    time.sleep(0.2)
check("Item" not in ddb.get_item(TableName="ttl", Key={"pk": {"S": "gone"}}), "an item whose TTL the clock passed is deleted")
check("Item" in ddb.get_item(TableName="ttl", Key={"pk": {"S": "kept"}}), "an item whose TTL is still ahead is kept")

status, doc = post("/squall/v1/clock", {"advanceSeconds": -5})
check(status == 400, f"the clock does not go back ({status} {doc})")
print("all dev mode checks passed")
