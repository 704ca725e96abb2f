"""Corpus services that depend on what Lambda's runtimes provide (tests/corpus: leaderboard,
node-todos-sdk, contact-form): Decimal results, the AWS SDK v3 for Node.js, the Python root
log handler; checked against what AWS answers.

Usage: corpus_runtimes.py leaderboard HTTP_BASE
       corpus_runtimes.py node-todos-sdk HTTP_BASE
       corpus_runtimes.py contact-form HTTP_BASE SQUALL_BIN   (reads the log with `squall logs`)
Exits non-zero with the failing check on the first failure."""
import json
import os
import subprocess
import sys

import boto3
from corpus_common import call, check

WHICH, BASE = sys.argv[1], sys.argv[2].rstrip("/")
lam = boto3.client("lambda")



if WHICH == "leaderboard":
    # Lambda's Python runtime serializes Decimal (what boto3 returns for DynamoDB numbers)
    # as JSON numbers; a handler may return items as they are.
    for player, score in [("ada", 120.5), ("bob", 99), ("cy", 130), ("ada", 100)]:
        status, _ = call("POST", f"{BASE}/leaderboard/dev/games/g1/scores", {"player": player, "score": score})
        check(status == 202, f"leaderboard: submit {player}")
    out = lam.invoke(FunctionName="leaderboard-dev-top", Payload=json.dumps({"game": "g1"}).encode())
    payload = json.loads(out["Payload"].read())
    check("FunctionError" not in out, f"leaderboard: returning DynamoDB items with Decimal numbers succeeds ({payload})")
    check(payload == {"game": "g1", "top": [
        {"game": "g1", "player": "cy", "score": 130, "plays": 1},
        {"game": "g1", "player": "ada", "score": 120.5, "plays": 1},
        {"game": "g1", "player": "bob", "score": 99, "plays": 1}]}, "leaderboard: numbers come out as JSON numbers")
    print("all corpus leaderboard checks passed")
elif WHICH == "node-todos-sdk":
    # Lambda's nodejs18.x and later runtimes include the AWS SDK for JavaScript v3.
    api = f"{BASE}/node-todos-sdk/dev/lists/groceries/todos"
    status, body = call("POST", api, {"title": "  oat milk "})
    check(status == 201 and body["title"] == "oat milk" and body["done"] is False,
          f"node-sdk: create through @aws-sdk/lib-dynamodb ({status} {body})")
    todo = body
    status, body = call("POST", api, {"title": ""})
    check(status == 400, "node-sdk: validation")
    status, body = call("GET", api)
    check(status == 200 and body["count"] == 1 and body["todos"][0]["todoId"] == todo["todoId"], "node-sdk: list")
    status, body = call("DELETE", f"{api}/{todo['todoId']}")
    check(status == 204, "node-sdk: delete")
    status, body = call("DELETE", f"{api}/{todo['todoId']}")
    check(status == 404, "node-sdk: delete again")
    print("all corpus node-todos-sdk checks passed")
elif WHICH == "contact-form":
    # Lambda's Python runtime puts a handler on the root logger, so logger.info() lines of
    # a function that set the level to INFO are in its log, as "[INFO]\t<time>\t<request id>\t...".
    status, body = call("POST", f"{BASE}/contact-form/dev/contact", {"email": "ada@example.com", "message": "hi"})
    check(status == 201 and len(body["id"]) == 36, "contact: a message is stored")
    status, _ = call("POST", f"{BASE}/contact-form/dev/contact", {"email": "ada@example.com"})
    check(status == 400, "contact: validation")
    env = dict(os.environ, SQUALL_ENDPOINT=os.environ["AWS_ENDPOINT_URL"],
               SQUALL_DATA_DIR=os.path.dirname(os.environ["AWS_SHARED_CREDENTIALS_FILE"]))
    logs = subprocess.run([sys.argv[3], "logs", "contact-form-dev-submit"], env=env, capture_output=True, text=True,
                          timeout=30).stdout
    check("rejected a submission without email or message" in logs, "contact: the WARNING line is in the log")
    line = next((x for x in logs.splitlines() if "stored contact message" in x), None)
    check(line is not None, "contact: the INFO line is in the log")
    check("[INFO]" in line, f"contact: formatted as Lambda's Python runtime formats it ({line})")
    print("all corpus contact-form checks passed")
