"""A queue consumer: jobs whose body says `fail` are reported as failed (and end in the
dead-letter queue after the redrive policy's receives); the others are forwarded to the
Done queue, whose URL comes from `!Ref Done`."""
import json
import os

import boto3

sqs = boto3.client("sqs")


def work(event, context):
    failures = []
    for r in event["Records"]:
        job = json.loads(r["body"])
        if job.get("fail"):
            failures.append({"itemIdentifier": r["messageId"]})
            continue
        done = {"id": job["id"], "source": r["eventSourceARN"], "receives": r["attributes"]["ApproximateReceiveCount"]}
        sqs.send_message(QueueUrl=os.environ["OUT_URL"], MessageBody=json.dumps(done))
    return {"batchItemFailures": failures}
