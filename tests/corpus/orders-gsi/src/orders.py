import os
import time
import uuid

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from src.responses import error, json_response, parse_body

dynamodb = boto3.resource("dynamodb")
client = dynamodb.meta.client
orders = dynamodb.Table(os.environ["ORDERS_TABLE"])
inventory = dynamodb.Table(os.environ["INVENTORY_TABLE"])


def place(event, context):
    body = parse_body(event)
    if not body or not body.get("customerId") or not body.get("sku") or not isinstance(body.get("quantity"), int):
        return error(400, "customerId, sku and quantity are required")
    product = inventory.get_item(Key={"sku": body["sku"]}).get("Item")
    if not product:
        return error(404, f"unknown sku {body['sku']}")
    order = {
        "orderId": body.get("orderId") or uuid.uuid4().hex,
        "customerId": body["customerId"],
        "sku": body["sku"],
        "quantity": body["quantity"],
        "total": product["price"] * body["quantity"],
        "status": "PENDING",
        "createdAt": int(time.time() * 1000),
    }
    try:
        client.transact_write_items(TransactItems=[
            {"Update": {
                "TableName": inventory.name,
                "Key": {"sku": body["sku"]},
                "UpdateExpression": "SET stock = stock - :q",
                "ConditionExpression": "stock >= :q",
                "ExpressionAttributeValues": {":q": body["quantity"]},
            }},
            {"Put": {
                "TableName": orders.name,
                "Item": order,
                "ConditionExpression": "attribute_not_exists(orderId)",
            }},
        ])
    except ClientError as e:
        if e.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = [r.get("Code", "None") for r in e.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            return error(409, "insufficient stock", reasons=reasons)
        return error(409, "order already exists", reasons=reasons)
    return json_response(201, order)


def get(event, context):
    item = orders.get_item(Key={"orderId": event["pathParameters"]["orderId"]}).get("Item")
    return json_response(200, item) if item else error(404, "order not found")


def pay(event, context):
    try:
        item = orders.update_item(
            Key={"orderId": event["pathParameters"]["orderId"]},
            UpdateExpression="SET #s = :paid, paidAt = :now",
            ConditionExpression="attribute_exists(orderId) AND #s = :pending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":paid": "PAID", ":pending": "PENDING", ":now": int(time.time() * 1000)},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return error(409, "order is not pending")
        raise
    return json_response(200, item)


def by_status(event, context):
    status = event["queryStringParameters"]["status"]
    result = orders.query(IndexName="byStatus", KeyConditionExpression=Key("status").eq(status))
    return json_response(200, {"count": result["Count"], "orders": result["Items"]})


def by_customer(event, context):
    result = orders.query(
        IndexName="byCustomer",
        KeyConditionExpression=Key("customerId").eq(event["pathParameters"]["customerId"]),
        ScanIndexForward=False,
    )
    return json_response(200, result["Items"])
