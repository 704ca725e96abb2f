"""Lambda event source mappings through boto3 and the aws CLI against a running Squall.

Covers CreateEventSourceMapping for a queue and a table's stream (the answer's shape, State
Creating then Enabled, the function or an alias as the target), FilterCriteria (a queue's
messages no pattern admits are deleted unseen, a JSON body matched as JSON; a stream's records
passed over), GetEventSourceMapping, ListEventSourceMappings (by function, by source, paging),
UpdateEventSourceMapping (Enabled off and on, filters removed, batch size), a stream mapping's
on-failure destination (Lambda's record of the batch given up on after MaximumRetryAttempts),
DeleteEventSourceMapping, and the refusals: a second mapping of one queue to one function,
sources Squall does not read, a queue that does not exist, StartingPosition on a queue or
missing on a stream, settings Squall does not run (Topics), a tumbling window over 900 s, a filter
pattern that does not parse, an unknown UUID. The aws CLI lists the mappings.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure.
"""

import io
import json
import subprocess
import sys
import time
import zipfile

import boto3
from botocore.exceptions import ClientError

lam = boto3.client("lambda")
sqs = boto3.client("sqs")
ddb = boto3.client("dynamodb")
iam = boto3.client("iam")
FN_ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def fails(expected, what, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
        got, err = None, None
    except ClientError as e:
        got, err = e.response["Error"]["Code"], e
    check(got == expected, f"{what}: {expected} (got {got}: {err})")
    return err


def zipped(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", source)
    return buf.getvalue()


def received(url, want, seconds=20):
    """Messages from `url` until `want` have come or `seconds` pass."""
    got = []
    deadline = time.time() + seconds
    while len(got) < want and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def visible(url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


# A role the functions run as: they may send to queues.
iam.create_role(RoleName="mapper", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}))
iam.put_role_policy(RoleName="mapper", PolicyName="send", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"], "Resource": "*"}],
}))
ROLE = "arn:aws:iam::000000000000:role/mapper"

source = sqs.create_queue(QueueName="in")["QueueUrl"]
out = sqs.create_queue(QueueName="out")["QueueUrl"]
failed = sqs.create_queue(QueueName="failed")["QueueUrl"]
SOURCE_ARN = "arn:aws:sqs:us-east-1:000000000000:in"

RECORDER = """
import json, os, boto3
sqs = boto3.client("sqs")
OUT = sqs.get_queue_url(QueueName="out")["QueueUrl"]
def handler(event, context):
    for r in event["Records"]:
        body = r.get("body") or json.dumps(r.get("dynamodb", {}).get("NewImage"))
        sqs.send_message(QueueUrl=OUT, MessageBody=json.dumps({
            "body": body, "source": r["eventSource"], "event": r.get("eventName"),
            "version": context.function_version}))
"""
lam.create_function(FunctionName="recorder", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                    Code={"ZipFile": zipped(RECORDER)}, Timeout=30)

# --- A queue, with a filter ----------------------------------------------------------------

err = fails("InvalidParameterValueException", "a role that may not read the queue", lam.create_event_source_mapping,
            EventSourceArn=SOURCE_ARN, FunctionName="recorder")
check("does not have permissions to call ReceiveMessage on SQS" in str(err), "named as Lambda names it")
iam.put_role_policy(RoleName="mapper", PolicyName="read", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                                       "dynamodb:ListStreams"], "Resource": "*"},
    ],
}))

keep_only = json.dumps({"body": {"kind": ["keep"]}})
made = lam.create_event_source_mapping(
    EventSourceArn=SOURCE_ARN, FunctionName="recorder", BatchSize=5,
    FilterCriteria={"Filters": [{"Pattern": keep_only}]})
uuid = made["UUID"]
check(made["State"] == "Creating", "CreateEventSourceMapping answers State Creating")
check(made["FunctionArn"] == FN_ARN + "recorder" and made["EventSourceArn"] == SOURCE_ARN, "with the function and the queue")
check(made["BatchSize"] == 5 and made["FilterCriteria"] == {"Filters": [{"Pattern": keep_only}]}, "and its settings")
check(made["EventSourceMappingArn"] == f"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{uuid}", "and its ARN")
check(lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled", "GetEventSourceMapping: Enabled")

sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"kind": "drop", "n": 1}))
sqs.send_message(QueueUrl=source, MessageBody="plain text")
sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"kind": "keep", "n": 2}))
got = received(out, 1)
check([json.loads(g["body"])["n"] for g in got] == [2], f"only the message the filter admits reaches the function ({got})")
check(got[0]["source"] == "aws:sqs", "as Lambda's SQS event")
deadline = time.time() + 10
while visible(source) and time.time() < deadline:
    time.sleep(0.2)
check(visible(source) == 0, "the messages no filter admits are deleted")

fails("ResourceConflictException", "a second mapping of the queue to the function", lam.create_event_source_mapping,
      EventSourceArn=SOURCE_ARN, FunctionName="recorder")

mine = lam.list_event_source_mappings(FunctionName="recorder")["EventSourceMappings"]
check([m["UUID"] for m in mine] == [uuid], "ListEventSourceMappings by function")
check([m["UUID"] for m in lam.list_event_source_mappings(EventSourceArn=SOURCE_ARN)["EventSourceMappings"]] == [uuid],
      "ListEventSourceMappings by source")

# Disabled, nothing is delivered; enabled again, it is.
off = lam.update_event_source_mapping(UUID=uuid, Enabled=False)
check(off["State"] == "Updating", "UpdateEventSourceMapping answers State Updating")
check(lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled", "and the mapping is Disabled")
sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"kind": "keep", "n": 3}))
check(received(out, 1, seconds=3) == [], "a disabled mapping delivers nothing")
check(visible(source) == 1, "the message waits in the queue")
lam.update_event_source_mapping(UUID=uuid, Enabled=True, FilterCriteria={})
got = received(out, 1)
check([json.loads(g["body"])["n"] for g in got] == [3], "enabled again, the waiting message is delivered")
check("FilterCriteria" not in lam.get_event_source_mapping(UUID=uuid), "an empty FilterCriteria removes the filters")
sqs.send_message(QueueUrl=source, MessageBody="plain text")
check([g["body"] for g in received(out, 1)] == ["plain text"], "without filters every message is delivered")
changed = lam.update_event_source_mapping(UUID=uuid, BatchSize=10)
check(changed["BatchSize"] == 10, "UpdateEventSourceMapping changes the batch size")

# --- An alias as the target --------------------------------------------------------------

version = lam.publish_version(FunctionName="recorder")["Version"]
lam.create_alias(FunctionName="recorder", Name="live", FunctionVersion=version)
sqs.create_queue(QueueName="in2")
aliased = lam.create_event_source_mapping(
    EventSourceArn="arn:aws:sqs:us-east-1:000000000000:in2", FunctionName="recorder:live")
check(aliased["FunctionArn"] == FN_ARN + "recorder:live", "a mapping may invoke an alias")
sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="in2")["QueueUrl"], MessageBody="via alias")
got = received(out, 1)
check(got and got[0]["version"] == version, f"the alias's version runs ({got})")
check(len(lam.list_event_source_mappings(FunctionName="recorder:live")["EventSourceMappings"]) == 1,
      "listing by a qualified name lists that qualifier's")
page = lam.list_event_source_mappings(FunctionName="recorder", MaxItems=1)
check(len(page["EventSourceMappings"]) == 1 and "NextMarker" in page, "ListEventSourceMappings pages")
rest = lam.list_event_source_mappings(FunctionName="recorder", Marker=page["NextMarker"])
check(len(rest["EventSourceMappings"]) == 1, "the next page holds the rest")
cli = subprocess.run(["aws", "lambda", "list-event-source-mappings", "--function-name", "recorder", "--output", "json"],
                     capture_output=True, text=True, timeout=60)
check(cli.returncode == 0 and len(json.loads(cli.stdout)["EventSourceMappings"]) == 2, "aws lambda list-event-source-mappings")
lam.delete_event_source_mapping(UUID=aliased["UUID"])

# --- A stream, with a filter and an on-failure destination ---------------------------------

ddb.create_table(TableName="orders", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
stream_arn = ddb.describe_table(TableName="orders")["Table"]["LatestStreamArn"]
fails("InvalidParameterValueException", "a stream mapping without StartingPosition", lam.create_event_source_mapping,
      EventSourceArn=stream_arn, FunctionName="recorder")
streamed = lam.create_event_source_mapping(
    EventSourceArn=stream_arn, FunctionName="recorder", StartingPosition="LATEST",
    FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]})
check(streamed["StartingPosition"] == "LATEST" and streamed["MaximumRetryAttempts"] == -1, "a stream mapping's defaults")
check(streamed["EventSourceArn"] == stream_arn, "names the stream")
time.sleep(1.5)
ddb.put_item(TableName="orders", Item={"id": {"S": "a"}, "status": {"S": "new"}})
ddb.put_item(TableName="orders", Item={"id": {"S": "a"}, "status": {"S": "changed"}})
ddb.put_item(TableName="orders", Item={"id": {"S": "b"}, "status": {"S": "new"}})
got = received(out, 2)
check(sorted((g["event"], json.loads(g["body"])["id"]["S"]) for g in got) == [("INSERT", "a"), ("INSERT", "b")],
      f"only the records the filter admits reach the function ({got})")
check(received(out, 1, seconds=2) == [], "the MODIFY record was passed over")
result = lam.get_event_source_mapping(UUID=streamed["UUID"])["LastProcessingResult"]
check(result == "OK", f"LastProcessingResult after a batch ({result})")
lam.delete_event_source_mapping(UUID=streamed["UUID"])

lam.create_function(FunctionName="failer", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                    Code={"ZipFile": zipped("def handler(event, context):\n    raise RuntimeError('always')\n")})
gives_up = lam.create_event_source_mapping(
    EventSourceArn=stream_arn, FunctionName="failer", StartingPosition="LATEST", MaximumRetryAttempts=0,
    BisectBatchOnFunctionError=True,
    DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:failed"}})
check(gives_up["DestinationConfig"] == {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:failed"}},
      "the on-failure destination is kept")
check(gives_up["BisectBatchOnFunctionError"] is True, "and BisectBatchOnFunctionError")
time.sleep(1.5)
ddb.put_item(TableName="orders", Item={"id": {"S": "c"}})
records = received(failed, 1, seconds=30)
check(len(records) == 1, f"a batch given up on sends a record to the destination ({records})")
r = records[0]
check(r["requestContext"]["condition"] == "RetryAttemptsExhausted", "condition RetryAttemptsExhausted")
check(r["requestContext"]["functionArn"] == FN_ARN + "failer", "naming the function")
info = r["DDBStreamBatchInfo"]
check(info["streamArn"] == stream_arn and info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"],
      "with the batch's DDBStreamBatchInfo")
check(lam.get_event_source_mapping(UUID=gives_up["UUID"])["LastProcessingResult"].startswith("PROBLEM"),
      "LastProcessingResult says the function failed")

# --- Refusals -------------------------------------------------------------------------------

fails("InvalidParameterValueException", "a Kinesis stream", lam.create_event_source_mapping,
      EventSourceArn="arn:aws:kinesis:us-east-1:000000000000:stream/s", FunctionName="recorder", StartingPosition="LATEST")
fails("InvalidParameterValueException", "a queue that does not exist", lam.create_event_source_mapping,
      EventSourceArn="arn:aws:sqs:us-east-1:000000000000:nope", FunctionName="recorder")
fails("InvalidParameterValueException", "StartingPosition on a queue", lam.create_event_source_mapping,
      EventSourceArn="arn:aws:sqs:us-east-1:000000000000:in2", FunctionName="recorder", StartingPosition="LATEST")
fails("InvalidParameterValueException", "TumblingWindowInSeconds over 900", lam.create_event_source_mapping,
      EventSourceArn=stream_arn, FunctionName="recorder", StartingPosition="LATEST", TumblingWindowInSeconds=901)
fails("InvalidParameterValueException", "Topics (Kafka's)", lam.create_event_source_mapping,
      EventSourceArn="arn:aws:sqs:us-east-1:000000000000:in2", FunctionName="recorder", Topics=["t"])
fails("InvalidParameterValueException", "a filter pattern that does not parse", lam.create_event_source_mapping,
      EventSourceArn="arn:aws:sqs:us-east-1:000000000000:in2", FunctionName="recorder",
      FilterCriteria={"Filters": [{"Pattern": "{\"body\": []}"}]})
fails("ResourceNotFoundException", "a function that does not exist", lam.create_event_source_mapping,
      EventSourceArn="arn:aws:sqs:us-east-1:000000000000:in2", FunctionName="nope")
fails("ResourceNotFoundException", "an unknown UUID", lam.get_event_source_mapping, UUID="00000000-0000-0000-0000-000000000000")

gone = lam.delete_event_source_mapping(UUID=uuid)
check(gone["State"] == "Deleting", "DeleteEventSourceMapping answers State Deleting")
fails("ResourceNotFoundException", "a deleted mapping is gone", lam.get_event_source_mapping, UUID=uuid)
sqs.send_message(QueueUrl=source, MessageBody="after delete")
check(received(out, 1, seconds=3) == [], "a deleted mapping delivers nothing")

print("all Lambda event source mapping checks passed")
