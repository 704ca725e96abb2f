import json
import os

import boto3

sqs = boto3.client("sqs")


def record(event, context):
    entries = []
    for i, r in enumerate(event["Records"]):
        # Forward the record as S3 gave it: the audit keeps the original event.
        entries.append({"Id": str(i), "MessageBody": json.dumps(r),
                        "MessageAttributes": {"eventName": {"DataType": "String", "StringValue": r["eventName"]}}})
    sqs.send_message_batch(QueueUrl=os.environ["AUDIT_QUEUE_URL"], Entries=entries)
    return {"forwarded": len(entries)}
