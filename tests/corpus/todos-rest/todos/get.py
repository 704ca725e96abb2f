import os

import boto3

from todos.decimalencoder import respond

dynamodb = boto3.resource("dynamodb")


def get(event, context):
    table = dynamodb.Table(os.environ["DYNAMODB_TABLE"])
    result = table.get_item(Key={"id": event["pathParameters"]["id"]})
    if "Item" not in result:
        return respond(404, {"message": "todo not found"})
    return respond(200, result["Item"])
