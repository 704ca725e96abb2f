"""Topic fan-out on a deployed service (tests/guests/lambda/topics, deployed by the test):
one Publish reaches a queue subscribed by the topic's own Subscription property (every
message, in the SNS envelope), a queue subscribed by an AWS::SNS::Subscription with a numeric
filter policy and raw delivery, and a function subscribed by its `sns` event with an
attribute filter policy. Then an HTTP endpoint run by this script subscribes, confirms through
the SubscribeURL it is sent (an unsigned GET, as on AWS), and receives a notification.
Exits non-zero on the first failed check; every wait is bounded."""
import http.server
import json
import sys
import threading
import time
import urllib.request

import boto3
from corpus_common import check

sns = boto3.client("sns")
sqs = boto3.client("sqs")


def drain(url, want, seconds=20):
    """Messages of queue `url` until `want` arrived or `seconds` passed (deleting them)."""
    got = []
    deadline = time.time() + seconds
    while len(got) < want and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"]).get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":topicsvc-orders"))
attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
check(attrs["DisplayName"] == "Orders", "deploy created the topic with its DisplayName")
subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
check(sorted(s["Protocol"] for s in subs) == ["lambda", "sqs", "sqs"], f"deploy wired three subscriptions ({subs})")
fn_sub = next(s for s in subs if s["Protocol"] == "lambda")
check(fn_sub["Endpoint"].endswith(":function:topicsvc-dev-notify"), "the function's subscription names its ARN")
check(json.loads(sns.get_subscription_attributes(SubscriptionArn=fn_sub["SubscriptionArn"])["Attributes"]["FilterPolicy"])
      == {"kind": ["big"]}, "the sns event's filterPolicy is on the subscription")

all_url = sqs.get_queue_url(QueueName="topicsvc-dev-AllOrders")["QueueUrl"]
big_url = sqs.get_queue_url(QueueName="topicsvc-dev-BigOrders")["QueueUrl"]
seen_url = sqs.get_queue_url(QueueName="topicsvc-dev-Seen")["QueueUrl"]

orders = [("small", 5), ("big", 250), ("big", 40), ("small", 100)]
ids = {}
for i, (kind, amount) in enumerate(orders):
    r = sns.publish(TopicArn=topic, Subject=f"order {i}", Message=json.dumps({"order": i}), MessageAttributes={
        "kind": {"DataType": "String", "StringValue": kind},
        "amount": {"DataType": "Number", "StringValue": str(amount)},
    })
    ids[r["MessageId"]] = i

everything = drain(all_url, 4)
envelopes = [json.loads(m["Body"]) for m in everything]
check(sorted(ids[e["MessageId"]] for e in envelopes) == [0, 1, 2, 3], "the unfiltered queue gets every message")
check(all(e["Type"] == "Notification" and e["TopicArn"] == topic and e["Subject"].startswith("order ")
          and e["MessageAttributes"]["kind"]["Type"] == "String" for e in envelopes),
      "the unfiltered queue gets SNS envelopes")

big = drain(big_url, 2)
check(sorted(json.loads(m["Body"])["order"] for m in big) == [1, 3],
      "the numeric filter (amount >= 100) passes exactly orders 1 and 3")
check(all(m["MessageAttributes"]["amount"]["DataType"] == "Number" for m in big),
      "raw delivery carries the attributes as SQS message attributes")

seen = [json.loads(m["Body"]) for m in drain(seen_url, 2)]
check(sorted(json.loads(s["message"])["order"] for s in seen) == [1, 2],
      f"the function gets exactly the kind=big messages ({seen})")
check(all(s["source"] == "aws:sns" and s["topic"] == topic and s["subscription"] == fn_sub["SubscriptionArn"]
          and s["attributes"]["kind"] == "big" and s["id"] in ids for s in seen),
      "the function's event is Lambda's SNS event")
check(not drain(seen_url, 1, seconds=2), "no message reaches the function twice")

# An HTTP endpoint: confirmation through the SubscribeURL, then a notification.
received = []


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


hook = http.server.HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=hook.serve_forever, daemon=True).start()
endpoint = f"http://127.0.0.1:{hook.server_address[1]}/hook"
pending = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint)["SubscriptionArn"]
check(pending == "pending confirmation" or pending == "PendingConfirmation",
      f"an HTTP subscription waits for confirmation ({pending})")
deadline = time.time() + 10
while not received and time.time() < deadline:
    time.sleep(0.05)
check(received and received[0][1]["Type"] == "SubscriptionConfirmation", "the endpoint is sent a confirmation")
headers, confirmation = received.pop(0)
check(headers.get("x-amz-sns-message-type") == "SubscriptionConfirmation" and confirmation["TopicArn"] == topic,
      "the confirmation carries SNS's headers and the topic")
with urllib.request.urlopen(confirmation["SubscribeURL"], timeout=10) as r:
    page = r.read().decode()
check("<SubscriptionArn>" in page, "following the SubscribeURL (unsigned) confirms")
http_sub = next(s for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] if s["Protocol"] == "http")
check(http_sub["SubscriptionArn"].startswith(topic + ":"), "the subscription is confirmed")
sns.publish(TopicArn=topic, Message="to the hook", MessageAttributes={
    "kind": {"DataType": "String", "StringValue": "small"}})
deadline = time.time() + 10
while not received and time.time() < deadline:
    time.sleep(0.05)
check(received and received[0][1]["Message"] == "to the hook"
      and received[0][0].get("x-amz-sns-subscription-arn") == http_sub["SubscriptionArn"],
      "the endpoint receives the notification")
with urllib.request.urlopen(received[0][1]["UnsubscribeURL"], timeout=10) as r:
    r.read()
check(all(s["Protocol"] != "http" for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]),
      "following the UnsubscribeURL removes the subscription")
drain(all_url, 1, seconds=2)
hook.shutdown()
print("all topic fan-out checks passed")
