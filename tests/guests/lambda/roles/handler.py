"""Writes an item and reads it back, reporting who the function is and what it was refused."""
import os

import boto3
from botocore.exceptions import ClientError

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def write(event, context):
    me = boto3.client("sts").get_caller_identity()["Arn"]
    try:
        table.put_item(Item={"id": event["id"], "by": context.function_name})
    except ClientError as e:
        return {"me": me, "denied": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}
    item = table.get_item(Key={"id": event["id"]})["Item"]
    return {"me": me, "stored": item["by"], "key_id": os.environ["AWS_ACCESS_KEY_ID"][:4]}
