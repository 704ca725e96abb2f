"""SQS FIFO queues through boto3 against a running Squall: names and attributes, per-group
order with one in-flight batch per group, deduplication by id, by content and per group,
sequence numbers, and the errors SQS gives FIFO misuse.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure. Every wait is
bounded (no long polls beyond 1 s)."""
import sys
import time

import boto3
from botocore.exceptions import ClientError

sqs = boto3.client("sqs")
RUN = str(int(time.time() * 1000))[-7:]


def code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def receive(url, n=10, **kw):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, AttributeNames=["All"], **kw).get("Messages", [])


def bodies(msgs):
    return [m["Body"] for m in msgs]


# Names and attributes.
check(code(sqs.create_queue, QueueName=f"nofifo-{RUN}", Attributes={"FifoQueue": "true"}) == "InvalidParameterValue",
      "a FIFO queue's name must end in .fifo")
check(code(sqs.create_queue, QueueName=f"nosuffix-{RUN}.fifo") == "InvalidParameterValue",
      "a .fifo name needs FifoQueue")
check(code(sqs.create_queue, QueueName=f"std-{RUN}", Attributes={"ContentBasedDeduplication": "true"})
      == "InvalidAttributeName", "standard queues have no FIFO attributes")
url = sqs.create_queue(QueueName=f"orders-{RUN}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
check(attrs["FifoQueue"] == "true" and attrs["ContentBasedDeduplication"] == "false"
      and attrs["DeduplicationScope"] == "queue" and attrs["FifoThroughputLimit"] == "perQueue",
      f"a FIFO queue reports its settings ({attrs})")
check(code(sqs.set_queue_attributes, QueueUrl=url, Attributes={"FifoQueue": "false"}) in
      ("InvalidAttributeValue", "InvalidParameterValue"), "a queue's type cannot change")
std_dlq = sqs.create_queue(QueueName=f"stddlq-{RUN}")["QueueUrl"]
std_dlq_arn = sqs.get_queue_attributes(QueueUrl=std_dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
check(code(sqs.set_queue_attributes, QueueUrl=url, Attributes={
    "RedrivePolicy": f'{{"deadLetterTargetArn":"{std_dlq_arn}","maxReceiveCount":2}}'}) == "InvalidParameterValue",
      "a FIFO queue's dead-letter queue must be FIFO too")

# Sends: what FIFO requires.
check(code(sqs.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d") == "MissingParameter",
      "a send without MessageGroupId is refused")
check(code(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g") == "InvalidParameterValue",
      "a send without a deduplication id (no content-based dedup) is refused")
check(code(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d",
           DelaySeconds=5) == "InvalidParameterValue", "per-message DelaySeconds is refused")
check(code(sqs.send_message, QueueUrl=std_dlq, MessageBody="x", MessageDeduplicationId="d") == "InvalidParameterValue",
      "a standard queue refuses MessageDeduplicationId")

sent = {}
seqs = []
for group, items in (("a", ["a1", "a2", "a3"]), ("b", ["b1", "b2"])):
    for body in items:
        r = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body)
        sent[body] = r["MessageId"]
        seqs.append(int(r["SequenceNumber"]))
check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "sequence numbers increase")
again = sqs.send_message(QueueUrl=url, MessageBody="a1 again", MessageGroupId="a", MessageDeduplicationId="a1")
check(again["MessageId"] == sent["a1"], "a duplicate within the interval is accepted with the first MessageId")

got = receive(url)
check(bodies(got) == ["a1", "a2", "a3", "b1", "b2"], f"every group's messages arrive in order ({bodies(got)})")
check(all(m["Attributes"]["MessageGroupId"] == m["Body"][0] and m["Attributes"]["MessageDeduplicationId"] == m["Body"]
          and m["Attributes"]["SequenceNumber"].isdigit() for m in got), "FIFO system attributes are reported")
check(receive(url) == [], "groups with messages in flight give nothing more")
handles = {m["Body"]: m["ReceiptHandle"] for m in got}
for b in ("a1", "a2", "a3"):
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handles[b])
sqs.send_message(QueueUrl=url, MessageBody="a4", MessageGroupId="a", MessageDeduplicationId="a4")
check(bodies(receive(url)) == ["a4"], "a group is free again once its batch is deleted; the other stays held")
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handles["b1"], VisibilityTimeout=0)
check(receive(url) == [], "a group stays held while any of its messages is in flight")
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handles["b2"], VisibilityTimeout=0)
redelivered = receive(url)
check(bodies(redelivered) == ["b1", "b2"] and all(m["Attributes"]["ApproximateReceiveCount"] == "2" for m in redelivered),
      "messages made visible again return in order")

# One at a time: the next of a group only after the first is deleted.
for body in ("c1", "c2"):
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="c", MessageDeduplicationId=body)
first = receive(url, n=1)
check(bodies(first) == ["c1"], "MaxNumberOfMessages 1 gives the group's first")
check(receive(url, n=1) == [], "the group is held while c1 is in flight")
sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
check(bodies(receive(url, n=1)) == ["c2"], "then c2")

# Batches.
r = sqs.send_message_batch(QueueUrl=url, Entries=[
    {"Id": "1", "MessageBody": "d1", "MessageGroupId": "d", "MessageDeduplicationId": "d1"},
    {"Id": "2", "MessageBody": "d2", "MessageGroupId": "d", "MessageDeduplicationId": "d2"},
    {"Id": "3", "MessageBody": "no group", "MessageDeduplicationId": "d3"},
])
check(len(r["Successful"]) == 2 and all("SequenceNumber" in e for e in r["Successful"])
      and r["Failed"][0]["Id"] == "3" and r["Failed"][0]["Code"] == "MissingParameter",
      "batch entries are checked one by one and report sequence numbers")
check(bodies(receive(url)) == ["d1", "d2"], "a batch keeps its order")

# Content-based deduplication, and deduplication per group.
cbd = sqs.create_queue(QueueName=f"cbd-{RUN}.fifo", Attributes={
    "FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup",
    "FifoThroughputLimit": "perMessageGroupId"})["QueueUrl"]
one = sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g1")
two = sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g1")
other_group = sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g2")
check(one["MessageId"] == two["MessageId"] and other_group["MessageId"] != one["MessageId"],
      "content-based ids deduplicate within a group, not across groups (messageGroup scope)")
check(sorted(m["Attributes"]["MessageGroupId"] for m in receive(cbd)) == ["g1", "g2"],
      "one message per group was enqueued")
check(code(sqs.set_queue_attributes, QueueUrl=cbd, Attributes={"DeduplicationScope": "queue"})
      == "InvalidAttributeValue", "perMessageGroupId throughput needs messageGroup scope")

for u in (url, cbd, std_dlq):
    sqs.delete_queue(QueueUrl=u)
print("all SQS FIFO checks passed")
