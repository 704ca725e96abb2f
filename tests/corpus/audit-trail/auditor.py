import json
import os

import boto3
from boto3.dynamodb.types import TypeDeserializer

history = boto3.resource("dynamodb").Table(os.environ["HISTORY_TABLE"])
deserialize = TypeDeserializer().deserialize


def plain(image):
    return {k: deserialize(v) for k, v in (image or {}).items()}


def handle(event, context):
    for record in event["Records"]:
        ddb = record["dynamodb"]
        old, new = plain(ddb.get("OldImage")), plain(ddb.get("NewImage"))
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        history.put_item(Item={
            "productId": deserialize(ddb["Keys"]["id"]),
            # Sequence numbers grow within a shard; pad so they sort as strings.
            "seq": ddb["SequenceNumber"].rjust(40, "0"),
            "event": record["eventName"],
            "changed": changed,
            "meta": json.dumps({
                "eventID": record["eventID"], "eventVersion": record["eventVersion"],
                "eventSource": record["eventSource"], "awsRegion": record["awsRegion"],
                "eventSourceARN": record["eventSourceARN"], "viewType": ddb["StreamViewType"],
                "sizeBytes": ddb["SizeBytes"], "created": ddb["ApproximateCreationDateTime"],
                "keys": ddb["Keys"], "hasOld": "OldImage" in ddb, "hasNew": "NewImage" in ddb,
                "recordKeys": sorted(record), "ddbKeys": sorted(ddb),
            }),
        })
