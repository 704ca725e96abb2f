import os

import boto3

from todos.decimalencoder import respond

dynamodb = boto3.resource("dynamodb")


def list(event, context):
    table = dynamodb.Table(os.environ["DYNAMODB_TABLE"])
    params = event.get("queryStringParameters") or {}
    scan = {}
    if params.get("checked") in ("true", "false"):
        scan["FilterExpression"] = "checked = :c"
        scan["ExpressionAttributeValues"] = {":c": params["checked"] == "true"}
    items = []
    while True:
        page = table.scan(**scan)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    items.sort(key=lambda i: i["createdAt"])
    return respond(200, items)
