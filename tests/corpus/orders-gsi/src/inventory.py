import os

import boto3

from src.responses import error, json_response, parse_body

inventory = boto3.resource("dynamodb").Table(os.environ["INVENTORY_TABLE"])


def put_stock(event, context):
    body = parse_body(event)
    if body is None or not isinstance(body.get("stock"), int) or body["stock"] < 0:
        return error(400, "stock must be a non-negative integer")
    if "price" not in body:
        return error(400, "price is required")
    item = {"sku": event["pathParameters"]["sku"], "stock": body["stock"], "price": body["price"]}
    inventory.put_item(Item=item)
    return json_response(200, item)
