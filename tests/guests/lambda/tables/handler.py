"""A handler that keeps its state in a table Squall created from serverless.yml."""
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def record(event, context):
    table.update_item(
        Key={"id": event["id"]},
        UpdateExpression="ADD seen :n",
        ExpressionAttributeValues={":n": event.get("n", 1)},
    )
    item = table.get_item(Key={"id": event["id"]})["Item"]
    return {"id": item["id"], "seen": int(item["seen"]), "table": os.environ["TABLE"], "arn": os.environ["TABLE_ARN"]}
