import hashlib
import json
import os

import boto3
from boto3.dynamodb.conditions import Attr

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def out(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def shape(item):
    return {"id": item["id"], "url": item["url"], "tags": sorted(item.get("tags", set()))}


def add(event, context):
    # Payload 1.0: httpMethod, path and a REST-shaped requestContext, version "1.0".
    data = json.loads(event["body"] or "{}")
    url = data.get("url", "")
    if not url.startswith(("http://", "https://")):
        return out(400, {"message": "url must be http(s)"})
    item = {"id": hashlib.sha1(url.encode()).hexdigest()[:12], "url": url}
    tags = {t for t in data.get("tags", []) if t}
    if tags:
        item["tags"] = tags
    table.put_item(Item=item)
    return out(201, {**shape(item), "version": event["version"], "method": event["httpMethod"],
                     "resource": event["resource"]})


def list_bookmarks(event, context):
    tag = (event.get("queryStringParameters") or {}).get("tag")
    scan = {"FilterExpression": Attr("tags").contains(tag)} if tag else {}
    items = table.scan(**scan)["Items"]
    return out(200, sorted((shape(i) for i in items), key=lambda b: b["url"]))


def tag(event, context):
    tags = set(json.loads(event["body"] or "{}").get("tags", []))
    if not tags:
        return out(400, {"message": "tags are required"})
    item = table.update_item(Key={"id": event["pathParameters"]["id"]}, UpdateExpression="ADD tags :t",
                             ConditionExpression="attribute_exists(id)", ExpressionAttributeValues={":t": tags},
                             ReturnValues="ALL_NEW")["Attributes"]
    return out(200, shape(item))


def untag(event, context):
    p = event["pathParameters"]
    item = table.update_item(Key={"id": p["id"]}, UpdateExpression="DELETE tags :t",
                             ExpressionAttributeValues={":t": {p["tag"]}}, ReturnValues="ALL_NEW")["Attributes"]
    return out(200, shape(item))
