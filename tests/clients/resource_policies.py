"""Resources' own policies through boto3 against a running Squall: a function's policy (AddPermission,
GetPolicy, RemovePermission), a queue's `Policy`
attribute, a topic's `Policy` attribute and a bucket policy (Put/Get/DeleteBucketPolicy) grant
a user without identity policies what they name and nothing else; an explicit Deny in a bucket
policy binds even the account root, which may still remove the policy; policies IAM or S3
would refuse are refused.

Run by the end-to-end tests with AWS_ENDPOINT_URL, the root's key and AWS_DEFAULT_REGION=us-east-1
in the environment; exits non-zero with the failing check on the first failure.
"""
import io
import json
import os
import urllib.error
import urllib.request
import zipfile

import boto3
from iam_common import ACCOUNT, CONFIG, check, error_of, policy

iam, sqs, sns, s3 = (boto3.client(s, config=CONFIG) for s in ("iam", "sqs", "sns", "s3"))


iam.create_user(UserName="cy")
key = iam.create_access_key(UserName="cy")["AccessKey"]
cy_arn = f"arn:aws:iam::{ACCOUNT}:user/cy"
as_cy = lambda service: boto3.client(  # noqa: E731
    service, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], config=CONFIG
)
c_sqs, c_sns, c_s3 = as_cy("sqs"), as_cy("sns"), as_cy("s3")

# A queue policy naming the user grants it SendMessage, and only that.
url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:inbox"
code, _ = error_of(c_sqs.send_message, QueueUrl=url, MessageBody="m")
check(code == "AccessDenied", "no policy, no send")
grant = policy({"Effect": "Allow", "Principal": {"AWS": cy_arn}, "Action": "sqs:SendMessage", "Resource": queue_arn})
sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": grant})
c_sqs.send_message(QueueUrl=url, MessageBody="m")
check(True, "the queue policy grants the user SendMessage")
code, _ = error_of(c_sqs.receive_message, QueueUrl=url)
check(code == "AccessDenied", "... and nothing else")
check(json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]) == json.loads(grant),
      "GetQueueAttributes reports the policy")
code, _ = error_of(sqs.set_queue_attributes, QueueUrl=url, Attributes={"Policy": '{"Statement": [{"Effect": "Allow"}]}'})
check(code == "InvalidAttributeValue", f"a malformed queue policy is refused ({code})")
sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
code, _ = error_of(c_sqs.send_message, QueueUrl=url, MessageBody="m")
check(code == "AccessDenied", "an empty Policy removes it")

# A topic policy the same way.
topic = sns.create_topic(Name="news")["TopicArn"]
code, _ = error_of(c_sns.publish, TopicArn=topic, Message="m")
check(code == "AuthorizationError", "no topic policy, no publish")
sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=policy(
    {"Effect": "Allow", "Principal": {"AWS": cy_arn}, "Action": "sns:Publish", "Resource": topic}))
c_sns.publish(TopicArn=topic, Message="m")
check(True, "the topic policy grants the user Publish")
code, _ = error_of(sns.set_topic_attributes, TopicArn=topic, AttributeName="Policy", AttributeValue='{"Statement": 5}')
check(code == "InvalidParameter", f"a malformed topic policy is refused ({code})")

# Bucket policies.
s3.create_bucket(Bucket="shared-docs")
s3.put_object(Bucket="shared-docs", Key="public/a.txt", Body=b"a")
s3.put_object(Bucket="shared-docs", Key="private/b.txt", Body=b"b")
code, _ = error_of(s3.get_bucket_policy, Bucket="shared-docs")
check(code == "NoSuchBucketPolicy", "a bucket without a policy")
readers = policy({"Effect": "Allow", "Principal": {"AWS": cy_arn}, "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::shared-docs/public/*"})
s3.put_bucket_policy(Bucket="shared-docs", Policy=readers)
check(json.loads(s3.get_bucket_policy(Bucket="shared-docs")["Policy"]) == json.loads(readers), "GetBucketPolicy")
check(c_s3.get_object(Bucket="shared-docs", Key="public/a.txt")["Body"].read() == b"a", "the bucket policy grants a read")
code, _ = error_of(c_s3.get_object, Bucket="shared-docs", Key="private/b.txt")
check(code == "AccessDenied", "... of what it names only")
code, message = error_of(s3.put_bucket_policy, Bucket="shared-docs", Policy=policy(
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/*"}))
check(code == "MalformedPolicy" and "other-bucket" in message, f"a policy on another bucket is refused ({message})")
code, _ = error_of(s3.put_bucket_policy, Bucket="shared-docs", Policy='{"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}')
check(code == "MalformedPolicy", "a policy without a principal is refused")

# Anonymous requests get what the policy grants everyone (a public prefix), nothing else.
ENDPOINT = os.environ["AWS_ENDPOINT_URL"].rstrip("/")


def anonymous_get(path):
    try:
        with urllib.request.urlopen(ENDPOINT + path, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


status, _ = anonymous_get("/shared-docs/public/a.txt")
check(status == 403, f"no public grant, no anonymous read ({status})")
s3.put_bucket_policy(Bucket="shared-docs", Policy=policy(
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-docs/public/*"}))
status, body = anonymous_get("/shared-docs/public/a.txt")
check(status == 200 and body == b"a", f"a public-read policy serves anonymous GETs ({status})")
status, body = anonymous_get("/shared-docs/private/b.txt")
check(status == 403 and b"AccessDenied" in body, f"... of the public prefix only ({status})")
status, _ = anonymous_get("/shared-docs?list-type=2")
check(status == 403, "... and no anonymous listing")

# An explicit Deny binds the root too; the root may still remove the policy.
s3.put_bucket_policy(Bucket="shared-docs", Policy=policy(
    {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::shared-docs/*"}))
code, message = error_of(s3.delete_object, Bucket="shared-docs", Key="public/a.txt")
check(code == "AccessDenied" and "explicit deny in a resource-based policy" in message, f"the root is denied ({message})")
s3.delete_bucket_policy(Bucket="shared-docs")
s3.delete_object(Bucket="shared-docs", Key="public/a.txt")
check(True, "once the policy is gone the root deletes again")
# A function's resource policy: AddPermission grants another principal Invoke.
lam, c_lam = boto3.client("lambda", config=CONFIG), as_cy("lambda")
package = io.BytesIO()
with zipfile.ZipFile(package, "w") as z:
    z.writestr("handler.py", "def main(event, context):\n    return {'hello': event.get('who')}\n")
lam.create_function(FunctionName="greeter", Runtime="python3.11", Handler="handler.main",
                    Role=f"arn:aws:iam::{ACCOUNT}:role/greeter", Code={"ZipFile": package.getvalue()})
payload = json.dumps({"who": "cy"})
code, message = error_of(c_lam.invoke, FunctionName="greeter", Payload=payload)
check(code == "AccessDeniedException" and "lambda:InvokeFunction" in message, f"no permission, no invoke ({message})")
code, _ = error_of(lam.get_policy, FunctionName="greeter")
check(code == "ResourceNotFoundException", "a function without a policy")
added = lam.add_permission(FunctionName="greeter", StatementId="cy-invokes", Action="lambda:InvokeFunction",
                           Principal=cy_arn)
check(json.loads(added["Statement"])["Principal"] == {"AWS": cy_arn}, "AddPermission answers the statement")
out = c_lam.invoke(FunctionName="greeter", Payload=payload)
check(json.loads(out["Payload"].read()) == {"hello": "cy"}, "the function's policy grants the user Invoke")
code, _ = error_of(c_lam.get_function, FunctionName="greeter")
check(code == "AccessDeniedException", "... and nothing else")
doc = json.loads(lam.get_policy(FunctionName="greeter")["Policy"])
check([st["Sid"] for st in doc["Statement"]] == ["cy-invokes"], "GetPolicy")
code, _ = error_of(lam.add_permission, FunctionName="greeter", StatementId="cy-invokes", Action="lambda:InvokeFunction",
                   Principal=cy_arn)
check(code == "ResourceConflictException", "a statement id twice is refused")
lam.add_permission(FunctionName="greeter", StatementId="from-bucket", Action="lambda:InvokeFunction",
                   Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::shared-docs", SourceAccount=ACCOUNT)
doc = json.loads(lam.get_policy(FunctionName="greeter")["Policy"])
s3_statement = next(st for st in doc["Statement"] if st["Sid"] == "from-bucket")
check(s3_statement["Condition"]["ArnLike"]["AWS:SourceArn"] == "arn:aws:s3:::shared-docs", "a service's grant and its conditions")
lam.remove_permission(FunctionName="greeter", StatementId="cy-invokes")
code, _ = error_of(c_lam.invoke, FunctionName="greeter", Payload=payload)
check(code == "AccessDeniedException", "RemovePermission takes the grant away")
code, _ = error_of(lam.remove_permission, FunctionName="greeter", StatementId="cy-invokes")
check(code == "ResourceNotFoundException", "removing it twice")

# Deliveries between services answer to the target's policy: a bucket's events to a
# function or a queue, a topic's messages to a queue.
bucket_arn = "arn:aws:s3:::shared-docs"
greeter_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:greeter"


def notify(**kinds):
    s3.put_bucket_notification_configuration(Bucket="shared-docs", NotificationConfiguration=kinds)


lam.remove_permission(FunctionName="greeter", StatementId="from-bucket")
lam.add_permission(FunctionName="greeter", StatementId="from-elsewhere", Action="lambda:InvokeFunction",
                   Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::elsewhere")
code, message = error_of(notify, LambdaFunctionConfigurations=[
    {"LambdaFunctionArn": greeter_arn, "Events": ["s3:ObjectCreated:*"]}])
check(code == "InvalidArgument" and "Unable to validate the following destination configurations" in message
      and "s3.amazonaws.com" in message, f"a function whose policy lets S3 in for another bucket is refused ({message})")
lam.add_permission(FunctionName="greeter", StatementId="from-docs", Action="lambda:InvokeFunction",
                   Principal="s3.amazonaws.com", SourceArn=bucket_arn)
notify(LambdaFunctionConfigurations=[{"LambdaFunctionArn": greeter_arn, "Events": ["s3:ObjectCreated:*"]}])
check(True, "once the function's policy names the bucket, S3 may deliver to it")

events_url = sqs.create_queue(QueueName="bucket-events")["QueueUrl"]
events_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:bucket-events"
only_cy = policy({"Effect": "Allow", "Principal": {"AWS": cy_arn}, "Action": "sqs:SendMessage", "Resource": events_arn})
sqs.set_queue_attributes(QueueUrl=events_url, Attributes={"Policy": only_cy})
code, message = error_of(notify, QueueConfigurations=[{"QueueArn": events_arn, "Events": ["s3:ObjectCreated:*"]}])
check(code == "InvalidArgument", f"a queue whose policy does not let S3 send is refused ({message})")
from_s3 = policy({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
                  "Resource": events_arn, "Condition": {"ArnLike": {"aws:SourceArn": bucket_arn}}})
sqs.set_queue_attributes(QueueUrl=events_url, Attributes={"Policy": from_s3})
notify(QueueConfigurations=[{"QueueArn": events_arn, "Events": ["s3:ObjectCreated:*"]}])
s3.put_object(Bucket="shared-docs", Key="public/new.txt", Body=b"n")
got = sqs.receive_message(QueueUrl=events_url, WaitTimeSeconds=10).get("Messages", [])
check(len(got) == 1 and "public/new.txt" in got[0]["Body"], "the queue's policy lets the bucket's event in")
# A grant taken away afterwards stops the deliveries (the event is dropped, as on S3).
sqs.set_queue_attributes(QueueUrl=events_url, Attributes={"Policy": only_cy})
sqs.delete_message(QueueUrl=events_url, ReceiptHandle=got[0]["ReceiptHandle"])
s3.put_object(Bucket="shared-docs", Key="public/later.txt", Body=b"l")

# A topic's messages reach a queue whose policy lets SNS send for that topic, and no other.
feed = sns.create_topic(Name="feed")["TopicArn"]
feed_url = sqs.create_queue(QueueName="feed-copy")["QueueUrl"]
feed_queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:feed-copy"
from_topic = lambda topic: policy({  # noqa: E731
    "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
    "Resource": feed_queue, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}})
sqs.set_queue_attributes(QueueUrl=feed_url, Attributes={"Policy": from_topic(topic)})
sns.subscribe(TopicArn=feed, Protocol="sqs", Endpoint=feed_queue, Attributes={"RawMessageDelivery": "true"})
sns.publish(TopicArn=feed, Message="first")
sqs.set_queue_attributes(QueueUrl=feed_url, Attributes={"Policy": from_topic(feed)})
sns.publish(TopicArn=feed, Message="second")
got = sqs.receive_message(QueueUrl=feed_url, WaitTimeSeconds=10, MaxNumberOfMessages=10).get("Messages", [])
check([m["Body"] for m in got] == ["second"], f"only what the queue's policy let SNS send arrives ({got})")
events = sqs.receive_message(QueueUrl=events_url, WaitTimeSeconds=1).get("Messages", [])
check(events == [], "and the bucket's event after its grant was taken away did not")
print("done")
