import json
import logging
import os
import uuid

import boto3

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
table = boto3.resource("dynamodb").Table(os.environ["MESSAGES_TABLE"])


def submit(event, context):
    data = json.loads(event.get("body") or "{}")
    if not data.get("email") or not data.get("message"):
        logger.warning("rejected a submission without email or message")
        return {"statusCode": 400, "body": json.dumps({"message": "email and message are required"})}
    message_id = str(uuid.uuid4())
    table.put_item(Item={"id": message_id, "email": data["email"], "message": data["message"]})
    logger.info("stored contact message %s from %s", message_id, data["email"])
    return {"statusCode": 201, "body": json.dumps({"id": message_id})}
