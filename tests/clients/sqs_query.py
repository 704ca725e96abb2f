"""SQS's query protocol against a running Squall: what boto3 before 1.34, the Java SDK v1, the Go SDK
v1 before late 2023 and hand-written clients send.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure. Every wait is bounded and
the whole run takes a few seconds.

Requests are built by hand: form-encoded `Action=<Op>&Version=2012-11-05&...` bodies (flattened
lists and maps: Attribute.N.Name/Value, AttributeName.N, MessageAttribute.N.Name/Value.*, Tag.N.Key,
<Op>RequestEntry.N.*), signed with botocore's SigV4 signer for service `sqs`, sent with urllib,
answered in XML that ElementTree parses. Errors are `<ErrorResponse><Error><Type/><Code/><Message/>
</Error><RequestId/></ErrorResponse>` with the query protocol's codes.

Validated against moto's server too (AWS_ENDPOINT_URL=http://127.0.0.1:5124 AWS_ACCESS_KEY_ID=x
AWS_SECRET_ACCESS_KEY=x); where moto 5.2 differs from SQS the check says so.
"""
import base64
import hashlib
import os
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import botocore.credentials
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

ENDPOINT = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
REGION = "us-east-1"
NS = "http://queue.amazonaws.com/doc/2012-11-05/"
CREDS = botocore.session.get_session().get_credentials()
RUN = str(int(time.time() * 1000))[-7:]  # queue names unique per run


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


class Reply:
    """An answer: HTTP status, the root element (namespaces stripped) and its namespace."""

    def __init__(self, status, body):
        self.status = status
        self.raw = body
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            root = ET.Element("NotXml")  # fails the caller's check, which prints the status
        self.ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else None
        for el in root.iter():
            el.tag = el.tag.split("}")[-1]
        self.root = root

    def find(self, path):
        return self.root.find(path)

    def text(self, path):
        el = self.root.find(path)
        return None if el is None else (el.text or "")

    def all(self, path):
        return self.root.findall(path)

    def error_code(self):
        return self.text("Error/Code")


def call(action, params=None, url=None, method="POST", creds=None):
    """One signed query-protocol request; `url` defaults to the endpoint's `/`."""
    fields = {"Action": action, "Version": "2012-11-05", **(params or {})}
    encoded = urllib.parse.urlencode(fields, quote_via=urllib.parse.quote)
    target = url or ENDPOINT + "/"
    headers = {}
    if method == "GET":
        target, data = target + "?" + encoded, None
    else:
        data = encoded.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    req = AWSRequest(method=method, url=target, data=data, headers=headers)
    SigV4Auth(creds or CREDS, "sqs", REGION).add_auth(req)
    http_req = urllib.request.Request(target, data=data, headers=dict(req.headers.items()), method=method)
    try:
        with urllib.request.urlopen(http_req, timeout=30) as r:
            return Reply(r.status, r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.read())


def ok(action, params=None, **kw):
    """A call that must succeed: 200 and the query protocol's envelope with a RequestId."""
    r = call(action, params, **kw)
    if r.status != 200 or r.root.tag != f"{action}Response" or r.ns != NS or not r.text("ResponseMetadata/RequestId"):
        check(False, f"{action} answers 200 with <{action}Response xmlns={NS}> and a RequestId: {r.status} {r.raw[:400]!r}")
    return r


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


def pairs(elements, key="Name", value="Value"):
    return {e.findtext(key): e.findtext(value) or "" for e in elements}


def queue_attrs(url, *names):
    params = {f"AttributeName.{i + 1}": n for i, n in enumerate(names or ("All",))}
    params["QueueUrl"] = url
    return pairs(ok("GetQueueAttributes", params).all("GetQueueAttributesResult/Attribute"))


def counts(url):
    a = queue_attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def receive(url, n=1, wait=1, **params):
    r = ok("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": str(n), "WaitTimeSeconds": str(wait), **params})
    return r.all("ReceiveMessageResult/Message")


def drain(url, want, seconds=5, **params):
    """Receive until `want` messages came back or `seconds` passed (bounded)."""
    got, deadline = [], time.time() + seconds
    while len(got) < want and time.time() < deadline:
        got += receive(url, n=min(10, want - len(got)), **params)
    return got


def error(action, params, code, status=400, what="", **kw):
    r = call(action, params, **kw)
    check(r.status == status and r.root.tag == "ErrorResponse" and r.ns == NS and r.error_code() == code
          and r.text("Error/Type") == "Sender" and r.text("Error/Message") and r.text("RequestId"),
          f"{what or action} fails with {code}, HTTP {status}, in the XML error shape "
          f"({r.status} {r.error_code()}: {r.text('Error/Message')})")
    return r


# CreateQueue with attributes and tags, GetQueueUrl, ListQueues
name = f"legacy-{RUN}"
r = ok("CreateQueue", {"QueueName": name, "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "30",
                       "Attribute.2.Name": "MessageRetentionPeriod", "Attribute.2.Value": "3600",
                       "Tag.1.Key": "team", "Tag.1.Value": "shop"})
url = r.text("CreateQueueResult/QueueUrl")
check(url and url.endswith("/" + name), f"CreateQueue answers CreateQueueResult/QueueUrl ({url})")
check(ok("GetQueueUrl", {"QueueName": name}).text("GetQueueUrlResult/QueueUrl") == url, "GetQueueUrl finds it")
other = ok("CreateQueue", {"QueueName": f"legacy-{RUN}-b"}).text("CreateQueueResult/QueueUrl")
listed = [e.text for e in ok("ListQueues", {"QueueNamePrefix": f"legacy-{RUN}"}).all("ListQueuesResult/QueueUrl")]
check(sorted(listed) == sorted([url, other]), f"ListQueues lists both as repeated <QueueUrl> ({len(listed)})")
# moto 5.2 answers a GET without a form Content-Type in JSON; SQS answers the query protocol in XML.
r = ok("ListQueues", {"QueueNamePrefix": f"legacy-{RUN}"}, method="GET")
check(sorted(e.text for e in r.all("ListQueuesResult/QueueUrl")) == sorted(listed), "a GET with a query string works too")
r = ok("ListQueues", {"QueueNamePrefix": f"nothing-{RUN}"})
check(r.find("ListQueuesResult") is not None and not r.all("ListQueuesResult/QueueUrl"),
      "a prefix matching nothing answers an empty ListQueuesResult")

# Get/SetQueueAttributes
a = queue_attrs(url)
check(a.get("VisibilityTimeout") == "30" and a.get("MessageRetentionPeriod") == "3600",
      "GetQueueAttributes AttributeName.1=All returns <Attribute><Name/><Value/> pairs with the created values")
check(a.get("QueueArn", "").endswith(":" + name) and "ApproximateNumberOfMessages" in a, "they include QueueArn and counts")
check(queue_attrs(url, "VisibilityTimeout", "DelaySeconds") == {"VisibilityTimeout": "30", "DelaySeconds": "0"},
      "AttributeName.1 and .2 return just those two")
r = ok("SetQueueAttributes", {"QueueUrl": url, "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "20",
                              "Attribute.2.Name": "ReceiveMessageWaitTimeSeconds", "Attribute.2.Value": "0"})
check(r.find("SetQueueAttributesResult") is None, "SetQueueAttributes answers no result element, only ResponseMetadata")
check(queue_attrs(url, "VisibilityTimeout")["VisibilityTimeout"] == "20", "SetQueueAttributes changes VisibilityTimeout")

# SendMessage with String and Binary message attributes
body = "héllo <b>&amp; ✓ 🚀 \"quoted\" 'x'\nline two"
blob = b"\x00\x01\xfe\xff<&>"
attrs = {"color": {"DataType": "String", "StringValue": "blue <✓>"},
         "price": {"DataType": "Number", "StringValue": "12.50"},
         "blob": {"DataType": "Binary", "BinaryValue": blob}}
params = {"QueueUrl": url, "MessageBody": body}
for i, (n, v) in enumerate(sorted(attrs.items()), 1):
    params[f"MessageAttribute.{i}.Name"] = n
    params[f"MessageAttribute.{i}.Value.DataType"] = v["DataType"]
    if "StringValue" in v:
        params[f"MessageAttribute.{i}.Value.StringValue"] = v["StringValue"]
    else:
        params[f"MessageAttribute.{i}.Value.BinaryValue"] = base64.b64encode(v["BinaryValue"]).decode()
r = ok("SendMessage", params)
sent_id = r.text("SendMessageResult/MessageId")
check(sent_id and len(sent_id) == 36, f"SendMessage answers a MessageId ({sent_id})")
check(r.text("SendMessageResult/MD5OfMessageBody") == md5(body), "MD5OfMessageBody is the MD5 of the UTF-8 body")
check(r.text("SendMessageResult/MD5OfMessageAttributes") == attrs_md5(attrs),
      "MD5OfMessageAttributes follows SQS's attribute digest (String, Number and Binary)")
plain = ok("SendMessage", {"QueueUrl": url, "MessageBody": "plain"})
check(plain.find("SendMessageResult/MD5OfMessageAttributes") is None, "a message without attributes has no MD5OfMessageAttributes")
check(counts(url) == (2, 0), "two messages are visible")

# ReceiveMessage: everything, ChangeMessageVisibility, DeleteMessage
msgs = []
deadline = time.time() + 5
while len(msgs) < 2 and time.time() < deadline:
    msgs += receive(url, n=10, **{"AttributeName.1": "All", "MessageAttributeName.1": "All"})
check(len(msgs) == 2, f"ReceiveMessage with AttributeName.1=All, MessageAttributeName.1=All, WaitTimeSeconds=1 "
                      f"returns both messages ({len(msgs)})")
m = [x for x in msgs if x.findtext("MessageId") == sent_id]
check(len(m) == 1, "one of them is the message with attributes")
m = m[0]
check(m.findtext("Body") == body and m.findtext("MD5OfBody") == md5(body),
      "its Body (with <, &, quotes and a newline) round-trips and MD5OfBody matches")
check(m.findtext("ReceiptHandle"), "it has a ReceiptHandle")
sa = pairs(m.findall("Attribute"))
check(sa.get("ApproximateReceiveCount") == "1" and abs(int(sa.get("SentTimestamp", "0")) - time.time() * 1000) < 60_000,
      f"its <Attribute> pairs include ApproximateReceiveCount=1 and SentTimestamp ({sorted(sa)})")
back = {}
for ma in m.findall("MessageAttribute"):
    v = ma.find("Value")
    entry = {"DataType": v.findtext("DataType")}
    if v.find("StringValue") is not None:
        entry["StringValue"] = v.findtext("StringValue")
    if v.find("BinaryValue") is not None:
        entry["BinaryValue"] = base64.b64decode(v.findtext("BinaryValue"))
    back[ma.findtext("Name")] = entry
check(back == attrs, "its <MessageAttribute> elements give every attribute back, binary as base64")
check(m.findtext("MD5OfMessageAttributes") == attrs_md5(attrs), "the received MD5OfMessageAttributes matches")
p = [x for x in msgs if x.findtext("MessageId") != sent_id][0]
check(p.find("MessageAttribute") is None and p.find("MD5OfMessageAttributes") is None,
      "the plain message has no message attributes")
check(counts(url) == (0, 2), "received messages are in flight")
r = ok("ChangeMessageVisibility", {"QueueUrl": url, "ReceiptHandle": m.findtext("ReceiptHandle"), "VisibilityTimeout": "0"})
check(r.find("ChangeMessageVisibilityResult") is None, "ChangeMessageVisibility answers no result element")
again = drain(url, 1, **{"AttributeName.1": "ApproximateReceiveCount"})
check([(x.findtext("MessageId"), pairs(x.findall("Attribute")).get("ApproximateReceiveCount")) for x in again]
      == [(sent_id, "2")], "VisibilityTimeout=0 makes it visible again at once (received a second time)")
for x in (again[0], p):
    r = ok("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": x.findtext("ReceiptHandle")})
    check(r.find("DeleteMessageResult") is None, "DeleteMessage answers no result element")
check(counts(url) == (0, 0), "both are deleted")

# Batches: SendMessageBatch with one failing entry, ChangeMessageVisibilityBatch, DeleteMessageBatch
r = ok("SendMessageBatch", {
    "QueueUrl": url,
    "SendMessageBatchRequestEntry.1.Id": "g1", "SendMessageBatchRequestEntry.1.MessageBody": "good-1",
    "SendMessageBatchRequestEntry.2.Id": "late", "SendMessageBatchRequestEntry.2.MessageBody": "bad",
    "SendMessageBatchRequestEntry.2.DelaySeconds": "901",
    "SendMessageBatchRequestEntry.3.Id": "g2", "SendMessageBatchRequestEntry.3.MessageBody": "good-2",
    "SendMessageBatchRequestEntry.3.MessageAttribute.1.Name": "n",
    "SendMessageBatchRequestEntry.3.MessageAttribute.1.Value.DataType": "Number",
    "SendMessageBatchRequestEntry.3.MessageAttribute.1.Value.StringValue": "3",
})
okd = {e.findtext("Id"): e for e in r.all("SendMessageBatchResult/SendMessageBatchResultEntry")}
check(sorted(okd) == ["g1", "g2"] and all(okd[i].findtext("MessageId") for i in okd),
      "SendMessageBatch answers a SendMessageBatchResultEntry with a MessageId per good entry")
check(okd["g1"].findtext("MD5OfMessageBody") == md5("good-1")
      and okd["g2"].findtext("MD5OfMessageAttributes") == attrs_md5({"n": {"DataType": "Number", "StringValue": "3"}}),
      "entries carry MD5OfMessageBody and, with attributes, MD5OfMessageAttributes")
failed = [(e.findtext("Id"), e.findtext("Code"), e.findtext("SenderFault"))
          for e in r.all("SendMessageBatchResult/BatchResultErrorEntry")]
check(failed == [("late", "InvalidParameterValue", "true")],
      f"the DelaySeconds=901 entry alone fails in a BatchResultErrorEntry with SenderFault true ({failed})")
got = drain(url, 2)
check(len(got) == 2, "both sent messages are received")
r = ok("ChangeMessageVisibilityBatch", {
    "QueueUrl": url,
    "ChangeMessageVisibilityBatchRequestEntry.1.Id": "a",
    "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle": got[0].findtext("ReceiptHandle"),
    "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout": "0",
    "ChangeMessageVisibilityBatchRequestEntry.2.Id": "forged",
    "ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle": "garbage",
    "ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout": "0",
})
check([e.findtext("Id") for e in r.all("ChangeMessageVisibilityBatchResult/ChangeMessageVisibilityBatchResultEntry")] == ["a"],
      "ChangeMessageVisibilityBatch answers a ChangeMessageVisibilityBatchResultEntry for the good entry")
failed = [(e.findtext("Id"), e.findtext("Code"), e.findtext("SenderFault"))
          for e in r.all("ChangeMessageVisibilityBatchResult/BatchResultErrorEntry")]
check(failed == [("forged", "ReceiptHandleIsInvalid", "true")], f"and a BatchResultErrorEntry for the forged handle ({failed})")
got = [got[1]] + drain(url, 1)
check(len(got) == 2, "the message made visible is received again")
r = ok("DeleteMessageBatch", {
    "QueueUrl": url,
    "DeleteMessageBatchRequestEntry.1.Id": "d1", "DeleteMessageBatchRequestEntry.1.ReceiptHandle": got[0].findtext("ReceiptHandle"),
    "DeleteMessageBatchRequestEntry.2.Id": "d2", "DeleteMessageBatchRequestEntry.2.ReceiptHandle": got[1].findtext("ReceiptHandle"),
    "DeleteMessageBatchRequestEntry.3.Id": "forged", "DeleteMessageBatchRequestEntry.3.ReceiptHandle": "garbage",
})
check(sorted(e.findtext("Id") for e in r.all("DeleteMessageBatchResult/DeleteMessageBatchResultEntry")) == ["d1", "d2"],
      "DeleteMessageBatch answers a DeleteMessageBatchResultEntry per deleted message")
failed = [(e.findtext("Id"), e.findtext("Code")) for e in r.all("DeleteMessageBatchResult/BatchResultErrorEntry")]
check(failed == [("forged", "ReceiptHandleIsInvalid")], f"and a BatchResultErrorEntry for the forged handle ({failed})")
check(counts(url) == (0, 0), "the queue is empty")
error("SendMessageBatch", {"QueueUrl": url, **{f"SendMessageBatchRequestEntry.{i}.{k}": v for i in range(1, 12)
                                              for k, v in (("Id", f"e{i}"), ("MessageBody", "x"))}},
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", what="SendMessageBatch of 11 entries")

# Tags
check(pairs(ok("ListQueueTags", {"QueueUrl": url}).all("ListQueueTagsResult/Tag"), "Key", "Value") == {"team": "shop"},
      "ListQueueTags returns the tags given at creation as <Tag><Key/><Value/>")
r = ok("TagQueue", {"QueueUrl": url, "Tag.1.Key": "env", "Tag.1.Value": "prod", "Tag.2.Key": "team", "Tag.2.Value": "ops"})
check(r.find("TagQueueResult") is None, "TagQueue answers no result element")
check(pairs(ok("ListQueueTags", {"QueueUrl": url}).all("ListQueueTagsResult/Tag"), "Key", "Value")
      == {"team": "ops", "env": "prod"}, "TagQueue adds and replaces tags")
ok("UntagQueue", {"QueueUrl": url, "TagKey.1": "team", "TagKey.2": "absent"})
check(pairs(ok("ListQueueTags", {"QueueUrl": url}).all("ListQueueTagsResult/Tag"), "Key", "Value") == {"env": "prod"},
      "UntagQueue removes tags")

# Dead-letter sources
arn = queue_attrs(other, "QueueArn")["QueueArn"]
ok("SetQueueAttributes", {"QueueUrl": url, "Attribute.1.Name": "RedrivePolicy",
                          "Attribute.1.Value": f'{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"5"}}'})
r = ok("ListDeadLetterSourceQueues", {"QueueUrl": other})
check([e.text for e in r.all("ListDeadLetterSourceQueuesResult/QueueUrl")] == [url],
      "ListDeadLetterSourceQueues lists the source queue as <QueueUrl>")

# Requests sent to the queue's URL name the queue by their path
r = ok("SendMessage", {"MessageBody": "by-path"}, url=url)
check(r.text("SendMessageResult/MD5OfMessageBody") == md5("by-path"), "SendMessage POSTed to the queue URL without QueueUrl")
got = drain(url, 1)
check([x.findtext("Body") for x in got] == ["by-path"], "the message sent by path is in that queue")
r = ok("GetQueueAttributes", {"AttributeName.1": "ApproximateNumberOfMessagesNotVisible"}, url=url)
check(pairs(r.all("GetQueueAttributesResult/Attribute")) == {"ApproximateNumberOfMessagesNotVisible": "1"},
      "GetQueueAttributes POSTed to the queue URL reads that queue")

# PurgeQueue
ok("SendMessage", {"QueueUrl": url, "MessageBody": "to-purge"})
r = ok("PurgeQueue", {"QueueUrl": url})
check(r.find("PurgeQueueResult") is None, "PurgeQueue answers no result element")
check(counts(url) == (0, 0), "PurgeQueue empties the queue")

# Errors
base = url.rsplit("/", 1)[0]
error("GetQueueUrl", {"QueueName": f"nobody-{RUN}"}, "AWS.SimpleQueueService.NonExistentQueue",
      what="GetQueueUrl of an unknown queue")
error("SendMessage", {"QueueUrl": f"{base}/nobody-{RUN}", "MessageBody": "x"}, "AWS.SimpleQueueService.NonExistentQueue",
      what="SendMessage to an unknown queue")
error("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": "forged-handle"}, "ReceiptHandleIsInvalid",
      what="DeleteMessage with a forged receipt handle")
# moto 5.2 answers an unknown Action with a 500 and an HTML page; SQS's common errors list
# InvalidAction ("The action or operation requested is invalid."), HTTP 400.
error("FrobnicateQueue", {}, "InvalidAction", what="an unknown Action")
# moto 5.2 does not check signatures; SQS answers a bad one with SignatureDoesNotMatch, HTTP 403.
forged = botocore.credentials.Credentials(CREDS.access_key, "not-the-secret")
r = call("ListQueues", creds=forged)
check(r.status == 403 and r.root.tag == "ErrorResponse" and r.error_code() == "SignatureDoesNotMatch"
      and r.text("Error/Type") == "Sender",
      f"a request signed with the wrong secret fails with SignatureDoesNotMatch, HTTP 403, in the XML error shape "
      f"({r.status} {r.error_code()})")
error("CreateQueue", {"QueueName": name, "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "5"},
      "QueueAlreadyExists", what="CreateQueue of an existing name with other attributes")

# DeleteQueue
for u in (url, other):
    r = ok("DeleteQueue", {"QueueUrl": u})
    check(r.find("DeleteQueueResult") is None, "DeleteQueue answers no result element")
error("GetQueueUrl", {"QueueName": name}, "AWS.SimpleQueueService.NonExistentQueue", what="GetQueueUrl of a deleted queue")
print("all SQS query checks passed")
