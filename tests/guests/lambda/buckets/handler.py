"""An S3 event handler: forwards what each record names to the Seen queue (its URL from
`!Ref Seen`), so the test can check which uploads the function was given."""
import json
import os

import boto3

sqs = boto3.client("sqs")


def record(event, context):
    for r in event["Records"]:
        s3 = r["s3"]
        seen = {
            "source": r["eventSource"],
            "eventName": r["eventName"],
            "bucket": s3["bucket"]["name"],
            "key": s3["object"]["key"],
            "size": s3["object"]["size"],
            "eTag": s3["object"]["eTag"],
            "configurationId": s3["configurationId"],
        }
        sqs.send_message(QueueUrl=os.environ["OUT_URL"], MessageBody=json.dumps(seen))
    return {"handled": len(event["Records"])}
