import hashlib
import json
import os

import boto3

sent = boto3.resource("dynamodb").Table(os.environ["SENT_TABLE"])


class Bounce(Exception):
    pass


def deliver(mail):
    # A stand-in for an SMTP or provider call: one domain always bounces.
    if mail["to"].endswith("@bounce.example"):
        raise Bounce(f"{mail['to']} bounced")


def send_batch(event, context):
    failures = []
    for record in event["Records"]:
        mail = json.loads(record["body"])
        try:
            deliver(mail)
        except Bounce as e:
            print(f"bounce: {e}")
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        attrs = record["messageAttributes"]
        sent.put_item(Item={
            "messageId": record["messageId"],
            "to": mail["to"],
            "subject": mail["subject"],
            "template": attrs["template"]["stringValue"],
            "templateType": attrs["template"]["dataType"],
            "priority": attrs["priority"]["stringValue"],
            "priorityType": attrs["priority"]["dataType"],
            "receiveCount": record["attributes"]["ApproximateReceiveCount"],
            "sentTimestamp": record["attributes"]["SentTimestamp"],
            "md5Ok": record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest(),
            "source": record["eventSource"],
            "sourceArn": record["eventSourceARN"],
            "region": record["awsRegion"],
            "batchSize": len(event["Records"]),
            "attributesSeen": json.dumps(attrs, sort_keys=True),
            "recordKeys": sorted(record),
        })
    return {"batchItemFailures": failures}
