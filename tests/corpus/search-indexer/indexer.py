import json
import os
import re

import boto3
from boto3.dynamodb.conditions import Key

index = boto3.resource("dynamodb").Table(os.environ["INDEX_TABLE"])
STOP = {"a", "an", "and", "the", "of", "to", "in", "is", "on"}


def tokens(text):
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1}


def unindex(doc_id):
    old = index.query(IndexName="byDoc", KeyConditionExpression=Key("docId").eq(doc_id))["Items"]
    with index.batch_writer() as batch:
        for entry in old:
            batch.delete_item(Key={"token": entry["token"], "docId": doc_id})


def handle(event, context):
    failures = []
    for record in event["Records"]:
        ddb = record["dynamodb"]
        doc_id = ddb["Keys"]["docId"]["S"]
        try:
            unindex(doc_id)
            if record["eventName"] == "REMOVE":
                continue
            image = ddb["NewImage"]
            if "title" not in image:
                raise ValueError(f"document {doc_id} has no title")
            words = tokens(image["title"]["S"] + " " + image.get("body", {}).get("S", ""))
            with index.batch_writer() as batch:
                for word in words:
                    batch.put_item(Item={"token": word, "docId": doc_id, "title": image["title"]["S"]})
        except ValueError as e:
            print(f"cannot index: {e}")
            # Kept beside the index so operators can see what keeps failing.
            index.update_item(Key={"token": "__failures__", "docId": f"failed#{doc_id}"}, UpdateExpression="ADD attempts :one",
                              ExpressionAttributeValues={":one": 1})
            failures.append({"itemIdentifier": ddb["SequenceNumber"]})
            break
    return {"batchItemFailures": failures}


def search(event, context):
    words = sorted(tokens(event["queryStringParameters"]["q"]))
    hits = None
    titles = {}
    for word in words:
        found = index.query(KeyConditionExpression=Key("token").eq(word))["Items"]
        titles.update({i["docId"]: i["title"] for i in found})
        ids = {i["docId"] for i in found}
        hits = ids if hits is None else hits & ids
    results = [{"docId": d, "title": titles[d]} for d in sorted(hits or [])]
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"query": words, "results": results})}
