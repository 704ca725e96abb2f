"""SQS through boto3 against a running Squall (standard queues, JSON protocol).

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure. Every wait is bounded and
the whole run takes well under a minute.

botocore speaks SQS's JSON 1.0 protocol (X-Amz-Target: AmazonSQS.*) and takes the error code from
the x-amzn-query-error header, so codes are the legacy query ones (for example
AWS.SimpleQueueService.NonExistentQueue); where the modeled shape name (QueueDoesNotExist) is as
plausible both are accepted, and the check line prints the code that came back.

botocore does not verify MD5OfMessageBody or MD5OfMessageAttributes itself: this script computes
both (SQS's attribute digest is reimplemented in attrs_md5) and compares.
"""
import hashlib
import json
import re
import struct
import sys
import threading
import time

import boto3
from botocore.exceptions import ClientError

sqs = boto3.client("sqs")
RUN = str(int(time.time() * 1000))[-7:]  # queue names unique per run: reruns and deleted names don't collide

NONEXISTENT = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
ALREADY_EXISTS = ("QueueAlreadyExists", "QueueNameExists")
TOO_MANY = ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest")
NOT_DISTINCT = ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct")
EMPTY_BATCH = ("AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest")
BAD_BATCH_ID = ("AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId")
BAD_HANDLE = ("ReceiptHandleIsInvalid",)
BAD_VALUE = ("InvalidParameterValue",)


def code(fn, *args, **kwargs):
    """The AWS error code `fn` fails with (or None), and the error."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e
    return None, None


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def md5(b):
    return hashlib.md5(b if isinstance(b, bytes) else b.encode("utf-8")).hexdigest()


def attrs_md5(attrs):
    """SQS's MD5OfMessageAttributes: per attribute, sorted by name, length-prefixed name, type and
    value, with a transport byte 1 for String/Number values and 2 for Binary ones."""
    h = hashlib.md5()

    def put(b):
        b = b if isinstance(b, bytes) else b.encode("utf-8")
        h.update(struct.pack("!I", len(b)) + b)

    for name in sorted(attrs):
        a = attrs[name]
        put(name)
        put(a["DataType"])
        if "StringValue" in a:
            h.update(b"\x01")
            put(a["StringValue"])
        else:
            h.update(b"\x02")
            put(a["BinaryValue"])
    return h.hexdigest()


def qattrs(url, *names):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names) or ["All"]).get("Attributes", {})


def counts(url):
    a = qattrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
               "ApproximateNumberOfMessagesDelayed")
    return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
            int(a["ApproximateNumberOfMessagesDelayed"]))


def recv(url, n=1, wait=1, **kwargs):
    """One ReceiveMessage. A short wait by default: long polling asks every server, so a message
    that is there is found (a short poll on real SQS may sample only some of them)."""
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, WaitTimeSeconds=wait, **kwargs).get("Messages", [])


def drain(url, want, seconds=5, **kwargs):
    """Receive until `want` messages came back or `seconds` passed (bounded)."""
    got, deadline = [], time.time() + seconds
    while len(got) < want and time.time() < deadline:
        got += recv(url, n=min(10, want - len(got)), **kwargs)
    return got


def create(name, **kwargs):
    return sqs.create_queue(QueueName=name, **kwargs)["QueueUrl"]


# Queues: create, idempotent create, conflicts, names, URLs
main_name = f"orders-{RUN}"
url = create(main_name, Attributes={"VisibilityTimeout": "2", "MessageRetentionPeriod": "3600"},
             tags={"team": "shop", "env": "dev"})
check(url.endswith("/" + main_name), f"create_queue returns the queue's URL ({url})")
check(create(main_name, Attributes={"VisibilityTimeout": "2", "MessageRetentionPeriod": "3600"}) == url,
      "creating it again with the same attributes returns the same URL")
c, _ = code(create, main_name, Attributes={"VisibilityTimeout": "5"})
check(c in ALREADY_EXISTS, f"creating it again with other attributes is refused ({c})")
c, _ = code(create, "q" * 81)
check(c in BAD_VALUE, f"an 81-character queue name is refused ({c})")
c, _ = code(create, "bad name!")
check(c in BAD_VALUE, f"a queue name with a space and '!' is refused ({c})")
c, _ = code(create, "dotted.name")
check(c in BAD_VALUE, f"a '.' outside a .fifo suffix is refused ({c})")
long_name = f"n{RUN}-".ljust(80, "n")
u80 = create(long_name)
check(u80.endswith("/" + long_name), "an 80-character name of letters, digits, '-' and '_' is accepted")
sqs.delete_queue(QueueUrl=u80)
check(sqs.get_queue_url(QueueName=main_name)["QueueUrl"] == url, "get_queue_url finds it")
c, _ = code(sqs.get_queue_url, QueueName=f"nobody-{RUN}")
check(c in NONEXISTENT, f"get_queue_url of an unknown queue is NonExistentQueue ({c})")

# ListQueues: prefix, pages
listed = [create(f"lst{RUN}-{x}") for x in ("a1", "a2", "a3", "b1")]
got = sqs.list_queues(QueueNamePrefix=f"lst{RUN}-a").get("QueueUrls", [])
check(sorted(got) == sorted(listed[:3]), "list_queues filters by QueueNamePrefix")
check(not sqs.list_queues(QueueNamePrefix=f"none{RUN}").get("QueueUrls"), "a prefix that matches nothing lists nothing")
check("NextToken" not in sqs.list_queues(QueueNamePrefix=f"lst{RUN}-"), "without MaxResults there is no NextToken")
# moto 5.2 ignores MaxResults/NextToken (returns every queue at once); real SQS pages: "If you set
# MaxResults and there are additional results to display, the response includes a value for NextToken."
page = sqs.list_queues(QueueNamePrefix=f"lst{RUN}-", MaxResults=3)
check(len(page.get("QueueUrls", [])) == 3 and page.get("NextToken"), "MaxResults=3 returns three URLs and a NextToken")
seen, token, biggest = [], None, 0
for _ in range(10):  # bounded
    kw = {"NextToken": token} if token else {}
    page = sqs.list_queues(QueueNamePrefix=f"lst{RUN}-", MaxResults=2, **kw)
    seen += page.get("QueueUrls", [])
    biggest = max(biggest, len(page.get("QueueUrls", [])))
    token = page.get("NextToken")
    if not token:
        break
check(sorted(seen) == sorted(listed) and biggest <= 2 and not token,
      f"NextToken walks pages of at most 2 to every queue once ({len(seen)} URLs, largest page {biggest})")
pages = sqs.get_paginator("list_queues").paginate(QueueNamePrefix=f"lst{RUN}-", PaginationConfig={"PageSize": 3, "MaxItems": 20})
check(sorted(u for p in pages for u in p.get("QueueUrls", [])) == sorted(listed), "the list_queues paginator sees every queue")
for u in listed:
    sqs.delete_queue(QueueUrl=u)
check(not sqs.list_queues(QueueNamePrefix=f"lst{RUN}-").get("QueueUrls"), "delete_queue removes queues from the list")
c, _ = code(sqs.get_queue_url, QueueName=f"lst{RUN}-a1")
check(c in NONEXISTENT, f"a deleted queue is NonExistentQueue ({c})")

# Attributes
a = qattrs(url)
arn = a.get("QueueArn", "")
check(re.fullmatch(rf"arn:aws:sqs:us-east-1:\d{{12}}:{main_name}", arn) is not None, f"QueueArn has the SQS shape ({arn})")
for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
          "CreatedTimestamp", "LastModifiedTimestamp", "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
          "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout"):
    check(k in a, f"AttributeNames=[All] includes {k}")
check(a["VisibilityTimeout"] == "2" and a["MessageRetentionPeriod"] == "3600" and a["DelaySeconds"] == "0",
      "attributes given at creation are kept, the others default")
# moto 5.2 prints these as floats ("1795433450.680209"); real SQS gives whole epoch seconds ("1286771522").
for k in ("CreatedTimestamp", "LastModifiedTimestamp"):
    check(re.fullmatch(r"\d+", a[k]) is not None and abs(int(a[k]) - time.time()) < 120, f"{k} is whole epoch seconds ({a[k]})")
# Since August 2025 SQS takes messages up to 1 MiB and MaximumMessageSize defaults to 1,048,576
# (botocore's SQS model: "Valid values: ... 1,024 bytes (1 KiB) up to 1,048,576 bytes (1 MiB).
# Default: 1,048,576 bytes (1 MiB)."); the 256 KiB limit is the old one.
check(a["MaximumMessageSize"] == "1048576", f"MaximumMessageSize defaults to 1 MiB ({a['MaximumMessageSize']})")
some = qattrs(url, "VisibilityTimeout", "QueueArn")
check(some == {"VisibilityTimeout": "2", "QueueArn": arn}, "asking for two attributes returns just those two")
check(not sqs.get_queue_attributes(QueueUrl=url).get("Attributes"), "asking for no attributes returns none")
check(counts(url) == (0, 0, 0), "a new queue counts no messages")
c, _ = code(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Bogus"])
check(c == "InvalidAttributeName", f"get_queue_attributes of an unknown name is InvalidAttributeName ({c})")
sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1", "DelaySeconds": "1", "ReceiveMessageWaitTimeSeconds": "0"})
a = qattrs(url, "VisibilityTimeout", "DelaySeconds")
check(a == {"VisibilityTimeout": "1", "DelaySeconds": "1"}, "set_queue_attributes changes VisibilityTimeout and DelaySeconds")
# moto 5.2 validates no value range here (it only checks MaximumMessageSize); real SQS refuses
# out-of-range values with InvalidAttributeValue ("Invalid value for the parameter VisibilityTimeout.").
c, _ = code(sqs.set_queue_attributes, QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
check(c in ("InvalidAttributeValue", "InvalidParameterValue"), f"a VisibilityTimeout over 12 hours is refused ({c})")
c, _ = code(sqs.set_queue_attributes, QueueUrl=url, Attributes={"DelaySeconds": "901"})
check(c in ("InvalidAttributeValue", "InvalidParameterValue"), f"a DelaySeconds over 900 is refused ({c})")
# moto 5.2 silently stores unknown names; real SQS answers InvalidAttributeName ("Unknown Attribute Bogus.").
c, _ = code(sqs.set_queue_attributes, QueueUrl=url, Attributes={"Bogus": "1"})
check(c == "InvalidAttributeName", f"set_queue_attributes of an unknown name is InvalidAttributeName ({c})")
check(qattrs(url, "VisibilityTimeout", "DelaySeconds") == {"VisibilityTimeout": "1", "DelaySeconds": "1"},
      "refused changes leave the attributes as they were")
sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1", "DelaySeconds": "1"})  # a no-op unless one got through

# Tags
check(sqs.list_queue_tags(QueueUrl=url).get("Tags") == {"team": "shop", "env": "dev"}, "create_queue keeps tags")
sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "owner": "ana"})
check(sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "shop", "env": "prod", "owner": "ana"}, "tag_queue adds and replaces tags")
sqs.untag_queue(QueueUrl=url, TagKeys=["team", "absent"])
check(sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod", "owner": "ana"}, "untag_queue removes tags, ignoring absent keys")

# Delays: the queue's DelaySeconds (1 s) and a message's own
sqs.send_message(QueueUrl=url, MessageBody="queue-delayed")
check(recv(url, wait=0) == [] and counts(url) == (0, 0, 1), "a message under the queue's delay is not received and counts as delayed")
got = drain(url, 1, seconds=4)
check([m["Body"] for m in got] == ["queue-delayed"], "it is received once the queue's delay has passed")
sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})
sqs.send_message(QueueUrl=url, MessageBody="own-delay", DelaySeconds=2)
t0 = time.time()
check(recv(url, wait=0) == [] and counts(url) == (0, 0, 1), "a message with DelaySeconds=2 is not received at once")
got = drain(url, 1, seconds=5)
check([m["Body"] for m in got] == ["own-delay"] and time.time() - t0 >= 1.5, f"it is received after its delay ({time.time() - t0:.1f} s)")
sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
check(counts(url) == (0, 0, 0), "a deleted message is no longer counted")

# SendMessage: MD5s and message attributes
body = "héllo ✓ 🚀 {\"k\": [1, 2]}"
attrs = {
    "color": {"DataType": "String", "StringValue": "blue ✓"},
    "price": {"DataType": "Number", "StringValue": "12.50"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
    "kind": {"DataType": "String.custom", "StringValue": "x"},
}
r = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
check(r["MD5OfMessageBody"] == md5(body), "MD5OfMessageBody is the MD5 of the UTF-8 body")
check(r.get("MD5OfMessageAttributes") == attrs_md5(attrs), "MD5OfMessageAttributes follows SQS's attribute digest")
check(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", r["MessageId"]) is not None, "MessageId is a UUID")
plain = sqs.send_message(QueueUrl=url, MessageBody="plain")
check("MD5OfMessageAttributes" not in plain, "a message without attributes has no MD5OfMessageAttributes")
check(counts(url) == (2, 0, 0), "two sent messages count as visible")
c, _ = code(sqs.send_message, QueueUrl=url, MessageBody="x", MessageAttributes={"a": {"DataType": "Bogus", "StringValue": "1"}})
check(c in BAD_VALUE, f"an attribute of an unknown type is refused ({c})")

# ReceiveMessage: attribute selection, system attributes, visibility (the queue's timeout back to 30 s)
sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "30"})
sent_id = r["MessageId"]
both = drain(url, 2, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])
m = [x for x in both if x["MessageId"] == sent_id]
check(len(both) == 2 and len(m) == 1 and m[0]["Body"] == body and m[0]["MD5OfBody"] == md5(body),
      "receive returns the body and its MD5")
m = m[0]
check(m.get("MessageAttributes") == attrs, "MessageAttributeNames=[All] returns every attribute, binary as bytes")
check(m.get("MD5OfMessageAttributes") == attrs_md5(attrs), "the received MD5OfMessageAttributes matches")
sa = m.get("Attributes", {})
now_ms = time.time() * 1000
check(abs(int(sa.get("SentTimestamp", 0)) - now_ms) < 60_000, "SentTimestamp is in epoch milliseconds")
check(int(sa.get("ApproximateFirstReceiveTimestamp", 0)) >= int(sa.get("SentTimestamp", 0)) > 0,
      "ApproximateFirstReceiveTimestamp is present and not before SentTimestamp")
check(sa.get("ApproximateReceiveCount") == "1", "ApproximateReceiveCount is 1 on the first receive")
check(counts(url) == (0, 2, 0), "received messages count as not visible")
check(recv(url, n=10, wait=0) == [], "an in-flight message is not received again")
sqs.delete_message(QueueUrl=url, ReceiptHandle=[x for x in both if x["MessageId"] != sent_id][0]["ReceiptHandle"])
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
got = recv(url, MessageAttributeNames=["color", "absent"], AttributeNames=["All"])  # AttributeNames: the legacy name
check(len(got) == 1 and got[0]["MessageId"] == sent_id, "change_message_visibility 0 makes a message receivable at once")
check(got[0].get("MessageAttributes") == {"color": attrs["color"]}, "a name filter returns only the named attributes")
check(got[0].get("Attributes", {}).get("ApproximateReceiveCount") == "2", "legacy AttributeNames=[All] returns ApproximateReceiveCount 2")
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
got = recv(url)
check(len(got) == 1 and "MessageAttributes" not in got[0] and "Attributes" not in got[0],
      "without MessageAttributeNames or system attribute names none are returned")
sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
sqs.send_message(QueueUrl=url, MessageBody="again")
got = recv(url, VisibilityTimeout=1, MessageSystemAttributeNames=["All"])
check([(x["Body"], x["Attributes"]["ApproximateReceiveCount"]) for x in got] == [("again", "1")], "a message received with VisibilityTimeout=1")
check(recv(url, wait=0) == [], "is not received again at once")
t0 = time.time()
got = drain(url, 1, seconds=5, MessageSystemAttributeNames=["All"])
check([(x["Body"], x["Attributes"]["ApproximateReceiveCount"]) for x in got] == [("again", "2")],
      f"comes back after its 1 s, not the queue's 30 s, with ApproximateReceiveCount 2 ({time.time() - t0:.1f} s)")
sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
check(counts(url) == (0, 0, 0), "deleting the last message empties the queue")
c, _ = code(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
check(c in BAD_VALUE, f"MaxNumberOfMessages=11 is refused ({c})")
c, _ = code(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=0)
check(c in BAD_VALUE, f"MaxNumberOfMessages=0 is refused ({c})")
c, _ = code(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=21)
check(c in BAD_VALUE, f"WaitTimeSeconds=21 is refused ({c})")

# Message size and contents
c, _ = code(sqs.send_message, QueueUrl=url, MessageBody="x" * (1048576 + 1))
check(c in BAD_VALUE + ("MessageTooLong",), f"a body over 1 MiB is refused ({c})")
small = create(f"small-{RUN}", Attributes={"MaximumMessageSize": "262144", "VisibilityTimeout": "1"})
c, _ = code(sqs.send_message, QueueUrl=small, MessageBody="x" * (262144 + 1))
check(c in BAD_VALUE + ("MessageTooLong",), f"a body over the queue's MaximumMessageSize of 256 KiB is refused ({c})")
r = sqs.send_message(QueueUrl=small, MessageBody="y" * 262144)
check(r["MD5OfMessageBody"] == md5("y" * 262144), "a body of exactly MaximumMessageSize is accepted")
big = drain(small, 1)
check(len(big) == 1 and big[0]["Body"] == "y" * 262144, "a 256 KiB body round-trips")
# moto 5.2 checks MaximumMessageSize at create_queue only; real SQS refuses it outside 1,024..1,048,576 here too.
c, _ = code(sqs.set_queue_attributes, QueueUrl=small, Attributes={"MaximumMessageSize": "1023"})
check(c in ("InvalidAttributeValue", "InvalidParameterValue"), f"a MaximumMessageSize under 1 KiB is refused ({c})")
# moto 5.2 accepts any body; real SQS checks the XML character set (#x9 | #xA | #xD | #x20-#xD7FF |
# #xE000-#xFFFD | #x10000-#x10FFFF): "If a message contains characters outside the allowed set,
# Amazon SQS rejects the message and returns an InvalidMessageContents error." (botocore's model)
c, _ = code(sqs.send_message, QueueUrl=small, MessageBody="nul \x00 inside")
check(c in ("InvalidMessageContents", "InvalidParameterValue"), f"a body with a NUL character is refused ({c})")
# moto 5.2 accepts an empty body; for real SQS "The minimum size is one character" (botocore's model),
# answered with MissingParameter ("The request must contain the parameter MessageBody.").
c, _ = code(sqs.send_message, QueueUrl=small, MessageBody="")
check(c in BAD_VALUE + ("MissingParameter",), f"an empty body is refused ({c})")
sqs.delete_queue(QueueUrl=small)

# SendMessageBatch
batch_q = create(f"batch-{RUN}", Attributes={"VisibilityTimeout": "30"})
entries = [{"Id": f"m{i}", "MessageBody": f"body-{i}"} for i in range(10)]
entries[3]["MessageAttributes"] = {"n": {"DataType": "Number", "StringValue": "3"}}
r = sqs.send_message_batch(QueueUrl=batch_q, Entries=entries)
ok = {e["Id"]: e for e in r.get("Successful", [])}
check(sorted(ok) == sorted(e["Id"] for e in entries) and not r.get("Failed"), "a batch of 10 succeeds entry by entry")
check(all(ok[f"m{i}"]["MD5OfMessageBody"] == md5(f"body-{i}") and ok[f"m{i}"]["MessageId"] for i in range(10)),
      "each entry has its MessageId and body MD5")
check(ok["m3"].get("MD5OfMessageAttributes") == attrs_md5(entries[3]["MessageAttributes"]), "an entry with attributes has their MD5")
c, _ = code(sqs.send_message_batch, QueueUrl=batch_q, Entries=[{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)])
check(c in TOO_MANY, f"11 entries are TooManyEntriesInBatchRequest ({c})")
c, _ = code(sqs.send_message_batch, QueueUrl=batch_q, Entries=[{"Id": "same", "MessageBody": "x"}] * 2)
check(c in NOT_DISTINCT, f"repeated Ids are BatchEntryIdsNotDistinct ({c})")
c, _ = code(sqs.send_message_batch, QueueUrl=batch_q, Entries=[])
check(c in EMPTY_BATCH, f"no entries is EmptyBatchRequest ({c})")
c, _ = code(sqs.send_message_batch, QueueUrl=batch_q, Entries=[{"Id": "bad id!", "MessageBody": "x"}])
check(c in BAD_BATCH_ID, f"an Id with a space and '!' is InvalidBatchEntryId ({c})")
check(counts(batch_q) == (10, 0, 0), "refused batches sent nothing")

# ReceiveMessage: up to 10 at once, each message once while invisible
first = recv(batch_q, n=10)
check(1 <= len(first) <= 10, f"MaxNumberOfMessages=10 returns at most 10 ({len(first)})")
got = first + drain(batch_q, 10 - len(first))
check(sorted(m["MessageId"] for m in got) == sorted(e["MessageId"] for e in ok.values()),
      "every message of the batch is received exactly once while in flight")
check(recv(batch_q, n=10, wait=0) == [], "nothing more is received while they are in flight")
check(counts(batch_q) == (0, 10, 0), "ten messages in flight count as not visible")

# ChangeMessageVisibilityBatch, DeleteMessageBatch
two = got[:2]
r = sqs.change_message_visibility_batch(QueueUrl=batch_q, Entries=[
    {"Id": "a", "ReceiptHandle": two[0]["ReceiptHandle"], "VisibilityTimeout": 0},
    {"Id": "b", "ReceiptHandle": two[1]["ReceiptHandle"], "VisibilityTimeout": 0},
    {"Id": "c", "ReceiptHandle": "garbage", "VisibilityTimeout": 0}])
check(sorted(e["Id"] for e in r.get("Successful", [])) == ["a", "b"], "change_message_visibility_batch changes the good entries")
check([(e["Id"], e["Code"] in BAD_HANDLE, e["SenderFault"]) for e in r.get("Failed", [])] == [("c", True, True)],
      "a garbage receipt handle fails its entry alone with ReceiptHandleIsInvalid")
again = drain(batch_q, 2, MessageSystemAttributeNames=["ApproximateReceiveCount"])
check(sorted(m["MessageId"] for m in again) == sorted(m["MessageId"] for m in two)
      and all(m["Attributes"]["ApproximateReceiveCount"] == "2" for m in again), "both are received again at once")
c, _ = code(sqs.delete_message, QueueUrl=batch_q, ReceiptHandle="garbage")
check(c in BAD_HANDLE, f"delete_message with a garbage receipt handle is ReceiptHandleIsInvalid ({c})")
rest = got[2:] + again
r = sqs.delete_message_batch(QueueUrl=batch_q, Entries=[{"Id": "good", "ReceiptHandle": rest[0]["ReceiptHandle"]},
                                                         {"Id": "bad", "ReceiptHandle": "garbage"}])
check([e["Id"] for e in r.get("Successful", [])] == ["good"], "delete_message_batch deletes the good entry")
check([(e["Id"], e["Code"] in BAD_HANDLE) for e in r.get("Failed", [])] == [("bad", True)],
      "and reports the garbage handle as Failed with ReceiptHandleIsInvalid")
r = sqs.delete_message_batch(QueueUrl=batch_q, Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(rest[1:])])
check(len(r.get("Successful", [])) == 9 and not r.get("Failed"), "delete_message_batch deletes nine more")
check(counts(batch_q) == (0, 0, 0), "the queue is empty after the deletes")
c, _ = code(sqs.delete_message_batch, QueueUrl=batch_q, Entries=[])
check(c in EMPTY_BATCH, f"an empty delete_message_batch is EmptyBatchRequest ({c})")

# One bad entry among good ones
r = sqs.send_message_batch(QueueUrl=batch_q, Entries=[{"Id": "g1", "MessageBody": "good-1"},
                                                       {"Id": "late", "MessageBody": "bad", "DelaySeconds": 901},
                                                       {"Id": "g2", "MessageBody": "good-2"}])
check(sorted(e["Id"] for e in r.get("Successful", [])) == ["g1", "g2"], "the good entries of a mixed batch succeed")
failed = r.get("Failed", [])
check([(e["Id"], e["Code"]) for e in failed] == [("late", "InvalidParameterValue")],
      "an entry with DelaySeconds=901 alone fails, with InvalidParameterValue")
# moto 5.2 sends SenderFault as the string "true" here; SenderFault is a boolean in SQS's JSON protocol.
check(failed[0]["SenderFault"] is True, f"its SenderFault is the boolean true ({failed[0]['SenderFault']!r})")
check(counts(batch_q)[0] == 2, "only the good entries were queued")

# PurgeQueue
sqs.purge_queue(QueueUrl=batch_q)
check(counts(batch_q) == (0, 0, 0) and recv(batch_q, n=10, wait=0) == [], "purge_queue empties the queue")

# Long polling
t0 = time.time()
got = recv(batch_q, wait=1)
elapsed = time.time() - t0
check(got == [] and 0.8 <= elapsed <= 3, f"WaitTimeSeconds=1 on an empty queue returns nothing after about 1 s ({elapsed:.2f} s)")


other = boto3.client("sqs")  # made here: creating clients from boto3's default session is not thread-safe


def send_later():
    time.sleep(0.5)
    other.send_message(QueueUrl=batch_q, MessageBody="woke")


th = threading.Thread(target=send_later)
t0 = time.time()
th.start()
got = recv(batch_q, wait=5)
elapsed = time.time() - t0
th.join(timeout=10)
check([m["Body"] for m in got] == ["woke"] and elapsed < 3,
      f"a message sent 0.5 s into a 5 s wait is returned at once ({elapsed:.2f} s)")
sqs.delete_message(QueueUrl=batch_q, ReceiptHandle=got[0]["ReceiptHandle"])

# Redrive to a dead-letter queue
dlq = create(f"dlq-{RUN}")
dlq_arn = qattrs(dlq, "QueueArn")["QueueArn"]
policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}
sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy), "VisibilityTimeout": "1"})
back = json.loads(qattrs(url, "RedrivePolicy").get("RedrivePolicy", "{}"))
check(back.get("deadLetterTargetArn") == dlq_arn and int(back.get("maxReceiveCount", 0)) == 2,
      "RedrivePolicy set as a JSON string reads back")
check(sqs.list_dead_letter_source_queues(QueueUrl=dlq).get("queueUrls") == [url], "list_dead_letter_source_queues lists the source queue")
mid = sqs.send_message(QueueUrl=url, MessageBody="poison")["MessageId"]
r1 = recv(url, MessageSystemAttributeNames=["ApproximateReceiveCount"])
r2 = drain(url, 1, seconds=4, MessageSystemAttributeNames=["ApproximateReceiveCount"])
check([(m["MessageId"], m["Attributes"]["ApproximateReceiveCount"]) for m in r1 + r2] == [(mid, "1"), (mid, "2")],
      "the message is received twice without being deleted")
time.sleep(1.2)  # past the 1 s visibility timeout
check(recv(url, wait=1) == [], "a third receive past maxReceiveCount finds nothing in the source queue")
moved = drain(dlq, 1, seconds=4)
check([(m["MessageId"], m["Body"]) for m in moved] == [(mid, "poison")], "the message is in the DLQ with its MessageId and body")
check(counts(url) == (0, 0, 0), "the source queue no longer counts it")

# Unknown and deleted queues
sqs.delete_queue(QueueUrl=batch_q)
for name, fn, kw in [
    ("send_message", sqs.send_message, {"MessageBody": "x"}),
    ("receive_message", sqs.receive_message, {}),
    ("get_queue_attributes", sqs.get_queue_attributes, {"AttributeNames": ["All"]}),
    ("set_queue_attributes", sqs.set_queue_attributes, {"Attributes": {"DelaySeconds": "0"}}),
    ("purge_queue", sqs.purge_queue, {}),
    ("list_queue_tags", sqs.list_queue_tags, {}),
    ("delete_queue", sqs.delete_queue, {}),
]:
    c, _ = code(fn, QueueUrl=batch_q, **kw)
    check(c in NONEXISTENT, f"{name} on a deleted queue is NonExistentQueue ({c})")
c, _ = code(sqs.send_message, QueueUrl=url.rsplit("/", 1)[0] + f"/never-{RUN}", MessageBody="x")
check(c in NONEXISTENT, f"send_message to a queue that never existed is NonExistentQueue ({c})")

# Redrive back: a message move task returns dead-lettered messages to their source queue.
src = sqs.create_queue(QueueName=f"orders-{RUN}-src")["QueueUrl"]
back = sqs.create_queue(QueueName=f"orders-{RUN}-back")["QueueUrl"]
back_arn = sqs.get_queue_attributes(QueueUrl=back, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sqs.set_queue_attributes(QueueUrl=src, Attributes={
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": back_arn, "maxReceiveCount": 1})})
for i in range(3):
    sqs.send_message(QueueUrl=src, MessageBody=f"redrive {i}")
deadline = time.time() + 10
while time.time() < deadline and sqs.get_queue_attributes(
        QueueUrl=back, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] != "3":
    sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=0)
check(counts(back)[0] == 3, "three messages were dead-lettered")
c, _ = code(sqs.start_message_move_task, SourceArn=src_arn)
check(c == "InvalidParameterValue", f"a move task needs a dead-letter queue as its source ({c})")
c, _ = code(sqs.cancel_message_move_task, TaskHandle="no-such-task")
check(c in ("ResourceNotFoundException", "ResourceNotFound"), f"cancelling an unknown task is refused ({c})")
handle = sqs.start_message_move_task(SourceArn=back_arn, MaxNumberOfMessagesPerSecond=100)["TaskHandle"]
check(bool(handle), "a move task starts and names its handle")
deadline = time.time() + 10
task = {}
while time.time() < deadline:
    task = sqs.list_message_move_tasks(SourceArn=back_arn)["Results"][0]
    if task["Status"] != "RUNNING":
        break
    time.sleep(0.05)
check(task["Status"] == "COMPLETED" and task["ApproximateNumberOfMessagesMoved"] == 3
      and task["ApproximateNumberOfMessagesToMove"] == 3, f"the task completes having moved 3 ({task})")
returned = drain(src, 3)
check(sorted(m["Body"] for m in returned) == ["redrive 0", "redrive 1", "redrive 2"] and counts(back)[0] == 0,
      "the messages are back in their source queue and gone from the dead-letter queue")
for u in (src, back):
    sqs.delete_queue(QueueUrl=u)

for u in (url, dlq):
    sqs.delete_queue(QueueUrl=u)
check(not sqs.list_queues(QueueNamePrefix=f"orders-{RUN}").get("QueueUrls"), "every queue of the run is deleted")
print("all SQS checks passed")
