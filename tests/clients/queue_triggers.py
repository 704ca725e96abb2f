"""Queue events delivered to a function (tests/guests/lambda/queues, deployed by the test):
partial batch failures end in the dead-letter queue, the rest is handled exactly once.
Exits non-zero on the first failed check."""
import json
import sys
import time

import boto3

sqs = boto3.client("sqs")


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


jobs = sqs.get_queue_url(QueueName="queuesvc-dev-Jobs")["QueueUrl"]
dlq = sqs.get_queue_url(QueueName="queuesvc-dev-JobsDlq")["QueueUrl"]
done = sqs.get_queue_url(QueueName="queuesvc-dev-Done")["QueueUrl"]
attrs = sqs.get_queue_attributes(QueueUrl=jobs, AttributeNames=["All"])["Attributes"]
check(attrs["VisibilityTimeout"] == "1" and "JobsDlq" in attrs["RedrivePolicy"], "deploy created the queue as declared")
mappings = boto3.client("lambda").list_event_source_mappings(FunctionName="queuesvc-dev-work")["EventSourceMappings"]
check(len(mappings) == 1 and mappings[0]["EventSourceArn"] == attrs["QueueArn"] and mappings[0]["BatchSize"] == 5
      and mappings[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and mappings[0]["State"] == "Enabled",
      f"the deployed sqs event is an event source mapping Lambda's API lists ({mappings})")

sqs.send_message_batch(QueueUrl=jobs, Entries=[
    {"Id": str(i), "MessageBody": json.dumps({"id": i, "fail": i == 3})} for i in range(6)])

handled, dead = [], []
deadline = time.time() + 30
while time.time() < deadline and (len(handled) < 5 or not dead):
    for m in sqs.receive_message(QueueUrl=done, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
        handled.append(json.loads(m["Body"]))
        sqs.delete_message(QueueUrl=done, ReceiptHandle=m["ReceiptHandle"])
    if not dead:
        dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
check(sorted(h["id"] for h in handled) == [0, 1, 2, 4, 5],
      f"every job that succeeds is handled exactly once (got {sorted(h['id'] for h in handled)})")
check(all(h["source"].endswith(":queuesvc-dev-Jobs") and h["receives"] == "1" for h in handled),
      "records carry the queue's ARN and their receive count")
check([json.loads(m["Body"])["id"] for m in dead] == [3], "the failing job ends in the dead-letter queue")
time.sleep(1.5)
left = sqs.get_queue_attributes(QueueUrl=jobs, AttributeNames=["All"])["Attributes"]
check(left["ApproximateNumberOfMessages"] == "0" and left["ApproximateNumberOfMessagesNotVisible"] == "0",
      "nothing is left in the queue")
print("all queue trigger checks passed")
