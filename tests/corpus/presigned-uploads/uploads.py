import json
import os
import re
import time
import uuid
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["UPLOADS_TABLE"])
BUCKET = os.environ["UPLOADS_BUCKET"]
TTL = int(os.environ["URL_TTL_SECONDS"])
ALLOWED = {"image/png", "image/jpeg", "application/pdf", "text/plain"}


def reply(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def create(event, context):
    req = json.loads(event.get("body") or "{}")
    name, kind = req.get("fileName", ""), req.get("contentType", "")
    if not re.fullmatch(r"[\w.\- ]{1,100}", name) or kind not in ALLOWED:
        return reply(400, {"message": "fileName and an allowed contentType are required"})
    upload_id = uuid.uuid4().hex
    key = f"incoming/{upload_id}/{name}"
    url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": kind},
                                    ExpiresIn=TTL)
    table.put_item(Item={"uploadId": upload_id, "key": key, "status": "PENDING", "contentType": kind,
                         "createdAt": int(time.time())})
    return reply(201, {"uploadId": upload_id, "uploadUrl": url, "method": "PUT", "headers": {"Content-Type": kind}})


def get(event, context):
    item = table.get_item(Key={"uploadId": event["pathParameters"]["uploadId"]}).get("Item")
    if not item:
        return reply(404, {"message": "no such upload"})
    out = {"uploadId": item["uploadId"], "status": item["status"]}
    if item["status"] == "RECEIVED":
        out["size"] = int(item["size"])
        out["downloadUrl"] = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": item["key"]},
                                                       ExpiresIn=60)
    return reply(200, out)


def received(event, context):
    for r in event["Records"]:
        key = unquote_plus(r["s3"]["object"]["key"])
        upload_id = key.split("/")[1]
        head = s3.head_object(Bucket=r["s3"]["bucket"]["name"], Key=key)
        table.update_item(
            Key={"uploadId": upload_id},
            UpdateExpression="SET #s = :r, #size = :n, receivedType = :t",
            ConditionExpression="attribute_exists(uploadId)",
            ExpressionAttributeNames={"#s": "status", "#size": "size"},
            ExpressionAttributeValues={":r": "RECEIVED", ":n": r["s3"]["object"]["size"], ":t": head["ContentType"]},
        )
