"""How the api port tells its services apart, and refuses in each one's own shape, against a
running Squall: requests signed for one service but addressed to another, unknown targets and
operations, refusals on S3 paths before a signature is understood, body limits, the unsigned
health check.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure. Requests are signed by
hand with botocore's SigV4 signer so the signature's service can differ from the addressee."""
import json
import os
import sys
import urllib.error
import urllib.request

import botocore.credentials
import botocore.session
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest

ENDPOINT = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
CREDS = botocore.session.get_session().get_credentials()


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def send(method, path, body=b"", headers=None, sign_for=None):
    """(status, headers, body) of a request, signed for `sign_for` when given."""
    req = AWSRequest(method=method, url=ENDPOINT + path, data=body, headers=headers or {})
    if sign_for:
        SigV4Auth(CREDS, sign_for, "us-east-1").add_auth(req)
    prepared = req.prepare()
    r = urllib.request.Request(prepared.url, data=body or None, method=method, headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def json_type(body):
    return json.loads(body).get("__type", "")


ddb = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}
status, _, body = send("POST", "/", b"{}", ddb, sign_for="dynamodb")
check(status == 200 and "TableNames" in json.loads(body), "a DynamoDB call signed for dynamodb is served")

status, _, body = send("POST", "/", b"{}", ddb, sign_for="lambda")
check(status == 403 and json_type(body).endswith("#InvalidSignatureException")
      and "scoped to correct service: 'dynamodb'" in json.loads(body)["message"],
      f"a DynamoDB call signed for lambda is InvalidSignatureException in DynamoDB's shape ({status} {body[:200]!r})")

status, headers, body = send("GET", "/2015-03-31/functions/", sign_for="dynamodb")
check(status == 403 and headers.get("x-amzn-ErrorType") == "InvalidSignatureException"
      and b"scoped to correct service: 'lambda'" in body, f"a Lambda call signed for dynamodb is refused in Lambda's shape ({status})")

status, headers, body = send("POST", "/", b"{}", {"X-Amz-Target": "DynamoDB_20120810.Frobnicate",
                                                 "Content-Type": "application/x-amz-json-1.0"}, sign_for="dynamodb")
check(status == 400 and json_type(body).endswith("#UnknownOperationException"),
      f"an unknown DynamoDB operation is UnknownOperationException in DynamoDB's shape ({status} {body[:200]!r})")

status, _, body = send("POST", "/", b"{}", {"X-Amz-Target": "Kinesis_20131202.PutRecord",
                                           "Content-Type": "application/x-amz-json-1.1"}, sign_for="kinesis")
check(status == 400 and json_type(body) == "UnknownOperationException",
      f"a target of a service Squall does not speak is UnknownOperationException ({status} {body[:200]!r})")

status, headers, body = send("POST", "/", b"{}", {"X-Amz-Target": "AmazonSSM.SendCommand",
                                                 "Content-Type": "application/x-amz-json-1.1"}, sign_for="ssm")
check(status == 400 and json_type(body) == "UnknownOperationException"
      and headers.get("content-type") == "application/x-amz-json-1.1",
      f"an SSM operation outside Parameter Store is refused in awsJson1.1's shape ({status} {body[:200]!r})")

status, _, body = send("POST", "/", b"{}", {"Content-Type": "application/x-amz-json-1.0"}, sign_for="dynamodb")
check(status == 400 and json_type(body).endswith("#UnknownOperationException"),
      f"a request signed for dynamodb without a target is refused in DynamoDB's shape ({status} {body[:200]!r})")

form = {"Content-Type": "application/x-www-form-urlencoded"}
status, headers, body = send("POST", "/", b"Action=Frobnicate&Version=2010-03-31", form, sign_for="sns")
check(status == 400 and b"<ErrorResponse" in body and b"<Code>InvalidAction</Code>" in body,
      f"an unknown SNS action is InvalidAction in the query protocol's XML ({status} {body[:200]!r})")

wrong = botocore.credentials.Credentials(CREDS.access_key, "not-the-secret")
req = AWSRequest(method="POST", url=ENDPOINT + "/", data=b"Action=ListTopics&Version=2010-03-31", headers=dict(form))
SigV4Auth(wrong, "sns", "us-east-1").add_auth(req)
p = req.prepare()
try:
    urllib.request.urlopen(urllib.request.Request(p.url, data=p.body, method="POST", headers=dict(p.headers)), timeout=30)
    check(False, "a wrong SNS signature is refused")
except urllib.error.HTTPError as e:
    body = e.read()
    check(e.code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body,
          f"a wrong SNS signature is SignatureDoesNotMatch in XML ({e.code} {body[:200]!r})")

status, _, body = send("PUT", "/some-bucket/key", b"x", {"Authorization": "AWS4-HMAC-SHA256 garbage"})
check(400 <= status < 500 and body.lstrip().startswith(b"<?xml") and b"<Error>" in body,
      f"a malformed signature on an S3 path is refused in S3's XML ({status} {body[:200]!r})")

big = b"{" + b" " * (17 << 20) + b"}"
status, _, body = send("POST", "/", big, ddb, sign_for="dynamodb")
check(status == 413, f"a DynamoDB request over 16 MiB is refused with 413 ({status})")

# SigV4 in the query string, as presigned-style SQS requests (and LocalStack's recorded tests) send it.
def presigned(path, creds=CREDS):
    req = AWSRequest(method="GET", url=ENDPOINT + path)
    SigV4QueryAuth(creds, "sqs", "us-east-1", expires=300).add_auth(req)
    return req.prepare().url


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


status, body = get(presigned("/?Action=ListQueues&Version=2012-11-05"))
check(status == 200 and b"<ListQueuesResponse" in body, f"an SQS query request signed in its query string is served ({status} {body[:300]!r})")
status, body = get(presigned("/?Action=ListQueues&Version=2012-11-05", wrong))
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body,
      f"a wrong query-string signature is SignatureDoesNotMatch ({status} {body[:300]!r})")
status, body = get(presigned("/?Action=ListQueues&Version=2012-11-05").replace("ListQueues", "ListQueues&QueueNamePrefix=x"))
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, f"a parameter added after signing is refused ({status})")

# Booleans in attributes, in any case (AWS takes `True`, as CloudFormation templates write it).
import boto3  # noqa: E402
sqs, sns = boto3.client("sqs"), boto3.client("sns")
url = sqs.create_queue(QueueName="cased.fifo", Attributes={"FifoQueue": "True", "ContentBasedDeduplication": "TRUE"})["QueueUrl"]
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
check(attrs["FifoQueue"] == "true" and attrs["ContentBasedDeduplication"] == "true", f"FifoQueue: True is a FIFO queue ({attrs})")
topic = sns.create_topic(Name="cased")["TopicArn"]
sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:plain",
                    Attributes={"RawMessageDelivery": "True"}, ReturnSubscriptionArn=True)["SubscriptionArn"]
got = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
check(got["RawMessageDelivery"] == "true", f"RawMessageDelivery: True is raw delivery ({got})")

# SQS's JSON protocol names a bad value InvalidParameterValueException (as AWS does), and gives
# query clients InvalidParameterValue in x-amzn-query-error, which botocore reports.
sqs_json = {"X-Amz-Target": "AmazonSQS.ReceiveMessage", "Content-Type": "application/x-amz-json-1.0"}
status, headers, body = send("POST", "/", json.dumps({"QueueUrl": url, "MaxNumberOfMessages": 11}).encode(), sqs_json, sign_for="sqs")
check(status == 400 and json_type(body) == "com.amazonaws.sqs#InvalidParameterValueException"
      and headers.get("x-amzn-query-error") == "InvalidParameterValue;Sender",
      f"an SQS JSON error carries AWS's type and query code ({status} {headers.get('x-amzn-query-error')} {body[:200]!r})")

# Encryption Squall would not apply is refused, not stored as if it were.
from botocore.exceptions import ClientError  # noqa: E402


def refused(fn, code, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"] == code
    return False


check(refused(sqs.create_queue, "InvalidAttributeValue", QueueName="kms", Attributes={"KmsMasterKeyId": "alias/aws/sqs"}),
      "an SQS queue with a KMS key is refused")
url = sqs.create_queue(QueueName="sse", Attributes={"SqsManagedSseEnabled": "true"})["QueueUrl"]
check(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]["SqsManagedSseEnabled"] == "false",
      "SqsManagedSseEnabled (sent by Terraform on every queue) is taken and reported as false: messages are not encrypted")
check(refused(sns.create_topic, "InvalidParameter", Name="kms", Attributes={"KmsMasterKeyId": "alias/aws/sns"}),
      "an SNS topic with a KMS key is refused")
ddb_client = boto3.client("dynamodb")
check(refused(ddb_client.create_table, "ValidationException", TableName="kms",
              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
              SSESpecification={"Enabled": True, "SSEType": "KMS"}), "a DynamoDB table with a KMS key is refused")
check(refused(ddb_client.create_table, "ValidationException", TableName="kms",
              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
              SSESpecification={"SSEType": "KMS", "KMSMasterKeyId": "alias/k"}),
      "a KMS key without Enabled is refused too")
check("kms" not in ddb_client.list_tables()["TableNames"], "and not created")

status, _, body = send("GET", "/")
check(status == 200 and body.startswith(b"healthy"), f"an unsigned GET / is the health check ({status} {body!r})")

print("all protocol checks passed")
