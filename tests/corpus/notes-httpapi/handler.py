"""Notes API: one Lambda function for every route of an HTTP API."""
import base64
import json
import os
from datetime import datetime, timezone

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

table = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"])
PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "20"))


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def reply(status, body=None, headers=None):
    out = {"statusCode": status, "headers": {"content-type": "application/json", **(headers or {})}}
    if body is not None:
        out["body"] = json.dumps(body)
    return out


def note_out(item):
    return {"noteId": item["noteId"], "title": item["title"], "content": item.get("content", ""),
            "pinned": item.get("pinned", False), "version": int(item["version"]),
            "createdAt": item["createdAt"], "updatedAt": item["updatedAt"]}


def body_of(event):
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    try:
        data = json.loads(raw)
    except ValueError:
        raise HttpError(400, "request body must be a JSON object")
    if not isinstance(data, dict):
        raise HttpError(400, "request body must be a JSON object")
    return data


def list_notes(user, event):
    query = {"KeyConditionExpression": Key("userId").eq(user), "Limit": PAGE_SIZE}
    token = (event.get("queryStringParameters") or {}).get("nextToken")
    if token:
        query["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(token))
    page = table.query(**query)
    out = {"notes": [note_out(i) for i in page["Items"]]}
    if "LastEvaluatedKey" in page:
        out["nextToken"] = base64.urlsafe_b64encode(json.dumps(page["LastEvaluatedKey"]).encode()).decode()
    return reply(200, out)


def create_note(user, event):
    data = body_of(event)
    if not data.get("noteId") or not data.get("title"):
        raise HttpError(400, "noteId and title are required")
    now = datetime.now(timezone.utc).isoformat()
    item = {"userId": user, "noteId": data["noteId"], "title": data["title"], "content": data.get("content", ""),
            "pinned": bool(data.get("pinned", False)), "version": 1, "createdAt": now, "updatedAt": now}
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(noteId)")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise HttpError(409, f"note {data['noteId']} already exists")
        raise
    return reply(201, note_out(item), {"location": f"/notes/{data['noteId']}"})


def get_note(user, event):
    item = table.get_item(Key={"userId": user, "noteId": event["pathParameters"]["noteId"]}).get("Item")
    if not item:
        raise HttpError(404, "note not found")
    # Anything without a statusCode is sent as a 200 JSON body by an HTTP API.
    return note_out(item)


def patch_note(user, event):
    data = body_of(event)
    allowed = {k: data[k] for k in ("title", "content", "pinned") if k in data}
    if not allowed:
        raise HttpError(400, "nothing to update")
    names = {f"#{k}": k for k in allowed}
    values = {f":{k}": v for k, v in allowed.items()}
    values[":now"] = datetime.now(timezone.utc).isoformat()
    values[":one"] = 1
    sets = ", ".join(f"#{k} = :{k}" for k in allowed)
    condition = "attribute_exists(noteId)"
    if "expectedVersion" in data:
        condition += " AND version = :expected"
        values[":expected"] = data["expectedVersion"]
    try:
        new = table.update_item(
            Key={"userId": user, "noteId": event["pathParameters"]["noteId"]},
            UpdateExpression=f"SET {sets}, updatedAt = :now ADD version :one",
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )["Attributes"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        old = e.response.get("Item")
        if not old:
            raise HttpError(404, "note not found")
        raise HttpError(409, f"version conflict: the note is at version {int(old['version']['N'])}")
    return reply(200, note_out(new))


def delete_note(user, event):
    old = table.delete_item(Key={"userId": user, "noteId": event["pathParameters"]["noteId"]},
                            ReturnValues="ALL_OLD").get("Attributes")
    if not old:
        raise HttpError(404, "note not found")
    return {"statusCode": 204}


ROUTES = {
    "GET /notes": list_notes,
    "POST /notes": create_note,
    "GET /notes/{noteId}": get_note,
    "PATCH /notes/{noteId}": patch_note,
    "DELETE /notes/{noteId}": delete_note,
}


def main(event, context):
    user = event["headers"].get("x-user-id")
    try:
        if not user:
            raise HttpError(401, "x-user-id header is required")
        return ROUTES[event["routeKey"]](user, event)
    except HttpError as e:
        return reply(e.status, {"message": str(e)})
