"""Step Functions' service integrations through boto3 against a running Squall: Task states that
call DynamoDB, SQS, SNS, EventBridge and Step Functions itself, as the state machine's role.

Covers the optimized integrations: dynamodb:putItem, getItem (read through ResultSelector),
updateItem (with ReturnValues) and deleteItem; a failed condition as
DynamoDB.ConditionalCheckFailedException, caught; sqs:sendMessage with a JSON object as MessageBody
(sent as its JSON text) and the answer's MessageId and MD5OfMessageBody;
sqs:sendMessage.waitForTaskToken (the token travels in the message, the test answers
SendTaskSuccess); sns:publish to a topic a queue subscribes to, with a message attribute;
events:putEvents with a Detail object, reaching a rule's queue; states:startExecution (the answer's
ExecutionArn), .sync (the child's description, Output as text) and .sync:2 (Output as JSON), and a
failing child failing the parent's Task with States.TaskFailed; the AWS SDK form
(aws-sdk:dynamodb:getItem, aws-sdk:sfn:describeStateMachine answering PascalCase members,
aws-sdk:ssm:getParameter); an error of an SDK call named <Service>.<Code>Exception
(Sfn.StateMachineDoesNotExistException);
the role deciding: a role allowed only dynamodb:GetItem fails a putItem Task with
DynamoDB.AccessDeniedException; and a definition naming an integration Squall does not run is
refused at creation with InvalidDefinition naming it.

Left out: the SDK integrations with S3, IAM, STS, SNS, Scheduler and Lambda (stepfunctions_sdk.py),
.sync for services other than Step Functions, the SdkHttpMetadata's exact headers.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1;
exits non-zero with the failing check on the first failure. Every wait is bounded.
"""
import json
import time

import boto3
from botocore.exceptions import ClientError
from sfn_common import check, finished, machine, role, run

sfn = boto3.client("stepfunctions")
iam = boto3.client("iam")
ddb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
sns = boto3.client("sns")
events = boto3.client("events")
ssm = boto3.client("ssm")


def receive(url, limit=10.0):
    deadline = time.time() + limit
    while time.time() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages", [])
        if got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
            return got[0]
    check(False, f"a message reaches {url}")


everything = role("integrations", ["dynamodb:*", "sqs:SendMessage", "sns:Publish", "events:PutEvents",
                                   "states:StartExecution", "states:DescribeExecution", "states:DescribeStateMachine",
                                   "ssm:GetParameter"])
reader = role("reader", ["dynamodb:GetItem"])
ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")

# --- DynamoDB ------------------------------------------------------------------------------------
m = machine("orders", {"StartAt": "Put", "States": {
    "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}, "qty": {"N.$": "States.JsonToString($.qty)"}}},
            "ResultPath": None, "Next": "Get"},
    "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "orders", "Key": {"id": {"S.$": "$.id"}}},
            "ResultSelector": {"qty.$": "$.Item.qty.N"}, "ResultPath": "$.stored", "Next": "Update"},
    "Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
               "Parameters": {"TableName": "orders", "Key": {"id": {"S.$": "$.id"}},
                              "UpdateExpression": "SET qty = qty + :one", "ExpressionAttributeValues": {":one": {"N": "1"}},
                              "ReturnValues": "UPDATED_NEW"},
               "ResultSelector": {"qty.$": "$.Attributes.qty.N"}, "ResultPath": "$.updated", "Next": "Again"},
    "Again": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
              "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}}, "ConditionExpression": "attribute_not_exists(id)"},
              "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.duplicate", "Next": "Delete"}],
              "Next": "Delete"},
    "Delete": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem",
               "Parameters": {"TableName": "orders", "Key": {"id": {"S.$": "$.id"}}}, "ResultPath": None, "End": True}}}, everything)
d = run(m, {"id": "o-1", "qty": 2})
check(d["status"] == "SUCCEEDED", "a DynamoDB workflow succeeds", d)
out = json.loads(d["output"])
check(out["stored"] == {"qty": "2"} and out["updated"] == {"qty": "3"}, "putItem, getItem and updateItem did their work", out)
check(out["duplicate"]["Error"] == "DynamoDB.ConditionalCheckFailedException", "a failed condition is DynamoDB.ConditionalCheckFailedException", out["duplicate"])
check("Item" not in ddb.get_item(TableName="orders", Key={"id": {"S": "o-1"}}), "deleteItem deleted it")

m = machine("reader-puts", {"StartAt": "Put", "States": {"Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
    "Parameters": {"TableName": "orders", "Item": {"id": {"S": "x"}}}, "End": True}}}, reader)
d = run(m, {})
check(d["status"] == "FAILED" and d["error"] == "DynamoDB.AccessDeniedException", "a role without dynamodb:PutItem fails the Task", d)
check("dynamodb:PutItem" in d.get("cause", ""), "the cause names the action", d.get("cause"))

# --- SQS, SNS, EventBridge ------------------------------------------------------------------------
url = sqs.create_queue(QueueName="sfn-out")["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
m = machine("sender", {"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
    "Parameters": {"QueueUrl": url, "MessageBody": {"order.$": "$.order"}}, "End": True}}}, everything)
d = run(m, {"order": 9})
out = json.loads(d["output"])
check(d["status"] == "SUCCEEDED" and out.get("MessageId") and out.get("MD5OfMessageBody"), "sqs:sendMessage answers MessageId and MD5OfMessageBody", out)
msg = receive(url)
check(json.loads(msg["Body"]) == {"order": 9}, "the object went as its JSON text", msg["Body"])

m = machine("asker", {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token", "q.$": "$.q"}}, "End": True}}}, everything)
arn = sfn.start_execution(stateMachineArn=m, input=json.dumps({"q": "ok?"}))["executionArn"]
body = json.loads(receive(url)["Body"])
check(body["q"] == "ok?" and body["token"], "the token travels in the message", body)
sfn.send_task_success(taskToken=body["token"], output=json.dumps({"answer": "yes"}))
d = finished(arn)
check(json.loads(d["output"]) == {"answer": "yes"}, "SendTaskSuccess answers the queue's Task", d)

topic = sns.create_topic(Name="sfn-topic")["TopicArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
m = machine("publisher", {"StartAt": "Pub", "States": {"Pub": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
    "Parameters": {"TopicArn": topic, "Message": {"hello.$": "$.who"},
                   "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "greeting"}}}, "End": True}}}, everything)
d = run(m, {"who": "ada"})
check(d["status"] == "SUCCEEDED" and json.loads(d["output"]).get("MessageId"), "sns:publish answers a MessageId", d)
msg = receive(url)
check(json.loads(msg["Body"]) == {"hello": "ada"}, "the topic's subscriber got the message", msg["Body"])
check(msg.get("MessageAttributes", {}).get("kind", {}).get("StringValue") == "greeting", "with its attribute", msg.get("MessageAttributes"))

events.put_rule(Name="from-sfn", EventPattern=json.dumps({"source": ["orders.sfn"]}))
events.put_targets(Rule="from-sfn", Targets=[{"Id": "q", "Arn": queue_arn}])
m = machine("emitter", {"StartAt": "Emit", "States": {"Emit": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
    "Parameters": {"Entries": [{"Source": "orders.sfn", "DetailType": "Shipped", "Detail": {"id.$": "$.id"}}]}, "End": True}}}, everything)
d = run(m, {"id": "o-7"})
out = json.loads(d["output"])
check(d["status"] == "SUCCEEDED" and out["FailedEntryCount"] == 0 and out["Entries"][0].get("EventId"), "events:putEvents answers each entry's EventId", out)
event = json.loads(receive(url)["Body"])
check(event["detail"] == {"id": "o-7"} and event["detail-type"] == "Shipped", "the event reached the rule's queue", event)

# --- Step Functions itself -------------------------------------------------------------------------
child = machine("child", {"StartAt": "C", "States": {"C": {"Type": "Choice",
    "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "No"}], "Default": "Yes"},
    "Yes": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": True},
    "No": {"Type": "Fail", "Error": "ChildFailed", "Cause": "asked to"}}}, everything)
for resource, shape in [("arn:aws:states:::states:startExecution", "call"), ("arn:aws:states:::states:startExecution.sync", "sync"),
                        ("arn:aws:states:::states:startExecution.sync:2", "sync2")]:
    m = machine(f"parent-{shape}", {"StartAt": "Start", "States": {"Start": {"Type": "Task", "Resource": resource,
        "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n", "fail.$": "$.fail"}}, "End": True}}}, everything)
    d = run(m, {"n": 4, "fail": False})
    out = json.loads(d.get("output", "{}"))
    check(d["status"] == "SUCCEEDED" and out.get("ExecutionArn", "").startswith("arn:aws:states:us-east-1:000000000000:execution:child:"),
          f"startExecution ({shape}) answers the child's ExecutionArn", d)
    if shape == "sync":
        check(out["Status"] == "SUCCEEDED" and json.loads(out["Output"]) == {"doubled": 8}, ".sync waits and answers Output as text", out)
    if shape == "sync2":
        check(out["Output"] == {"doubled": 8}, ".sync:2 answers Output as JSON", out)
        d = run(m, {"n": 1, "fail": True})
        check(d["status"] == "FAILED" and d["error"] == "States.TaskFailed", "a failing child fails the .sync Task", d)
        check(json.loads(d["cause"])["Error"] == "ChildFailed", "its cause is the child's description", d["cause"])

# --- The AWS SDK form --------------------------------------------------------------------------------
ddb.put_item(TableName="orders", Item={"id": {"S": "sdk"}, "qty": {"N": "5"}})
ssm.put_parameter(Name="/sfn/limit", Value="12", Type="String")
m = machine("sdk", {"StartAt": "Get", "States": {
    "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
            "Parameters": {"TableName": "orders", "Key": {"id": {"S": "sdk"}}}, "ResultSelector": {"qty.$": "$.Item.qty.N"},
            "ResultPath": "$.item", "Next": "Describe"},
    "Describe": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                 "Parameters": {"StateMachineArn": child}, "ResultSelector": {"name.$": "$.Name", "status.$": "$.Status"},
                 "ResultPath": "$.machine", "Next": "Param"},
    "Param": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter", "Parameters": {"Name": "/sfn/limit"},
              "ResultSelector": {"value.$": "$.Parameter.Value"}, "ResultPath": "$.limit", "Next": "Missing"},
    "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:nope"},
                "Catch": [{"ErrorEquals": ["Sfn.StateMachineDoesNotExistException"], "ResultPath": "$.missing", "Next": "Done"}],
                "Next": "Done"},
    "Done": {"Type": "Pass", "End": True}}}, everything)
d = run(m, {})
out = json.loads(d.get("output", "{}"))
check(d["status"] == "SUCCEEDED", "the SDK workflow succeeds", d)
check(out["item"] == {"qty": "5"} and out["machine"] == {"name": "child", "status": "ACTIVE"} and out["limit"] == {"value": "12"},
      "aws-sdk integrations answer the API's members in PascalCase", out)
check(out["missing"]["Error"] == "Sfn.StateMachineDoesNotExistException", "an SDK call's error is <Service>.<Code>Exception",
      out["missing"])

try:
    machine("ec2-sdk", {"StartAt": "G", "States": {"G": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:describeInstances",
                                                           "End": True}}}, everything)
    check(False, "an integration Squall does not run is refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "InvalidDefinition" and "ec2" in e.response["Error"]["Message"],
          "an integration Squall does not run is refused at creation, naming it", e.response["Error"])

# --- State machines as targets of event rules and schedules ---------------------------------------------
def trusting(name, service):
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": "*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="start", PolicyDocument=json.dumps(policy))
    return arn


def executions_of(machine_arn, count, limit=15.0):
    deadline = time.time() + limit
    while time.time() < deadline:
        got = sfn.list_executions(stateMachineArn=machine_arn)["executions"]
        if len(got) >= count:
            return got
        time.sleep(0.1)
    check(False, f"{count} execution(s) of {machine_arn} start within {limit} s")


target = machine("triggered", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, everything)
events_role = trusting("events-start", "events.amazonaws.com")
events.put_rule(Name="to-sfn", EventPattern=json.dumps({"source": ["orders.placed"]}))
try:
    events.put_targets(Rule="to-sfn", Targets=[{"Id": "m", "Arn": target}])
    check(False, "a state machine target without RoleArn is refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "ValidationException", "a state machine target without RoleArn is refused", e.response["Error"])
r = events.put_targets(Rule="to-sfn", Targets=[{"Id": "m", "Arn": target, "RoleArn": events_role}])
check(r["FailedEntryCount"] == 0, "a state machine target with a role is taken", r)
events.put_events(Entries=[{"Source": "orders.placed", "DetailType": "Placed", "Detail": json.dumps({"id": "o-9"})}])
started = executions_of(target, 1)
d = finished(started[0]["executionArn"])
check(json.loads(d["input"])["detail"] == {"id": "o-9"}, "the rule started the machine with the event as its input", d["input"])

scheduler = boto3.client("scheduler")
scheduler_role = trusting("scheduler-start", "scheduler.amazonaws.com")
scheduler.create_schedule(Name="start-sfn", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
                          Target={"Arn": target, "RoleArn": scheduler_role, "Input": json.dumps({"from": "scheduler"})})
started = executions_of(target, 2)
inputs = [json.loads(finished(e["executionArn"])["input"]) for e in started]
check({"from": "scheduler"} in inputs, "the schedule started the machine with its Input", inputs)

print("done")
