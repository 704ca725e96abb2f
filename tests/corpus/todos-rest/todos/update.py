import json
import os
import time

import boto3
from botocore.exceptions import ClientError

from todos.decimalencoder import respond

dynamodb = boto3.resource("dynamodb")


def update(event, context):
    data = json.loads(event["body"] or "{}")
    if "text" not in data or "checked" not in data or not isinstance(data["checked"], bool):
        return respond(400, {"message": "Couldn't update the todo item: text and checked are required"})

    table = dynamodb.Table(os.environ["DYNAMODB_TABLE"])
    try:
        result = table.update_item(
            Key={"id": event["pathParameters"]["id"]},
            ExpressionAttributeNames={"#todo_text": "text"},
            ExpressionAttributeValues={
                ":text": data["text"],
                ":checked": data["checked"],
                ":updatedAt": int(time.time() * 1000),
            },
            UpdateExpression="SET #todo_text = :text, checked = :checked, updatedAt = :updatedAt",
            ConditionExpression="attribute_exists(id)",
            ReturnValues="ALL_NEW",
        )
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return respond(404, {"message": "todo not found"})
        raise
    return respond(200, result["Attributes"])
