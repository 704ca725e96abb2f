import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request

import boto3

attempts = boto3.resource("dynamodb").Table(os.environ["ATTEMPTS_TABLE"])
SECRET = os.environ["SIGNING_SECRET"].encode()


def post(url, payload, attempt):
    body = json.dumps(payload, separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(SECRET, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "Webhook-Timestamp": stamp,
        "Webhook-Signature": f"v1={signature}",
        "Webhook-Attempt": str(attempt),
    })
    try:
        with urllib.request.urlopen(req, timeout=1.5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, TimeoutError):
        return 0


def handle(event, context):
    failures = []
    for record in event["Records"]:
        delivery = json.loads(record["body"])
        attempt = int(record["attributes"]["ApproximateReceiveCount"])
        status = post(delivery["url"], delivery["payload"], attempt)
        attempts.put_item(Item={"deliveryId": delivery["id"], "attempt": attempt, "status": status})
        if not 200 <= status < 300:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
