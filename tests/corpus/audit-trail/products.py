import json
import os
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key

dynamodb = boto3.resource("dynamodb")
products = dynamodb.Table(os.environ["PRODUCTS_TABLE"])
history_table = dynamodb.Table(os.environ["HISTORY_TABLE"])


def put(event, context):
    body = json.loads(event.get("body") or "{}", parse_float=Decimal)
    body["id"] = event["pathParameters"]["id"]
    products.put_item(Item=body)
    return {"statusCode": 204}


def delete(event, context):
    products.delete_item(Key={"id": event["pathParameters"]["id"]})
    return {"statusCode": 204}


def history(event, context):
    items = history_table.query(KeyConditionExpression=Key("productId").eq(event["pathParameters"]["id"]))["Items"]
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps([{"event": i["event"], "changed": i["changed"], "seq": i["seq"]} for i in items])}
