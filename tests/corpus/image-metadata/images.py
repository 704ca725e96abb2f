import os
import struct
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["METADATA_TABLE"])
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(head):
    if head[:8] != PNG_MAGIC or head[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", head[16:24])


def extract(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        # Only the header is needed: a ranged GET.
        obj = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-32")
        head = obj["Body"].read()
        item = {"key": key, "bucket": bucket, "size": record["s3"]["object"]["size"],
                "eTag": record["s3"]["object"]["eTag"], "event": record["eventName"],
                "contentRange": obj.get("ContentRange", "")}
        try:
            item["width"], item["height"] = png_size(head)
        except ValueError as e:
            item["error"] = str(e)
        table.put_item(Item=item)


def forget(event, context):
    for record in event["Records"]:
        table.delete_item(Key={"key": unquote_plus(record["s3"]["object"]["key"])})
