import json
import os

import boto3

KEYS = ["STACK", "TABLE_NAME", "TABLE_ARN", "TABLE_INDEXES", "QUEUE_URL", "QUEUE_ARN", "QUEUE_NAME", "TOPIC_ARN",
        "TOPIC_NAME", "BUCKET", "BUCKET_OBJECTS", "ACCOUNT_REGION", "SECOND_ZONE", "MODE", "LITERAL", "URL_SUFFIX",
        "AUDIT_FN"]


def describe(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({k: os.environ[k] for k in KEYS})}


def record(event, context):
    # Everything it needs comes from the environment the intrinsics resolved.
    boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"]).put_item(Item={"id": event["id"], "amount": event["amount"]})
    sent = boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))
    return {"recorded": event["id"], "messageId": sent["MessageId"]}


def audit(event, context):
    # Invoked by the onSuccess destination of `record` with Lambda's invocation record.
    boto3.client("sns").publish(TopicArn=os.environ["TOPIC_ARN"], Subject="recorded",
                                Message=json.dumps({"condition": event["requestContext"]["condition"],
                                                    "function": event["requestContext"]["functionArn"],
                                                    "response": event["responsePayload"]}))
