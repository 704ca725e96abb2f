import json
import logging
import os
import time
import uuid

import boto3

from todos.decimalencoder import respond

dynamodb = boto3.resource("dynamodb")


def create(event, context):
    try:
        data = json.loads(event["body"] or "")
    except ValueError:
        return respond(400, {"message": "body must be JSON"})
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"].strip():
        logging.error("Validation Failed")
        return respond(400, {"message": "Couldn't create the todo item: text is required"})

    timestamp = int(time.time() * 1000)
    table = dynamodb.Table(os.environ["DYNAMODB_TABLE"])
    item = {
        "id": str(uuid.uuid1()),
        "text": data["text"],
        "checked": False,
        "createdAt": timestamp,
        "updatedAt": timestamp,
    }
    table.put_item(Item=item)
    return respond(201, item)
