import json
import os
import re

import boto3

sqs = boto3.client("sqs")
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


def enqueue(event, context):
    try:
        mail = json.loads(event.get("body") or "")
    except ValueError:
        return {"statusCode": 400, "body": json.dumps({"message": "JSON body required"})}
    missing = [k for k in ("to", "subject", "text") if not mail.get(k)]
    if missing:
        return {"statusCode": 400, "body": json.dumps({"message": f"missing {', '.join(missing)}"})}
    if not ADDRESS.match(mail["to"]):
        return {"statusCode": 400, "body": json.dumps({"message": "bad address"})}
    sent = sqs.send_message(
        QueueUrl=os.environ["QUEUE_URL"],
        MessageBody=json.dumps(mail),
        MessageAttributes={
            "template": {"DataType": "String", "StringValue": mail.get("template", "plain")},
            "priority": {"DataType": "Number", "StringValue": str(mail.get("priority", 5))},
        },
    )
    return {"statusCode": 202, "headers": {"content-type": "application/json"},
            "body": json.dumps({"queued": sent["MessageId"]})}
