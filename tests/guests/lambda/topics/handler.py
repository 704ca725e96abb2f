"""A topic subscriber: forwards what each SNS record carries to the Seen queue (its URL from
`!Ref Seen`), so the test can check what the function was given."""
import json
import os

import boto3

sqs = boto3.client("sqs")


def notify(event, context):
    for r in event["Records"]:
        sns = r["Sns"]
        seen = {
            "source": r["EventSource"],
            "subscription": r["EventSubscriptionArn"],
            "topic": sns["TopicArn"],
            "id": sns["MessageId"],
            "subject": sns["Subject"],
            "message": sns["Message"],
            "attributes": {k: v["Value"] for k, v in sns["MessageAttributes"].items()},
        }
        sqs.send_message(QueueUrl=os.environ["OUT_URL"], MessageBody=json.dumps(seen))
    return {"handled": len(event["Records"])}
