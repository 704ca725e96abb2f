"""REST API (payload 1.0) handlers, written as Lambda functions behind API Gateway are."""
import base64
import json


def echo(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"X-Seen": ["one", "two"]},
        "body": json.dumps({"event": event, "function": context.function_name}),
    }


def create(event, context):
    item = json.loads(event["body"])
    item["id"] = "7"
    return {"statusCode": 201, "headers": {"Location": "/items/7"}, "body": json.dumps(item)}


def health(event, context):
    return {"statusCode": "200", "body": "ok"}


def picture(event, context):
    if event["httpMethod"] == "POST":
        # What the function got: the bytes, base64-encoded, for a binary media type.
        return {"statusCode": 200, "body": json.dumps({"b64": event["isBase64Encoded"], "body": event["body"]})}
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(png).decode(), "isBase64Encoded": True}


def malformed(event, context):
    # API Gateway wants the body as a string: an object is a malformed proxy response.
    return {"statusCode": 200, "body": {"not": "a string"}}


def crash(event, context):
    raise RuntimeError("boom")


def enqueue(event, context):
    # Invoked as an event with the lambda integration's event: what it got goes to the log.
    print("enqueued " + json.dumps({k: event[k] for k in ["body", "method", "stage", "path", "query", "requestPath"]},
                                  sort_keys=True))
