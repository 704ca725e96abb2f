import json
import os

import boto3

pages = boto3.resource("dynamodb").Table(os.environ["PAGES_TABLE"])
SEVERITY = {"CRITICAL": 1, "WARNING": 2, "INFO": 3}


def handle(event, context):
    for r in event["Records"]:
        sns = r["Sns"]
        alert = json.loads(sns["Message"])
        level = sns["MessageAttributes"].get("severity", {}).get("Value", "INFO")
        pages.put_item(Item={
            "alertId": alert["id"],
            "text": alert["text"],
            "severity": level,
            "page": SEVERITY.get(level, 3) == 1,
            "subject": sns.get("Subject") or "",
            "topic": sns["TopicArn"],
        })
