"""The queue workers of the corpus (tests/corpus: email-queue, order-pipeline,
node-queue-worker, webhook-dispatcher), deployed at stage dev: messages go in through
HTTP or boto3, and the checks read what the workers left behind (tables, queues, a
webhook receiver run by this script, and the function's log for the Node.js worker),
with bounded waits.

Usage: corpus_workers.py HTTP_BASE SQUALL_BIN, where SQUALL_BIN is the squall binary
(for `squall logs`). Exits non-zero with the failing check on the first failure."""
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import threading
import time

import boto3
from corpus_common import check, post, wait_for

BASE, SQUALL = sys.argv[1].rstrip("/"), sys.argv[2]
sqs = boto3.client("sqs")
dynamodb = boto3.resource("dynamodb")


def queue(name):
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


def receive_all(url, want, seconds=20):
    got = []
    deadline = time.time() + seconds
    while len(got) < want and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"], AttributeNames=["All"]).get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def counts(url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


# --- email-queue: HTTP → SQS → worker → DynamoDB, bounces to the dead-letter queue ------
outbox, outbox_dlq = queue("email-queue-dev-outbox"), queue("email-queue-dev-outbox-dlq")
attrs = sqs.get_queue_attributes(QueueUrl=outbox, AttributeNames=["All"])["Attributes"]
check(attrs["VisibilityTimeout"] == "3" and json.loads(attrs["RedrivePolicy"]) == {
    "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:email-queue-dev-outbox-dlq", "maxReceiveCount": 2},
      f"email: the outbox queue has its redrive policy ({attrs.get('RedrivePolicy')})")
status, body = post(f"{BASE}/email-queue/dev/emails", {"to": "nobody"})
check(status == 400 and body == {"message": "missing subject, text"}, "email: validation before queueing")
queued = {}
for i, to in enumerate(["ada@example.com", "grace@example.com", "bounce@bounce.example", "alan@example.com"]):
    status, body = post(f"{BASE}/email-queue/dev/emails", {"to": to, "subject": f"s{i}", "text": "hi",
                                                           "template": "welcome", "priority": i})
    check(status == 202 and len(body["queued"]) == 36, f"email: POST /emails queues mail to {to}")
    queued[to] = body["queued"]
sent = dynamodb.Table(f"email-queue-dev-SentTable")
good = [queued[t] for t in ["ada@example.com", "grace@example.com", "alan@example.com"]]
items = wait_for("email: the worker recorded the three deliverable mails",
                 lambda: (lambda got: got if len(got) == 3 else None)(
                     [sent.get_item(Key={"messageId": m}).get("Item") for m in good if
                      sent.get_item(Key={"messageId": m}).get("Item")]))
ada = next(i for i in items if i["to"] == "ada@example.com")
check(ada["template"] == "welcome" and ada["templateType"] == "String" and ada["priority"] == "0"
      and ada["priorityType"] == "Number", "email: messageAttributes carry stringValue and dataType")
seen = json.loads(ada["attributesSeen"])
check(seen["template"] == {"stringValue": "welcome", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
      f"email: a message attribute has Lambda's four fields ({seen['template']})")
check(ada["md5Ok"] is True and ada["source"] == "aws:sqs" and ada["region"] == "us-east-1"
      and ada["sourceArn"] == "arn:aws:sqs:us-east-1:000000000000:email-queue-dev-outbox",
      "email: md5OfBody, eventSource, eventSourceARN and awsRegion")
check(ada["recordKeys"] == sorted(["messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                                   "md5OfBody", "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion"]),
      f"email: a record has exactly Lambda's keys ({ada['recordKeys']})")
check(all(i["receiveCount"] == "1" for i in items) and int(ada["sentTimestamp"]) > 1_600_000_000_000,
      "email: delivered on the first receive, SentTimestamp in milliseconds")
dead = receive_all(outbox_dlq, 1, seconds=20)
check([json.loads(m["Body"])["to"] for m in dead] == ["bounce@bounce.example"],
      "email: the bouncing mail is in the dead-letter queue after maxReceiveCount receives")
check(dead[0]["MessageId"] == queued["bounce@bounce.example"]
      and dead[0]["MessageAttributes"]["template"]["StringValue"] == "welcome", "email: it keeps its id and attributes")
check(counts(outbox) == (0, 0), "email: the outbox is empty")

# --- order-pipeline: intake → validate → fulfil → ship ----------------------------------
intake, rejected = queue("order-pipeline-dev-intake"), queue("order-pipeline-dev-rejected")
check(sqs.list_queue_tags(QueueUrl=queue("order-pipeline-dev-fulfil"))["Tags"] == {"stage": "dev"},
      "pipeline: queue Tags from serverless.yml")
orders = [{"orderId": f"o{i:02}", "lines": [{"sku": "widget", "qty": i + 1}] + ([{"sku": "gadget", "qty": 1}] if i % 2 else []),
           "express": i % 3 == 0} for i in range(12)]
orders.append({"orderId": "bad1", "lines": [{"sku": "unobtainium", "qty": 1}]})
orders.append({"orderId": "bad2", "lines": []})
for i in range(0, len(orders), 10):
    out = sqs.send_message_batch(QueueUrl=intake, Entries=[{"Id": o["orderId"], "MessageBody": json.dumps(o)}
                                                           for o in orders[i:i + 10]])
    check(len(out["Successful"]) == len(orders[i:i + 10]), "pipeline: orders sent in batches")
ship = dynamodb.Table("order-pipeline-dev-shipments")
rows = wait_for("pipeline: all twelve good orders were shipped",
                lambda: (lambda items: items if len(items) == 12 else None)(ship.scan()["Items"]), seconds=30)
by_id = {r["orderId"]: r for r in rows}
check(by_id["o00"]["total"] == "2.50" and by_id["o01"]["total"] == "15.00" and by_id["o11"]["total"] == "40.00",
      f"pipeline: validate priced the orders ({by_id['o01']})")
check(by_id["o00"]["carrier"] == "express" and by_id["o01"]["carrier"] == "ground",
      "pipeline: the message attribute set by validate reached ship")
check(all(1 <= r["batch"] <= 10 for r in rows), "pipeline: ship never got more than batchSize records")
bad = receive_all(rejected, 2)
check(sorted(json.loads(m["Body"])["order"]["orderId"] for m in bad) == ["bad1", "bad2"]
      and next(json.loads(m["Body"]) for m in bad if "bad1" in m["Body"])["unknown"] == ["unobtainium"],
      "pipeline: rejected orders went to their queue")
time.sleep(0.5)
check(counts(intake) == (0, 0) and counts(queue("order-pipeline-dev-fulfil")) == (0, 0),
      "pipeline: both work queues are drained (a handler returning None succeeded)")

# --- node-queue-worker: a Node.js consumer with ReportBatchItemFailures -------------------
jobs = queue("node-queue-worker-dev-JobsQueue")
jobs_dlq = queue("node-queue-worker-dev-JobsDeadLetters")
batch = [{"key": "cats/a.png", "width": 64}, {"key": "cats/b.jpg", "width": 128}, {"key": "notes.txt", "width": 64},
         {"key": "dogs/c.jpeg", "width": 999}, {"key": "dogs/d.png", "width": 512}]
out = sqs.send_message_batch(QueueUrl=jobs, Entries=[{"Id": str(i), "MessageBody": json.dumps(j)} for i, j in enumerate(batch)])
ids = {e["Id"]: e["MessageId"] for e in out["Successful"]}
sqs.send_message(QueueUrl=jobs, MessageBody="{not json")
dead = receive_all(jobs_dlq, 3, seconds=25)
bodies = sorted(m["Body"] for m in dead)
check(bodies == sorted([json.dumps(batch[2]), json.dumps(batch[3]), "{not json"]),
      f"node-worker: the three bad jobs are dead-lettered after two receives ({bodies})")
check(sorted(m["MessageId"] for m in dead if m["Body"] != "{not json") == sorted([ids["2"], ids["3"]]),
      "node-worker: with their own message ids")
check(counts(jobs) == (0, 0), "node-worker: the good jobs were deleted")
env = dict(os.environ, SQUALL_ENDPOINT=os.environ["AWS_ENDPOINT_URL"],
           SQUALL_DATA_DIR=os.path.dirname(os.environ["AWS_SHARED_CREDENTIALS_FILE"]))
logs = subprocess.run([SQUALL, "logs", "node-queue-worker-dev-resize", "--tail", "1000"], env=env,
                      capture_output=True, text=True, timeout=30).stdout
done = [json.loads(line[line.index("{"):]) for line in logs.splitlines() if '{"done"' in line]
check(sorted(d["done"] for d in done) == ["cats/a.png", "cats/b.jpg", "dogs/d.png"],
      f"node-worker: each good job was done exactly once ({done})")
check(all(d["receive"] == 1 and d["queue"] == "node-queue-worker-dev-JobsQueue"
          and d["fn"] == "node-queue-worker-dev-resize" for d in done), "node-worker: record and context fields")
check(sum("failed: not an image: notes.txt" in line for line in logs.splitlines()) == 2,
      "node-worker: console.error lines are in the log, one per receive")

# --- webhook-dispatcher: retries through the visibility timeout ---------------------------
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((self.path, dict(self.headers), body))
        attempt = int(self.headers["Webhook-Attempt"])
        # /flaky fails its first attempt, /down always fails.
        code = 500 if self.path == "/down" or (self.path == "/flaky" and attempt == 1) else 204
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
target = f"http://127.0.0.1:{server.server_address[1]}"
deliveries = queue("webhook-dispatcher-dev-deliveries")
for did, path in [("d-ok", "/ok"), ("d-flaky", "/flaky"), ("d-down", "/down")]:
    sqs.send_message(QueueUrl=deliveries, MessageBody=json.dumps({"id": did, "url": target + path,
                                                                  "payload": {"event": "invoice.paid", "id": did}}))
attempts = dynamodb.Table("webhook-dispatcher-dev-AttemptsTable")


def history(did):
    return [(int(i["attempt"]), int(i["status"])) for i in
            attempts.query(KeyConditionExpression="deliveryId = :d", ExpressionAttributeValues={":d": did})["Items"]]


dead = receive_all(queue("webhook-dispatcher-dev-deliveries-dlq"), 1, seconds=30)
check([json.loads(m["Body"])["id"] for m in dead] == ["d-down"], "webhook: the endpoint that stays down is dead-lettered")
check(history("d-ok") == [(1, 204)], "webhook: a healthy endpoint gets one attempt")
check(history("d-flaky") == [(1, 500), (2, 204)], f"webhook: a failed attempt is retried after the visibility timeout ({history('d-flaky')})")
check(history("d-down") == [(1, 500), (2, 500), (3, 500)], f"webhook: maxReceiveCount attempts ({history('d-down')})")
path, headers, body = next(r for r in received if r[0] == "/ok")
expected = hmac.new(b"whsec-dev-not-secret", headers["Webhook-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
check(headers["Webhook-Signature"] == f"v1={expected}", "webhook: signed with the secret from params.default")
check(json.loads(body) == {"event": "invoice.paid", "id": "d-ok"}, "webhook: the payload")
server.shutdown()

print("all corpus worker checks passed")
