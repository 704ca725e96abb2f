"""Step Functions' AWS SDK integrations with Squall's non-JSON services through boto3 against a running
Squall: Task states arn:aws:states:::aws-sdk:<service>:<action> calling S3, IAM, STS, SNS, EventBridge
Scheduler and Lambda as the state machine's role, with Parameters named as the SDK names the
operation's input members and the operation's output members (as boto3 names them) as the result.

Covers: S3 createBucket, putObject (text Body, ContentType, Metadata), getObject (Body as the object's
text, ContentLength a number, Metadata an object, ETag, LastModified an ISO 8601 string), headObject,
copyObject (CopySource "bucket/key", a key with spaces and accents), getBucketLocation, listObjectsV2 with Prefix (Contents an array, KeyCount),
putBucketTagging and getBucketTagging (TagSet), deleteObject; IAM createRole (the trust policy as a
JSON string), getRole (CreateDate an ISO string), listRoles, tagRole and listRoleTags; STS
getCallerIdentity answering the machine role's assumed-role session; SNS createTopic,
getTopicAttributes (Attributes an object), setTopicAttributes, listTopics, publish with a message
attribute reaching a subscribed queue, deleteTopic; Scheduler createSchedule, getSchedule,
listSchedules, deleteSchedule; Lambda listFunctions, getFunctionConfiguration, tagResource and
listTags. Every effect is seen through boto3 too, and no result carries ResponseMetadata. Errors
named <Prefix>.<Code>Exception and caught by that name: S3.NoSuchKeyException,
S3.BucketNotEmptyException, Iam.NoSuchEntityException, Sns.NotFoundException,
Scheduler.ResourceNotFoundException, Lambda.ResourceNotFoundException; the role deciding (a role
allowed only s3:ListBucket lists, and its getObject is S3.AccessDeniedException); an action Squall
does not serve, one answering an event stream (lambda:invokeWithResponseStream, which Step Functions
cannot call either), a misspelt action and a service Squall does not have refused at CreateStateMachine
with InvalidDefinition naming the resource; a Parameters member the operation does not take failing
the execution with States.Runtime naming it.

Left out: createBucket of a bucket the account owns (in us-east-1 S3 answers 200, its legacy answer,
which s3_boto3.py pins, so it is no error here), binary bodies, paging (NextToken, Marker),
Lambda's invoke (stepfunctions_integrations.py and stepfunctions_tasks.py), the exact text of causes.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1;
exits non-zero with the failing check on the first failure. Every wait is bounded.
"""
import io
import json
import uuid
import zipfile
from datetime import datetime

import boto3
from botocore.exceptions import ClientError
from sfn_common import check, machine, role, run

RUN = uuid.uuid4().hex[:8]
sfn = boto3.client("stepfunctions")
iam = boto3.client("iam")
s3 = boto3.client("s3")
sns = boto3.client("sns")
sqs = boto3.client("sqs")
sched = boto3.client("scheduler")
lam = boto3.client("lambda")
ACCOUNT = boto3.client("sts").get_caller_identity()["Account"]
REGION = boto3.session.Session().region_name or "us-east-1"


def chain(name, steps, role_arn):
    """Runs a machine of aws-sdk Tasks in turn, each (key, "service:action", Parameters[, error to
    catch]); a Task's result, or the error it catches, lands at $.<key>. Answers the output."""
    keys = [step[0] for step in steps] + ["Done"]
    states = {"Done": {"Type": "Pass", "End": True}}
    for i, (key, action, params, *errors) in enumerate(steps):
        states[key] = {"Type": "Task", "Resource": f"arn:aws:states:::aws-sdk:{action}", "Parameters": params,
                       "ResultPath": f"$.{key}", "Next": keys[i + 1]}
        if errors:
            states[key]["Catch"] = [{"ErrorEquals": errors, "ResultPath": f"$.{key}", "Next": keys[i + 1]}]
    d = run(machine(f"{name}-{RUN}", {"StartAt": keys[0], "States": states}, role_arn), {})
    check(d["status"] == "SUCCEEDED", f"the {name} workflow succeeds", d)
    out = json.loads(d["output"])
    leaked = [k for k, v in out.items() if isinstance(v, dict) and "ResponseMetadata" in v]
    check(not leaked, f"no {name} result carries ResponseMetadata", leaked)
    return out


def caught(got, error):
    check(got.get("Error") == error and isinstance(got.get("Cause"), str) and got["Cause"],
          f"the error is {error}, with the service's message as the cause", got)


def iso(value):
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        return True
    except ValueError:
        return False


def code(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


everything = role(f"sdk-all-{RUN}", "*")
lister = role(f"sdk-list-{RUN}", ["s3:ListBucket"])

# --- S3 ------------------------------------------------------------------------------------------
bucket = f"sdk-{RUN}"
out = chain("s3", [
    ("create", "s3:createBucket", {"Bucket": bucket}),
    ("put", "s3:putObject", {"Bucket": bucket, "Key": "docs/hello.txt", "Body": "hello", "ContentType": "text/plain",
                             "Metadata": {"a": "1"}}),
    ("get", "s3:getObject", {"Bucket": bucket, "Key": "docs/hello.txt"}),
    ("head", "s3:headObject", {"Bucket": bucket, "Key": "docs/hello.txt"}),
    ("copy", "s3:copyObject", {"Bucket": bucket, "Key": "copy.txt", "CopySource": f"{bucket}/docs/hello.txt"}),
    ("recopy", "s3:copyObject", {"Bucket": bucket, "Key": "a b/été.txt", "CopySource": f"{bucket}/copy.txt"}),
    ("where", "s3:getBucketLocation", {"Bucket": bucket}),
    ("list", "s3:listObjectsV2", {"Bucket": bucket, "Prefix": "docs/"}),
    ("tag", "s3:putBucketTagging", {"Bucket": bucket, "Tagging": {"TagSet": [{"Key": "team", "Value": "sfn"}]}}),
    ("tags", "s3:getBucketTagging", {"Bucket": bucket}),
    ("delete", "s3:deleteObject", {"Bucket": bucket, "Key": "docs/hello.txt"}),
    ("missing", "s3:getObject", {"Bucket": bucket, "Key": "docs/hello.txt"}, "S3.NoSuchKeyException"),
    ("full", "s3:deleteBucket", {"Bucket": bucket}, "S3.BucketNotEmptyException"),
], everything)
etag = out["put"].get("ETag")
check(isinstance(etag, str) and etag, "putObject answers the ETag", out["put"])
get = out["get"]
check(get.get("Body") == "hello" and get.get("ContentType") == "text/plain", "getObject answers the object's text and type", get)
check(get.get("ContentLength") == 5 and get.get("Metadata") == {"a": "1"}, "ContentLength is a number and Metadata an object", get)
check(get.get("ETag") == etag and iso(get.get("LastModified")), "getObject's ETag and LastModified (an ISO 8601 string)", get)
head = out["head"]
check(head.get("ContentLength") == 5 and head.get("ETag") == etag and head.get("Metadata") == {"a": "1"}
      and "Body" not in head and iso(head.get("LastModified")), "headObject answers the headers without a body", head)
copied = out["copy"].get("CopyObjectResult", {})
check(copied.get("ETag") == etag and iso(copied.get("LastModified")), "copyObject answers CopyObjectResult", out["copy"])
listed = out["list"]
contents = listed.get("Contents", [])
check(listed.get("KeyCount") == 1 and listed.get("IsTruncated") is False and len(contents) == 1, "listObjectsV2 lists the prefix", listed)
check(contents[0].get("Key") == "docs/hello.txt" and contents[0].get("Size") == 5 and iso(contents[0].get("LastModified")),
      "each entry's Key, Size and LastModified", contents)
check(out["tags"].get("TagSet") == [{"Key": "team", "Value": "sfn"}], "getBucketTagging answers the TagSet array", out["tags"])
check(isinstance(out["delete"], dict), "deleteObject answers an object", out["delete"])
caught(out["missing"], "S3.NoSuchKeyException")
caught(out["full"], "S3.BucketNotEmptyException")
obj = s3.get_object(Bucket=bucket, Key="copy.txt")
check(obj["Body"].read() == b"hello" and obj["Metadata"] == {"a": "1"}, "boto3 reads the copy the Tasks made", obj["Metadata"])
recopied = s3.get_object(Bucket=bucket, Key="a b/été.txt")["Body"].read()
check(recopied == b"hello", "a copy source with spaces and accents reaches its object (the SDKs' percent-encoding)")
check("LocationConstraint" in out["where"], "getBucketLocation answers LocationConstraint", out["where"])
s3.delete_object(Bucket=bucket, Key="a b/été.txt")
check(s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "sfn"}], "boto3 sees the bucket's tags")
check(code(s3.head_object, Bucket=bucket, Key="docs/hello.txt") == "404", "deleteObject deleted it")

out = chain("s3-lister", [
    ("list", "s3:listObjectsV2", {"Bucket": bucket}),
    ("get", "s3:getObject", {"Bucket": bucket, "Key": "copy.txt"}, "S3.AccessDeniedException"),
], lister)
check([c["Key"] for c in out["list"].get("Contents", [])] == ["copy.txt"], "a role allowed s3:ListBucket lists", out["list"])
caught(out["get"], "S3.AccessDeniedException")

for resource in ["arn:aws:states:::aws-sdk:s3:selectObjectContent", "arn:aws:states:::aws-sdk:s3:getObjectx",
                 "arn:aws:states:::aws-sdk:lambda:invokeWithResponseStream",
                 "arn:aws:states:::aws-sdk:ec2:describeInstances"]:
    try:
        machine(f"refused-{RUN}", {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource,
                                                                    "Parameters": {}, "End": True}}}, everything)
        check(False, f"{resource} is refused")
    except ClientError as e:
        err = e.response["Error"]
        check(err["Code"] == "InvalidDefinition" and resource in err.get("Message", ""),
              f"{resource} is refused at creation with InvalidDefinition naming it", err)

d = run(machine(f"bogus-{RUN}", {"StartAt": "G", "States": {"G": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
    "Parameters": {"Bucket": bucket, "Key": "copy.txt", "Bogus": "x"}, "End": True}}}, everything), {})
check(d["status"] == "FAILED" and d.get("error") == "States.Runtime" and "Bogus" in d.get("cause", ""),
      "a member getObject does not take fails the execution with States.Runtime naming it", d)

# --- IAM -------------------------------------------------------------------------------------------
made = f"sdk-made-{RUN}"
trust = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
out = chain("iam", [
    ("create", "iam:createRole", {"RoleName": made, "AssumeRolePolicyDocument": json.dumps(trust)}),
    ("get", "iam:getRole", {"RoleName": made}),
    ("list", "iam:listRoles", {}),
    ("tag", "iam:tagRole", {"RoleName": made, "Tags": [{"Key": "team", "Value": "sfn"}]}),
    ("tags", "iam:listRoleTags", {"RoleName": made}),
    ("missing", "iam:getRole", {"RoleName": f"missing-{RUN}"}, "Iam.NoSuchEntityException"),
], everything)
arn = iam.get_role(RoleName=made)["Role"]["Arn"]
check(out["create"].get("Role", {}).get("Arn") == arn, "createRole made the role boto3 sees", out["create"])
check(out["get"]["Role"].get("Arn") == arn and iso(out["get"]["Role"].get("CreateDate")), "getRole answers Arn and CreateDate", out["get"])
check(made in [r["RoleName"] for r in out["list"].get("Roles", [])], "listRoles lists it", out["list"])
check(out["tags"].get("Tags") == [{"Key": "team", "Value": "sfn"}], "listRoleTags answers the Tags array", out["tags"])
check(iam.list_role_tags(RoleName=made)["Tags"] == [{"Key": "team", "Value": "sfn"}], "boto3 sees the role's tags")
caught(out["missing"], "Iam.NoSuchEntityException")

# --- STS -------------------------------------------------------------------------------------------
out = chain("sts", [("who", "sts:getCallerIdentity", {})], everything)
session = f"arn:aws:sts::{ACCOUNT}:assumed-role/sdk-all-{RUN}/"
check(out["who"].get("Arn", "").startswith(session) and out["who"].get("Account") == ACCOUNT,
      "getCallerIdentity answers the machine role's session", out["who"])

# --- SNS -------------------------------------------------------------------------------------------
url = sqs.create_queue(QueueName=f"sdk-topic-{RUN}")["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
out = chain("sns-make", [
    ("create", "sns:createTopic", {"Name": f"sdk-{RUN}"}),
    ("attrs", "sns:getTopicAttributes", {"TopicArn.$": "$.create.TopicArn"}),
    ("name", "sns:setTopicAttributes", {"TopicArn.$": "$.create.TopicArn", "AttributeName": "DisplayName", "AttributeValue": "Orders"}),
    ("list", "sns:listTopics", {}),
], everything)
topic = out["create"].get("TopicArn")
check(topic == f"arn:aws:sns:{REGION}:{ACCOUNT}:sdk-{RUN}", "createTopic answers the TopicArn", out["create"])
check(out["attrs"].get("Attributes", {}).get("TopicArn") == topic, "getTopicAttributes answers the Attributes object", out["attrs"])
check(topic in [t["TopicArn"] for t in out["list"].get("Topics", [])], "listTopics lists it", out["list"])
check(topic in [t["TopicArn"] for t in sns.list_topics()["Topics"]], "boto3 lists the topic")
check(sns.get_topic_attributes(TopicArn=topic)["Attributes"].get("DisplayName") == "Orders", "boto3 sees its DisplayName")
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
out = chain("sns-use", [
    ("publish", "sns:publish", {"TopicArn": topic, "Message": "hello",
                                "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}}),
    ("delete", "sns:deleteTopic", {"TopicArn": topic}),
    ("missing", "sns:getTopicAttributes", {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:missing-{RUN}"}, "Sns.NotFoundException"),
], everything)
check(isinstance(out["publish"].get("MessageId"), str), "publish answers a MessageId", out["publish"])
caught(out["missing"], "Sns.NotFoundException")
msg = None
for _ in range(10):
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages", [])
    if got:
        msg = got[0]
        break
check(msg is not None and msg["Body"] == "hello", "the published message reaches the subscribed queue", msg)
check(msg.get("MessageAttributes", {}).get("k", {}).get("StringValue") == "v", "with its attribute", msg.get("MessageAttributes"))
check(topic not in [t["TopicArn"] for t in sns.list_topics()["Topics"]], "deleteTopic deleted it")

# --- Scheduler ---------------------------------------------------------------------------------------
target_url = sqs.create_queue(QueueName=f"sdk-schedule-{RUN}")["QueueUrl"]
target = sqs.get_queue_attributes(QueueUrl=target_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sender = role(f"sdk-sender-{RUN}", ["sqs:SendMessage"], "scheduler.amazonaws.com")
name = f"sdk-{RUN}"
out = chain("scheduler-make", [
    ("create", "scheduler:createSchedule", {"Name": name, "ScheduleExpression": "rate(1 hour)",
                                            "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": target, "RoleArn": sender}}),
    ("get", "scheduler:getSchedule", {"Name": name}),
    ("list", "scheduler:listSchedules", {}),
], everything)
schedule = sched.get_schedule(Name=name)
check(out["create"].get("ScheduleArn") == schedule["Arn"], "createSchedule made the schedule boto3 sees", out["create"])
got = out["get"]
check(got.get("Name") == name and iso(got.get("CreationDate")) and got.get("Target", {}).get("Arn") == target,
      "getSchedule answers Name, CreationDate and Target", got)
check(name in [s["Name"] for s in out["list"].get("Schedules", [])], "listSchedules lists it", out["list"])
out = chain("scheduler-drop", [
    ("delete", "scheduler:deleteSchedule", {"Name": name}),
    ("missing", "scheduler:getSchedule", {"Name": name}, "Scheduler.ResourceNotFoundException"),
], everything)
caught(out["missing"], "Scheduler.ResourceNotFoundException")
check(code(sched.get_schedule, Name=name) == "ResourceNotFoundException", "deleteSchedule deleted it")

# --- Lambda ------------------------------------------------------------------------------------------
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", "def handler(event, context):\n    return event\n")
fn = f"sdk-{RUN}"
fn_arn = lam.create_function(FunctionName=fn, Runtime="python3.12", Role=role(f"sdk-fn-{RUN}", None, "lambda.amazonaws.com"),
                             Handler="app.handler", Code={"ZipFile": buf.getvalue()})["FunctionArn"]
out = chain("lambda", [
    ("list", "lambda:listFunctions", {}),
    ("config", "lambda:getFunctionConfiguration", {"FunctionName": fn}),
    ("tag", "lambda:tagResource", {"Resource": fn_arn, "Tags": {"team": "sfn"}}),
    ("tags", "lambda:listTags", {"Resource": fn_arn}),
    ("missing", "lambda:getFunction", {"FunctionName": f"missing-{RUN}"}, "Lambda.ResourceNotFoundException"),
], everything)
check(fn in [f["FunctionName"] for f in out["list"].get("Functions", [])], "listFunctions lists it", out["list"])
config = out["config"]
check(config.get("FunctionName") == fn and config.get("Runtime") == "python3.12" and iso(config.get("LastModified")),
      "getFunctionConfiguration answers FunctionName, Runtime and LastModified", config)
check(out["tags"].get("Tags") == {"team": "sfn"}, "listTags answers the Tags object", out["tags"])
check(lam.list_tags(Resource=fn_arn)["Tags"] == {"team": "sfn"}, "boto3 sees the function's tags")
caught(out["missing"], "Lambda.ResourceNotFoundException")

print("done")
