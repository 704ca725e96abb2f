"""The SNS fan-outs of the corpus (tests/corpus: order-events, alerts-fanout,
node-notifier), at stage dev: messages published over HTTP (through a function) or with
boto3 reach exactly the subscribers whose filter policies match, in Lambda's SNS event,
SNS's envelope or raw, and asynchronous invocation destinations record the outcomes.

Usage: corpus_fanout.py HTTP_BASE. Exits non-zero with the failing check on the first
failure; every wait is bounded."""
import json
import sys
import time

import boto3
from corpus_common import check, drain, post

BASE = sys.argv[1].rstrip("/")
sns = boto3.client("sns")
sqs = boto3.client("sqs")
dynamodb = boto3.resource("dynamodb")


def queue(name):
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


def topic(name):
    return next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(f":{name}"))


# --- order-events: attribute and body filter policies -----------------------------------
topic_arn = topic("order-events-dev-events")
check(sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["DisplayName"] == "Order events", "orders: DisplayName")
status, body = post(f"{BASE}/order-events/dev/orders/o1/events", {"kind": "refunded"})
check(status == 400, "orders: an unknown kind is refused before publishing")
published = {}
for oid, kind, amount, country in [("o1", "placed", 50, "GB"), ("o2", "placed", 2500, "FR"), ("o1", "shipped", 50, "GB"),
                                   ("o3", "cancelled", 1000, "XX"), ("o4", "paid", 10, "DE")]:
    status, body = post(f"{BASE}/order-events/dev/orders/{oid}/events", {"kind": kind, "amount": amount, "country": country})
    check(status == 202 and body["messageId"], f"orders: publish {oid} {kind}")
    published[(oid, kind)] = body["messageId"]
seen = dynamodb.Table("order-events-dev-SeenTable")
expected = sorted(["billing#o1#placed", "billing#o2#placed", "billing#o3#cancelled", "fraud#o2#placed", "fraud#o3#cancelled"])
deadline = time.time() + 20
while time.time() < deadline and sorted(i["pk"] for i in seen.scan()["Items"]) != expected:
    time.sleep(0.25)
got = sorted(i["pk"] for i in seen.scan()["Items"])
check(got == expected, f"orders: each function got exactly the events its filter policy matches ({got})")
time.sleep(1)
check(len(seen.scan()["Items"]) == 5, "orders: and nothing more arrives")
rec = seen.get_item(Key={"pk": "billing#o1#placed"})["Item"]
check(rec["type"] == "Notification" and rec["topic"] == topic_arn and rec["subject"] == "order o1 placed"
      and rec["messageId"] == published[("o1", "placed")], "orders: Lambda's SNS record: Type, TopicArn, Subject, MessageId")
check(rec["attributes"] == {"eventType": {"Type": "String", "Value": "order.placed"}, "amount": {"Type": "Number", "Value": "50"}},
      "orders: MessageAttributes as {Type, Value}")
check(rec["eventSource"] == "aws:sns" and rec["eventVersion"] == "1.0" and rec["subscription"].startswith(topic_arn + ":"),
      "orders: EventSource, EventVersion and EventSubscriptionArn")
check(rec["recordKeys"] == ["EventSource", "EventSubscriptionArn", "EventVersion", "Sns"], f"orders: record keys ({rec['recordKeys']})")
check(set(rec["snsKeys"]) >= {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                              "Signature", "SigningCertUrl", "UnsubscribeUrl", "MessageAttributes"},
      f"orders: the Sns object has SNS's fields ({rec['snsKeys']})")
check(rec["timestamp"].endswith("Z") and "T" in rec["timestamp"], "orders: an ISO 8601 Timestamp")
analytics = drain(sqs, queue("order-events-dev-AnalyticsQueue"), 4)
kinds = sorted(json.loads(json.loads(m["Body"])["Message"])["kind"] for m in analytics)
check(kinds == ["paid", "placed", "placed", "shipped"], f"orders: the body filter dropped the XX order ({kinds})")
envelope = json.loads(analytics[0]["Body"])
check(envelope["Type"] == "Notification" and envelope["TopicArn"] == topic_arn
      and envelope["MessageAttributes"]["eventType"]["Type"] == "String", "orders: the queue gets SNS's envelope")

# --- alerts-fanout: MessageStructure json, raw delivery, PublishBatch ---------------------
alerts = topic("alerts-dev")
attrs = sns.get_topic_attributes(TopicArn=alerts)["Attributes"]
check(attrs["DisplayName"] == "Alerts", "alerts: the sns event created the topic with its displayName")
sns.publish(TopicArn=alerts, MessageStructure="json", Subject="disk full",
            Message=json.dumps({"default": "disk full on db-1",
                                "lambda": json.dumps({"id": "a1", "text": "disk full on db-1 (97%)"}),
                                "sqs": "DISK FULL db-1"}),
            MessageAttributes={"severity": {"DataType": "String", "StringValue": "CRITICAL"}})
out = sns.publish_batch(TopicArn=alerts, PublishBatchRequestEntries=[
    {"Id": "w", "Message": json.dumps({"id": "a2", "text": "latency high"}),
     "MessageAttributes": {"severity": {"DataType": "String", "StringValue": "WARNING"}}},
    {"Id": "i", "Message": json.dumps({"id": "a3", "text": "deploy finished"})},
])
check(len(out["Successful"]) == 2 and not out["Failed"], "alerts: PublishBatch")
oncall = drain(sqs, queue("alerts-fanout-dev-oncall"), 3)
bodies = sorted(m["Body"] for m in oncall)
check(bodies == sorted(["DISK FULL db-1", json.dumps({"id": "a2", "text": "latency high"}),
                        json.dumps({"id": "a3", "text": "deploy finished"})]),
      f"alerts: raw delivery puts the sqs text of a json-structured message, and the others as published ({bodies})")
crit = next(m for m in oncall if m["Body"] == "DISK FULL db-1")
check(crit["MessageAttributes"]["severity"]["StringValue"] == "CRITICAL", "alerts: raw delivery keeps message attributes")
pages = dynamodb.Table("alerts-fanout-dev-pages")
deadline = time.time() + 20
while time.time() < deadline and len(pages.scan()["Items"]) < 3:
    time.sleep(0.25)
by_id = {i["alertId"]: i for i in pages.scan()["Items"]}
check(sorted(by_id) == ["a1", "a2", "a3"], f"alerts: the pager got all three ({sorted(by_id)})")
check(by_id["a1"]["text"] == "disk full on db-1 (97%)" and by_id["a1"]["page"] is True and by_id["a1"]["subject"] == "disk full",
      "alerts: the function got the lambda text of the json-structured message, with its Subject")
check(by_id["a2"]["severity"] == "WARNING" and by_id["a2"]["page"] is False and by_id["a3"]["severity"] == "INFO",
      "alerts: batch entries with and without attributes")

# --- node-notifier: destinations of an SNS-invoked Node.js function ---------------------
users = topic("node-notifier-dev-user-events")
sns.publish(TopicArn=users, Message=json.dumps({"type": "signup", "name": "Ada", "email": "ada@example.com"}))
sns.publish(TopicArn=users, Message=json.dumps({"type": "login", "name": "Ada", "email": "ada@example.com"}))
sns.publish(TopicArn=users, Message=json.dumps({"type": "signup", "name": "Bob", "email": "bob-at-nowhere"}))
ok = drain(sqs, queue("node-notifier-dev-SentQueue"), 1)
failed = drain(sqs, queue("node-notifier-dev-FailedQueue"), 1)
check(len(ok) == 1 and len(failed) == 1, f"node-notifier: one success and one failure record ({len(ok)}, {len(failed)})")
success = json.loads(ok[0]["Body"])
check(success["requestContext"]["condition"] == "Success" and success["requestContext"]["approximateInvokeCount"] == 1
      and success["requestContext"]["functionArn"].endswith(":function:node-notifier-dev-welcome:$LATEST"),
      f"node-notifier: the onSuccess record's requestContext ({success['requestContext']})")
check(success["responsePayload"] == {"sent": [{"to": "ada@example.com", "subject": "Welcome, Ada!",
                                               "topic": "node-notifier-dev-user-events"}]},
      "node-notifier: the function's answer is the record's responsePayload")
check(success["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"} and success["version"] == "1.0",
      f"node-notifier: responseContext and version ({success['responseContext']})")
check(json.loads(success["requestPayload"]["Records"][0]["Sns"]["Message"])["name"] == "Ada",
      "node-notifier: the SNS event is the record's requestPayload")
failure = json.loads(failed[0]["Body"])
check(failure["requestContext"]["condition"] == "RetriesExhausted" and failure["requestContext"]["approximateInvokeCount"] == 1,
      f"node-notifier: maximumRetryAttempts 0 gives up after one attempt ({failure['requestContext']})")
check(failure["responseContext"]["functionError"] == "Unhandled"
      and failure["responsePayload"]["errorMessage"] == "cannot welcome Bob: no valid email"
      and failure["responsePayload"]["errorType"] == "Error", f"node-notifier: the error is the payload ({failure['responsePayload']})")
time.sleep(1)
check(not drain(sqs, queue("node-notifier-dev-SentQueue"), 1, seconds=1), "node-notifier: the login event was filtered out")

print("all corpus fan-out checks passed")
