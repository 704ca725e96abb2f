import json
import os

import boto3

sns = boto3.client("sns")
seen = boto3.resource("dynamodb").Table(os.environ["SEEN_TABLE"])
KINDS = {"placed", "paid", "shipped", "cancelled"}


def publish(event, context):
    body = json.loads(event["body"] or "{}")
    kind = body.get("kind")
    if kind not in KINDS:
        return {"statusCode": 400, "body": json.dumps({"message": f"kind must be one of {sorted(KINDS)}"})}
    order_id = event["pathParameters"]["orderId"]
    message = {"orderId": order_id, "kind": kind, "amount": body.get("amount", 0), "country": body.get("country", "GB")}
    out = sns.publish(
        TopicArn=os.environ["TOPIC_ARN"],
        Subject=f"order {order_id} {kind}",
        Message=json.dumps(message),
        MessageAttributes={
            "eventType": {"DataType": "String", "StringValue": f"order.{kind}"},
            "amount": {"DataType": "Number", "StringValue": str(message["amount"])},
        },
    )
    return {"statusCode": 202, "body": json.dumps({"messageId": out["MessageId"]})}


def remember(who, record):
    note = record["Sns"]
    order = json.loads(note["Message"])
    seen.put_item(Item={
        "pk": f"{who}#{order['orderId']}#{order['kind']}",
        "subject": note["Subject"],
        "type": note["Type"],
        "topic": note["TopicArn"],
        "messageId": note["MessageId"],
        "timestamp": note["Timestamp"],
        "attributes": {k: {"Type": v["Type"], "Value": v["Value"]} for k, v in note["MessageAttributes"].items()},
        "eventSource": record["EventSource"],
        "eventVersion": record["EventVersion"],
        "subscription": record["EventSubscriptionArn"],
        "recordKeys": sorted(record),
        "snsKeys": sorted(note),
    })


def billing(event, context):
    for r in event["Records"]:
        remember("billing", r)


def fraud(event, context):
    for r in event["Records"]:
        remember("fraud", r)
