"""MaximumRecordAgeInSeconds on a table stream mapping, through boto3 against a `--dev` Squall.

Phase `setup`: a table with a stream, a function that always fails, and a mapping that retries
for ever (MaximumRetryAttempts -1) but gives records up after 60 s (MaximumRecordAgeInSeconds)
with an on-failure queue; one item is written and the function has failed on it. The test then
moves the platform clock two minutes on (`squall clock advance`). Phase `check`: the record was
given up on: the queue got Lambda's record with condition RecordAgeExceeded and the batch's
DDBStreamBatchInfo, and the function is not invoked with it again.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment; exits non-zero with the failing check on the first failure.
"""

import json
import sys
import time

from stream_common import check, ddb, lam, sqs, streamed_function


def setup():
    sqs.create_queue(QueueName="too-old")
    code = "def handler(event, context):\n    raise RuntimeError('always')\n"
    stream_arn = streamed_function("ager", "aged", code)
    m = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName="ager", StartingPosition="LATEST", MaximumRetryAttempts=-1,
        MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:too-old"}})
    check(m["MaximumRecordAgeInSeconds"] == 60 and m["MaximumRetryAttempts"] == -1, "the mapping's limits")
    time.sleep(1.5)
    ddb.put_item(TableName="aged", Item={"id": {"S": "old"}})
    deadline = time.time() + 30
    while time.time() < deadline:
        result = lam.get_event_source_mapping(UUID=m["UUID"]).get("LastProcessingResult", "")
        if result.startswith("PROBLEM"):
            break
        time.sleep(0.2)
    check(result.startswith("PROBLEM"), f"the function failed on the record ({result})")
    url = sqs.get_queue_url(QueueName="too-old")["QueueUrl"]
    check(not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), "nothing given up on yet")
    print("record age setup done")


def check_given_up():
    url = sqs.get_queue_url(QueueName="too-old")["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])
    check(len(got) == 1, f"the too-old record went to the on-failure queue ({got})")
    r = json.loads(got[0]["Body"])
    check(r["requestContext"]["condition"] == "RecordAgeExceeded", f"condition RecordAgeExceeded ({r})")
    info = r["DDBStreamBatchInfo"]
    check(info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"], "the batch's info")
    check(not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages"), "given up on once")
    print("all record age checks passed")


{"setup": setup, "check": check_given_up}[sys.argv[1]]()
