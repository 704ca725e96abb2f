"""Object events through boto3 against a running Squall: a bucket's notification
configuration sends ObjectCreated and ObjectRemoved records to a queue (with prefix and
suffix filters), and the configuration reads back as written; in a versioned bucket the records
name the version, and a delete is ObjectRemoved:DeleteMarkerCreated.

Run by the end-to-end tests with AWS_ENDPOINT_URL and a key in the environment; exits
non-zero with the failing check on the first failure."""
import hashlib
import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from corpus_common import check

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
sqs = boto3.client("sqs", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]
bucket = f"events-{RUN}"


def records(url, want, wait=10):
    """Event records from the queue until `want` arrived or `wait` seconds passed."""
    got, deadline = [], time.time() + wait
    while len(got) < want and time.time() < deadline:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in r.get("Messages", []):
            got.extend(json.loads(m["Body"])["Records"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


url = sqs.create_queue(QueueName=f"uploads-{RUN}")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
s3.create_bucket(Bucket=bucket)
check(s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations") is None,
      "a new bucket has no notification configuration")
try:
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": arn, "Events": ["s3:Replication:*"]}]})
    check(False, "an unsupported event is refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "InvalidArgument", "an unsupported event is InvalidArgument")

config = {"QueueConfigurations": [
    {"Id": "images", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
     "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "img/"}, {"Name": "Suffix", "Value": ".png"}]}}},
    {"Id": "removals", "QueueArn": arn, "Events": ["s3:ObjectRemoved:Delete"]}]}
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
got = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
check([c["Id"] for c in got] == ["images", "removals"] and got[0]["Events"] == ["s3:ObjectCreated:*"],
      "the configuration reads back")
rules = {r["Name"].lower(): r["Value"] for r in got[0]["Filter"]["Key"]["FilterRules"]}
check(rules == {"prefix": "img/", "suffix": ".png"}, f"with its filter rules ({rules})")

s3.put_object(Bucket=bucket, Key="img/cat 1.png", Body=b"meow")
s3.put_object(Bucket=bucket, Key="img/notes.txt", Body=b"skip")
s3.put_object(Bucket=bucket, Key="doc/cat.png", Body=b"skip")
s3.copy_object(Bucket=bucket, Key="img/copy.png", CopySource={"Bucket": bucket, "Key": "img/cat 1.png"})
got = records(url, 2)
check([r["eventName"] for r in got] == ["ObjectCreated:Put", "ObjectCreated:Copy"],
      f"only the filtered keys produce events, in order ({[r['eventName'] for r in got]})")
put = got[0]
check(put["s3"]["bucket"]["name"] == bucket and put["s3"]["object"]["key"] == "img/cat+1.png",
      "the record names the bucket and the URL-encoded key")
check(put["s3"]["object"]["size"] == 4 and put["s3"]["object"]["eTag"] == hashlib.md5(b"meow").hexdigest(),
      "and the object's size and ETag")
check(put["eventSource"] == "aws:s3" and put["awsRegion"] == "us-east-1" and put["s3"]["configurationId"] == "images",
      "with S3's event source, the region and the configuration id")
check(put["requestParameters"]["sourceIPAddress"] == "127.0.0.1", "and the caller's address")
check(int(got[1]["s3"]["object"]["sequencer"], 16) > int(put["s3"]["object"]["sequencer"], 16), "sequencers grow")

s3.delete_object(Bucket=bucket, Key="doc/cat.png")
s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "img/notes.txt"}]})
got = records(url, 2)
check(sorted(r["s3"]["object"]["key"] for r in got) == ["doc/cat.png", "img/notes.txt"]
      and {r["eventName"] for r in got} == {"ObjectRemoved:Delete"}, "deletes produce ObjectRemoved:Delete")
check("size" not in got[0]["s3"]["object"], "a removal has no size")

check(all("versionId" not in r["s3"]["object"] for r in got), "a bucket without versioning names no versions")

# With versioning, records name the version; a delete makes a marker (its own event name).
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
    {"Id": "all", "QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
version = s3.put_object(Bucket=bucket, Key="v.txt", Body=b"v")["VersionId"]
marker = s3.delete_object(Bucket=bucket, Key="v.txt")["VersionId"]
s3.delete_object(Bucket=bucket, Key="v.txt", VersionId=version)
got = records(url, 3)
check([(r["eventName"], r["s3"]["object"].get("versionId")) for r in got]
      == [("ObjectCreated:Put", version), ("ObjectRemoved:DeleteMarkerCreated", marker), ("ObjectRemoved:Delete", version)],
      f"versioned events name their versions ({[(r['eventName'], r['s3']['object'].get('versionId')) for r in got]})")
s3.delete_object(Bucket=bucket, Key="v.txt", VersionId=marker)
records(url, 1, wait=2)

s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
s3.put_object(Bucket=bucket, Key="img/late.png", Body=b"x")
check(records(url, 1, wait=2) == [], "an empty configuration stops the events")

boto3.resource("s3", config=cfg).Bucket(bucket).object_versions.delete()
s3.delete_bucket(Bucket=bucket)
print("all S3 event checks passed")
