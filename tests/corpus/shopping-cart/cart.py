import json
import os
import time
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key

dynamodb = boto3.resource("dynamodb")
products = dynamodb.Table(os.environ["PRODUCTS_TABLE"])
carts = dynamodb.Table(os.environ["CARTS_TABLE"])
TTL = int(os.environ["CART_TTL_HOURS"]) * 3600


def money(d):
    return str(d.quantize(Decimal("0.01")))


def res(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def import_products(event, context):
    rows = json.loads(event["body"], parse_float=Decimal)
    with products.batch_writer() as batch:
        for row in rows:
            batch.put_item(Item={"sku": row["sku"], "name": row["name"], "price": Decimal(str(row["price"]))})
    return res(200, {"imported": len(rows)})


def set_line(event, context):
    p = event["pathParameters"]
    qty = json.loads(event.get("body") or "{}").get("quantity")
    if not isinstance(qty, int) or qty <= 0:
        return res(400, {"message": "quantity must be a positive integer"})
    item = carts.update_item(
        Key={"cartId": p["cartId"], "sku": p["sku"]},
        UpdateExpression="SET quantity = :q, addedAt = if_not_exists(addedAt, :now), expiresAt = :exp",
        ExpressionAttributeValues={":q": qty, ":now": int(time.time()), ":exp": int(time.time()) + TTL},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    return res(200, {"sku": item["sku"], "quantity": int(item["quantity"]), "expiresAt": int(item["expiresAt"])})


def lines(cart_id):
    return carts.query(KeyConditionExpression=Key("cartId").eq(cart_id))["Items"]


def get_cart(event, context):
    items = lines(event["pathParameters"]["cartId"])
    return res(200, {"lines": [{"sku": i["sku"], "quantity": int(i["quantity"])} for i in items]})


def remove_line(event, context):
    p = event["pathParameters"]
    carts.delete_item(Key={"cartId": p["cartId"], "sku": p["sku"]})
    return {"statusCode": 204}


def checkout(event, context):
    items = lines(event["pathParameters"]["cartId"])
    if not items:
        return res(409, {"message": "the cart is empty"})
    got = dynamodb.batch_get_item(RequestItems={
        products.name: {"Keys": [{"sku": i["sku"]} for i in items], "ProjectionExpression": "sku, #n, price",
                        "ExpressionAttributeNames": {"#n": "name"}}
    })["Responses"][products.name]
    priced = {p["sku"]: p for p in got}
    missing = sorted(i["sku"] for i in items if i["sku"] not in priced)
    if missing:
        return res(422, {"message": "unknown products", "skus": missing})
    total = sum(priced[i["sku"]]["price"] * i["quantity"] for i in items)
    receipt = [{"sku": i["sku"], "name": priced[i["sku"]]["name"], "quantity": int(i["quantity"]),
                "subtotal": money(priced[i["sku"]]["price"] * i["quantity"])} for i in items]
    return res(200, {"lines": receipt, "total": money(total)})
