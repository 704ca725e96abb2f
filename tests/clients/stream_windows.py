"""Tumbling windows on a table stream mapping, through boto3 against a `--dev` Squall.

Phases, each run by the end-to-end test between moves of the platform clock:
  setup: a table with a stream, a queue, a function that adds up its records' `n` into the
         window's state and reports every invocation (its records, the state it got, whether
         it is the window's final one) to the queue, and a mapping with
         TumblingWindowInSeconds 60 and batches of one record.
  fill:  (the clock just past a window's start) three items: three invocations in one window,
         each handed the state the one before returned.
  close: (after kill -9 and a restart, the clock past the window's end) the final
         invocation: no records, the window's whole state, isFinalInvokeForWindow; then an
         item opens a new window with no state.
Refusals: a window on a queue mapping, and one over 900 s.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment; exits non-zero with the failing check on the first failure.
"""

import json
import sys
import time

from botocore.exceptions import ClientError
from stream_common import check, ddb, lam, sqs, streamed_function

APP = """
import json, boto3
sqs = boto3.client("sqs")
OUT = sqs.get_queue_url(QueueName="window-out")["QueueUrl"]
def handler(event, context):
    added = sum(int(r["dynamodb"]["NewImage"]["n"]["N"]) for r in event["Records"])
    sqs.send_message(QueueUrl=OUT, MessageBody=json.dumps({
        "records": len(event["Records"]), "state": event["state"], "final": event["isFinalInvokeForWindow"],
        "window": event["window"], "shard": event.get("shardId")}))
    return {"state": {"sum": event["state"].get("sum", 0) + added}}
"""


def out_url():
    return sqs.get_queue_url(QueueName="window-out")["QueueUrl"]


def reports(want, seconds=30):
    got = []
    deadline = time.time() + seconds
    while len(got) < want and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=out_url(), MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=out_url(), ReceiptHandle=m["ReceiptHandle"])
    return got


def setup():
    sqs.create_queue(QueueName="window-out")
    stream_arn = streamed_function("windower", "windowed", APP)
    m = lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="windower", StartingPosition="LATEST",
                                        BatchSize=1, TumblingWindowInSeconds=60)
    check(m["TumblingWindowInSeconds"] == 60, "the mapping's window")
    try:
        lam.create_event_source_mapping(EventSourceArn="arn:aws:sqs:us-east-1:000000000000:window-out",
                                        FunctionName="windower", TumblingWindowInSeconds=60)
        check(False, "a window on a queue is refused")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "InvalidParameterValueException" and "streams" in str(e),
              f"a window on a queue is refused ({e})")
    try:
        lam.update_event_source_mapping(UUID=m["UUID"], TumblingWindowInSeconds=901)
        check(False, "a window over 900 s is refused")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "InvalidParameterValueException", f"a window over 900 s is refused ({e})")
    time.sleep(1.5)
    print("window setup done")


def fill():
    for n in (1, 2, 3):
        ddb.put_item(TableName="windowed", Item={"id": {"S": f"i{n}"}, "n": {"N": str(n)}})
        got = reports(1)
        check(len(got) == 1 and got[0]["records"] == 1 and not got[0]["final"], f"invocation {n} in the window ({got})")
        check(got[0]["state"] == ({} if n == 1 else {"sum": sum(range(1, n))}), f"handed the state so far ({got[0]})")
    check(got[0]["window"]["end"] > got[0]["window"]["start"], "the event names its window")
    check(reports(1, seconds=2) == [], "no final invocation before the window ends")
    print("window filled")


def close():
    got = reports(1)
    check(len(got) == 1 and got[0]["final"] and got[0]["records"] == 0, f"the window's final invocation ({got})")
    check(got[0]["state"] == {"sum": 6}, "with the whole window's state")
    ddb.put_item(TableName="windowed", Item={"id": {"S": "next"}, "n": {"N": "10"}})
    got = reports(1)
    check(len(got) == 1 and not got[0]["final"] and got[0]["state"] == {}, f"a new window starts afresh ({got})")
    print("all tumbling window checks passed")


{"setup": setup, "fill": fill, "close": close}[sys.argv[1]]()
