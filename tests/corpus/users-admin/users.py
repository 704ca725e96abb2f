import json
import os
import re
import time
from urllib.parse import unquote

import boto3
from botocore.exceptions import ClientError

users = boto3.resource("dynamodb").Table(os.environ["USERS_TABLE"])
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


def respond(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def signup(event, context):
    try:
        data = json.loads(event.get("body") or "{}")
    except ValueError:
        return respond(400, {"message": "invalid JSON"})
    email = str(data.get("email", "")).strip().lower()
    if not EMAIL.match(email):
        return respond(400, {"message": "a valid email is required"})
    user = {"email": email, "name": data.get("name", ""), "plan": data.get("plan", "free"),
            "signedUpAt": int(time.time()), "sourceIp": event["requestContext"]["identity"]["sourceIp"]}
    try:
        users.put_item(Item=user, ConditionExpression="attribute_not_exists(email)")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return respond(409, {"message": "this email is already registered"})
        raise
    return respond(201, {"email": email, "plan": user["plan"]})


def list_users(event, context):
    items = users.scan(ProjectionExpression="email, #n, #p",
                       ExpressionAttributeNames={"#n": "name", "#p": "plan"})["Items"]
    return respond(200, {
        "users": sorted(items, key=lambda u: u["email"]),
        # Which key let this call in, as API Gateway reports it.
        "apiKey": event["requestContext"]["identity"]["apiKey"],
    })


def delete_user(event, context):
    email = unquote(event["pathParameters"]["email"])
    old = users.delete_item(Key={"email": email}, ReturnValues="ALL_OLD").get("Attributes")
    if not old:
        return respond(404, {"message": f"no user {email}"})
    return respond(200, {"deleted": email})
