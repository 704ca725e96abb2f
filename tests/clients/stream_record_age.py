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

import io
import json
import sys
import time
import zipfile

import boto3

lam = boto3.client("lambda")
sqs = boto3.client("sqs")
ddb = boto3.client("dynamodb")
iam = boto3.client("iam")
ROLE = "arn:aws:iam::000000000000:role/ager"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def setup():
    iam.create_role(RoleName="ager", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }))
    iam.put_role_policy(RoleName="ager", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams",
            "sqs:SendMessage"]}],
    }))
    sqs.create_queue(QueueName="too-old")
    ddb.create_table(TableName="aged", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream_arn = ddb.describe_table(TableName="aged")["Table"]["LatestStreamArn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    raise RuntimeError('always')\n")
    lam.create_function(FunctionName="ager", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": buf.getvalue()})
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
