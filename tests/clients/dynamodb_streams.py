"""DynamoDB Streams through boto3 against a running Squall.

Run by the end-to-end tests with AWS_ENDPOINT_URL and a key in the environment; exits
non-zero with the failing check on the first failure.
"""
import sys
import time

import boto3
from botocore.exceptions import ClientError

ddb = boto3.client("dynamodb")
streams = boto3.client("dynamodbstreams")


def code(fn, *args, **kwargs):
    """The AWS error code `fn` fails with (or None)."""
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


def shard_iterator(arn, kind="TRIM_HORIZON", seq=None):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    args = {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": kind}
    if seq is not None:
        args["SequenceNumber"] = seq
    return streams.get_shard_iterator(**args)["ShardIterator"]


def read_all(it):
    """Every record from `it` on, and the next iterator."""
    out = []
    for _ in range(20):
        r = streams.get_records(ShardIterator=it, Limit=1000)
        out += r["Records"]
        it = r.get("NextShardIterator")
        if not r["Records"] or it is None:
            break
    return out, it


key = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
attrs = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]

# A table created with a stream
t = ddb.create_table(TableName="events", KeySchema=key, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
d = t["TableDescription"]
arn = d["LatestStreamArn"]
check(arn.endswith(f"/stream/{d['LatestStreamLabel']}") and ":table/events/" in arn, "the table reports its stream")
check(d["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
      "the table reports its stream specification")
listed = streams.list_streams(TableName="events")["Streams"]
check([s["StreamArn"] for s in listed] == [arn] and listed[0]["TableName"] == "events", "list_streams lists it")
desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
check(desc["StreamStatus"] == "ENABLED" and desc["StreamViewType"] == "NEW_AND_OLD_IMAGES"
      and desc["KeySchema"] == key and len(desc["Shards"]) == 1, "describe_stream describes it")

# Every kind of change, in order, with its images
ddb.put_item(TableName="events", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "1"}})
ddb.update_item(TableName="events", Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, UpdateExpression="SET v = :v",
                ExpressionAttributeValues={":v": {"N": "2"}})
# Writing what is already there changes nothing: no record.
ddb.put_item(TableName="events", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "2"}})
ddb.delete_item(TableName="events", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})
# Deleting what is not there: no record.
ddb.delete_item(TableName="events", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})
records, it = read_all(shard_iterator(arn))
check([r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"],
      f"put, update, delete are INSERT, MODIFY, REMOVE (got {[r['eventName'] for r in records]})")
ins, mod, rem = records
check("OldImage" not in ins["dynamodb"] and ins["dynamodb"]["NewImage"]["v"] == {"N": "1"}, "INSERT has the new image")
check(mod["dynamodb"]["OldImage"]["v"] == {"N": "1"} and mod["dynamodb"]["NewImage"]["v"] == {"N": "2"},
      "MODIFY has both images")
check("NewImage" not in rem["dynamodb"] and rem["dynamodb"]["OldImage"]["v"] == {"N": "2"}, "REMOVE has the old image")
check(all(r["dynamodb"]["Keys"] == {"pk": {"S": "a"}, "sk": {"N": "1"}} for r in records), "every record has the keys")
seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
check(seqs == sorted(seqs) and len(set(seqs)) == 3, "sequence numbers increase")
check(all(r["eventSource"] == "aws:dynamodb" and r["eventVersion"] == "1.1" and len(r["eventID"]) == 32
          and r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES" and r["dynamodb"]["SizeBytes"] > 0
          for r in records), "records have DynamoDB's shape")
again, _ = read_all(shard_iterator(arn))
check([r["eventID"] for r in again] == [r["eventID"] for r in records], "reading again gives the same records")

# Iterator types
after, _ = read_all(shard_iterator(arn, "AFTER_SEQUENCE_NUMBER", records[0]["dynamodb"]["SequenceNumber"]))
check([r["eventName"] for r in after] == ["MODIFY", "REMOVE"], "AFTER_SEQUENCE_NUMBER starts after it")
at, _ = read_all(shard_iterator(arn, "AT_SEQUENCE_NUMBER", records[1]["dynamodb"]["SequenceNumber"]))
check([r["eventName"] for r in at] == ["MODIFY", "REMOVE"], "AT_SEQUENCE_NUMBER starts at it")
latest = shard_iterator(arn, "LATEST")
check(streams.get_records(ShardIterator=latest)["Records"] == [], "LATEST starts after the newest record")
ddb.put_item(TableName="events", Item={"pk": {"S": "b"}, "sk": {"N": "2"}})
r = streams.get_records(ShardIterator=latest)
check([x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]] == ["b"], "a LATEST iterator sees what comes after")
check(streams.get_records(ShardIterator=it)["Records"][0]["dynamodb"]["Keys"]["pk"]["S"] == "b",
      "a next iterator goes on where the last read stopped")
page = streams.get_records(ShardIterator=shard_iterator(arn), Limit=2)
check(len(page["Records"]) == 2 and "NextShardIterator" in page, "Limit pages the records")

# Batches and transactions record every item they change
ddb.batch_write_item(RequestItems={"events": [
    {"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"N": str(i)}}}} for i in range(3)]})
ddb.transact_write_items(TransactItems=[
    {"Put": {"TableName": "events", "Item": {"pk": {"S": "d"}, "sk": {"N": "1"}}}},
    {"Delete": {"TableName": "events", "Key": {"pk": {"S": "c"}, "sk": {"N": "0"}}}},
])
r = streams.get_records(ShardIterator=r["NextShardIterator"])["Records"]
check([(x["eventName"], x["dynamodb"]["Keys"]["pk"]["S"]) for x in r] ==
      [("INSERT", "c"), ("INSERT", "c"), ("INSERT", "c"), ("INSERT", "d"), ("REMOVE", "c")],
      "batch writes and transactions are recorded item by item")
# A failed condition writes nothing, so records nothing.
c = code(ddb.put_item, TableName="events", Item={"pk": {"S": "d"}, "sk": {"N": "1"}},
         ConditionExpression="attribute_not_exists(pk)")
check(c == "ConditionalCheckFailedException", "a failed condition fails")
tail, _ = read_all(shard_iterator(arn, "AFTER_SEQUENCE_NUMBER", r[-1]["dynamodb"]["SequenceNumber"]))
check(tail == [], "a failed condition records nothing")

# A stream enabled later, keys only, then disabled
ddb.create_table(TableName="later", KeySchema=key[:1], AttributeDefinitions=attrs[:1], BillingMode="PAY_PER_REQUEST")
check("LatestStreamArn" not in ddb.describe_table(TableName="later")["Table"], "a table without a stream has no ARN")
ddb.put_item(TableName="later", Item={"pk": {"S": "before"}})
u = ddb.update_table(TableName="later", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
later = u["TableDescription"]["LatestStreamArn"]
check(code(ddb.update_table, TableName="later",
           StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}) == "ValidationException",
      "enabling a stream twice is a ValidationException")
ddb.put_item(TableName="later", Item={"pk": {"S": "after"}, "x": {"S": "y"}})
rec, _ = read_all(shard_iterator(later))
check([x["dynamodb"]["Keys"]["pk"]["S"] for x in rec] == ["after"], "only changes after enabling are recorded")
check("NewImage" not in rec[0]["dynamodb"] and "OldImage" not in rec[0]["dynamodb"], "KEYS_ONLY records only keys")
ddb.update_table(TableName="later", StreamSpecification={"StreamEnabled": False})
ddb.put_item(TableName="later", Item={"pk": {"S": "disabled"}})
d = streams.describe_stream(StreamArn=later)["StreamDescription"]
check(d["StreamStatus"] == "DISABLED" and "EndingSequenceNumber" in d["Shards"][0]["SequenceNumberRange"],
      "a disabled stream's shard is closed")
rec = streams.get_records(ShardIterator=shard_iterator(later))
check(len(rec["Records"]) == 1 and "NextShardIterator" not in rec,
      "a disabled stream keeps its records and ends")
check("StreamSpecification" not in ddb.describe_table(TableName="later")["Table"],
      "a table whose stream is disabled reports no specification")
check(len(streams.list_streams()["Streams"]) == 2, "list_streams lists every table's streams")

# Bad input
check(code(streams.get_records, ShardIterator="garbage") == "ValidationException", "a forged iterator is refused")
check(code(streams.describe_stream, StreamArn=arn.replace("events", "nope")) == "ResourceNotFoundException",
      "an unknown stream is ResourceNotFoundException")
check(code(streams.get_shard_iterator, StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
           ShardIteratorType="LATEST") == "ResourceNotFoundException", "an unknown shard is ResourceNotFoundException")
check(code(ddb.create_table, TableName="bad", KeySchema=key[:1], AttributeDefinitions=attrs[:1],
           BillingMode="PAY_PER_REQUEST", StreamSpecification={"StreamEnabled": True}) == "ValidationException",
      "a stream without a view type is refused")
check(code(ddb.create_table, TableName="bad", KeySchema=key[:1], AttributeDefinitions=attrs[:1],
           BillingMode="PAY_PER_REQUEST",
           StreamSpecification={"StreamEnabled": True, "StreamViewType": "EVERYTHING"}) == "ValidationException",
      "an unknown view type is refused")

# Expired items are recorded as removed by the service
ddb.update_time_to_live(TableName="events", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
latest = shard_iterator(arn, "LATEST")
ddb.put_item(TableName="events", Item={"pk": {"S": "ttl"}, "sk": {"N": "1"}, "exp": {"N": str(int(time.time()) - 5)}})
removed = []
for _ in range(40):
    removed = [x for x in streams.get_records(ShardIterator=latest)["Records"] if x["eventName"] == "REMOVE"]
    if removed:
        break
    time.sleep(0.25)
check(removed and removed[0].get("userIdentity") == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"},
      "a TTL deletion is a REMOVE by dynamodb.amazonaws.com")

# Deleting the table deletes its stream
ddb.delete_table(TableName="later")
check(code(streams.describe_stream, StreamArn=later) == "ResourceNotFoundException", "a deleted table's stream is gone")

print("all DynamoDB Streams checks passed")
