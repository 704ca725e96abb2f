"""SNS FIFO topics through boto3 against a running Squall: names and attributes, what Publish
requires, deduplication by id and by content, sequence numbers, and ordered delivery to a FIFO
queue with the group and deduplication id passed on.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1})
sns = boto3.client("sns", config=cfg)
sqs = boto3.client("sqs", config=cfg)
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


check(code(sns.create_topic, Name=f"plain-{RUN}", Attributes={"FifoTopic": "true"}) == "InvalidParameter",
      "a FIFO topic's name must end in .fifo")
check(code(sns.create_topic, Name=f"nofifo-{RUN}.fifo") == "InvalidParameter", "a .fifo name needs FifoTopic")
check(code(sns.create_topic, Name=f"std-{RUN}", Attributes={"ContentBasedDeduplication": "true"}) == "InvalidParameter",
      "content-based deduplication is for FIFO topics")
topic = sns.create_topic(Name=f"ledger-{RUN}.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
check(attrs["FifoTopic"] == "true", "the topic reports FifoTopic")
check(code(sns.set_topic_attributes, TopicArn=topic, AttributeName="FifoTopic", AttributeValue="false")
      == "InvalidParameter", "a topic's type cannot change")

queue = sqs.create_queue(QueueName=f"ledger-{RUN}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
std_topic = sns.create_topic(Name=f"std-{RUN}")["TopicArn"]
check(code(sns.subscribe, TopicArn=std_topic, Protocol="sqs", Endpoint=queue_arn) == "InvalidParameter",
      "a FIFO queue cannot subscribe to a standard topic")
check(code(sns.subscribe, TopicArn=topic, Protocol="lambda",
           Endpoint="arn:aws:lambda:us-east-1:000000000000:function:f") == "InvalidParameter",
      "FIFO topics deliver to queues only")

check(code(sns.publish, TopicArn=topic, Message="m", MessageDeduplicationId="d") == "InvalidParameter",
      "Publish to a FIFO topic needs MessageGroupId")
check(code(sns.publish, TopicArn=topic, Message="m", MessageGroupId="g") == "InvalidParameter",
      "Publish needs a deduplication id without content-based deduplication")
check(code(sns.publish, TopicArn=std_topic, Message="m", MessageGroupId="g") == "InvalidParameter",
      "a standard topic refuses MessageGroupId")

published = [sns.publish(TopicArn=topic, Message=f"entry {i}", MessageGroupId="acct-1", MessageDeduplicationId=f"e{i}")
             for i in range(3)]
seqs = [int(p["SequenceNumber"]) for p in published]
check(seqs == sorted(seqs) and len(set(seqs)) == 3, "sequence numbers increase")
dup = sns.publish(TopicArn=topic, Message="entry 0 again", MessageGroupId="acct-1", MessageDeduplicationId="e0")
check(dup["MessageId"] == published[0]["MessageId"] and dup["SequenceNumber"] == published[0]["SequenceNumber"],
      "a duplicate within the interval answers the first message's id and sequence number")
r = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
    {"Id": "a", "Message": "entry 3", "MessageGroupId": "acct-1", "MessageDeduplicationId": "e3"},
    {"Id": "b", "Message": "entry 4", "MessageGroupId": "acct-1", "MessageDeduplicationId": "e4"},
])
check(len(r["Successful"]) == 2 and all("SequenceNumber" in e for e in r["Successful"]),
      "PublishBatch reports sequence numbers")

got = []
deadline = time.time() + 10
while len(got) < 5 and time.time() < deadline:
    msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"],
                               WaitTimeSeconds=1).get("Messages", [])
    for m in msgs:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    got.extend(msgs)
check([m["Body"] for m in got] == [f"entry {i}" for i in range(5)], f"the queue gets every entry once, in order ({[m['Body'] for m in got]})")
check(all(m["Attributes"]["MessageGroupId"] == "acct-1" for m in got), "the group is passed on to the queue")
check(not sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages"), "the duplicate was not delivered")

sns.set_topic_attributes(TopicArn=topic, AttributeName="ContentBasedDeduplication", AttributeValue="true")
a = sns.publish(TopicArn=topic, Message=json.dumps({"n": 1}), MessageGroupId="acct-2")
b = sns.publish(TopicArn=topic, Message=json.dumps({"n": 1}), MessageGroupId="acct-2")
check(a["MessageId"] == b["MessageId"], "content-based deduplication recognizes the same message")
msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
check(len(msgs) == 1, "and delivers it once")

sns.delete_topic(TopicArn=topic)
sns.delete_topic(TopicArn=std_topic)
sqs.delete_queue(QueueUrl=queue)
print("all SNS FIFO checks passed")
