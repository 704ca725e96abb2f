"""The JSON API under /api/."""
import json
import os
import time

STARTED = time.time()
ITEMS = {"1": {"id": "1", "name": "kettle"}, "2": {"id": "2", "name": "teapot"}}


def reply(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def router(event, context):
    method = event["requestContext"]["http"]["method"]
    parts = [p for p in event["pathParameters"]["proxy"].split("/") if p]
    if parts == ["items"] and method == "GET":
        return reply(200, sorted(ITEMS.values(), key=lambda i: i["id"]))
    if parts == ["items"] and method == "POST":
        item = json.loads(event.get("body") or "{}")
        item["id"] = str(len(ITEMS) + 1)
        ITEMS[item["id"]] = item
        return reply(201, item)
    if len(parts) == 2 and parts[0] == "items" and method == "GET":
        item = ITEMS.get(parts[1])
        return reply(200, item) if item else reply(404, {"error": "no such item"})
    if parts == ["files"]:
        root = os.environ["LAMBDA_TASK_ROOT"]
        names = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
                       if "__pycache__" not in d)
        return reply(200, names)
    return reply(404, {"error": f"no route for {method} /api/{'/'.join(parts)}"})


def status(event, context):
    return reply(200, {"ok": True, "route": event["routeKey"], "uptime": round(time.time() - STARTED, 3)})
