import json
import os
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

table = boto3.resource("dynamodb").Table(os.environ["SCORES_TABLE"])


def submit(event, context):
    data = json.loads(event["body"], parse_float=Decimal)
    game = event["pathParameters"]["game"]
    try:
        # Keep a player's best score only.
        table.update_item(
            Key={"game": game, "player": data["player"]},
            UpdateExpression="SET score = :s, plays = if_not_exists(plays, :zero) + :one",
            ConditionExpression="attribute_not_exists(score) OR score < :s",
            ExpressionAttributeValues={":s": data["score"], ":zero": 0, ":one": 1},
        )
        best = True
    except ClientError as e:
        if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        best = False
    return {"statusCode": 202, "body": json.dumps({"accepted": True, "personalBest": best})}


def top(event, context):
    # Lambda's Python runtime serializes Decimal, so the items are returned as they are.
    result = table.query(IndexName="byScore", KeyConditionExpression=Key("game").eq(event["game"]),
                         ScanIndexForward=False, Limit=event.get("limit", 3))
    return {"game": event["game"], "top": result["Items"]}
