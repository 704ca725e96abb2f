import json
import os
from decimal import Decimal

import boto3

sqs = boto3.client("sqs")
shipments = boto3.resource("dynamodb").Table(os.environ["SHIPMENTS_TABLE"])
PRICES = {"widget": Decimal("2.50"), "gadget": Decimal("10.00"), "gizmo": Decimal("7.25")}


def validate(event, context):
    good, bad = [], []
    for r in event["Records"]:
        order = json.loads(r["body"])
        lines = order.get("lines") or []
        unknown = [line["sku"] for line in lines if line["sku"] not in PRICES]
        if not lines or unknown:
            bad.append({"Id": r["messageId"], "MessageBody": json.dumps({"order": order, "unknown": unknown})})
            continue
        total = sum(PRICES[line["sku"]] * line["qty"] for line in lines)
        good.append({
            "Id": r["messageId"],
            "MessageBody": json.dumps({**order, "total": str(total)}),
            "MessageAttributes": {"express": {"DataType": "String",
                                              "StringValue": "yes" if order.get("express") else "no"}},
        })
    for queue, entries in ((os.environ["FULFIL_QUEUE_URL"], good), (os.environ["REJECTED_QUEUE_URL"], bad)):
        for i in range(0, len(entries), 10):
            result = sqs.send_message_batch(QueueUrl=queue, Entries=entries[i:i + 10])
            if result.get("Failed"):
                raise RuntimeError(f"could not forward {result['Failed']}")
    print(json.dumps({"validated": len(good), "rejected": len(bad)}))


def ship(event, context):
    with shipments.batch_writer() as batch:
        for r in event["Records"]:
            order = json.loads(r["body"])
            batch.put_item(Item={
                "orderId": order["orderId"],
                "total": order["total"],
                "carrier": "express" if r["messageAttributes"]["express"]["stringValue"] == "yes" else "ground",
                "batch": len(event["Records"]),
            })
